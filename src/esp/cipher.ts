// A keyed ESP transform: one object per SA, created once, used for every packet.
// createEspCipher checks the spec and key lengths (misuse throws, naming the parameter) and
// picks the transform family; encapsulate.ts and decapsulate.ts drive it per packet.
import type { CipherGCMTypes } from 'node:crypto';
import type { EncryptionAlgorithm, IntegrityAlgorithm, KeyMaterial, TransformSpec } from './transform-spec.js';
import { saltLengthOf } from './transform-spec.js';
import { AeadTransform } from './transforms/aead.js';
import { GmacTransform } from './transforms/gmac.js';
import { HMAC_PARAMETERS, HmacIcv } from './transforms/integrity.js';
import type { EspTransformOps } from './transforms/ops.js';
import type { Encryption } from './transforms/separate.js';
import { CbcEncryption, CtrEncryption, NullEncryption, SeparateTransform } from './transforms/separate.js';

/**
 * A keyed ESP transform as the rest of the stack sees it: the wire shape as plain fields. The
 * objects createEspCipher() returns also carry the keyed operations, which only encapsulate()
 * and decapsulate() reach (through transformOf); other objects of this shape (test doubles in
 * the SAD, for instance) are refused there with a TypeError.
 */
export interface EspCipher {
  readonly spec: TransformSpec;
  /** Bytes of IV carried on the wire after the ESP header (0 for NULL encryption). */
  readonly ivLength: number;
  /** Bytes of ICV at the end of the packet. */
  readonly icvLength: number;
  /** Payload + padding + 2 trailer bytes are padded to a multiple of this (RFC 4303 2.4: at least 4). */
  readonly alignment: number;
  /** True for combined-mode algorithms (RFC 4303 3.2.3): AES-GCM, ChaCha20-Poly1305, AES-GMAC. */
  readonly aead: boolean;
}

const ENCRYPTIONS: readonly EncryptionAlgorithm[] = ['aes-gcm', 'chacha20-poly1305', 'aes-gmac', 'aes-cbc', 'aes-ctr', 'null'];
const INTEGRITIES: readonly IntegrityAlgorithm[] = ['hmac-sha1-96', 'hmac-sha256-128', 'hmac-sha384-192', 'hmac-sha512-256', 'none'];
const COMBINED: ReadonlySet<EncryptionAlgorithm> = new Set(['aes-gcm', 'chacha20-poly1305', 'aes-gmac']);

/**
 * Keys one SA. Throws TypeError for values of the wrong type and RangeError for unsupported
 * combinations (AEAD with an HMAC, non-AEAD without one), bad ICV lengths and wrong key lengths.
 * Keys are copied: later changes to `keys` do not affect the cipher.
 */
export function createEspCipher(spec: TransformSpec, keys: KeyMaterial): EspCipher {
  checkShape(spec, keys);
  checkCombination(spec);
  const icvLength = checkIcvLength(spec);
  const keyBits = checkEncryptionKey(spec, keys.encryptionKey);
  checkIntegrityKey(spec.integrity, keys.integrityKey);
  const ops = buildTransform(spec, keys, keyBits, icvLength);
  return new KeyedCipher(internSpec(spec, keyBits, icvLength), ops);
}

/** The keyed operations behind a cipher from createEspCipher(); TypeError naming `name` otherwise. */
export function transformOf(cipher: EspCipher, name: string): EspTransformOps {
  if (cipher instanceof KeyedCipher) return cipher.ops;
  throw new TypeError(`${name} must be an EspCipher from createEspCipher()`);
}

/** Binds a spec to its transform; the per-packet calls go straight to `ops`. */
class KeyedCipher implements EspCipher {
  constructor(readonly spec: TransformSpec, readonly ops: EspTransformOps) {}

  // Read through to the transform: two fields per cipher instead of six (memory per SA).
  get ivLength(): number { return this.ops.ivLength; }
  get icvLength(): number { return this.ops.icvLength; }
  get alignment(): number { return this.ops.alignment; }
  get aead(): boolean { return this.ops.aead; }
}

/** One frozen spec object per distinct transform, shared by every SA that uses it. */
const SPECS = new Map<string, TransformSpec>();

function internSpec(spec: TransformSpec, keyBits: number, icvLength: number): TransformSpec {
  const frozen: TransformSpec = Object.freeze({ ...spec });
  // The spec as given (keyBits/icvLength may be absent) plus what they resolved to.
  const key = `${JSON.stringify(frozen)}|${keyBits}|${icvLength}`;
  const known = SPECS.get(key);
  if (known !== undefined) return known;
  SPECS.set(key, frozen);
  return frozen;
}

function checkShape(spec: TransformSpec, keys: KeyMaterial): void {
  if (typeof spec !== 'object' || spec === null) throw new TypeError('spec must be a TransformSpec object');
  if (typeof keys !== 'object' || keys === null) throw new TypeError('keys must be a KeyMaterial object');
  if (!(keys.encryptionKey instanceof Uint8Array)) throw new TypeError('keys.encryptionKey must be a Uint8Array');
  if (!(keys.integrityKey instanceof Uint8Array)) throw new TypeError('keys.integrityKey must be a Uint8Array');
  if (!ENCRYPTIONS.includes(spec.encryption)) {
    throw new RangeError(`spec.encryption must be one of ${ENCRYPTIONS.join(', ')}; got ${String(spec.encryption)}`);
  }
  if (!INTEGRITIES.includes(spec.integrity)) {
    throw new RangeError(`spec.integrity must be one of ${INTEGRITIES.join(', ')}; got ${String(spec.integrity)}`);
  }
}

