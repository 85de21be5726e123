// HMAC integrity for ESP with separate encryption (RFC 4303 3.3.2.1 / 3.4.4), over node:crypto.
// The ICV is the HMAC truncated to its leftmost bytes: HMAC-SHA1-96 (RFC 2404 2),
// HMAC-SHA-256-128 / 384-192 / 512-256 (RFC 4868 2.6: key length = hash output length).
import type { KeyObject } from 'node:crypto';
import { createHmac, createSecretKey, timingSafeEqual } from 'node:crypto';
import { writeU32 } from '../../wire/bytes.js';
import type { IntegrityAlgorithm } from '../transform-spec.js';
import { copySmall } from './ops.js';
import { icvScratch, SEQ_HI } from './scratch.js';

export type HmacAlgorithm = Exclude<IntegrityAlgorithm, 'none'>;

export interface HmacParameters {
  readonly hash: 'sha1' | 'sha256' | 'sha384' | 'sha512';
  /** Key bytes (RFC 2404 3: 160 bits; RFC 4868 2.6: the hash output length). */
  readonly keyLength: number;
  /** Truncated ICV bytes (RFC 2404 2: 96 bits; RFC 4868 2.6: half the output). */
  readonly icvLength: number;
}

export const HMAC_PARAMETERS: Readonly<Record<HmacAlgorithm, HmacParameters>> = Object.freeze({
  'hmac-sha1-96': { hash: 'sha1', keyLength: 20, icvLength: 12 },
  'hmac-sha256-128': { hash: 'sha256', keyLength: 32, icvLength: 16 },
  'hmac-sha384-192': { hash: 'sha384', keyLength: 48, icvLength: 24 },
  'hmac-sha512-256': { hash: 'sha512', keyLength: 64, icvLength: 32 },
});

/** One SA's HMAC: the key is held as a KeyObject created once. */
export class HmacIcv {
  readonly icvLength: number;
  private readonly hash: string;
  private readonly key: KeyObject;

  /** The caller (createEspCipher) has checked the key length. */
  constructor(algorithm: HmacAlgorithm, key: Uint8Array) {
    const p = HMAC_PARAMETERS[algorithm];
    this.hash = p.hash;
    this.icvLength = p.icvLength;
    this.key = createSecretKey(key);
  }

  /** The full (untruncated) HMAC over data, followed by seqHi when esn. */
  private digest(data: Uint8Array, esn: boolean, seqHi: number): Buffer {
    const h = createHmac(this.hash, this.key).update(data);
    if (esn) {
      // RFC 4303 3.3.2.1: with ESN the high 32 bits are appended for the ICV only, never sent.
      writeU32(SEQ_HI, 0, seqHi);
      h.update(SEQ_HI);
    }
    return h.digest();
  }

  /** Truncated ICV of data (|| seqHi with ESN), written into out at off. */
  sign(data: Uint8Array, esn: boolean, seqHi: number, out: Buffer, off: number): void {
    copySmall(this.digest(data, esn, seqHi), 0, out, off, this.icvLength);
  }

  /**
   * Compares the ICV at packet[icvOffset, + icvLength) with the truncated HMAC of data using
   * crypto.timingSafeEqual (both copied to shared scratch first: no views per packet).
   */
  verify(data: Uint8Array, esn: boolean, seqHi: number, packet: Uint8Array, icvOffset: number): boolean {
    const { expected, received } = icvScratch(this.icvLength);
    copySmall(this.digest(data, esn, seqHi), 0, expected, 0, this.icvLength);
    copySmall(packet, icvOffset, received, 0, this.icvLength);
    return timingSafeEqual(expected, received);
  }
}
