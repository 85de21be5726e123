// prf and prf+ (RFC 7296 2.13). prf is HMAC-SHA2: RFC 4231's test cases 1, 2 and 6 (a key longer
// than the hash block). prf+ is checked against a naive expansion written from the RFC formula.
import { createHmac } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { prf, prfPlus } from '../../../src/ike/crypto/prf.js';
import type { PrfSpec } from '../../../src/ike/crypto/transforms.js';
import { prfSpec } from '../../../src/ike/crypto/transforms.js';
import { PRF } from '../../../src/ike/message/numbers.js';

const SHA256 = prfSpec(PRF.HMAC_SHA2_256)!;
const SHA384 = prfSpec(PRF.HMAC_SHA2_384)!;
const SHA512 = prfSpec(PRF.HMAC_SHA2_512)!;

// RFC 4231 section 4.
const RFC4231 = [
  {
    name: 'test case 1',
    key: Buffer.alloc(20, 0x0b),
    data: Buffer.from('Hi There'),
    sha256: 'b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7',
    sha384: 'afd03944d84895626b0825f4ab46907f15f9dadbe4101ec682aa034c7cebc59cfaea9ea9076ede7f4af152e8b2fa9cb6',
    sha512: '87aa7cdea5ef619d4ff0b4241a1d6cb02379f4e2ce4ec2787ad0b30545e17cdedaa833b7d6b8a702038b274eaea3f4e4be9d914eeb61f1702e696c203a126854',
  },
  {
    name: 'test case 2',
    key: Buffer.from('Jefe'),
    data: Buffer.from('what do ya want for nothing?'),
    sha256: '5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843',
    sha384: 'af45d2e376484031617f78d2b58a6b1b9c7ef464f5a01b47e42ec3736322445e8e2240ca5e69e2c78b3239ecfab21649',
    sha512: '164b7a7bfcf819e2e395fbe73b56e0a387bd64222e831fd610270cd7ea2505549758bf75c05a994a6d034f65f8f0e6fdcaeab1a34d4a6b4b636e070a38bce737',
  },
  {
    name: 'test case 6',
    key: Buffer.alloc(131, 0xaa),
    data: Buffer.from('Test Using Larger Than Block-Size Key - Hash Key First'),
    sha256: '60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54',
    sha384: '4ece084485813e9088d2c63a041bc5b44f9ef1012a2b588f3cd11f05033ac4c60c2ef6ab4030fe8296248df163f44952',
    sha512: '80b24263c7c1a3ebb71493c1dd7be8b49b46d1f41b4aeec1121b013783f8f3526b56d037e05f2598bd0fd2215d6a1e5295e64f73f63f0aec8b915a985d786598',
  },
];

/** prf+ exactly as RFC 7296 2.13 writes it, one block at a time, concatenating strings. */
function naivePrfPlus(hash: string, key: Buffer, seed: Buffer, length: number): Buffer {
  let out = Buffer.alloc(0);
  let t = Buffer.alloc(0);
  for (let n = 1; out.length < length; n++) {
    t = createHmac(hash, key).update(Buffer.concat([t, seed, Buffer.from([n])])).digest();
    out = Buffer.concat([out, t]);
  }
  return out.subarray(0, length);
}

describe('prf', () => {
  for (const v of RFC4231) {
    it(`matches RFC 4231 ${v.name} for HMAC-SHA-256, -384 and -512`, () => {
      expect(prf(SHA256, v.key, v.data).toString('hex')).toBe(v.sha256);
      expect(prf(SHA384, v.key, v.data).toString('hex')).toBe(v.sha384);
      expect(prf(SHA512, v.key, v.data).toString('hex')).toBe(v.sha512);
    });
  }

  it('reads key and data from views at non-zero offsets', () => {
    const v = RFC4231[1]!;
    const big = Buffer.alloc(200, 0x5a);
    v.key.copy(big, 3);
    v.data.copy(big, 50);
    expect(prf(SHA256, big.subarray(3, 3 + v.key.length), big.subarray(50, 50 + v.data.length)).toString('hex')).toBe(v.sha256);
  });
});

describe('prfPlus', () => {
  it('equals a naive RFC 7296 2.13 expansion for random keys, seeds and lengths', () => {
    fc.assert(fc.property(
      fc.constantFrom<PrfSpec>(SHA256, SHA384, SHA512), fc.uint8Array({ maxLength: 80 }), fc.uint8Array({ maxLength: 300 }), fc.integer({ min: 0, max: 700 }),
      (spec, key, seed, length) => {
        const got = prfPlus(spec, key, seed, length);
        expect(got.length).toBe(length);
        expect(got.equals(naivePrfPlus(spec.hash, Buffer.from(key), Buffer.from(seed), length))).toBe(true);
      }), { numRuns: 150 });
  });

  it('starts with T1 = prf(K, S | 0x01)', () => {
    const key = Buffer.from('key');
    const seed = Buffer.from('seed');
    expect(prfPlus(SHA256, key, seed, 32).equals(createHmac('sha256', key).update('seed\x01').digest())).toBe(true);
  });

  it('yields exactly 255 blocks and refuses one octet more', () => {
    const max = 255 * SHA256.outputLength;
    expect(prfPlus(SHA256, Buffer.from('k'), Buffer.from('s'), max).length).toBe(max);
    expect(() => prfPlus(SHA256, Buffer.from('k'), Buffer.from('s'), max + 1)).toThrow(RangeError);
  });

  it('refuses negative and fractional lengths', () => {
    expect(() => prfPlus(SHA256, Buffer.from('k'), Buffer.from('s'), -1)).toThrow(RangeError);
    expect(() => prfPlus(SHA256, Buffer.from('k'), Buffer.from('s'), 1.5)).toThrow(RangeError);
  });
});
