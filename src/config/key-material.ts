// Manual keys: hex text (0x-prefixed or bare, colons allowed: 0x0102..., 01:02:...), laid out
// as IKEv2 derives them (RFC 7296 2.17) and Wireshark's esp_sa file takes them: for AES-GCM,
// AES-GMAC, ChaCha20-Poly1305 and AES-CTR the encryption key ends with the 4-byte salt/nonce.
// Messages say lengths and positions, never the key bytes.
import type { TransformSpec } from '../esp/transform-spec.js';
import { saltLengthOf } from '../esp/transform-spec.js';
import { HMAC_PARAMETERS } from '../esp/transforms/integrity.js';
import type { FieldParser } from './field.js';
import { accept, reject } from './field.js';
import { describeSecret } from './issue.js';
import { transformName } from './transform-names.js';

const HEX_EXPECTED = 'hex key bytes (like 0x00112233..., bare hex, or with colons 00:11:22:...)';

/** Hex key text into bytes. */
export const HEX_KEY: FieldParser<Buffer> = {
  expected: HEX_EXPECTED,
  parse(value) {
    if (typeof value !== 'string') return reject(`expected ${HEX_EXPECTED}, got ${describeSecret(value)}`);
    const text = value.trim();
    const digits = (/^0x/i.test(text) ? text.slice(2) : text).replaceAll(':', '');
    if (digits === '') return reject(`expected ${HEX_EXPECTED}, got no hex digits`);
    const bad = digits.search(/[^0-9a-fA-F]/);
    if (bad >= 0) return reject(`expected ${HEX_EXPECTED}, got a character that is not a hex digit at position ${bad + 1} of the key text`);
    if (digits.length % 2 !== 0) return reject(`expected ${HEX_EXPECTED}, got an odd number of hex digits (${digits.length}); every byte is two digits`);
    return accept(Buffer.from(digits, 'hex'));
  },
};

/** Bytes the encryption key must have, the salt/nonce included. */
export function encryptionKeyLength(spec: TransformSpec): number {
  if (spec.encryption === 'null') return 0;
  const keyBytes = spec.encryption === 'chacha20-poly1305' ? 32 : (spec.keyBits ?? 128) / 8;
  return keyBytes + saltLengthOf(spec.encryption);
}

/** Bytes the integrity key must have: RFC 2404 3 (160 bits), RFC 4868 2.1.1 (the hash output); 0 for AEAD. */
export function integrityKeyLength(spec: TransformSpec): number {
  return spec.integrity === 'none' ? 0 : HMAC_PARAMETERS[spec.integrity].keyLength;
}

/** "20 bytes (16 bytes of AES-128 key + 4 bytes of salt)" */
function encryptionKeyDescription(spec: TransformSpec): string {
  const total = encryptionKeyLength(spec);
  const salt = saltLengthOf(spec.encryption);
  const cipher = spec.encryption === 'chacha20-poly1305' ? 'ChaCha20' : `AES-${spec.keyBits ?? 128}`;
  const saltWord = spec.encryption === 'aes-ctr' ? 'nonce' : 'salt';
  if (salt === 0) return `${total} bytes (${cipher})`;
  return `${total} bytes (${total - salt} bytes of ${cipher} key + ${salt} bytes of ${saltWord}, as IKEv2 derives it and Wireshark's esp_sa takes it)`;
}

/** A problem with the keys of an SA: which field and what to do. */
export interface KeyProblem {
  readonly field: 'enc_key' | 'auth_key';
  readonly message: string;
}

/** Checks key presence and lengths against the transform (null key = the field is absent). */
export function keyProblems(spec: TransformSpec, encKey: Buffer | null, authKey: Buffer | null): KeyProblem[] {
  const name = transformName(spec);
  const problems: KeyProblem[] = [];
  const encLength = encryptionKeyLength(spec);
  if (encLength === 0 && encKey !== null && encKey.length > 0) {
    problems.push({ field: 'enc_key', message: `${name} uses NULL encryption and takes no encryption key; remove enc_key` });
  } else if (encLength > 0 && encKey === null) {
    problems.push({ field: 'enc_key', message: `missing: ${name} needs an encryption key of ${encryptionKeyDescription(spec)}` });
  } else if (encKey !== null && encKey.length !== encLength) {
    problems.push({ field: 'enc_key', message: `${name} needs ${encryptionKeyDescription(spec)}, got ${encKey.length} bytes` });
  }
  const authLength = integrityKeyLength(spec);
  if (authLength === 0 && authKey !== null) {
    problems.push({ field: 'auth_key', message: `${name} is a combined-mode (AEAD) transform with no separate integrity key; remove auth_key` });
  } else if (authLength > 0 && authKey === null) {
    problems.push({ field: 'auth_key', message: `missing: ${name} needs an integrity key of ${authLength} bytes (${spec.integrity.toUpperCase()})` });
  } else if (authKey !== null && authKey.length !== authLength) {
    problems.push({ field: 'auth_key', message: `${name} needs an integrity key of ${authLength} bytes (${spec.integrity.toUpperCase()}), got ${authKey.length} bytes` });
  }
  return problems;
}
