// Transform descriptors: lengths from RFC 3602, 4868, 5282, 7634, 3526, 5903 and 8031, names
// as strongSwan writes them in proposals (swanctl.conf "proposals = aes256gcm16-prfsha384-ecp384").
import { describe, expect, it } from 'vitest';
import { dhSpec, encrSpec, espKeyLengths, espTransformOf, integSpec, prfSpec } from '../../../src/ike/crypto/transforms.js';
import { DH_GROUP, ENCR, INTEG, PRF } from '../../../src/ike/message/numbers.js';

describe('encrSpec', () => {
  it('describes AES-CBC with a 16-octet block and IV, no salt, for each key size', () => {
    for (const bits of [128, 192, 256]) {
      expect(encrSpec(ENCR.AES_CBC, bits)).toMatchObject({ name: `aes${bits}`, kind: 'cbc', keyLength: bits / 8, saltLength: 0, keymatLength: bits / 8, ivLength: 16, blockSize: 16, icvLength: 0 });
    }
  });

  it('describes AES-GCM with key + 4-octet salt, an 8-octet IV and the ICV its id names (RFC 5282)', () => {
    const ids = [[ENCR.AES_GCM_8, 8], [ENCR.AES_GCM_12, 12], [ENCR.AES_GCM_16, 16]] as const;
    for (const [id, icv] of ids) {
      for (const bits of [128, 192, 256]) {
        expect(encrSpec(id, bits)).toMatchObject({ name: `aes${bits}gcm${icv}`, kind: 'aead', keyLength: bits / 8, saltLength: 4, keymatLength: bits / 8 + 4, ivLength: 8, icvLength: icv });
      }
    }
  });

  it('describes ChaCha20-Poly1305 as a 256-bit key + 4-octet salt with an 8-octet IV and 16-octet tag (RFC 7634)', () => {
    expect(encrSpec(ENCR.CHACHA20_POLY1305, null)).toMatchObject({ name: 'chacha20poly1305', keyLength: 32, saltLength: 4, keymatLength: 36, ivLength: 8, icvLength: 16 });
  });

  it('refuses key lengths the RFCs do not allow, a missing AES key length, and a ChaCha20 key length attribute', () => {
    expect(encrSpec(ENCR.AES_CBC, null)).toBeNull();
    expect(encrSpec(ENCR.AES_CBC, 64)).toBeNull();
    expect(encrSpec(ENCR.AES_GCM_16, 512)).toBeNull();
    expect(encrSpec(ENCR.CHACHA20_POLY1305, 256)).toBeNull();
    expect(encrSpec(ENCR.AES_CTR, 128)).toBeNull();
    expect(encrSpec(9999, 128)).toBeNull();
  });
});

describe('prfSpec, integSpec and dhSpec', () => {
  it('gives the HMAC-SHA2 PRFs their output length as preferred key length (RFC 4868 2.1.2)', () => {
    expect(prfSpec(PRF.HMAC_SHA2_256)).toMatchObject({ name: 'prfsha256', outputLength: 32, keyLength: 32, fixedKeyLength: null });
    expect(prfSpec(PRF.HMAC_SHA2_384)).toMatchObject({ name: 'prfsha384', outputLength: 48, keyLength: 48 });
    expect(prfSpec(PRF.HMAC_SHA2_512)).toMatchObject({ name: 'prfsha512', outputLength: 64, keyLength: 64 });
    expect(prfSpec(2)).toBeNull();
  });

  it('gives the HMAC-SHA2 integrity transforms full-length keys and half-length ICVs (RFC 4868 2.6)', () => {
    expect(integSpec(INTEG.HMAC_SHA2_256_128)).toMatchObject({ name: 'sha256', keyLength: 32, icvLength: 16 });
    expect(integSpec(INTEG.HMAC_SHA2_384_192)).toMatchObject({ name: 'sha384', keyLength: 48, icvLength: 24 });
    expect(integSpec(INTEG.HMAC_SHA2_512_256)).toMatchObject({ name: 'sha512', keyLength: 64, icvLength: 32 });
    expect(integSpec(INTEG.NONE)).toBeNull();
  });

  it('gives each DH group its KE data and shared secret lengths', () => {
    expect(dhSpec(DH_GROUP.MODP_2048)).toMatchObject({ name: 'modp2048', publicKeyLength: 256, sharedSecretLength: 256 });
    expect(dhSpec(DH_GROUP.ECP_256)).toMatchObject({ name: 'ecp256', publicKeyLength: 64, sharedSecretLength: 32 });
    expect(dhSpec(DH_GROUP.ECP_384)).toMatchObject({ name: 'ecp384', publicKeyLength: 96, sharedSecretLength: 48 });
    expect(dhSpec(DH_GROUP.ECP_521)).toMatchObject({ name: 'ecp521', publicKeyLength: 132, sharedSecretLength: 66 });
    expect(dhSpec(DH_GROUP.CURVE25519)).toMatchObject({ name: 'curve25519', publicKeyLength: 32, sharedSecretLength: 32 });
    expect(dhSpec(DH_GROUP.CURVE448)).toMatchObject({ name: 'curve448', publicKeyLength: 56, sharedSecretLength: 56 });
    expect(dhSpec(2)).toBeNull();
  });
});

