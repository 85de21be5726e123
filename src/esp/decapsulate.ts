// Inbound ESP (RFC 4303 3.4): checks lengths, the ICV (before decrypting, RFC 4303 3.4.4),
// then the trailer. Network bytes never make it throw: every refusal is a typed failure.
// What the next header means (59 = dummy, unknown protocols) is for the caller to decide.
import type { EspCipher } from './cipher.js';
import { transformOf } from './cipher.js';
import { bufferView, ESP_HEADER_LENGTH } from './transforms/ops.js';

export type EspOpenFailure = 'too-short' | 'misaligned' | 'icv' | 'pad-length' | 'padding';

export type EspOpenResult =
  | { ok: true; nextHeader: number; payload: Buffer; padLength: number }
  | { ok: false; failure: EspOpenFailure; detail: string };

/**
 * Opens a whole ESP packet (starting at the SPI). `seqHi` is the high half of the sequence
 * number the caller inferred for this packet (RFC 4303 A.2); it is ignored when esn is false.
 * The payload may be a view of `esp` or of a fresh buffer. Misuse throws TypeError/RangeError.
 */
export function decapsulate(cipher: EspCipher, esp: Uint8Array, seqHi: number, esn: boolean): EspOpenResult {
  const ops = transformOf(cipher, 'cipher');
  checkOpenParams(esp, seqHi, esn);
  const packet = Buffer.isBuffer(esp) ? esp : Buffer.from(esp.buffer, esp.byteOffset, esp.byteLength);
  const overhead = ESP_HEADER_LENGTH + ops.ivLength + ops.icvLength;
  const ciphertextLength = packet.length - overhead;
  if (ciphertextLength < ops.minCiphertext) {
    return failure('too-short', `ESP packet of ${packet.length} bytes is shorter than ${overhead + ops.minCiphertext} (header, IV, ICV and trailer)`);
  }
  if (ciphertextLength % ops.alignment !== 0) {
    return failure('misaligned', `ciphertext of ${ciphertextLength} bytes is not a multiple of ${ops.alignment} (RFC 4303 2.4)`);
  }
  const opened = ops.open(packet, ciphertextLength, esn, esn ? seqHi : 0);
  if (opened === null) return failure('icv', `the ${ops.icvLength}-byte ICV does not verify${esn ? ` (ESN, seq-hi ${seqHi})` : ''}`);
  // Clear-text transforms return the packet itself, with the plaintext after the IV.
  const from = ops.clearText ? ESP_HEADER_LENGTH + ops.ivLength : 0;
  return readTrailer(opened, from, from + ciphertextLength);
}

/**
 * The plaintext is buf[from, to). RFC 4303 2.4: pad length counts the padding bytes before it,
 * and the padding bytes are 1, 2, 3, ...
 */
function readTrailer(buf: Buffer, from: number, to: number): EspOpenResult {
  const end = to - 2;
  const padLength = buf[end]!;
  if (padLength > end - from) return failure('pad-length', `pad length ${padLength} exceeds the ${end - from} bytes before the trailer`);
  const start = end - padLength;
  for (let i = 0; i < padLength; i++) {
    if (buf[start + i] !== i + 1) {
      return failure('padding', `padding byte ${i + 1} of ${padLength} is ${buf[start + i]}, not ${i + 1}`);
    }
  }
  return { ok: true, nextHeader: buf[end + 1]!, payload: bufferView(buf, from, start), padLength };
}

function failure(kind: EspOpenFailure, detail: string): EspOpenResult {
  return { ok: false, failure: kind, detail };
}

function checkOpenParams(esp: Uint8Array, seqHi: number, esn: boolean): void {
  if (!(esp instanceof Uint8Array)) throw new TypeError('esp must be a Uint8Array');
  if (typeof seqHi !== 'number') throw new TypeError(`seqHi must be a number; got ${typeof seqHi}`);
  if (!Number.isInteger(seqHi) || seqHi < 0 || seqHi > 0xffffffff) {
    throw new RangeError(`seqHi must be an integer in [0, 4294967295]; got ${seqHi}`);
  }
  if (typeof esn !== 'boolean') throw new TypeError('esn must be a boolean');
}
