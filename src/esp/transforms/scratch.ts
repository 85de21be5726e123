// Per-packet scratch shared by every SA. node:crypto copies IVs, nonces and tags when it takes
// them and consumes AAD and data synchronously, and a thread handles one packet at a time, so
// one set of scratch buffers serves all SAs. Per-SA buffers cost about 100 bytes of heap each
// (a Buffer object and its ArrayBuffer), which a database of a million SAs cannot afford.
import { Staging } from './ops.js';

/** salt (4) || IV (8): the AES-GCM / ChaCha20-Poly1305 / GMAC nonce (RFC 4106 4, RFC 7634 2). */
export const NONCE = Buffer.alloc(12);
/** SPI || seq (RFC 4106 5). */
export const AAD_PLAIN = Buffer.alloc(8);
/** SPI || seq-hi || seq-lo with ESN (RFC 4106 5). */
export const AAD_ESN = Buffer.alloc(12);
/** The CBC IV, or the CTR counter block nonce || IV || counter (RFC 3686 4). */
export const BLOCK = Buffer.alloc(16);
/** RFC 4303 3.3.2.1: seq-hi appended for the ICV only. */
export const SEQ_HI = Buffer.alloc(4);
/** Where encapsulate writes the plaintext that seal() encrypts right after. */
export const STAGING = new Staging();

const icvPairs = new Map<number, { readonly expected: Buffer; readonly received: Buffer }>();

/** Two scratch buffers of exactly `length` bytes, for a constant-time ICV comparison. */
export function icvScratch(length: number): { readonly expected: Buffer; readonly received: Buffer } {
  let pair = icvPairs.get(length);
  if (pair === undefined) {
    pair = { expected: Buffer.alloc(length), received: Buffer.alloc(length) };
    icvPairs.set(length, pair);
  }
  return pair;
}

const tags = new Map<number, Buffer>();

/** A scratch buffer of exactly `length` bytes for a received AEAD tag. */
export function tagScratch(length: number): Buffer {
  let tag = tags.get(length);
  if (tag === undefined) {
    tag = Buffer.alloc(length);
    tags.set(length, tag);
  }
  return tag;
}
