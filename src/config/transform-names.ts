// ESP transforms in strongSwan's proposal spelling (swanctl.conf esp_proposals, as in
// https://docs.strongswan.org/docs/latest/config/proposals.html): aes128gcm16,
// chacha20poly1305, aes256gmac, aes128-sha256, aes256ctr-sha512, null-sha256, ...
// The HMAC names mean the truncations IPsec uses: sha1 = HMAC-SHA1-96 (RFC 2404),
// sha256/384/512 = HMAC-SHA-256-128/384-192/512-256 (RFC 4868).
import type { IntegrityAlgorithm, TransformSpec } from '../esp/transform-spec.js';
import type { FieldParser } from './field.js';
import { accept, expectedGot } from './field.js';
import { didYouMean } from './text-fields.js';

type AesBits = 128 | 192 | 256;
const AES_BITS: readonly AesBits[] = [128, 192, 256];

const HASHES: ReadonlyArray<readonly [string, Exclude<IntegrityAlgorithm, 'none'>]> = [
  ['sha1', 'hmac-sha1-96'],
  ['sha256', 'hmac-sha256-128'],
  ['sha384', 'hmac-sha384-192'],
  ['sha512', 'hmac-sha512-256'],
];

/** strongSwan's other spellings of the same hashes (sha2_256 is the same as sha256). */
const HASH_ALIASES: Readonly<Record<string, string>> = { sha: 'sha1', sha2_256: 'sha256', sha2_384: 'sha384', sha2_512: 'sha512' };

/** GCM ICV lengths in bytes, and strongSwan's bit spellings of them (gcm128 = gcm16). */
const GCM_ICV: ReadonlyArray<readonly [8 | 12 | 16, number]> = [[16, 128], [12, 96], [8, 64]];

function buildNames(): { canonical: Map<string, TransformSpec>; aliases: Map<string, string> } {
  const canonical = new Map<string, TransformSpec>();
  const aliases = new Map<string, string>();
  for (const keyBits of AES_BITS) {
    for (const [icvLength, bits] of GCM_ICV) {
      canonical.set(`aes${keyBits}gcm${icvLength}`, Object.freeze({ encryption: 'aes-gcm', keyBits, icvLength, integrity: 'none' }));
      aliases.set(`aes${keyBits}gcm${bits}`, `aes${keyBits}gcm${icvLength}`);
    }
    canonical.set(`aes${keyBits}gmac`, Object.freeze({ encryption: 'aes-gmac', keyBits, integrity: 'none' }));
  }
  canonical.set('chacha20poly1305', Object.freeze({ encryption: 'chacha20-poly1305', integrity: 'none' }));
  const ciphers: ReadonlyArray<readonly [string, Omit<TransformSpec, 'integrity'>]> = [
    ...AES_BITS.map((keyBits) => [`aes${keyBits}`, { encryption: 'aes-cbc', keyBits }] as const),
    ...AES_BITS.map((keyBits) => [`aes${keyBits}ctr`, { encryption: 'aes-ctr', keyBits }] as const),
    ['null', { encryption: 'null' }],
  ];
  for (const [cipher, enc] of ciphers) {
    for (const [hash, integrity] of HASHES) {
      canonical.set(`${cipher}-${hash}`, Object.freeze({ ...enc, integrity }));
      for (const [alias, target] of Object.entries(HASH_ALIASES)) {
        if (target === hash) aliases.set(`${cipher}-${alias}`, `${cipher}-${hash}`);
      }
    }
  }
  return { canonical, aliases };
}

const NAMES = buildNames();

/** Every canonical transform name, in a stable order. */
export const TRANSFORM_NAMES: readonly string[] = [...NAMES.canonical.keys()];

const EXAMPLES = 'aes128gcm16, aes256gcm16, chacha20poly1305, aes256gmac, aes128-sha256, aes256ctr-sha512 or null-sha256';
const TRANSFORM_EXPECTED = `an ESP transform in strongSwan spelling, like ${EXAMPLES} (see docs/CONFIG.md for all)`;

/** The TransformSpec of a name (any case); null when the name is not one we know. */
export function transformByName(name: string): TransformSpec | null {
  const key = name.trim().toLowerCase();
  return NAMES.canonical.get(NAMES.aliases.get(key) ?? key) ?? null;
}

export const TRANSFORM: FieldParser<TransformSpec> = {
  expected: TRANSFORM_EXPECTED,
  parse(value) {
    if (typeof value !== 'string') return expectedGot(TRANSFORM_EXPECTED, value);
    const spec = transformByName(value);
    if (spec !== null) return accept(spec);
    return expectedGot(TRANSFORM_EXPECTED, value, unknownHint(value.trim().toLowerCase()));
  },
};

function unknownHint(name: string): string {
  const parts = name.split('-');
  const head = transformByName(parts[0]!);
  if (parts.length > 1 && head !== null && head.integrity === 'none') {
    // strongSwan writes PFS groups (and, in IKE proposals, PRFs) after the algorithms.
    return ` ('${parts[0]}' is a combined-mode transform and takes nothing after it: write '${parts[0]}')`;
  }
  const hashless = NAMES.canonical.has(`${name}-sha256`) ? ` ('${name}' needs an integrity algorithm, like '${name}-sha256')` : '';
  return hashless || didYouMean(name, TRANSFORM_NAMES);
}

/**
 * The canonical name of a spec (what `sa list` shows). A spec without keyBits is named as
 * AES-128, the size a 16-byte key gives.
 */
export function transformName(spec: TransformSpec): string {
  const bits = spec.keyBits ?? 128;
  const hash = HASHES.find(([, integrity]) => integrity === spec.integrity)?.[0] ?? 'none';
  switch (spec.encryption) {
    case 'aes-gcm': return `aes${bits}gcm${spec.icvLength ?? 16}`;
    case 'aes-gmac': return `aes${bits}gmac`;
    case 'chacha20-poly1305': return 'chacha20poly1305';
    case 'aes-cbc': return `aes${bits}-${hash}`;
    case 'aes-ctr': return `aes${bits}ctr-${hash}`;
    case 'null': return `null-${hash}`;
  }
}
