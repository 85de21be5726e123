// Key exchange in the KE payload's encodings. Vectors: RFC 5903 8.1-8.3 (ECP groups 19/20/21),
// RFC 7748 6.1 (X25519) and 6.2 (X448, as strongSwan's test_vectors/curve448.c carries it).
// MODP group 14 is checked against python's pow() with the prime as RFC 3526 3 prints it.
import { createECDH } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createKeyExchange, keyExchangeFromPrivate } from '../../../src/ike/crypto/dh.js';
import { dhSpec } from '../../../src/ike/crypto/transforms.js';
import { DH_GROUP } from '../../../src/ike/message/numbers.js';
import { hasPythonReference, reference, unhex } from './reference.js';

const h = (s: string): Buffer => Buffer.from(s.replace(/\s/g, ''), 'hex');

// RFC 3526 3: the 2048-bit MODP group's prime, as printed there.
const RFC3526_PRIME = `
  FFFFFFFF FFFFFFFF C90FDAA2 2168C234 C4C6628B 80DC1CD1
  29024E08 8A67CC74 020BBEA6 3B139B22 514A0879 8E3404DD
  EF9519B3 CD3A431B 302B0A6D F25F1437 4FE1356D 6D51C245
  E485B576 625E7EC6 F44C42E9 A637ED6B 0BFF5CB6 F406B7ED
  EE386BFB 5A899FA5 AE9F2411 7C4B1FE6 49286651 ECE45B3D
  C2007CB8 A163BF05 98DA4836 1C55D39A 69163FA8 FD24CF5F
  83655D23 DCA3AD96 1C62F356 208552BB 9ED52907 7096966D
  670C354E 4ABC9804 F1746C08 CA18217C 32905E46 2E36CE3B
  E39E772C 180E8603 9B2783A2 EC07A28F B5C55DF0 6F4C52C9
  DE2BCBF6 95581718 3995497C EA956AE5 15D22618 98FA0510
  15728E5A 8AACAA68 FFFFFFFF FFFFFFFF`;

// RFC 5903 section 8: i, r and girx; gix||giy where copied from the RFC.
const RFC5903 = [
  {
    group: DH_GROUP.ECP_256, curve: 'prime256v1', section: '8.1',
    i: 'C88F01F510D9AC3F70A292DAA2316DE544E9AAB8AFE84049C62A9C57862D1433',
    gi: 'DAD0B65394221CF9B051E1FECA5787D098DFE637FC90B9EF945D0C3772581180 5271A0461CDB8252D61F1C456FA3E59AB1F45B33ACCF5F58389E0577B8990BB3',
    r: 'C6EF9C5D78AE012A011164ACB397CE2088685D8F06BF9BE0B283AB46476BEE53',
    gr: 'D12DFB5289C8D4F81208B70270398C342296970A0BCCB74C736FC7554494BF63 56FBF3CA366CC23E8157854C13C58D6AAC23F046ADA30F8353E74F33039872AB',
    girx: 'D6840F6B42F6EDAFD13116E0E12565202FEF8E9ECE7DCE03812464D04B9442DE',
  },
  {
    group: DH_GROUP.ECP_384, curve: 'secp384r1', section: '8.2',
    i: '099F3C7034D4A2C699884D73A375A67F7624EF7C6B3C0F160647B67414DCE655E35B538041E649EE3FAEF896783AB194',
    gi: '667842D7D180AC2CDE6F74F37551F55755C7645C20EF73E31634FE72B4C55EE6DE3AC808ACB4BDB4C88732AEE95F41AA 9482ED1FC0EEB9CAFC4984625CCFC23F65032149E0E144ADA024181535A0F38EEB9FCFF3C2C947DAE69B4C634573A81C',
    r: '41CB0779B4BDB85D47846725FBEC3C9430FAB46CC8DC5060855CC9BDA0AA2942E0308312916B8ED2960E4BD55A7448FC',
    gr: null,
    girx: '11187331C279962D93D604243FD592CB9D0A926F422E47187521287E7156C5C4D603135569B9E9D09CF5D4A270F59746',
  },
  {
    group: DH_GROUP.ECP_521, curve: 'secp521r1', section: '8.3',
    i: '0037ADE9319A89F4DABDB3EF411AACCCA5123C61ACAB57B5393DCE47608172A095AA85A30FE1C2952C6771D937BA9777F5957B2639BAB072462F68C27A57382D4A52',
    gi: null,
    r: '0145BA99A847AF43793FDD0E872E7CDFA16BE30FDC780F97BCCC3F078380201E9C677D600B343757A3BDBF2A3163E4C2F869CCA7458AA4A4EFFC311F5CB151685EB9',
    gr: null,
    girx: '01144C7D79AE6956BC8EDB8E7C787C4521CB086FA64407F97894E5E6B2D79B04D1427E73CA4BAA240A34786859810C06B3C715A3A8CC3151F2BEE417996D19F3DDEA',
  },
];

const GROUPS = [DH_GROUP.MODP_2048, DH_GROUP.ECP_256, DH_GROUP.ECP_384, DH_GROUP.ECP_521, DH_GROUP.CURVE25519, DH_GROUP.CURVE448];

