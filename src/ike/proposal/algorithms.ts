// What the proposal modules know about each algorithm: strongSwan's keyword for it, the name
// strongSwan prints in logs, whether it is an AEAD, and whether its key size travels in a Key
// Length attribute. Numbers come from src/ike/message/numbers.ts (the IANA registries).
import { DH_GROUP, ENCR, ESN, INTEG, PRF, TRANSFORM_TYPE } from '../message/numbers.js';

/** One encryption algorithm as configured: the Transform ID and its key size in bits. */
export interface EncrAlgorithm {
  readonly id: number;
  readonly keyBits: number;
}

interface EncrInfo {
  /** strongSwan's log name without the key size (AES_GCM_16, CHACHA20_POLY1305). */
  readonly name: string;
  /** RFC 4106, RFC 7634: combined mode, so the proposal carries no integrity algorithm. */
  readonly aead: boolean;
  /**
   * RFC 7296 3.3.5: the Key Length attribute is sent only for variable-key-size ciphers (AES);
   * ChaCha20-Poly1305 has one fixed 256-bit key (RFC 7634 2, strongSwan sends no attribute).
   */
  readonly fixedKeyBits: number | null;
}

const ENCR_INFO: ReadonlyMap<number, EncrInfo> = new Map([
  [ENCR.AES_CBC, { name: 'AES_CBC', aead: false, fixedKeyBits: null }],
  [ENCR.AES_CTR, { name: 'AES_CTR', aead: false, fixedKeyBits: null }],
  [ENCR.AES_GCM_8, { name: 'AES_GCM_8', aead: true, fixedKeyBits: null }],
  [ENCR.AES_GCM_12, { name: 'AES_GCM_12', aead: true, fixedKeyBits: null }],
  [ENCR.AES_GCM_16, { name: 'AES_GCM_16', aead: true, fixedKeyBits: null }],
  [ENCR.CHACHA20_POLY1305, { name: 'CHACHA20_POLY1305', aead: true, fixedKeyBits: 256 }],
]);

/** AES key sizes (FIPS 197); the only values a Key Length attribute may carry for AES. */
export const AES_KEY_BITS: readonly number[] = [128, 192, 256];

export function isKnownEncr(id: number): boolean {
  return ENCR_INFO.has(id);
}

export function isAead(id: number): boolean {
  return ENCR_INFO.get(id)?.aead ?? false;
}

/** True when the algorithm's key size is carried in a Key Length attribute (RFC 7296 3.3.5). */
export function hasKeyLengthAttribute(id: number): boolean {
  const info = ENCR_INFO.get(id);
  return info !== undefined && info.fixedKeyBits === null;
}

/** The key size of a fixed-key algorithm, or null. */
export function fixedKeyBits(id: number): number | null {
  return ENCR_INFO.get(id)?.fixedKeyBits ?? null;
}

/** strongSwan's log names (src/libstrongswan/crypto: *_names), e.g. HMAC_SHA2_256_128. */
const INTEG_NAMES: ReadonlyMap<number, string> = new Map([
  [INTEG.NONE, 'NONE'],
  [INTEG.HMAC_SHA2_256_128, 'HMAC_SHA2_256_128'],
  [INTEG.HMAC_SHA2_384_192, 'HMAC_SHA2_384_192'],
  [INTEG.HMAC_SHA2_512_256, 'HMAC_SHA2_512_256'],
]);
const PRF_NAMES: ReadonlyMap<number, string> = new Map([
  [PRF.HMAC_SHA2_256, 'PRF_HMAC_SHA2_256'],
  [PRF.HMAC_SHA2_384, 'PRF_HMAC_SHA2_384'],
  [PRF.HMAC_SHA2_512, 'PRF_HMAC_SHA2_512'],
]);
const DH_NAMES: ReadonlyMap<number, string> = new Map([
  [0, 'NONE'],
  [DH_GROUP.MODP_2048, 'MODP_2048'],
  [DH_GROUP.ECP_256, 'ECP_256'],
  [DH_GROUP.ECP_384, 'ECP_384'],
  [DH_GROUP.ECP_521, 'ECP_521'],
  [DH_GROUP.CURVE25519, 'CURVE_25519'],
  [DH_GROUP.CURVE448, 'CURVE_448'],
]);
const ESN_NAMES: ReadonlyMap<number, string> = new Map([[ESN.NO, 'NO_EXT_SEQ'], [ESN.YES, 'EXT_SEQ']]);

const TYPE_LABELS: ReadonlyMap<number, string> = new Map([
  [TRANSFORM_TYPE.ENCR, 'ENCR'], [TRANSFORM_TYPE.PRF, 'PRF'], [TRANSFORM_TYPE.INTEG, 'INTEG'],
  [TRANSFORM_TYPE.DH, 'DH'], [TRANSFORM_TYPE.ESN, 'ESN'],
]);

/** strongSwan's name for one transform; unknown values print as TYPE_ID (e.g. ENCR_99). */
export function transformName(type: number, id: number, keyLength: number | null): string {
  if (type === TRANSFORM_TYPE.ENCR) {
    const info = ENCR_INFO.get(id);
    if (!info) return `ENCR_${id}`;
    return info.fixedKeyBits === null && keyLength !== null ? `${info.name}_${keyLength}` : info.name;
  }
  const table = type === TRANSFORM_TYPE.PRF ? PRF_NAMES
    : type === TRANSFORM_TYPE.INTEG ? INTEG_NAMES
      : type === TRANSFORM_TYPE.DH ? DH_NAMES
        : type === TRANSFORM_TYPE.ESN ? ESN_NAMES : null;
  const name = table?.get(id);
  return name ?? `${TYPE_LABELS.get(type) ?? `TYPE${type}`}_${id}`;
}

/** RFC 4868 2.1.2 / strongSwan: the PRF that goes with an HMAC integrity algorithm. */
export const PRF_OF_INTEG: ReadonlyMap<number, number> = new Map([
  [INTEG.HMAC_SHA2_256_128, PRF.HMAC_SHA2_256],
  [INTEG.HMAC_SHA2_384_192, PRF.HMAC_SHA2_384],
  [INTEG.HMAC_SHA2_512_256, PRF.HMAC_SHA2_512],
]);
