import { execFileSync } from 'node:child_process';
import { createPrivateKey, createPublicKey } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import { copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AUTH_METHOD } from '../../../src/ike/message/numbers.js';
import type { SignatureScheme } from '../../../src/ike/auth/algorithm-id.js';
import { encodeAlgorithmIdentifier, parseAlgorithmIdentifier } from '../../../src/ike/auth/algorithm-id.js';
import { parseSignatureHashAlgorithms, signAuth, signatureHashAlgorithmsNotify, verifyAuth } from '../../../src/ike/auth/signature.js';
import type { KeySpec } from './pki.js';
import { Pki, certSignatureAlgorithm, hasOpenssl, openssl, opensslStatus } from './pki.js';

// RFC 7427 appendix A (A.1 PKCS#1 1.5, A.3 ECDSA, A.4.3 RSASSA-PSS with SHA-256) and RFC 8420 2
// (Ed25519, Ed448). The RFC text was not at hand in this workspace; each string is therefore also
// compared below with the signatureAlgorithm openssl writes into a certificate, and the PSS one
// carries the lengths DER gives its content (0x41 outer, 0x34 parameters), as openssl writes it.
const VECTORS: readonly [string, SignatureScheme, string][] = [
  ['A.1.2 sha256WithRSAEncryption', { kind: 'rsa-pkcs1', hash: 'sha256' }, '300d06092a864886f70d01010b0500'],
  ['A.1.3 sha384WithRSAEncryption', { kind: 'rsa-pkcs1', hash: 'sha384' }, '300d06092a864886f70d01010c0500'],
  ['A.1.4 sha512WithRSAEncryption', { kind: 'rsa-pkcs1', hash: 'sha512' }, '300d06092a864886f70d01010d0500'],
  ['A.3.2 ecdsa-with-sha256', { kind: 'ecdsa', hash: 'sha256' }, '300a06082a8648ce3d040302'],
  ['A.3.3 ecdsa-with-sha384', { kind: 'ecdsa', hash: 'sha384' }, '300a06082a8648ce3d040303'],
  ['A.3.4 ecdsa-with-sha512', { kind: 'ecdsa', hash: 'sha512' }, '300a06082a8648ce3d040304'],
  [
    'A.4.3 RSASSA-PSS with SHA-256',
    { kind: 'rsa-pss', hash: 'sha256', saltLength: 32 },
    '304106092a864886f70d01010a3034a00f300d06096086480165030402010500a11c301a06092a864886f70d010108300d06096086480165030402010500a203020120',
  ],
  ['RFC 8420 Ed25519', { kind: 'ed25519' }, '300506032b6570'],
  ['RFC 8420 Ed448', { kind: 'ed448' }, '300506032b6571'],
];

describe('RFC 7427 AlgorithmIdentifiers', () => {
  it.each(VECTORS)('%s encodes to the RFC bytes and parses back', (_name, scheme, hex) => {
    expect(encodeAlgorithmIdentifier(scheme).toString('hex')).toBe(hex);
    expect(parseAlgorithmIdentifier(Buffer.from(hex, 'hex'))).toEqual({ ok: true, scheme });
  });

  it('parses RSASSA-PSS with absent hash parameters and with default (SHA-1) parameters', () => {
    const absentNull = '303d06092a864886f70d01010a3030a00d300b0609608648016503040201a11a301806092a864886f70d010108300b0609608648016503040201a203020120';
    expect(parseAlgorithmIdentifier(Buffer.from(absentNull, 'hex'))).toEqual({ ok: true, scheme: { kind: 'rsa-pss', hash: 'sha256', saltLength: 32 } });
    expect(parseAlgorithmIdentifier(Buffer.from('300d06092a864886f70d01010a3000', 'hex'))).toEqual({ ok: true, scheme: { kind: 'rsa-pss', hash: 'sha1', saltLength: 20 } });
  });

  it.each([
    ['truncated', '300d06092a864886f70d01010b05', true],
    ['trailing octets', '300d06092a864886f70d01010b050000', true],
    ['ECDSA with parameters', '300c06082a8648ce3d0403020500', true],
    ['PKCS#1 with non-NULL parameters', '300e06092a864886f70d01010b020100', true],
    ['PSS without parameters', '300b06092a864886f70d01010a', true],
    ['PSS with MGF1 over another hash', '304106092a864886f70d01010a3034a00f300d06096086480165030402010500a11c301a06092a864886f70d010108300d06096086480165030402020500a203020120', false],
    ['an unknown algorithm', '300b06072a8648ce3d02010500', false],
    ['not a SEQUENCE', '06092a864886f70d01010b', true],
  ])('refuses %s', (_name, hex, malformed) => {
    const r = parseAlgorithmIdentifier(Buffer.from(hex, 'hex'));
    expect(r).toMatchObject({ ok: false, malformed });
  });

  it('never throws on random or mutated AlgorithmIdentifiers', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 90 }), (bytes) => {
      expect(typeof parseAlgorithmIdentifier(Buffer.from(bytes)).ok).toBe('boolean');
    }), { numRuns: 3000 });
    const pss = Buffer.from(VECTORS[6]![2], 'hex');
    fc.assert(fc.property(fc.nat(pss.length - 1), fc.integer({ min: 0, max: 255 }), (at, v) => {
      const copy = Buffer.from(pss);
      copy[at] = v;
      expect(typeof parseAlgorithmIdentifier(copy).ok).toBe('boolean');
    }), { numRuns: 3000 });
  });
});

