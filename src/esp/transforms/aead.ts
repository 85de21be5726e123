// Combined-mode encryption (RFC 4303 3.2.3): AES-GCM (RFC 4106) and ChaCha20-Poly1305
// (RFC 7634), both with the same ESP shape: key material = key || 4-byte salt, an 8-byte IV on
// the wire, nonce = salt || IV (RFC 4106 4, RFC 7634 2), AAD = SPI || sequence number, or
// SPI || seq-hi || seq-lo with ESN (RFC 4106 5, RFC 7634 2.1), ICV = the tag.
import type { CipherGCMTypes, KeyObject } from 'node:crypto';
import { createCipheriv, createDecipheriv, createSecretKey } from 'node:crypto';
import { u32, writeU32 } from '../../wire/bytes.js';
import type { EspTransformOps } from './ops.js';
import { copySmall, ESP_HEADER_LENGTH, finalVerifies, view } from './ops.js';
import { AAD_ESN, AAD_PLAIN, NONCE, STAGING, tagScratch } from './scratch.js';

const SALT_LENGTH = 4;
const IV_LENGTH = 8;
const CT_OFFSET = ESP_HEADER_LENGTH + IV_LENGTH;

/** The minimal cipher surface shared by node's GCM and ChaCha20-Poly1305 objects. */
interface AeadCipher {
  setAAD(data: Uint8Array): unknown;
  update(data: Uint8Array): Buffer;
  final(): Buffer;
  getAuthTag(): Buffer;
}
interface AeadDecipher {
  setAAD(data: Uint8Array): unknown;
  setAuthTag(tag: Uint8Array): unknown;
  update(data: Uint8Array): Buffer;
  final(): Buffer;
}

/** 'aes-128-gcm' | 'aes-192-gcm' | 'aes-256-gcm', or 'chacha20-poly1305'. */
export type AeadAlgorithm = CipherGCMTypes | 'chacha20-poly1305';

/** One frozen options object per tag length, shared by all SAs. */
const TAG_OPTIONS = new Map<number, { readonly authTagLength: number }>();

function tagOptions(length: number): { readonly authTagLength: number } {
  let o = TAG_OPTIONS.get(length);
  if (o === undefined) {
    o = Object.freeze({ authTagLength: length });
    TAG_OPTIONS.set(length, o);
  }
  return o;
}

/**
 * Per-SA key and salt for one AEAD; the nonce is assembled in shared scratch per packet.
 * The transforms extend it rather than hold it: one object per SA, not two (a gateway keeps
 * a million of these; the constant wire lengths live on the prototypes as getters for the
 * same reason).
 */
export class AeadKey {
  private readonly key: KeyObject;
  private readonly salt: number;
  private readonly options: { readonly authTagLength: number };
  private readonly chacha: boolean;

  /** keyMaterial = key || salt; the caller has checked its length. */
  constructor(private readonly algorithm: AeadAlgorithm, keyMaterial: Uint8Array, tagLength: number) {
    const keyLength = keyMaterial.length - SALT_LENGTH;
    this.key = createSecretKey(keyMaterial.subarray(0, keyLength));
    this.salt = u32(keyMaterial, keyLength);
    this.options = tagOptions(tagLength);
    this.chacha = algorithm === 'chacha20-poly1305';
  }

  /** salt || the 8-byte IV at packet[8..16), in shared scratch: node copies the nonce on init. */
  protected loadIv(packet: Buffer): Buffer {
    writeU32(NONCE, 0, this.salt);
    copySmall(packet, ESP_HEADER_LENGTH, NONCE, SALT_LENGTH, IV_LENGTH);
    return NONCE;
  }

  // The casts: @types/node declares ChaCha20-Poly1305's setAAD options as required, but node
  // reads them for CCM only (node docs, cipher.setAAD), so the GCM-shaped surface is accurate.
  cipher(packet: Buffer): AeadCipher {
    const iv = this.loadIv(packet);
    if (this.chacha) return createCipheriv('chacha20-poly1305', this.key, iv, this.options) as unknown as AeadCipher;
    return createCipheriv(this.algorithm as CipherGCMTypes, this.key, iv, this.options);
  }

  decipher(packet: Buffer): AeadDecipher {
    const iv = this.loadIv(packet);
    if (this.chacha) return createDecipheriv('chacha20-poly1305', this.key, iv, this.options) as unknown as AeadDecipher;
    return createDecipheriv(this.algorithm as CipherGCMTypes, this.key, iv, this.options);
  }
}

/**
 * The authenticated header, copied into shared scratch (cheaper than a view per packet):
 * SPI || seq, or SPI || seq-hi || seq-lo with ESN (RFC 4106 5, RFC 4543 3, RFC 7634 2.1).
 */
export function aadOf(packet: Buffer, esn: boolean, seqHi: number): Buffer {
  if (!esn) {
    copySmall(packet, 0, AAD_PLAIN, 0, 8);
    return AAD_PLAIN;
  }
  copySmall(packet, 0, AAD_ESN, 0, 4);
  writeU32(AAD_ESN, 4, seqHi);
  copySmall(packet, 4, AAD_ESN, 8, 4);
  return AAD_ESN;
}

/** AES-GCM with an 8, 12 or 16-byte ICV, or ChaCha20-Poly1305 (16). */
export class AeadTransform extends AeadKey implements EspTransformOps {
  get ivLength(): number { return IV_LENGTH; }
  /** Stream-like: only RFC 4303 2.4's 4-byte alignment. */
  get alignment(): number { return 4; }
  get aead(): boolean { return true; }
  get ivSource(): 'sequence' { return 'sequence'; }
  get minCiphertext(): number { return 2; }
  get clearText(): boolean { return false; }

  constructor(algorithm: AeadAlgorithm, keyMaterial: Uint8Array, readonly icvLength: number) {
    super(algorithm, keyMaterial, icvLength);
  }

  staging(length: number): Buffer {
    return STAGING.view(length);
  }

  seal(packet: Buffer, plaintextLength: number, esn: boolean, seqHi: number): void {
    const c = this.cipher(packet);
    c.setAAD(aadOf(packet, esn, seqHi));
    packet.set(c.update(STAGING.view(plaintextLength)), CT_OFFSET);
    c.final();
    packet.set(c.getAuthTag(), CT_OFFSET + plaintextLength);
  }

  open(packet: Buffer, ciphertextLength: number, esn: boolean, seqHi: number): Buffer | null {
    const icvOffset = CT_OFFSET + ciphertextLength;
    const d = this.decipher(packet);
    d.setAAD(aadOf(packet, esn, seqHi));
    // The received tag, copied out of the packet into scratch (node copies it again).
    const tag = tagScratch(this.icvLength);
    copySmall(packet, icvOffset, tag, 0, this.icvLength);
    d.setAuthTag(tag);
    const plaintext = d.update(view(packet, CT_OFFSET, icvOffset));
    // RFC 4106 / RFC 7634: the tag is checked in final().
    return finalVerifies(d) ? plaintext : null;
  }
}
