// IKE_AUTH with certificates (RFC 7296 2.15, RFC 7427): each side signs with its private key,
// sends its certificate, and checks the peer's chain against the trust store and the identity.
import { createPrivateKey } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TrustStore } from '../../../src/ike/auth/certs.js';
import type { ConnectionConfig } from '../../../src/ike/connection.js';
import { Pki, hasOpenssl } from '../auth/pki.js';
import type { KeySpec } from '../auth/pki.js';
import { IkePair, SETTINGS, connection, identity } from '../support/ike-pair.js';

const canRun = hasOpenssl();
let pki: Pki;

function certConnection(side: 'a' | 'b', name: string, subject: string, peerSubject: string): ConnectionConfig {
  return connection(side, {
    localId: identity(subject), remoteId: identity(peerSubject), psk: null,
    localAuth: { method: 'pubkey', certificates: [pki.read(`${name}.der`)], privateKey: createPrivateKey(pki.read(`${name}.key`)) },
    remoteAuth: { method: 'pubkey' },
  });
}

describe.skipIf(!canRun)('establishing an IKE SA with certificates', () => {
  beforeAll(() => {
    pki = new Pki();
    pki.key('ca', 'p256');
    pki.rootCa('ca', '/O=ipsec-ts test/CN=Test CA');
    pki.key('other', 'p256');
    pki.rootCa('other', '/O=elsewhere/CN=Other CA');
    for (const [name, spec, issuer] of [['a', 'rsa', 'ca'], ['b', 'p256', 'ca'], ['e', 'ed25519', 'ca'], ['x', 'p256', 'other']] as [string, KeySpec, string][]) {
      pki.key(name, spec);
      pki.issue(name, `/O=ipsec-ts test/CN=${name}`, issuer, 'plain_ext', { digest: spec === 'ed25519' ? null : 'sha256' });
    }
  });
  afterAll(() => pki?.cleanup());

  const trust = (): TrustStore => TrustStore.fromPem([pki.read('ca.pem').toString()]);

  for (const [a, b] of [['a', 'b'], ['b', 'e'], ['e', 'a']] as const) {
    it(`${a} and ${b} authenticate each other with RFC 7427 signatures and install the child`, () => {
      const pair = new IkePair(
        [certConnection('a', a, `O=ipsec-ts test, CN=${a}`, `O=ipsec-ts test, CN=${b}`)],
        [certConnection('b', b, `O=ipsec-ts test, CN=${b}`, `O=ipsec-ts test, CN=${a}`)], SETTINGS, trust());
      pair.a.manager.initiate('a-b');
      pair.deliver();
      expect(pair.a.host.eventsOf('ike-failed')).toEqual([]);
      expect(pair.b.host.eventsOf('ike-failed')).toEqual([]);
      expect(pair.a.host.eventsOf('child-installed')).toHaveLength(1);
      expect(pair.outboundAlwaysMatched()).toEqual([]);
    });
  }

  it('refuses a certificate from a CA the store does not hold, with 13887 on the responder', () => {
    const pair = new IkePair(
      [certConnection('a', 'x', 'O=ipsec-ts test, CN=x', 'O=ipsec-ts test, CN=b')],
      [certConnection('b', 'b', 'O=ipsec-ts test, CN=b', 'O=ipsec-ts test, CN=x')], SETTINGS, trust());
    pair.a.manager.initiate('a-b');
    pair.deliver();
    expect(pair.b.host.eventsOf('ike-failed')[0]).toMatchObject({ code: 13887 });
    expect(pair.a.host.eventsOf('ike-failed')[0]).toMatchObject({ code: 13801 });
    expect(pair.b.host.installed.size).toBe(0);
  });

  it('refuses a peer whose certificate names another identity than remote.id', () => {
    const pair = new IkePair(
      [certConnection('a', 'a', 'O=ipsec-ts test, CN=b', 'O=ipsec-ts test, CN=b')],
      [certConnection('b', 'b', 'O=ipsec-ts test, CN=b', 'O=ipsec-ts test, CN=b')], SETTINGS, trust());
    pair.a.manager.initiate('a-b');
    pair.deliver();
    expect(pair.b.host.eventsOf('ike-failed')[0]!.code).toBe(13801);
    expect(pair.b.host.installed.size).toBe(0);
  });
});