describe('SIGNATURE_HASH_ALGORITHMS (RFC 7427 4)', () => {
  it('announces SHA2-256, SHA2-384, SHA2-512 and Identity, never SHA-1', () => {
    expect(signatureHashAlgorithmsNotify().toString('hex')).toBe('0002000300040005');
  });

  it('parses the peer list and refuses an odd length', () => {
    expect(parseSignatureHashAlgorithms(Buffer.from('000100020004', 'hex'))).toEqual({ ok: true, hashes: [1, 2, 4] });
    expect(parseSignatureHashAlgorithms(Buffer.alloc(0))).toEqual({ ok: true, hashes: [] });
    expect(parseSignatureHashAlgorithms(Buffer.from([0, 2, 0])).ok).toBe(false);
    fc.assert(fc.property(fc.uint8Array({ maxLength: 40 }), (b) => {
      const r = parseSignatureHashAlgorithms(Buffer.from(b));
      expect(r.ok).toBe(b.length % 2 === 0);
    }));
  });
});

const OCTETS = Buffer.concat([Buffer.from('IKE_SA_INIT message '), Buffer.alloc(200, 0x42), Buffer.from('nonce and MACed ID')]);

/** r | s (RFC 4754) to and from DER Ecdsa-Sig-Value, by Python, not by our code. */
function python(script: string, hex: string): Buffer {
  return Buffer.from(execFileSync('/usr/bin/python3', ['-c', script, hex], { encoding: 'utf8' }).trim(), 'hex');
}
const RS_TO_DER = `import sys
b = bytes.fromhex(sys.argv[1]); n = len(b) // 2
def integer(x):
    x = x.lstrip(b"\\0") or b"\\0"
    if x[0] & 0x80: x = b"\\0" + x
    return bytes([2, len(x)]) + x
body = integer(b[:n]) + integer(b[n:])
head = bytes([0x30, len(body)]) if len(body) < 128 else bytes([0x30, 0x81, len(body)])
print((head + body).hex())`;
const DER_TO_RS = `import sys
b = bytes.fromhex(sys.argv[1])
i = 3 if b[1] == 0x81 else 2
out = b""
for _ in range(2):
    n = b[i + 1]; out += b[i + 2:i + 2 + n].lstrip(b"\\0").rjust(SIZE, b"\\0"); i += 2 + n
print(out.hex())`;

