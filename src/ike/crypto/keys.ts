// Key derivation for IKE SAs (RFC 7296 2.14, 2.18) and Child SAs (RFC 7296 2.17).
import type { KeyMaterial } from '../../esp/transform-spec.js';
import { prf, prfPlus } from './prf.js';
import type { EncrSpec, IntegSpec, PrfSpec } from './transforms.js';

/** The seven IKE SA keys. SKEYSEED is not kept: nothing needs it once these exist. */
export interface IkeSaKeys {
  readonly skD: Buffer;
  /** Empty for AEAD encryption, which has no separate integrity key (RFC 5282 7.1). */
  readonly skAi: Buffer;
  readonly skAr: Buffer;
  /** Key || salt for the AEADs (RFC 5282 7.1, RFC 7634 2). */
  readonly skEi: Buffer;
  readonly skEr: Buffer;
  readonly skPi: Buffer;
  readonly skPr: Buffer;
}

export interface IkeSaKeyInput {
  /** The PRF of the IKE SA being keyed. */
  readonly prf: PrfSpec;
  readonly encr: EncrSpec;
  /** Null for AEAD encryption. */
  readonly integ: IntegSpec | null;
  readonly ni: Buffer;
  readonly nr: Buffer;
  readonly spiI: Buffer;
  readonly spiR: Buffer;
  /** g^ir in the group's encoding (see dh.ts). */
  readonly sharedSecret: Buffer;
  /** For a rekey (RFC 7296 2.18): SK_d and PRF of the IKE SA being replaced. */
  readonly rekeyOf?: { readonly skD: Buffer; readonly prf: PrfSpec };
}

/**
 * RFC 7296 2.14: SKEYSEED = prf(Ni | Nr, g^ir), then
 * {SK_d | SK_ai | SK_ar | SK_ei | SK_er | SK_pi | SK_pr} = prf+ (SKEYSEED, Ni | Nr | SPIi | SPIr).
 * For a rekey, 2.18: SKEYSEED = prf(SK_d (old), g^ir (new) | Ni | Nr) with the old SA's PRF; the
 * keys then come from the new SA's PRF, nonces and SPIs.
 */
export function deriveIkeSaKeys(input: IkeSaKeyInput): IkeSaKeys {
  const { encr, integ } = input;
  if ((encr.kind === 'aead') !== (integ === null)) {
    throw new RangeError(encr.kind === 'aead' ? 'AEAD encryption takes no integrity transform' : `${encr.name} needs an integrity transform`);
  }
  const skeyseed = input.rekeyOf === undefined
    ? prf(input.prf, skeyseedKey(input.prf, input.ni, input.nr), input.sharedSecret)
    : prf(input.rekeyOf.prf, input.rekeyOf.skD, Buffer.concat([input.sharedSecret, input.ni, input.nr]));
  const aLength = integ === null ? 0 : integ.keyLength;
  const lengths = [input.prf.keyLength, aLength, aLength, encr.keymatLength, encr.keymatLength, input.prf.keyLength, input.prf.keyLength];
  const total = lengths.reduce((a, b) => a + b, 0);
  const keymat = prfPlus(input.prf, skeyseed, Buffer.concat([input.ni, input.nr, input.spiI, input.spiR]), total);
  const [skD, skAi, skAr, skEi, skEr, skPi, skPr] = split(keymat, lengths);
  return { skD: skD!, skAi: skAi!, skAr: skAr!, skEi: skEi!, skEr: skEr!, skPi: skPi!, skPr: skPr! };
}

/**
 * RFC 7296 2.14: the key of the first PRF call is Ni | Nr, except that a PRF with a fixed key
 * size takes the first half of its key from the start of Ni and the second half from the start
 * of Nr. (Only AES-XCBC/CMAC PRFs have one; kept so adding them cannot forget the rule.)
 */
export function skeyseedKey(spec: PrfSpec, ni: Buffer, nr: Buffer): Buffer {
  if (spec.fixedKeyLength === null) return Buffer.concat([ni, nr]);
  const half = spec.fixedKeyLength / 2;
  return Buffer.concat([ni.subarray(0, half), nr.subarray(0, half)]);
}

export interface ChildKeyInput {
  /** The IKE SA's PRF. */
  readonly prf: PrfSpec;
  readonly skD: Buffer;
  /** Nonces of the exchange creating the Child SA (IKE_AUTH: those of IKE_SA_INIT). */
  readonly ni: Buffer;
  readonly nr: Buffer;
  /** g^ir of the CREATE_CHILD_SA's own KE payloads (PFS), else null. */
  readonly sharedSecret: Buffer | null;
  /** Octets per direction (espKeyLengths). */
  readonly encKeyLength: number;
  readonly integKeyLength: number;
}

/**
 * RFC 7296 2.17: KEYMAT = prf+(SK_d, [g^ir (new) |] Ni | Nr). Keys for the initiator-to-responder
 * SA come first, and within each SA the encryption key comes before the integrity key.
 */
export function deriveChildKeys(input: ChildKeyInput): { readonly initiatorToResponder: KeyMaterial; readonly responderToInitiator: KeyMaterial } {
  const seed = Buffer.concat(input.sharedSecret === null ? [input.ni, input.nr] : [input.sharedSecret, input.ni, input.nr]);
  const e = input.encKeyLength;
  const a = input.integKeyLength;
  const keymat = prfPlus(input.prf, input.skD, seed, 2 * (e + a));
  const [ei, ai, er, ar] = split(keymat, [e, a, e, a]);
  return {
    initiatorToResponder: { encryptionKey: ei!, integrityKey: ai! },
    responderToInitiator: { encryptionKey: er!, integrityKey: ar! },
  };
}

/** Cuts `keymat` into copies of the given lengths, in order (copies: keys outlive the keymat). */
function split(keymat: Buffer, lengths: readonly number[]): Buffer[] {
  let off = 0;
  return lengths.map((n) => {
    const key = Buffer.from(keymat.subarray(off, off + n));
    off += n;
    return key;
  });
}