describe('espTransformOf and espKeyLengths', () => {
  it('maps AEAD proposals without an integrity transform, or with INTEG NONE', () => {
    expect(espTransformOf(ENCR.AES_GCM_16, 256, null)).toEqual({ encryption: 'aes-gcm', keyBits: 256, icvLength: 16, integrity: 'none' });
    expect(espTransformOf(ENCR.AES_GCM_12, 128, INTEG.NONE)).toEqual({ encryption: 'aes-gcm', keyBits: 128, icvLength: 12, integrity: 'none' });
    expect(espTransformOf(ENCR.AES_GCM_8, 192, null)).toEqual({ encryption: 'aes-gcm', keyBits: 192, icvLength: 8, integrity: 'none' });
    expect(espTransformOf(ENCR.CHACHA20_POLY1305, null, null)).toEqual({ encryption: 'chacha20-poly1305', integrity: 'none' });
  });

  it('maps AES-CBC with each HMAC-SHA2', () => {
    expect(espTransformOf(ENCR.AES_CBC, 128, INTEG.HMAC_SHA2_256_128)).toEqual({ encryption: 'aes-cbc', keyBits: 128, integrity: 'hmac-sha256-128' });
    expect(espTransformOf(ENCR.AES_CBC, 256, INTEG.HMAC_SHA2_384_192)).toEqual({ encryption: 'aes-cbc', keyBits: 256, integrity: 'hmac-sha384-192' });
    expect(espTransformOf(ENCR.AES_CBC, 192, INTEG.HMAC_SHA2_512_256)).toEqual({ encryption: 'aes-cbc', keyBits: 192, integrity: 'hmac-sha512-256' });
  });

  it('refuses AEAD with an integrity transform, CBC without one, and unknown ids', () => {
    expect(espTransformOf(ENCR.AES_GCM_16, 128, INTEG.HMAC_SHA2_256_128)).toBeNull();
    expect(espTransformOf(ENCR.AES_CBC, 128, null)).toBeNull();
    expect(espTransformOf(ENCR.AES_CBC, 128, INTEG.NONE)).toBeNull();
    expect(espTransformOf(ENCR.AES_CBC, 128, 2)).toBeNull();
    expect(espTransformOf(77, 128, null)).toBeNull();
  });

  it('counts the salt in the encryption key and the HMAC key length in the integrity key (RFC 7296 2.17)', () => {
    expect(espKeyLengths({ encryption: 'aes-gcm', keyBits: 128, icvLength: 16, integrity: 'none' })).toEqual({ encryption: 20, integrity: 0 });
    expect(espKeyLengths({ encryption: 'aes-gcm', keyBits: 256, icvLength: 16, integrity: 'none' })).toEqual({ encryption: 36, integrity: 0 });
    expect(espKeyLengths({ encryption: 'chacha20-poly1305', integrity: 'none' })).toEqual({ encryption: 36, integrity: 0 });
    expect(espKeyLengths({ encryption: 'aes-cbc', keyBits: 192, integrity: 'hmac-sha384-192' })).toEqual({ encryption: 24, integrity: 48 });
    expect(espKeyLengths({ encryption: 'null', integrity: 'hmac-sha1-96' })).toEqual({ encryption: 0, integrity: 20 });
  });

  it('throws for an AES spec without keyBits, whose KEYMAT share cannot be known', () => {
    expect(() => espKeyLengths({ encryption: 'aes-cbc', integrity: 'hmac-sha256-128' })).toThrow(RangeError);
  });
});
