// A naive ESP sealer written straight from the RFC text, as the tests' reference model:
// Buffer.concat everywhere, raw key Buffers, full-length tags truncated by hand, no staging,
// no shared code with src/esp. It also seals arbitrary plaintexts, so tests can build
// authentic packets with deliberately wrong trailers.
import { createCipheriv, createHmac } from 'node:crypto';
import type { KeyMaterial, TransformSpec } from '../../src/esp/transform-spec.js';

export interface RawSeal {
  spi: number;
  seqHi: number;
  seqLo: number;
  esn: boolean;
  /** The IV field; for the counter modes use (seqHi, seqLo) to match encapsulate()'s default. */
  iv: Buffer;
  /** Whatever is to be encrypted, trailer included. */
  plaintext: Buffer;
}

const u32 = (n: number): Buffer => {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n >>> 0);
  return b;
};

const HASH = { 'hmac-sha1-96': ['sha1', 12], 'hmac-sha256-128': ['sha256', 16], 'hmac-sha384-192': ['sha384', 24], 'hmac-sha512-256': ['sha512', 32] } as const;

/** RFC 4303 2.4: alignment of payload + padding + 2 (RFC 3602: AES block; otherwise 4). */
export function referenceAlignment(spec: TransformSpec): number {
  return spec.encryption === 'aes-cbc' ? 16 : 4;
}

/** payload || TFC zeros || 1..n || n || next header, with the minimal n. */
export function referencePlaintext(spec: TransformSpec, payload: Uint8Array, nextHeader: number, tfcPadTo = 0): Buffer {
  const body = Buffer.concat([payload, Buffer.alloc(Math.max(0, tfcPadTo - payload.length))]);
  const align = referenceAlignment(spec);
  let pad = 0;
  while ((body.length + pad + 2) % align !== 0) pad++;
  const padding = Buffer.from(Array.from({ length: pad }, (_, i) => i + 1));
  return Buffer.concat([body, padding, Buffer.from([pad, nextHeader])]);
}

export function referenceSeal(spec: TransformSpec, keys: KeyMaterial, p: RawSeal): Buffer {
  const header = Buffer.concat([u32(p.spi), u32(p.seqLo)]);
  const esnHeader = Buffer.concat([u32(p.spi), u32(p.seqHi), u32(p.seqLo)]);
  const ek = Buffer.from(keys.encryptionKey);
  const bits = (ek.length - 4) * 8;
  switch (spec.encryption) {
    case 'aes-gcm':
    case 'chacha20-poly1305': {
      // RFC 4106 5 / RFC 7634 2.1: AAD = SPI || seq (ESN: SPI || hi || lo); nonce = salt || IV.
      const name = spec.encryption === 'aes-gcm' ? `aes-${bits}-gcm` : 'chacha20-poly1305';
      const c = createCipheriv(name as 'aes-128-gcm', ek.subarray(0, -4), Buffer.concat([ek.subarray(-4), p.iv]));
      c.setAAD(p.esn ? esnHeader : header);
      const ct = Buffer.concat([c.update(p.plaintext), c.final()]);
      const tag = c.getAuthTag().subarray(0, spec.icvLength ?? 16); // a shorter GCM tag is a prefix
      return Buffer.concat([header, p.iv, ct, tag]);
    }
    case 'aes-gmac': {
      // RFC 4543 3: everything is AAD, nothing is encrypted.
      const c = createCipheriv(`aes-${bits}-gcm` as 'aes-128-gcm', ek.subarray(0, -4), Buffer.concat([ek.subarray(-4), p.iv]));
      c.setAAD(Buffer.concat([p.esn ? esnHeader : header, p.iv, p.plaintext]));
      c.final();
      return Buffer.concat([header, p.iv, p.plaintext, c.getAuthTag()]);
    }
    default:
      return sealSeparate(spec, keys, p, header);
  }
}

function sealSeparate(spec: TransformSpec, keys: KeyMaterial, p: RawSeal, header: Buffer): Buffer {
  const ek = Buffer.from(keys.encryptionKey);
  let ct: Buffer;
  if (spec.encryption === 'aes-cbc') {
    const c = createCipheriv(`aes-${ek.length * 8}-cbc`, ek, p.iv).setAutoPadding(false);
    ct = Buffer.concat([c.update(p.plaintext), c.final()]);
  } else if (spec.encryption === 'aes-ctr') {
    // RFC 3686 4: counter block = nonce || IV || 0x00000001.
    const counter = Buffer.concat([ek.subarray(-4), p.iv, u32(1)]);
    ct = createCipheriv(`aes-${(ek.length - 4) * 8}-ctr`, ek.subarray(0, -4), counter).update(p.plaintext);
  } else {
    ct = Buffer.from(p.plaintext);
  }
  if (spec.integrity === 'none') throw new Error('reference: separate integrity needs an HMAC');
  const [hash, icvLength] = HASH[spec.integrity];
  const covered = Buffer.concat([header, p.iv, ct, p.esn ? u32(p.seqHi) : Buffer.alloc(0)]); // RFC 4303 3.3.2.1
  const icv = createHmac(hash, keys.integrityKey).update(covered).digest().subarray(0, icvLength);
  return Buffer.concat([header, p.iv, ct, icv]);
}

/** The IV encapsulate() sends by default for counter modes: the 64-bit sequence number. */
export function sequenceIv(seqHi: number, seqLo: number): Buffer {
  return Buffer.concat([u32(seqHi), u32(seqLo)]);
}

export function referenceIvLength(spec: TransformSpec): number {
  return spec.encryption === 'null' ? 0 : spec.encryption === 'aes-cbc' ? 16 : 8;
}
