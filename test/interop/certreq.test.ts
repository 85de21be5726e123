// The CERTREQ ipsec-ts sends (RFC 7296 3.7) names each trust anchor by the SHA-1 hash of its
// SubjectPublicKeyInfo; strongSwan sends its certificate only when asked (send_cert = ifasked).
// Checked against the openssl CLI's own DER encoding of the CA's public key.
import { execFileSync } from 'node:child_process';
import { X509Certificate, createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { TrustStore } from '../../src/ike/auth/certs.js';
import { certReqPayload } from '../../src/ike/exchanges/payloads.js';
import { makePki } from './pki.js';

describe('CERTREQ for the configured CAs', () => {
  const dir = mkdtempSync(join(tmpdir(), 'interop-certreq-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('is X.509 (encoding 4) and holds the SHA-1 of each CA public key as openssl encodes it, in trust-store order', () => {
    const one = makePki(join(dir, 'one'));
    const two = makePki(join(dir, 'two'));
    const spkiSha1 = (caPath: string): Buffer => {
      const pub = execFileSync('openssl', ['x509', '-in', caPath, '-noout', '-pubkey']);
      const der = execFileSync('openssl', ['pkey', '-pubin', '-outform', 'DER'], { input: pub });
      return createHash('sha1').update(der).digest();
    };
    const trust = TrustStore.fromCertificates([new X509Certificate(one.caPem), new X509Certificate(two.caPem)]);
    const p = certReqPayload(trust);
    expect(p?.encoding).toBe(4);
    expect(p?.data.toString('hex')).toBe(Buffer.concat([spkiSha1(one.caPath), spkiSha1(two.caPath)]).toString('hex'));
  });

  it('is not sent without trust anchors', () => {
    expect(certReqPayload(null)).toBeNull();
  });
});