describe('createKeyExchange', () => {
  it('returns null for groups it does not implement', () => {
    expect(createKeyExchange(2)).toBeNull();
    expect(createKeyExchange(0)).toBeNull();
    expect(keyExchangeFromPrivate(5, Buffer.alloc(32, 1))).toBeNull();
  });

  for (const group of GROUPS) {
    it(`agrees on one secret of the group's length, with public values of the KE length (group ${group})`, () => {
      const spec = dhSpec(group)!;
      const a = createKeyExchange(group)!;
      const b = createKeyExchange(group)!;
      expect(a.group).toBe(group);
      expect(a.publicKey.length).toBe(spec.publicKeyLength);
      const sa = a.computeSecret(b.publicKey);
      const sb = b.computeSecret(a.publicKey);
      expect(sa.ok && sb.ok).toBe(true);
      if (!sa.ok || !sb.ok) return;
      expect(sa.secret.length).toBe(spec.sharedSecretLength);
      expect(sa.secret.equals(sb.secret)).toBe(true);
      expect(a.publicKey.equals(b.publicKey)).toBe(false);
    });
  }
});

describe('ECP groups (RFC 5903)', () => {
  for (const v of RFC5903) {
    it(`reproduces the RFC 5903 ${v.section} shared secret girx from i and g^r`, () => {
      // g^r as x || y: from the RFC where copied, else from r by node's own ECDH (SEC1 minus 0x04).
      const gr = v.gr === null ? (() => { const e = createECDH(v.curve); e.setPrivateKey(h(v.r)); return e.getPublicKey().subarray(1); })() : h(v.gr);
      const kx = keyExchangeFromPrivate(v.group, h(v.i))!;
      if (v.gi !== null) expect(kx.publicKey.toString('hex')).toBe(h(v.gi).toString('hex'));
      const got = kx.computeSecret(gr);
      expect(got).toEqual({ ok: true, secret: h(v.girx) });
    });
  }

  it('writes KE data without the 0x04 point-format octet and refuses a peer value that has it', () => {
    const v = RFC5903[0]!;
    const kx = keyExchangeFromPrivate(v.group, h(v.i))!;
    expect(kx.publicKey.length).toBe(64);
    expect(kx.computeSecret(Buffer.concat([Buffer.from([4]), h(v.gr!)]))).toEqual({ ok: false, reason: 'bad-length' });
  });

  it('refuses points that are not on the curve, and coordinates beyond the field', () => {
    const v = RFC5903[0]!;
    const kx = keyExchangeFromPrivate(v.group, h(v.i))!;
    const off = h(v.gr!);
    off[63]! ^= 1;
    expect(kx.computeSecret(off)).toEqual({ ok: false, reason: 'invalid-point' });
    expect(kx.computeSecret(Buffer.alloc(64))).toEqual({ ok: false, reason: 'invalid-point' });
    expect(kx.computeSecret(Buffer.alloc(64, 0xff))).toEqual({ ok: false, reason: 'invalid-point' });
  });
});

describe('Curve25519 and Curve448 (RFC 7748, RFC 8031)', () => {
  it('reproduces RFC 7748 6.1 (X25519): public keys and the shared secret', () => {
    const alice = keyExchangeFromPrivate(DH_GROUP.CURVE25519, h('77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a'))!;
    const bob = keyExchangeFromPrivate(DH_GROUP.CURVE25519, h('5dab087e624a8a4b79e17f8b83800ee66f3bb1292618b6fd1c2f8b27ff88e0eb'))!;
    expect(alice.publicKey.toString('hex')).toBe('8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a');
    expect(bob.publicKey.toString('hex')).toBe('de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f');
    const k = h('4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742');
    expect(alice.computeSecret(bob.publicKey)).toEqual({ ok: true, secret: k });
    expect(bob.computeSecret(alice.publicKey)).toEqual({ ok: true, secret: k });
  });

  it('reproduces RFC 7748 6.2 (X448): public keys and the shared secret', () => {
    const alice = keyExchangeFromPrivate(DH_GROUP.CURVE448, h('9a8f4925d1519f5775cf46b04b5800d4ee9ee8bae8bc5565d498c28dd9c9baf574a9419744897391006382a6f127ab1d9ac2d8c0a598726b'))!;
    const bob = keyExchangeFromPrivate(DH_GROUP.CURVE448, h('1c306a7ac2a0e2e0990b294470cba339e6453772b075811d8fad0d1d6927c120bb5ee8972b0d3e21374c9c921b09d1b0366f10b65173992d'))!;
    expect(alice.publicKey.toString('hex')).toBe('9b08f7cc31b7e3e67d22d5aea121074a273bd2b83de09c63faa73d2c22c5d9bbc836647241d953d40c5b12da88120d53177f80e532c41fa0');
    expect(bob.publicKey.toString('hex')).toBe('3eb7a829b0cd20f5bcfc0b599b6feccf6da4627107bdb0d4f345b43027d8b972fc3e34fb4232a13ca706dcb57aec3dae07bdc1c67bf33609');
    const k = h('07fff4181ac6cc95ec1c16a94a0f74d12da232ce40a77552281d282bb60c0b56fd2464c335543936521c24403085d59a449a5037514a879d');
    expect(alice.computeSecret(bob.publicKey)).toEqual({ ok: true, secret: k });
  });

  it('refuses small-order peer values whose result is all zero (RFC 8031 2)', () => {
    const x25519 = createKeyExchange(DH_GROUP.CURVE25519)!;
    expect(x25519.computeSecret(Buffer.alloc(32))).toEqual({ ok: false, reason: 'weak-key' });
    const one = Buffer.alloc(32);
    one[0] = 1; // u = 1, little-endian: a point of small order
    expect(x25519.computeSecret(one)).toEqual({ ok: false, reason: 'weak-key' });
    const x448 = createKeyExchange(DH_GROUP.CURVE448)!;
    expect(x448.computeSecret(Buffer.alloc(56))).toEqual({ ok: false, reason: 'weak-key' });
  });

  it('refuses peer values of the wrong length', () => {
    expect(createKeyExchange(DH_GROUP.CURVE25519)!.computeSecret(Buffer.alloc(31, 9))).toEqual({ ok: false, reason: 'bad-length' });
    expect(createKeyExchange(DH_GROUP.CURVE448)!.computeSecret(Buffer.alloc(57, 9))).toEqual({ ok: false, reason: 'bad-length' });
  });
});

