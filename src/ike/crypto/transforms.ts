// IKE SA transforms as data (RFC 7296 3.3.2): every length a negotiated transform implies, and
// the name strongSwan writes for it in a proposal string, so logs and configs read alike.
import type { IntegrityAlgorithm, TransformSpec } from '../../esp/transform-spec.js';
import { saltLengthOf } from '../../esp/transform-spec.js';
import { HMAC_PARAMETERS } from '../../esp/transforms/integrity.js';
import { DH_GROUP, ENCR, INTEG, PRF } from '../message/numbers.js';

export type HashName = 'sha256' | 'sha384' | 'sha512';

export interface EncrSpec {
  readonly id: number;
  /** strongSwan's proposal keyword, e.g. aes128, aes256gcm16, chacha20poly1305. */
  readonly name: string;
  readonly kind: 'cbc' | 'aead';
  /** node:crypto cipher name. */
  readonly cipher: 'aes-128-cbc' | 'aes-192-cbc' | 'aes-256-cbc' | 'aes-128-gcm' | 'aes-192-gcm' | 'aes-256-gcm' | 'chacha20-poly1305';
  /** Cipher key octets, without the salt. */
  readonly keyLength: number;
  /** Octets of salt taken from the keymat after the key (RFC 5282 7.1, RFC 7634 2). */
  readonly saltLength: number;
  /** SK_e length: keyLength + saltLength (RFC 7296 2.14). */
  readonly keymatLength: number;
  /** IV octets carried in the Encrypted payload. */
  readonly ivLength: number;
  /** Padding alignment: the cipher block for CBC, 1 for the AEADs (no padding needed). */
  readonly blockSize: number;
  /** AEAD tag octets (the Encrypted payload's ICV); 0 for CBC, whose ICV comes from the integrity transform. */
  readonly icvLength: number;
}

export interface PrfSpec {
  readonly id: number;
  /** strongSwan: prfsha256, prfsha384, prfsha512. */
  readonly name: string;
  readonly hash: HashName;
  /** Octets of one PRF output (RFC 4868 2.1.2). */
  readonly outputLength: number;
  /** Preferred key length: SK_d, SK_pi and SK_pr take this many octets (RFC 7296 2.14; RFC 4868 2.1.2). */
  readonly keyLength: number;
  /** Non-null only for PRFs that take a fixed-size key (AES-XCBC/CMAC); HMAC takes any size (RFC 7296 2.14). */
  readonly fixedKeyLength: number | null;
}

export interface IntegSpec {
  readonly id: number;
  /** strongSwan: sha256, sha384, sha512. */
  readonly name: string;
  readonly hash: HashName;
  /** SK_a octets (RFC 4868 2.6: the hash output length). */
  readonly keyLength: number;
  /** Truncated ICV octets (RFC 4868 2.6: half the hash output). */
  readonly icvLength: number;
}

export interface DhSpec {
  readonly id: number;
  /** strongSwan: modp2048, ecp256, ecp384, ecp521, curve25519, curve448. */
  readonly name: string;
  readonly kind: 'modp' | 'ecp' | 'montgomery';
  /** Octets of the KE payload's Key Exchange Data (RFC 3526 / RFC 5903 7 / RFC 8031 2). */
  readonly publicKeyLength: number;
  /** Octets of g^ir as fed to the PRF. */
  readonly sharedSecretLength: number;
  /** node:crypto's name for the group or curve. */
  readonly nodeName: 'modp14' | 'prime256v1' | 'secp384r1' | 'secp521r1' | 'x25519' | 'x448';
}

const AES_KEY_BITS = [128, 192, 256] as const;
type AesKeyBits = (typeof AES_KEY_BITS)[number];

function isAesKeyBits(bits: number | null): bits is AesKeyBits {
  return bits !== null && (AES_KEY_BITS as readonly number[]).includes(bits);
}

/** RFC 5282 ids 18/19/20: the id fixes the ICV length (8/12/16). */
const GCM_ICV: Readonly<Record<number, 8 | 12 | 16>> = { [ENCR.AES_GCM_8]: 8, [ENCR.AES_GCM_12]: 12, [ENCR.AES_GCM_16]: 16 };

