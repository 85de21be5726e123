// Algorithm names of Wireshark's esp_sa table, spelled exactly as the value_string tables
// esp_encryption_type_vals and esp_authentication_type_vals in
// epan/dissectors/packet-ipsec.c spell them, and what each means for us.
//
// Which encryption spellings Debian 12's tshark 4.0.17 accepts (measured: `strings` on
// libwireshark.so.16, and tshark -o uat:esp_sa:... refusing the others with "invalid value"):
//   NULL, TripleDES-CBC [RFC2451], AES-CBC [RFC3602], AES-CTR [RFC3686], DES-CBC [RFC2405],
//   CAST5-CBC [RFC2144], BLOWFISH-CBC [RFC2451], TWOFISH-CBC, AES-GCM [RFC4106],
//   AES-GCM with 8|12|16 octet ICV [RFC4106].
// Not in 4.0: 'ChaCha20 with Poly1305 [RFC7634]', the RFC 8750 IIV variants, the 'Any'
// protocol and the two ESN columns; newer Wireshark has them. No Wireshark version has a
// NULL-with-AES-GMAC (RFC 4543) spelling. tshark 4.0 also does not decrypt the deprecated
// 'AES-GCM [RFC4106]': with an 'ANY n bit' authentication it reports "AES-GCM encryption can
// only be used with NULL authentication", with NULL it decrypts nothing (measured).
import type { EncryptionAlgorithm, IntegrityAlgorithm } from '../../esp/transform-spec.js';
import { saltLengthOf } from '../../esp/transform-spec.js';
import { HMAC_PARAMETERS } from '../../esp/transforms/integrity.js';

export type EncryptionEntry =
  | { readonly kind: 'usable'; readonly algorithm: EncryptionAlgorithm; readonly icvLength?: 8 | 12 | 16; readonly tshark40: boolean }
  /** 'AES-GCM [RFC4106]': the ICV length comes from the 'ANY n bit' authentication field. */
  | { readonly kind: 'gcm-icv-from-authentication' }
  | { readonly kind: 'unsupported'; readonly why: string };

export type AuthenticationEntry =
  | { readonly kind: 'usable'; readonly algorithm: IntegrityAlgorithm }
  | { readonly kind: 'unchecked'; readonly bits: 64 | 96 | 128 | 192 | 256 }
  | { readonly kind: 'unsupported'; readonly why: string };

const usable = (algorithm: EncryptionAlgorithm, icvLength?: 8 | 12 | 16, tshark40 = true): EncryptionEntry =>
  icvLength === undefined ? { kind: 'usable', algorithm, tshark40 } : { kind: 'usable', algorithm, icvLength, tshark40 };
const unsupported = (why: string): { kind: 'unsupported'; why: string } => ({ kind: 'unsupported', why });

export const ENCRYPTION_SPELLINGS: ReadonlyMap<string, EncryptionEntry> = new Map<string, EncryptionEntry>([
  ['NULL', usable('null')],
  ['AES-CBC [RFC3602]', usable('aes-cbc')],
  ['AES-CTR [RFC3686]', usable('aes-ctr')],
  ['AES-GCM [RFC4106]', { kind: 'gcm-icv-from-authentication' }],
  ['AES-GCM with 8 octet ICV [RFC4106]', usable('aes-gcm', 8)],
  ['AES-GCM with 12 octet ICV [RFC4106]', usable('aes-gcm', 12)],
  ['AES-GCM with 16 octet ICV [RFC4106]', usable('aes-gcm', 16)],
  ['ChaCha20 with Poly1305 [RFC7634]', usable('chacha20-poly1305', undefined, false)],
  ['TripleDES-CBC [RFC2451]', unsupported('3DES is not implemented')],
  // strongSwan's save-keys plugin writes this spelling; Wireshark itself does not know it.
  ['TripleDes-CBC [RFC2451]', unsupported('3DES is not implemented')],
  ['DES-CBC [RFC2405]', unsupported('DES is not implemented')],
  ['CAST5-CBC [RFC2144]', unsupported('CAST5 is not implemented')],
  ['BLOWFISH-CBC [RFC2451]', unsupported('Blowfish is not implemented')],
  ['TWOFISH-CBC', unsupported('Twofish is not implemented')],
  ['AES-GCM with IIV and 16 octet ICV [RFC4106 & RFC8750]', unsupported('implicit IV (RFC 8750) is not implemented')],
  ['ChaCha20 with Poly1305 and IIV [RFC7634 & RFC8750]', unsupported('implicit IV (RFC 8750) is not implemented')],
]);

