// Random IVs for AES-CBC (RFC 3602: the IV must be random and unpredictable). crypto.randomFillSync
// costs about 5.5 us per call on our test machine whatever the size (16 bytes or 4 KiB), so
// IVs are cut from a 4 KiB block of CSPRNG output refilled when used up: one call per 256
// CBC packets. Bytes are handed out once and never reused; the block lives only in this
// module. (Node does the same for crypto.randomUUID.)
import { randomFillSync } from 'node:crypto';
import { copySmall } from './ops.js';

const BLOCK = 4096;
const pool = Buffer.allocUnsafeSlow(BLOCK);
let used = BLOCK;

/** Writes `length` (at most 4096) fresh random bytes into out at off. */
export function fillRandomIv(out: Buffer, off: number, length: number): void {
  if (used + length > BLOCK) {
    randomFillSync(pool);
    used = 0;
  }
  copySmall(pool, used, out, off, length);
  used += length;
}
