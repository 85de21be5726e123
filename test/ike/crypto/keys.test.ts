// IKE SA and Child SA key derivation (RFC 7296 2.14, 2.17, 2.18) against an independent
// reference (fixtures/ikev2_reference.py: hashlib/hmac, written from the RFC text).
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { IkeSaKeyInput } from '../../../src/ike/crypto/keys.js';
import { deriveChildKeys, deriveIkeSaKeys, skeyseedKey } from '../../../src/ike/crypto/keys.js';
import type { EncrSpec, IntegSpec, PrfSpec } from '../../../src/ike/crypto/transforms.js';
import { encrSpec, espKeyLengths, espTransformOf, integSpec, prfSpec } from '../../../src/ike/crypto/transforms.js';
import { ENCR, INTEG, PRF } from '../../../src/ike/message/numbers.js';
import { hasPythonReference, hex, reference, unhex } from './reference.js';

interface Suite { readonly prf: PrfSpec; readonly encr: EncrSpec; readonly integ: IntegSpec | null }

const SUITES: readonly Suite[] = [
  { prf: prfSpec(PRF.HMAC_SHA2_256)!, encr: encrSpec(ENCR.AES_GCM_16, 128)!, integ: null },
  { prf: prfSpec(PRF.HMAC_SHA2_384)!, encr: encrSpec(ENCR.AES_CBC, 256)!, integ: integSpec(INTEG.HMAC_SHA2_384_192)! },
  { prf: prfSpec(PRF.HMAC_SHA2_512)!, encr: encrSpec(ENCR.CHACHA20_POLY1305, null)!, integ: null },
  { prf: prfSpec(PRF.HMAC_SHA2_256)!, encr: encrSpec(ENCR.AES_CBC, 128)!, integ: integSpec(INTEG.HMAC_SHA2_512_256)! },
];

function input(suite: Suite, secretLength: number): IkeSaKeyInput {
  return {
    ...suite, ni: randomBytes(32), nr: randomBytes(24), spiI: randomBytes(8), spiR: randomBytes(8), sharedSecret: randomBytes(secretLength),
  };
}

function ikeRequest(i: IkeSaKeyInput): Record<string, unknown> {
  return {
    op: 'ike', prf: i.prf.hash, prfKey: i.prf.keyLength, integKey: i.integ?.keyLength ?? 0, encKey: i.encr.keymatLength,
    ni: hex(i.ni), nr: hex(i.nr), spiI: hex(i.spiI), spiR: hex(i.spiR), gir: hex(i.sharedSecret),
    ...(i.rekeyOf === undefined ? {} : { oldSkD: hex(i.rekeyOf.skD), oldPrf: i.rekeyOf.prf.hash }),
  };
}