describe('MODP group 14 (RFC 3526, RFC 6989)', () => {
  const prime = h(RFC3526_PRIME);

  it.skipIf(!hasPythonReference())('computes g^x and y^x mod the RFC 3526 prime as python does, padded to 256 octets', () => {
    // x = 1 makes the public value 2: 255 zero octets of padding, the RFC 7296 3.4 case.
    const xs = [Buffer.from([1]), Buffer.from('0123456789abcdef0123456789abcdef0123456789abcdef', 'hex')];
    const peer = createKeyExchange(DH_GROUP.MODP_2048)!.publicKey;
    const answers = reference(xs.map((x) => ({ op: 'modp', prime: prime.toString('hex'), x: x.toString('hex'), peer: peer.toString('hex') })));
    xs.forEach((x, n) => {
      const kx = keyExchangeFromPrivate(DH_GROUP.MODP_2048, x)!;
      expect(kx.publicKey.toString('hex')).toBe(answers[n]!.public);
      const s = kx.computeSecret(peer);
      expect(s.ok && s.secret.toString('hex')).toBe(answers[n]!.secret);
    });
    expect(unhex(answers[0]!.public).subarray(0, 255).every((b) => b === 0)).toBe(true);
  });

  it('refuses y = 0, 1, p-1, p and above, and values of the wrong length', () => {
    const kx = createKeyExchange(DH_GROUP.MODP_2048)!;
    const one = Buffer.alloc(256);
    one[255] = 1;
    const pMinus1 = Buffer.from(prime);
    pMinus1[255] = pMinus1[255]! - 1;
    for (const y of [Buffer.alloc(256), one, pMinus1, prime, Buffer.alloc(256, 0xff)]) {
      expect(kx.computeSecret(y)).toEqual({ ok: false, reason: 'invalid-value' });
    }
    const two = Buffer.alloc(256);
    two[255] = 2;
    expect(kx.computeSecret(two).ok).toBe(true);
    expect(kx.computeSecret(Buffer.alloc(255, 7))).toEqual({ ok: false, reason: 'bad-length' });
    expect(kx.computeSecret(Buffer.alloc(257, 7))).toEqual({ ok: false, reason: 'bad-length' });
  });
});

describe('computeSecret on hostile input', () => {
  it('never throws, whatever the peer sends, and answers with a typed result', () => {
    const exchanges = GROUPS.map((g) => createKeyExchange(g)!);
    fc.assert(fc.property(fc.integer({ min: 0, max: exchanges.length - 1 }), fc.oneof(fc.uint8Array({ maxLength: 300 }), fc.integer({ min: 0, max: 5 }).map((i) => new Uint8Array(dhSpec(GROUPS[i]!)!.publicKeyLength).map((_, k) => (k * 37 + i) & 0xff))), (i, peer) => {
      const r = exchanges[i]!.computeSecret(Buffer.from(peer));
      expect(typeof r.ok).toBe('boolean');
      if (!r.ok) expect(['bad-length', 'invalid-point', 'weak-key', 'invalid-value']).toContain(r.reason);
    }), { numRuns: 200 });
  });

  it('reads peer values from views at non-zero offsets', () => {
    const a = createKeyExchange(DH_GROUP.ECP_256)!;
    const b = createKeyExchange(DH_GROUP.ECP_256)!;
    const big = Buffer.alloc(100);
    b.publicKey.copy(big, 13);
    const viaView = a.computeSecret(big.subarray(13, 13 + 64));
    const direct = a.computeSecret(b.publicKey);
    expect(viaView).toEqual(direct);
    expect(viaView.ok).toBe(true);
  });
});