/**
 * RFC 4303 3.2.3: combined mode carries its own integrity, so no HMAC is added. Confidentiality-only
 * ESP (allowed by RFC 4303 3.2) is refused: without an ICV it is open to active attacks.
 */
function checkCombination(spec: TransformSpec): void {
  const combined = COMBINED.has(spec.encryption);
  if (combined && spec.integrity !== 'none') {
    throw new RangeError(`spec.integrity must be 'none' with combined-mode ${spec.encryption}; got ${spec.integrity}`);
  }
  if (!combined && spec.integrity === 'none') {
    throw new RangeError(`spec.integrity must be an HMAC with ${spec.encryption}: ESP without integrity is not supported`);
  }
}

/** RFC 4106 6: AES-GCM allows 8, 12 or 16-byte ICVs; every other transform has one fixed length. */
function checkIcvLength(spec: TransformSpec): number {
  const fixed = fixedIcvLength(spec);
  const given = spec.icvLength;
  if (spec.encryption === 'aes-gcm') {
    if (given === undefined) return 16;
    if (given === 8 || given === 12 || given === 16) return given;
    throw new RangeError(`spec.icvLength must be 8, 12 or 16 for aes-gcm; got ${String(given)}`);
  }
  if (given !== undefined && given !== fixed) {
    throw new RangeError(`spec.icvLength must be ${fixed} (or absent) for ${spec.encryption}/${spec.integrity}; got ${String(given)}`);
  }
  return fixed;
}

function fixedIcvLength(spec: TransformSpec): number {
  if (spec.integrity !== 'none') return HMAC_PARAMETERS[spec.integrity].icvLength;
  return 16; // ChaCha20-Poly1305 (RFC 7634 2) and AES-GMAC (RFC 4543 3); aes-gcm is handled by the caller
}

/**
 * Checks keys.encryptionKey against the spec and returns the AES key size in bits (0 when
 * not AES). keyBits may be absent for AES: it is then taken from the key length.
 */
function checkEncryptionKey(spec: TransformSpec, key: Uint8Array): number {
  const salt = saltLengthOf(spec.encryption);
  if (spec.encryption === 'null') {
    expectKeyLength('keys.encryptionKey', key, 0, 'null encryption takes no key');
    return 0;
  }
  if (spec.encryption === 'chacha20-poly1305') {
    expectKeyLength('keys.encryptionKey', key, 32 + salt, '256-bit key || 4-byte salt (RFC 7634)');
    return 0;
  }
  const keyBits = spec.keyBits ?? inferKeyBits(key.length - salt);
  if (keyBits !== 128 && keyBits !== 192 && keyBits !== 256) {
    throw new RangeError(`spec.keyBits must be 128, 192 or 256 for ${spec.encryption}; got ${String(spec.keyBits)}`);
  }
  const what = salt > 0 ? `${keyBits}-bit key || 4-byte salt/nonce` : `${keyBits}-bit key`;
  expectKeyLength('keys.encryptionKey', key, keyBits / 8 + salt, what);
  return keyBits;
}

function inferKeyBits(keyLength: number): number | undefined {
  return keyLength === 16 || keyLength === 24 || keyLength === 32 ? keyLength * 8 : undefined;
}

function checkIntegrityKey(integrity: IntegrityAlgorithm, key: Uint8Array): void {
  if (integrity === 'none') {
    expectKeyLength('keys.integrityKey', key, 0, 'combined-mode transforms take no integrity key');
    return;
  }
  const p = HMAC_PARAMETERS[integrity];
  expectKeyLength('keys.integrityKey', key, p.keyLength, `${integrity} key (RFC 2404 3 / RFC 4868 2.6)`);
}

function expectKeyLength(name: string, key: Uint8Array, length: number, what: string): void {
  if (key.length !== length) throw new RangeError(`${name} must be ${length} bytes (${what}); got ${key.length}`);
}

function buildTransform(spec: TransformSpec, keys: KeyMaterial, keyBits: number, icvLength: number): EspTransformOps {
  const key = keys.encryptionKey;
  switch (spec.encryption) {
    case 'aes-gcm':
      return new AeadTransform(gcmName(keyBits), key, icvLength);
    case 'chacha20-poly1305':
      return new AeadTransform('chacha20-poly1305', key, icvLength);
    case 'aes-gmac':
      return new GmacTransform(gcmName(keyBits), key);
    default:
      return new SeparateTransform(separateEncryption(spec.encryption, keyBits, key), hmacOf(spec, keys));
  }
}

function separateEncryption(encryption: EncryptionAlgorithm, keyBits: number, key: Uint8Array): Encryption {
  if (encryption === 'aes-cbc') return new CbcEncryption(keyBits, key);
  if (encryption === 'aes-ctr') return new CtrEncryption(keyBits, key);
  return new NullEncryption();
}

function hmacOf(spec: TransformSpec, keys: KeyMaterial): HmacIcv {
  if (spec.integrity === 'none') throw new Error('assertion: checkCombination let a non-AEAD without integrity through');
  return new HmacIcv(spec.integrity, keys.integrityKey);
}

function gcmName(keyBits: number): CipherGCMTypes {
  return `aes-${keyBits}-gcm` as CipherGCMTypes;
}