/**
 * The encryption transform `id` with its Key Length attribute in bits (null when absent).
 * AES needs the attribute (RFC 3602 / RFC 5282 8: 128, 192 or 256); ChaCha20-Poly1305 must come
 * without it (RFC 7634 3). Anything else, or a combination that breaks those rules: null.
 */
export function encrSpec(id: number, keyBits: number | null): EncrSpec | null {
  if (id === ENCR.CHACHA20_POLY1305) {
    if (keyBits !== null) return null;
    // RFC 7634 2 and 4: 256-bit key + 4-octet salt, 8-octet IV, 16-octet tag, stream cipher.
    return Object.freeze({ id, name: 'chacha20poly1305', kind: 'aead', cipher: 'chacha20-poly1305', keyLength: 32, saltLength: 4, keymatLength: 36, ivLength: 8, blockSize: 1, icvLength: 16 });
  }
  if (!isAesKeyBits(keyBits)) return null;
  const keyLength = keyBits / 8;
  if (id === ENCR.AES_CBC) {
    // RFC 3602 2.1 / RFC 7296 3.14: 16-octet block, IV of one block, no salt.
    return Object.freeze({ id, name: `aes${keyBits}`, kind: 'cbc', cipher: `aes-${keyBits}-cbc`, keyLength, saltLength: 0, keymatLength: keyLength, ivLength: 16, blockSize: 16, icvLength: 0 });
  }
  const icv = GCM_ICV[id];
  if (icv === undefined) return null;
  // RFC 5282 7.1 (keymat = key || 4-octet salt), 3.1 (8-octet IV); strongSwan names ICV in octets.
  return Object.freeze({ id, name: `aes${keyBits}gcm${icv}`, kind: 'aead', cipher: `aes-${keyBits}-gcm`, keyLength, saltLength: 4, keymatLength: keyLength + 4, ivLength: 8, blockSize: 1, icvLength: icv });
}

const PRFS: Readonly<Record<number, PrfSpec>> = Object.freeze({
  [PRF.HMAC_SHA2_256]: Object.freeze({ id: PRF.HMAC_SHA2_256, name: 'prfsha256', hash: 'sha256', outputLength: 32, keyLength: 32, fixedKeyLength: null }),
  [PRF.HMAC_SHA2_384]: Object.freeze({ id: PRF.HMAC_SHA2_384, name: 'prfsha384', hash: 'sha384', outputLength: 48, keyLength: 48, fixedKeyLength: null }),
  [PRF.HMAC_SHA2_512]: Object.freeze({ id: PRF.HMAC_SHA2_512, name: 'prfsha512', hash: 'sha512', outputLength: 64, keyLength: 64, fixedKeyLength: null }),
} satisfies Record<number, PrfSpec>);

export function prfSpec(id: number): PrfSpec | null {
  return PRFS[id] ?? null;
}

const INTEGS: Readonly<Record<number, IntegSpec>> = Object.freeze({
  [INTEG.HMAC_SHA2_256_128]: Object.freeze({ id: INTEG.HMAC_SHA2_256_128, name: 'sha256', hash: 'sha256', keyLength: 32, icvLength: 16 }),
  [INTEG.HMAC_SHA2_384_192]: Object.freeze({ id: INTEG.HMAC_SHA2_384_192, name: 'sha384', hash: 'sha384', keyLength: 48, icvLength: 24 }),
  [INTEG.HMAC_SHA2_512_256]: Object.freeze({ id: INTEG.HMAC_SHA2_512_256, name: 'sha512', hash: 'sha512', keyLength: 64, icvLength: 32 }),
} satisfies Record<number, IntegSpec>);

/** The integrity transform `id`; null for NONE (0) and unknown ids. */
export function integSpec(id: number): IntegSpec | null {
  return INTEGS[id] ?? null;
}