describe.skipIf(!hasPythonReference())('deriveIkeSaKeys against the python reference', () => {
  it('derives SK_d, SK_ai/ar, SK_ei/er and SK_pi/pr as the reference does, for every suite', () => {
    const inputs = SUITES.flatMap((s) => [input(s, 256), input(s, 32), input(s, 66)]);
    const answers = reference(inputs.map(ikeRequest));
    inputs.forEach((i, n) => {
      const keys = deriveIkeSaKeys(i);
      const want = answers[n]!;
      expect({ skD: hex(keys.skD), skAi: hex(keys.skAi), skAr: hex(keys.skAr), skEi: hex(keys.skEi), skEr: hex(keys.skEr), skPi: hex(keys.skPi), skPr: hex(keys.skPr) }).toEqual(want);
    });
  });

  it('keys a rekeyed IKE SA from the old SA\'s SK_d and PRF (RFC 7296 2.18), even when the PRF changes', () => {
    const old = prfSpec(PRF.HMAC_SHA2_512)!;
    const inputs = SUITES.map((s) => ({ ...input(s, 48), rekeyOf: { skD: randomBytes(old.keyLength), prf: old } }));
    const answers = reference(inputs.map(ikeRequest));
    inputs.forEach((i, n) => {
      const keys = deriveIkeSaKeys(i);
      expect(hex(keys.skD)).toBe(answers[n]!.skD);
      expect(hex(keys.skPr)).toBe(answers[n]!.skPr);
      expect(hex(keys.skEr)).toBe(answers[n]!.skEr);
    });
  });

  it('derives Child SA keys in RFC 7296 2.17 order, with and without a PFS shared secret', () => {
    const cases = [
      { prf: SUITES[0]!.prf, spec: espTransformOf(ENCR.AES_GCM_16, 256, null)!, pfs: null },
      { prf: SUITES[1]!.prf, spec: espTransformOf(ENCR.AES_CBC, 128, INTEG.HMAC_SHA2_256_128)!, pfs: randomBytes(32) },
      { prf: SUITES[2]!.prf, spec: espTransformOf(ENCR.CHACHA20_POLY1305, null, null)!, pfs: randomBytes(256) },
    ].map((c) => ({ ...c, skD: randomBytes(c.prf.keyLength), ni: randomBytes(32), nr: randomBytes(32), lengths: espKeyLengths(c.spec) }));
    const answers = reference(cases.map((c) => ({
      op: 'child', prf: c.prf.hash, skD: hex(c.skD), ni: hex(c.ni), nr: hex(c.nr), gir: c.pfs === null ? '' : hex(c.pfs),
      encKey: c.lengths.encryption, integKey: c.lengths.integrity,
    })));
    cases.forEach((c, n) => {
      const keys = deriveChildKeys({ prf: c.prf, skD: c.skD, ni: c.ni, nr: c.nr, sharedSecret: c.pfs, encKeyLength: c.lengths.encryption, integKeyLength: c.lengths.integrity });
      const want = answers[n]!;
      expect(hex(keys.initiatorToResponder.encryptionKey)).toBe(want.ei);
      expect(hex(keys.initiatorToResponder.integrityKey)).toBe(want.ai);
      expect(hex(keys.responderToInitiator.encryptionKey)).toBe(want.er);
      expect(hex(keys.responderToInitiator.integrityKey)).toBe(want.ar);
    });
  });
});

describe('deriveIkeSaKeys', () => {
  it('gives AEAD suites empty SK_a and SK_e with the salt included', () => {
    const keys = deriveIkeSaKeys(input(SUITES[0]!, 32));
    expect(keys.skAi.length).toBe(0);
    expect(keys.skAr.length).toBe(0);
    expect(keys.skEi.length).toBe(20);
    expect(keys.skD.length).toBe(32);
    expect(keys.skPr.length).toBe(32);
    expect(Object.keys(keys)).not.toContain('skeyseed');
  });

  it('refuses AEAD with an integrity transform and CBC without one', () => {
    expect(() => deriveIkeSaKeys({ ...input(SUITES[0]!, 32), integ: integSpec(INTEG.HMAC_SHA2_256_128) })).toThrow(RangeError);
    expect(() => deriveIkeSaKeys({ ...input(SUITES[1]!, 32), integ: null })).toThrow(RangeError);
  });

  it('keys the first PRF call with half of Ni and half of Nr when the PRF has a fixed key size (RFC 7296 2.14)', () => {
    const fixed: PrfSpec = { ...prfSpec(PRF.HMAC_SHA2_256)!, fixedKeyLength: 16 };
    const ni = Buffer.from('00112233445566778899aabbccddeeff', 'hex');
    const nr = Buffer.from('ffeeddccbbaa99887766554433221100', 'hex');
    expect(skeyseedKey(fixed, ni, nr).toString('hex')).toBe('0011223344556677ffeeddccbbaa9988');
    expect(skeyseedKey(prfSpec(PRF.HMAC_SHA2_256)!, ni, nr).equals(Buffer.concat([ni, nr]))).toBe(true);
  });
});

describe('deriveChildKeys', () => {
  it('returns keys that do not alias each other or a shared buffer', () => {
    const prf = prfSpec(PRF.HMAC_SHA2_256)!;
    const keys = deriveChildKeys({ prf, skD: randomBytes(32), ni: randomBytes(16), nr: randomBytes(16), sharedSecret: null, encKeyLength: 16, integKeyLength: 32 });
    const ei = Buffer.from(keys.initiatorToResponder.encryptionKey);
    (keys.responderToInitiator.encryptionKey as Buffer).fill(0);
    expect(Buffer.from(keys.initiatorToResponder.encryptionKey).equals(ei)).toBe(true);
    expect(unhex(hex(ei)).length).toBe(16);
  });
});
