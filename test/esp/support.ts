// Shared helpers for the ESP tests: hex parsing of RFC-formatted text, every transform
// configuration we support, and key material of the right shape for each.
import { randomBytes } from 'node:crypto';
import type { EspCipher } from '../../src/esp/cipher.js';
import { createEspCipher } from '../../src/esp/cipher.js';
import type { KeyMaterial, TransformSpec } from '../../src/esp/transform-spec.js';
import { HMAC_PARAMETERS } from '../../src/esp/transforms/integrity.js';
import type { HmacAlgorithm } from '../../src/esp/transforms/integrity.js';

/** Bytes of hex text as RFCs print it (spaces, newlines and 0x prefixes allowed). */
export function hx(text: string): Buffer {
  const clean = text.replace(/0x/g, '').replace(/\s+/g, '');
  if (!/^([0-9a-fA-F]{2})*$/.test(clean)) throw new Error(`bad hex in test data: ${text.slice(0, 40)}`);
  return Buffer.from(clean, 'hex');
}

export const HMACS: readonly HmacAlgorithm[] = ['hmac-sha1-96', 'hmac-sha256-128', 'hmac-sha384-192', 'hmac-sha512-256'];
const KEY_BITS = [128, 192, 256] as const;

/** Every transform configuration the engine supports (41 of them). */
export function allSpecs(): TransformSpec[] {
  const specs: TransformSpec[] = [];
  for (const keyBits of KEY_BITS) {
    for (const icvLength of [8, 12, 16] as const) specs.push({ encryption: 'aes-gcm', keyBits, icvLength, integrity: 'none' });
    specs.push({ encryption: 'aes-gmac', keyBits, integrity: 'none' });
    for (const integrity of HMACS) {
      specs.push({ encryption: 'aes-cbc', keyBits, integrity });
      specs.push({ encryption: 'aes-ctr', keyBits, integrity });
    }
  }
  specs.push({ encryption: 'chacha20-poly1305', integrity: 'none' });
  for (const integrity of HMACS) specs.push({ encryption: 'null', integrity });
  return specs;
}

export function specName(spec: TransformSpec): string {
  const bits = spec.keyBits === undefined ? '' : `-${spec.keyBits}`;
  const icv = spec.icvLength === undefined ? '' : `/icv${spec.icvLength}`;
  return `${spec.encryption}${bits}${icv}${spec.integrity === 'none' ? '' : `+${spec.integrity}`}`;
}

/** Random key material of exactly the lengths the RFCs give for the spec. */
export function randomKeys(spec: TransformSpec): KeyMaterial {
  const salted = spec.encryption !== 'aes-cbc' && spec.encryption !== 'null';
  const keyBytes = spec.encryption === 'null' ? 0 : spec.encryption === 'chacha20-poly1305' ? 32 : (spec.keyBits ?? 128) / 8;
  const integrityBytes = spec.integrity === 'none' ? 0 : HMAC_PARAMETERS[spec.integrity].keyLength;
  return { encryptionKey: randomBytes(keyBytes + (salted ? 4 : 0)), integrityKey: randomBytes(integrityBytes) };
}

export function randomCipher(spec: TransformSpec): EspCipher {
  return createEspCipher(spec, randomKeys(spec));
}