describe.skipIf(!hasOpenssl())('signatures against openssl', () => {
  let pki: Pki;
  const keys: Partial<Record<KeySpec, { priv: KeyObject; pub: KeyObject }>> = {};
  let n = 0;

  beforeAll(() => {
    pki = new Pki();
    for (const spec of ['rsa', 'p256', 'p384', 'p521', 'ed25519', 'ed448'] as const) {
      pki.key(spec, spec);
      keys[spec] = { priv: createPrivateKey(readFileSync(pki.path(`${spec}.key`))), pub: createPublicKey(readFileSync(pki.path(`${spec}.pub`))) };
    }
    writeFileSync(pki.path('octets.bin'), OCTETS);
  }, 120_000);
  afterAll(() => pki?.cleanup());

  const key = (spec: KeySpec): { priv: KeyObject; pub: KeyObject } => keys[spec]!;

  /** openssl's verdict on a signature over OCTETS. */
  function opensslVerifies(spec: KeySpec, hash: string | null, signature: Buffer, pss = false): boolean {
    const sig = pki.path(`sig-${n++}.bin`);
    writeFileSync(sig, signature);
    const pub = pki.path(`${spec}.pub`);
    const r = hash === null
      ? opensslStatus(['pkeyutl', '-verify', '-pubin', '-inkey', pub, '-rawin', '-in', pki.path('octets.bin'), '-sigfile', sig])
      : opensslStatus(['dgst', `-${hash}`, ...(pss ? ['-sigopt', 'rsa_padding_mode:pss', '-sigopt', 'rsa_pss_saltlen:32'] : []), '-verify', pub, '-signature', sig, pki.path('octets.bin')]);
    return r.status === 0 && /Verified OK|Signature Verified Successfully/.test(r.text);
  }

  function opensslSigns(spec: KeySpec, hash: string | null, pss = false): Buffer {
    const sig = pki.path(`sig-${n++}.bin`);
    const k = pki.path(`${spec}.key`);
    if (hash === null) openssl(['pkeyutl', '-sign', '-inkey', k, '-rawin', '-in', pki.path('octets.bin'), '-out', sig]);
    else openssl(['dgst', `-${hash}`, ...(pss ? ['-sigopt', 'rsa_padding_mode:pss', '-sigopt', 'rsa_pss_saltlen:32'] : []), '-sign', k, '-out', sig, pki.path('octets.bin')]);
    return readFileSync(sig);
  }

  it.each([
    ['rsa', 'sha256', []],
    ['rsa', 'sha384', []],
    ['rsa', 'sha512', []],
    ['rsa', 'sha256', ['-sigopt', 'rsa_padding_mode:pss', '-sigopt', 'rsa_pss_saltlen:32', '-sigopt', 'rsa_mgf1_md:sha256']],
    ['p256', 'sha256', []],
    ['p384', 'sha384', []],
    ['p521', 'sha512', []],
    ['ed25519', null, []],
    ['ed448', null, []],
  ] as const)('writes the AlgorithmIdentifier openssl writes into a %s certificate signed with %s %j', (spec, hash, extra) => {
    const name = `cert-${n++}`;
    copyFileSync(pki.path(`${spec}.key`), pki.path(`${name}.key`));
    pki.rootCa(name, `/CN=${name}`, hash, [...extra]);
    const fromOpenssl = certSignatureAlgorithm(pki.read(`${name}.der`));
    const parsed = parseAlgorithmIdentifier(fromOpenssl);
    expect(parsed.ok).toBe(true);
    if (parsed.ok) expect(encodeAlgorithmIdentifier(parsed.scheme).toString('hex')).toBe(fromOpenssl.toString('hex'));
  });

  it.each([
    ['rsa', [2, 3, 4], 'sha256', false, '300d06092a864886f70d01010b0500'],
    ['rsa', [4], 'sha512', false, '300d06092a864886f70d01010d0500'],
    ['p256', [2, 3, 4], 'sha256', false, '300a06082a8648ce3d040302'],
    ['p256', [1, 3], 'sha384', false, '300a06082a8648ce3d040303'],
    ['p384', [2, 3, 4], 'sha384', false, '300a06082a8648ce3d040303'],
    ['p521', [2, 3, 4], 'sha512', false, '300a06082a8648ce3d040304'],
    ['ed25519', [2, 5], null, false, '300506032b6570'],
    ['ed448', [5], null, false, '300506032b6571'],
  ] as const)('signs with a %s key for peer hashes %j using %s, and openssl verifies the signature', (spec, peer, hash, pss, algId) => {
    const r = signAuth(key(spec).priv, OCTETS, [...peer]);
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.method).toBe(AUTH_METHOD.DIGITAL_SIGNATURE);
    const idLength = r.data[0]!;
    expect(r.data.subarray(1, 1 + idLength).toString('hex')).toBe(algId);
    expect(opensslVerifies(spec, hash, r.data.subarray(1 + idLength), pss)).toBe(true);
    expect(verifyAuth(key(spec).pub, r.method, r.data, OCTETS)).toEqual({ ok: true });
  });

  it('signs RSASSA-PSS with SHA-256 when asked, and openssl verifies it with salt length 32', () => {
    const r = signAuth(key('rsa').priv, OCTETS, [2, 3], { rsaPss: true });
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    const idLength = r.data[0]!;
    expect(r.data.subarray(1, 1 + idLength).toString('hex')).toBe(VECTORS[6]![2]);
    expect(opensslVerifies('rsa', 'sha256', r.data.subarray(1 + idLength), true)).toBe(true);
  });

  it.each([
    ['rsa', 'sha256', false, VECTORS[0]![2]],
    ['rsa', 'sha512', false, VECTORS[2]![2]],
    ['rsa', 'sha256', true, VECTORS[6]![2]],
    ['p256', 'sha256', false, VECTORS[3]![2]],
    ['p256', 'sha512', false, VECTORS[5]![2]],
    ['p384', 'sha384', false, VECTORS[4]![2]],
    ['p521', 'sha512', false, VECTORS[5]![2]],
    ['ed25519', null, false, VECTORS[7]![2]],
    ['ed448', null, false, VECTORS[8]![2]],
  ] as const)('verifies what openssl signs with a %s key and %s (PSS %s)', (spec, hash, pss, algId) => {
    const sig = opensslSigns(spec, hash, pss);
    const id = Buffer.from(algId, 'hex');
    const data = Buffer.concat([Buffer.from([id.length]), id, sig]);
    expect(verifyAuth(key(spec).pub, AUTH_METHOD.DIGITAL_SIGNATURE, data, OCTETS)).toEqual({ ok: true });
    const tampered = Buffer.from(OCTETS);
    tampered[5] ^= 1;
    expect(verifyAuth(key(spec).pub, AUTH_METHOD.DIGITAL_SIGNATURE, data, tampered)).toMatchObject({ ok: false, reason: 'bad-signature', winerror: 13826, winerrorName: 'ERROR_IPSEC_IKE_INVALID_SIGNATURE' });
  });

  it.each([
    ['p256', AUTH_METHOD.ECDSA_256, 'sha256', 32],
    ['p384', AUTH_METHOD.ECDSA_384, 'sha384', 48],
    ['p521', AUTH_METHOD.ECDSA_521, 'sha512', 66],
  ] as const)('uses the RFC 4754 method for %s when the peer sent no hash list, as r|s openssl accepts', (spec, method, hash, size) => {
    const r = signAuth(key(spec).priv, OCTETS, null);
    expect(r).toMatchObject({ ok: true, method });
    if (!r.ok) return;
    expect(r.data.length).toBe(2 * size);
    expect(opensslVerifies(spec, hash, python(RS_TO_DER, r.data.toString('hex')))).toBe(true);
    // And the other way: openssl's DER signature turned into r | s by Python verifies.
    const der = opensslSigns(spec, hash);
    const rs = python(DER_TO_RS.replace('SIZE', String(size)), der.toString('hex'));
    expect(verifyAuth(key(spec).pub, method, rs, OCTETS)).toEqual({ ok: true });
    expect(verifyAuth(key(spec).pub, method, rs.subarray(1), OCTETS)).toMatchObject({ ok: false, reason: 'malformed-auth-data' });
  });

  it('refuses RSA method 1 (SHA-1) unless legacy RSA is allowed, and then verifies openssl\'s SHA-1 signature', () => {
    const sig = opensslSigns('rsa', 'sha1');
    expect(verifyAuth(key('rsa').pub, AUTH_METHOD.RSA_SIG, sig, OCTETS)).toMatchObject({ ok: false, reason: 'legacy-method-refused', winerror: 13874 });
    expect(verifyAuth(key('rsa').pub, AUTH_METHOD.RSA_SIG, sig, OCTETS, { legacyRsaSha1: true })).toEqual({ ok: true });
    expect(signAuth(key('rsa').priv, OCTETS, null)).toMatchObject({ ok: false, reason: 'legacy-method-refused' });
    const legacy = signAuth(key('rsa').priv, OCTETS, null, { legacyRsaSha1: true });
    expect(legacy).toMatchObject({ ok: true, method: AUTH_METHOD.RSA_SIG });
    if (legacy.ok) expect(opensslVerifies('rsa', 'sha1', legacy.data)).toBe(true);
  });

  it('refuses a SHA-1 signature under method 14 because we never offer SHA-1', () => {
    const sig = opensslSigns('rsa', 'sha1');
    const id = Buffer.from('300d06092a864886f70d0101050500', 'hex');
    const r = verifyAuth(key('rsa').pub, AUTH_METHOD.DIGITAL_SIGNATURE, Buffer.concat([Buffer.from([id.length]), id, sig]), OCTETS);
    expect(r).toMatchObject({ ok: false, reason: 'hash-not-offered', winerror: 13871 });
  });

  it('refuses an AlgorithmIdentifier that does not fit the certificate key', () => {
    const sig = opensslSigns('p256', 'sha256');
    const ecdsaId = Buffer.from(VECTORS[3]![2], 'hex');
    const data = Buffer.concat([Buffer.from([ecdsaId.length]), ecdsaId, sig]);
    expect(verifyAuth(key('rsa').pub, AUTH_METHOD.DIGITAL_SIGNATURE, data, OCTETS)).toMatchObject({ ok: false, reason: 'key-type-mismatch' });
    expect(verifyAuth(key('p384').pub, AUTH_METHOD.ECDSA_256, Buffer.alloc(64), OCTETS)).toMatchObject({ ok: false, reason: 'key-type-mismatch' });
    expect(verifyAuth(key('ed25519').pub, AUTH_METHOD.DIGITAL_SIGNATURE, data, OCTETS)).toMatchObject({ ok: false, reason: 'key-type-mismatch' });
  });

  it('fails with a typed value when no hash fits our key', () => {
    expect(signAuth(key('p256').priv, OCTETS, [1])).toMatchObject({ ok: false, reason: 'no-common-hash', winerror: 13871 });
    expect(signAuth(key('ed25519').priv, OCTETS, [2, 3, 4])).toMatchObject({ ok: false, reason: 'no-common-hash' });
    expect(signAuth(key('rsa').priv, OCTETS, [])).toMatchObject({ ok: false, reason: 'no-common-hash' });
    expect(signAuth(key('ed25519').priv, OCTETS, null)).toMatchObject({ ok: false, reason: 'no-common-hash' });
  });

  it.each([
    ['empty data', Buffer.alloc(0)],
    ['a length and nothing else', Buffer.from([0x0f])],
    ['a zero ASN.1 length', Buffer.from([0x00, 0x30, 0x00, 0x01])],
    ['a length past the end', Buffer.from('10300d06092a864886f70d01010b0500', 'hex')],
    ['an AlgorithmIdentifier and no signature', Buffer.from('0f300d06092a864886f70d01010b0500', 'hex')],
    ['a bad ASN.1 length inside', Buffer.from('0f300e06092a864886f70d01010b050001', 'hex')],
  ])('refuses method 14 data with %s as malformed', (_name, data) => {
    expect(verifyAuth(key('rsa').pub, AUTH_METHOD.DIGITAL_SIGNATURE, data, OCTETS)).toMatchObject({ ok: false, reason: 'malformed-auth-data' });
  });

  it('refuses methods that are not signatures', () => {
    expect(verifyAuth(key('rsa').pub, AUTH_METHOD.SHARED_KEY_MIC, Buffer.alloc(32), OCTETS)).toMatchObject({ ok: false, reason: 'unsupported-auth-method' });
    expect(verifyAuth(key('rsa').pub, AUTH_METHOD.DSS_SIG, Buffer.alloc(40), OCTETS)).toMatchObject({ ok: false, reason: 'unsupported-auth-method' });
  });

  it('never throws on hostile AUTH payloads for any method and key', () => {
    const specs: KeySpec[] = ['rsa', 'p256', 'ed25519'];
    const prefixes = VECTORS.map(([, , hex]) => Buffer.from(hex, 'hex'));
    const data = fc.oneof(
      fc.uint8Array({ maxLength: 300 }).map((a) => Buffer.from(a)),
      fc.tuple(fc.constantFrom(...prefixes), fc.uint8Array({ maxLength: 300 })).map(([id, sig]) => Buffer.concat([Buffer.from([id.length]), id, Buffer.from(sig)])),
    );
    fc.assert(fc.property(fc.constantFrom(...specs), fc.constantFrom(1, 2, 9, 10, 11, 14, 0, 255), data, (spec, method, d) => {
      const r = verifyAuth(key(spec).pub, method, d, OCTETS, { legacyRsaSha1: true });
      expect(r.ok).toBe(false);
    }), { numRuns: 1500 });
  });
});