export const AUTHENTICATION_SPELLINGS: ReadonlyMap<string, AuthenticationEntry> = new Map<string, AuthenticationEntry>([
  ['NULL', { kind: 'usable', algorithm: 'none' }],
  ['HMAC-SHA-1-96 [RFC2404]', { kind: 'usable', algorithm: 'hmac-sha1-96' }],
  ['HMAC-SHA-256-128 [RFC4868]', { kind: 'usable', algorithm: 'hmac-sha256-128' }],
  ['HMAC-SHA-384-192 [RFC4868]', { kind: 'usable', algorithm: 'hmac-sha384-192' }],
  ['HMAC-SHA-512-256 [RFC4868]', { kind: 'usable', algorithm: 'hmac-sha512-256' }],
  ['ANY 64 bit authentication [no checking]', { kind: 'unchecked', bits: 64 }],
  ['ANY 96 bit authentication [no checking]', { kind: 'unchecked', bits: 96 }],
  ['ANY 128 bit authentication [no checking]', { kind: 'unchecked', bits: 128 }],
  ['ANY 192 bit authentication [no checking]', { kind: 'unchecked', bits: 192 }],
  ['ANY 256 bit authentication [no checking]', { kind: 'unchecked', bits: 256 }],
  ['HMAC-SHA-256-96 [draft-ietf-ipsec-ciph-sha-256-00]', unsupported('HMAC-SHA-256-96 (pre-RFC 4868 truncation) is not implemented')],
  ['HMAC-MD5-96 [RFC2403]', unsupported('HMAC-MD5-96 is not implemented')],
  ['MAC-RIPEMD-160-96 [RFC2857]', unsupported('HMAC-RIPEMD-160-96 is not implemented')],
]);

/** Spellings Wireshark writes (the strongSwan-only 3DES spelling left out), for "expected" texts. */
export const WIRESHARK_ENCRYPTION_NAMES: readonly string[] = [...ENCRYPTION_SPELLINGS.keys()].filter((n) => n !== 'TripleDes-CBC [RFC2451]');
export const WIRESHARK_AUTHENTICATION_NAMES: readonly string[] = [...AUTHENTICATION_SPELLINGS.keys()];

/**
 * Encryption key length in bytes, including the 4-byte salt or nonce where the algorithm has
 * one (RFC 4106 8.1, RFC 3686 5.1, RFC 7634 2), for each AES key size; [] for NULL.
 */
export function encryptionKeyLengths(algorithm: EncryptionAlgorithm): readonly number[] {
  switch (algorithm) {
    case 'null': return [0];
    case 'aes-cbc': return [16, 24, 32];
    case 'aes-ctr':
    case 'aes-gcm':
    case 'aes-gmac': return [20, 28, 36];
    case 'chacha20-poly1305': return [36];
  }
}

/** Bytes of salt/nonce at the end of the encryption key (the ESP engine's rule). */
export function saltLength(algorithm: EncryptionAlgorithm): number {
  return saltLengthOf(algorithm);
}

/**
 * HMAC key length in bytes: RFC 2404 3 fixes 160 bits for HMAC-SHA-1-96; RFC 4868 2.1.1
 * requires a key as long as the hash output (256, 384, 512 bits) and forbids others.
 */
export function integrityKeyLength(algorithm: IntegrityAlgorithm): number {
  return algorithm === 'none' ? 0 : HMAC_PARAMETERS[algorithm].keyLength;
}

/** The Wireshark spelling of an integrity algorithm. */
export function authenticationName(algorithm: IntegrityAlgorithm): string {
  for (const [name, entry] of AUTHENTICATION_SPELLINGS) {
    if (entry.kind === 'usable' && entry.algorithm === algorithm) return name;
  }
  throw new Error(`assertion: no Wireshark spelling for integrity algorithm ${algorithm}`);
}
