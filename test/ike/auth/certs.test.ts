import { X509Certificate, createHmac, createPrivateKey, createPublicKey } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuthConfigError, TrustStore, loadOwnCredentials, loadTrustStore, subjectDer, verifyPeerCertificate } from '../../../src/ike/auth/certs.js';
import type { PeerCertificateInput } from '../../../src/ike/auth/certs.js';
import { idPayloadBody, parseIdentity } from '../../../src/ike/auth/identity.js';
import { signAuth, verifyAuth } from '../../../src/ike/auth/signature.js';
import { signedOctets } from '../../../src/ike/auth/signed-octets.js';
import type { IkeIdentity } from '../../../src/ike/auth/identity.js';
import { Pki, certSubject, hasOpenssl, openssl } from './pki.js';

function id(text: string): IkeIdentity {
  const r = parseIdentity(text);
  if (!r.ok) throw new Error(r.message);
  return r.identity;
}

const DAY = 86_400_000;

describe.skipIf(!hasOpenssl())('verifyPeerCertificate against an openssl PKI', () => {
  let pki: Pki;
  let trust: TrustStore;
  // Set once the PKI exists: openssl starts validity at the second of signing.
  let now = new Date();

  beforeAll(() => {
    pki = new Pki();
    // Root (RSA) -> intermediate (P-384) -> moon (RSA, SANs) and sun (Ed25519, SANs);
    // root -> carol (P-256, issued directly, valid one day);
    // other root -> mallory; root -> notca (an end entity) -> victim;
    // a fake root with the real root's name but another key -> forged.
    pki.key('root', 'rsa');
    pki.rootCa('root', '/C=CH/O=Example/CN=Example Root CA');
    pki.key('inter', 'p384');
    pki.issue('inter', '/C=CH/O=Example/CN=Example Intermediate CA', 'root', 'ca_ext');
    pki.key('moon', 'rsa');
    pki.issue('moon', '/C=CH/O=Example/CN=moon', 'inter', 'ee_ext', { digest: 'sha384' });
    pki.key('sun', 'ed25519');
    pki.issue('sun', '/C=CH/O=Example/CN=sun', 'inter', 'ee_ext', { digest: 'sha384' });
    pki.key('carol', 'p256');
    pki.issue('carol', '/C=CH/O=Example/CN=carol', 'root', 'ee_ext', { days: 1 });
    pki.key('other', 'p256');
    pki.rootCa('other', '/C=CH/O=Other/CN=Other Root CA');
    pki.key('mallory', 'p256');
    pki.issue('mallory', '/C=CH/O=Example/CN=moon', 'other', 'ee_ext');
    pki.key('notca', 'p256');
    pki.issue('notca', '/C=CH/O=Example/CN=notca', 'root', 'plain_ext');
    pki.key('victim', 'p256');
    pki.issue('victim', '/C=CH/O=Example/CN=victim', 'notca', 'plain_ext');
    pki.key('fake', 'rsa');
    pki.rootCa('fake', '/C=CH/O=Example/CN=Example Root CA');
    pki.key('forged', 'p256');
    // Without key identifiers only the names link forged to its issuer (openssl 3 adds them by default).
    pki.issue('forged', '/C=CH/O=Example/CN=forged', 'fake', 'nokeyid_ext');
    pki.key('forged2', 'p256');
    pki.issue('forged2', '/C=CH/O=Example/CN=forged2', 'fake', 'plain_ext');
    trust = TrustStore.fromPem([readFileSync(pki.path('root.pem'), 'utf8')]);
    now = new Date(Date.now() + 1000);
  }, 120_000);
  afterAll(() => pki?.cleanup());

  const check = (over: Partial<PeerCertificateInput>): ReturnType<typeof verifyPeerCertificate> =>
    verifyPeerCertificate({ endEntity: pki.read('moon.der'), intermediates: [pki.read('inter.der')], trust, now, identity: null, ...over });

  it('accepts a chain through an intermediate and returns the end entity\'s public key', () => {
    const r = check({});
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    const want = createPublicKey(readFileSync(pki.path('moon.pub')));
    expect(r.publicKey.equals(want)).toBe(true);
    expect(r.chain.map((c) => c.subject.split('\n').pop())).toEqual(['CN=moon', 'CN=Example Intermediate CA', 'CN=Example Root CA']);
  });

  it('accepts Ed25519 and P-256 end entities, the latter issued by the root directly', () => {
    expect(check({ endEntity: pki.read('sun.der') }).ok).toBe(true);
    expect(check({ endEntity: pki.read('carol.der'), intermediates: [] }).ok).toBe(true);
  });

  it('openssl verify agrees on the chains we accept and refuse', () => {
    const verify = (ee: string, untrusted: string[]): boolean => {
      try {
        openssl(['verify', '-CAfile', pki.path('root.pem'), ...untrusted.flatMap((u) => ['-untrusted', pki.path(u)]), pki.path(ee)]);
        return true;
      } catch {
        return false;
      }
    };
    expect(verify('moon.pem', ['inter.pem'])).toBe(check({}).ok);
    expect(verify('moon.pem', [])).toBe(check({ intermediates: [] }).ok);
    expect(verify('mallory.pem', [])).toBe(check({ endEntity: pki.read('mallory.der'), intermediates: [] }).ok);
    expect(verify('victim.pem', ['notca.pem'])).toBe(check({ endEntity: pki.read('victim.der'), intermediates: [pki.read('notca.der')] }).ok);
  });

  it('refuses a chain whose intermediate is missing as untrusted (13887)', () => {
    expect(check({ intermediates: [] })).toMatchObject({ ok: false, reason: 'untrusted-chain', winerror: 13887, winerrorName: 'ERROR_IPSEC_IKE_CERT_CHAIN_POLICY_MISMATCH' });
  });

  it('refuses a certificate from a CA that is not in the trust store', () => {
    const r = check({ endEntity: pki.read('mallory.der'), intermediates: [pki.read('other.der')] });
    expect(r).toMatchObject({ ok: false, reason: 'untrusted-chain' });
    if (!r.ok) expect(r.detail).toContain('Other Root CA');
  });

  it('refuses a certificate issued by an end entity (no CA bit)', () => {
    expect(check({ endEntity: pki.read('victim.der'), intermediates: [pki.read('notca.der')] })).toMatchObject({ ok: false, reason: 'issuer-not-ca' });
  });

  it('refuses a certificate whose issuer name matches a trusted CA but whose signature does not (13875)', () => {
    expect(check({ endEntity: pki.read('forged.der'), intermediates: [] })).toMatchObject({ ok: false, reason: 'certificate-signature-invalid', winerror: 13875 });
    // With an authority key identifier naming the other key it is simply not from our CA.
    expect(check({ endEntity: pki.read('forged2.der'), intermediates: [] })).toMatchObject({ ok: false, reason: 'untrusted-chain' });
  });

  it('refuses an expired and a not yet valid certificate by the injected time', () => {
    const carol = { endEntity: pki.read('carol.der'), intermediates: [] };
    expect(check({ ...carol, now: new Date(now.getTime() + 3 * DAY) })).toMatchObject({ ok: false, reason: 'certificate-expired', winerror: 13801 });
    expect(check({ ...carol, now: new Date(now.getTime() - 3 * DAY) })).toMatchObject({ ok: false, reason: 'certificate-not-yet-valid', winerror: 13801 });
  });

  it('refuses a chain whose intermediate has expired while the end entity is still valid', () => {
    pki.key('shortca', 'p256');
    pki.issue('shortca', '/C=CH/O=Example/CN=Short CA', 'root', 'ca_ext', { days: 1 });
    pki.key('longee', 'p256');
    pki.issue('longee', '/C=CH/O=Example/CN=longee', 'shortca', 'ee_ext', { days: 30 });
    const r = check({ endEntity: pki.read('longee.der'), intermediates: [pki.read('shortca.der')], now: new Date(now.getTime() + 3 * DAY) });
    expect(r).toMatchObject({ ok: false, reason: 'certificate-expired' });
    if (!r.ok) expect(r.detail).toContain('Short CA');
  });

  it('reports a missing certificate as 13847 and garbage as a malformed certificate', () => {
    expect(check({ endEntity: null })).toMatchObject({ ok: false, reason: 'no-peer-certificate', winerror: 13847, winerrorName: 'ERROR_IPSEC_IKE_NO_PEER_CERT' });
    expect(check({ endEntity: Buffer.from('3003020101', 'hex') })).toMatchObject({ ok: false, reason: 'malformed-certificate', winerror: 13835 });
    expect(check({ intermediates: [Buffer.from('00', 'hex')] })).toMatchObject({ ok: false, reason: 'malformed-certificate' });
  });

  it.each([
    ['moon.example', true],
    ['MOON.example', true],
    ['192.0.2.1', true],
    ['2001:db8::1', true],
    ['moon@example.com', true],
    ['C=CH, O=Example, CN=moon', true],
    ['C=CH,O=example,CN=MOON', true],
    ['sun.example', false],
    ['192.0.2.2', false],
    ['sun@example.com', false],
    ['C=CH, O=Example, CN=sun', false],
    ['CN=moon, O=Example, C=CH', false],
  ])('finds the identity %s in moon\'s certificate: %s', (text, found) => {
    const r = check({ identity: id(text) });
    if (found) expect(r.ok).toBe(true);
    else expect(r).toMatchObject({ ok: false, reason: 'identity-not-in-certificate', winerror: 13801 });
  });

  it('refuses to match a key ID against a certificate as an unsupported ID type (13869)', () => {
    expect(check({ identity: id('@#0102') })).toMatchObject({ ok: false, reason: 'unsupported-id-type', winerror: 13869, winerrorName: 'ERROR_IPSEC_IKE_UNSUPPORTED_ID' });
  });

  it('reads the subject DER at the offset openssl asn1parse reports', () => {
    expect(subjectDer(pki.read('moon.der'))).toEqual(certSubject(pki.read('moon.der')));
  });

  it('never throws on random or mutated end-entity certificates', () => {
    const good = pki.read('carol.der');
    fc.assert(fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => {
      expect(check({ endEntity: Buffer.from(bytes) }).ok).toBe(false);
    }), { numRuns: 300 });
    fc.assert(fc.property(fc.nat(good.length - 1), fc.integer({ min: 0, max: 255 }), (at, v) => {
      const copy = Buffer.from(good);
      copy[at] = v;
      const r = check({ endEntity: copy, intermediates: [] });
      expect(typeof r.ok).toBe('boolean');
      expect(typeof subjectDer(copy)).toBe('object');
    }), { numRuns: 300 });
  });

  it('authenticates a peer end to end: signed octets, RFC 7427 signature, chain and identity', () => {
    const own = loadOwnCredentials(pki.path('moon.pem'), pki.path('moon.key'));
    const idBody = idPayloadBody(id('C=CH, O=Example, CN=moon'));
    const prf = (key: Buffer, data: Buffer): Buffer => createHmac('sha256', key).update(data).digest();
    const octets = signedOctets({ firstMessage: Buffer.alloc(100, 7), peerNonce: Buffer.alloc(32, 9), prf, skP: Buffer.alloc(32, 1), idBody });
    const auth = signAuth(own.privateKey, octets, [2, 3, 4]);
    if (!auth.ok) throw new Error(auth.detail);
    const cert = verifyPeerCertificate({ endEntity: own.der, intermediates: [pki.read('inter.der')], trust, now, identity: id('C=CH, O=Example, CN=moon') });
    if (!cert.ok) throw new Error(cert.detail);
    expect(verifyAuth(cert.publicKey, auth.method, auth.data, octets)).toEqual({ ok: true });
    // The same AUTH over octets with another identity (a different MACed ID) does not verify.
    const other = signedOctets({ firstMessage: Buffer.alloc(100, 7), peerNonce: Buffer.alloc(32, 9), prf, skP: Buffer.alloc(32, 1), idBody: idPayloadBody(id('moon.example')) });
    expect(verifyAuth(cert.publicKey, auth.method, auth.data, other)).toMatchObject({ ok: false, reason: 'bad-signature' });
  });

  it('loads a trust store from a folder and refuses text without certificates', () => {
    const dir = pki.path('cacerts');
    mkdirSync(dir);
    writeFileSync(`${dir}/root.pem`, readFileSync(pki.path('root.pem')));
    writeFileSync(`${dir}/readme.txt`, 'not a certificate');
    const store = loadTrustStore(dir);
    expect(store.anchors.map((a) => a.subject.split('\n').pop())).toEqual(['CN=Example Root CA']);
    expect(() => TrustStore.fromPem(['hello'])).toThrow(AuthConfigError);
    expect(() => loadTrustStore(pki.path('nowhere'))).toThrow(/cannot read CA folder/);
  });

  it('loads our own certificate and key, and explains each way that fails', () => {
    const own = loadOwnCredentials(pki.path('moon.pem'), pki.path('moon.key'));
    expect(own.der).toEqual(pki.read('moon.der'));
    expect(new X509Certificate(own.der).checkPrivateKey(createPrivateKey(readFileSync(pki.path('moon.key'))))).toBe(true);
    const err = (f: () => unknown): AuthConfigError => {
      try {
        f();
      } catch (e) {
        if (e instanceof AuthConfigError) return e;
        throw e;
      }
      throw new Error('expected an AuthConfigError');
    };
    expect(err(() => loadOwnCredentials(pki.path('moon.pem'), pki.path('sun.key'))).code).toBe('key-does-not-match');
    expect(err(() => loadOwnCredentials(pki.path('absent.pem'), pki.path('moon.key'))).code).toBe('no-certificate');
    expect(err(() => loadOwnCredentials(pki.path('moon.key'), pki.path('moon.key'))).code).toBe('bad-certificate');
    expect(err(() => loadOwnCredentials(pki.path('moon.pem'), pki.path('moon.pem'))).code).toBe('bad-private-key');
    openssl(['pkey', '-in', pki.path('moon.key'), '-aes256', '-passout', 'pass:sesame', '-out', pki.path('moon-enc.key')]);
    const locked = err(() => loadOwnCredentials(pki.path('moon.pem'), pki.path('moon-enc.key')));
    expect(locked.code).toBe('bad-private-key');
    expect(locked.message).toContain('passphrase');
    expect(loadOwnCredentials(pki.path('moon.pem'), pki.path('moon-enc.key'), 'sesame').privateKey.asymmetricKeyType).toBe('rsa');
  });
});
