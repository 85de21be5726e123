// The IKEv2 pseudorandom function and its expansion prf+ (RFC 7296 2.13), over node:crypto's HMAC.
import { createHmac } from 'node:crypto';
import type { PrfSpec } from './transforms.js';

/** RFC 7296 2.13: the counter octet runs 0x01..0xFF, so prf+ yields at most 255 blocks. */
export const PRF_PLUS_MAX_BLOCKS = 255;

export function prf(spec: PrfSpec, key: Uint8Array, data: Uint8Array): Buffer {
  return createHmac(spec.hash, key).update(data).digest();
}

/**
 * prf+ (K, S) = T1 | T2 | T3 | ..., T1 = prf (K, S | 0x01), Tn = prf (K, Tn-1 | S | n),
 * truncated to `length` octets. Throws a RangeError for a length beyond 255 blocks: the RFC
 * leaves it undefined, and every caller asks for a length fixed by negotiated transforms.
 */
export function prfPlus(spec: PrfSpec, key: Uint8Array, seed: Uint8Array, length: number): Buffer {
  if (!Number.isInteger(length) || length < 0) throw new RangeError(`length must be an integer >= 0, got ${length}`);
  const blocks = Math.ceil(length / spec.outputLength);
  if (blocks > PRF_PLUS_MAX_BLOCKS) {
    throw new RangeError(`prf+ yields at most ${PRF_PLUS_MAX_BLOCKS * spec.outputLength} octets with ${spec.name}, asked for ${length}`);
  }
  const out = Buffer.alloc(blocks * spec.outputLength);
  const counter = Buffer.alloc(1);
  let previous: Buffer | null = null;
  for (let n = 1; n <= blocks; n++) {
    counter[0] = n;
    const h = createHmac(spec.hash, key);
    if (previous !== null) h.update(previous);
    previous = h.update(seed).update(counter).digest();
    previous.copy(out, (n - 1) * spec.outputLength);
  }
  return out.subarray(0, length);
}