const DHS: Readonly<Record<number, DhSpec>> = Object.freeze({
  // RFC 3526 3: 2048-bit prime; RFC 7296 3.4: the value is padded to the prime's length.
  [DH_GROUP.MODP_2048]: Object.freeze({ id: DH_GROUP.MODP_2048, name: 'modp2048', kind: 'modp', publicKeyLength: 256, sharedSecretLength: 256, nodeName: 'modp14' }),
  // RFC 5903 7: KE data = x || y, shared secret = x, each coordinate the field's octet length.
  [DH_GROUP.ECP_256]: Object.freeze({ id: DH_GROUP.ECP_256, name: 'ecp256', kind: 'ecp', publicKeyLength: 64, sharedSecretLength: 32, nodeName: 'prime256v1' }),
  [DH_GROUP.ECP_384]: Object.freeze({ id: DH_GROUP.ECP_384, name: 'ecp384', kind: 'ecp', publicKeyLength: 96, sharedSecretLength: 48, nodeName: 'secp384r1' }),
  [DH_GROUP.ECP_521]: Object.freeze({ id: DH_GROUP.ECP_521, name: 'ecp521', kind: 'ecp', publicKeyLength: 132, sharedSecretLength: 66, nodeName: 'secp521r1' }),
  // RFC 8031 2: the raw u-coordinate, 32 / 56 octets, both ways.
  [DH_GROUP.CURVE25519]: Object.freeze({ id: DH_GROUP.CURVE25519, name: 'curve25519', kind: 'montgomery', publicKeyLength: 32, sharedSecretLength: 32, nodeName: 'x25519' }),
  [DH_GROUP.CURVE448]: Object.freeze({ id: DH_GROUP.CURVE448, name: 'curve448', kind: 'montgomery', publicKeyLength: 56, sharedSecretLength: 56, nodeName: 'x448' }),
} satisfies Record<number, DhSpec>);

export function dhSpec(id: number): DhSpec | null {
  return DHS[id] ?? null;
}

const ESP_INTEG: Readonly<Record<number, IntegrityAlgorithm>> = {
  [INTEG.HMAC_SHA2_256_128]: 'hmac-sha256-128',
  [INTEG.HMAC_SHA2_384_192]: 'hmac-sha384-192',
  [INTEG.HMAC_SHA2_512_256]: 'hmac-sha512-256',
};

/**
 * The ESP transform a negotiated Child SA proposal names. AEADs take no integrity transform
 * (integId null or NONE, RFC 7296 3.3.3); AES-CBC needs one of the HMAC-SHA2s (RFC 4868).
 */
export function espTransformOf(encrId: number, keyBits: number | null, integId: number | null): TransformSpec | null {
  const encr = encrSpec(encrId, keyBits);
  if (encr === null) return null;
  if (encr.kind === 'aead') {
    if (integId !== null && integId !== INTEG.NONE) return null;
    if (encr.cipher === 'chacha20-poly1305') return { encryption: 'chacha20-poly1305', integrity: 'none' };
    return { encryption: 'aes-gcm', keyBits: keyBits as AesKeyBits, icvLength: encr.icvLength as 8 | 12 | 16, integrity: 'none' };
  }
  const integrity = integId === null ? undefined : ESP_INTEG[integId];
  if (integrity === undefined) return null;
  return { encryption: 'aes-cbc', keyBits: keyBits as AesKeyBits, integrity };
}

/** Octets of KEYMAT one direction of an ESP SA takes (RFC 7296 2.17): encryption key (salt included), integrity key. */
export function espKeyLengths(spec: TransformSpec): { readonly encryption: number; readonly integrity: number } {
  const keyOctets = spec.encryption === 'null' ? 0 : spec.encryption === 'chacha20-poly1305' ? 32 : aesKeyOctets(spec);
  const integrity = spec.integrity === 'none' ? 0 : HMAC_PARAMETERS[spec.integrity].keyLength;
  return { encryption: keyOctets + saltLengthOf(spec.encryption), integrity };
}

function aesKeyOctets(spec: TransformSpec): number {
  // KEYMAT is cut by length, so an AES size cannot be guessed here as cipher.ts guesses it from a key.
  if (spec.keyBits === undefined) throw new RangeError(`spec.keyBits is required for ${spec.encryption}`);
  return spec.keyBits / 8;
}
