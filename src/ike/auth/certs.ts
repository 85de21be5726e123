// Certificates for IKE authentication (RFC 7296 3.6, 2.15; RFC 4945 for the PKI profile):
// a trust store of CA certificates, the peer's chain checked against it at a given time, the
// peer's identity found in its certificate, and our own certificate and key loaded from PEM.
// Certificate parsing and signature checks are node:crypto's X509Certificate.
import { X509Certificate, createPrivateKey } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { ID_TYPE } from '../message/numbers.js';
import { formatIpv4, formatIpv6 } from '../../wire/address.js';
import { DER_TAG, readChildren, readElement } from './der.js';
import { dnEqual } from './dn.js';
import type { AuthFailure } from './failures.js';
import { authFailure } from './failures.js';
import { formatIdentity } from './identity.js';
import type { IkeIdentity } from './identity.js';

/** Deeper chains than this are refused: real IKE chains have one or two intermediates. */
export const MAX_CHAIN_DEPTH = 8;
/** More intermediates than this in one message are ignored beyond the limit (bounded work). */
const MAX_INTERMEDIATES = 16;

/** A configuration problem with a stable code (misuse or bad files, never peer input). */
export class AuthConfigError extends Error {
  constructor(
    readonly code: 'no-certificate' | 'bad-certificate' | 'no-private-key' | 'bad-private-key' | 'key-does-not-match' | 'bad-trust-store',
    message: string,
  ) {
    super(message);
    this.name = 'AuthConfigError';
  }
}

const PEM_CERT = /-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g;

/** The CA certificates we accept as chain anchors. */
export class TrustStore {
  private constructor(readonly anchors: readonly X509Certificate[]) {}

  /** Every CERTIFICATE block of every text; a text with none, or a bad block, throws AuthConfigError. */
  static fromPem(texts: readonly string[], names: readonly string[] = []): TrustStore {
    const anchors: X509Certificate[] = [];
    texts.forEach((text, i) => {
      const label = names[i] ?? `PEM text ${i + 1}`;
      const blocks = text.match(PEM_CERT) ?? [];
      if (blocks.length === 0) throw new AuthConfigError('bad-trust-store', `${label}: no "BEGIN CERTIFICATE" block`);
      for (const block of blocks) {
        try {
          anchors.push(new X509Certificate(block));
        } catch (e) {
          throw new AuthConfigError('bad-trust-store', `${label}: a certificate block does not parse (${(e as Error).message})`);
        }
      }
    });
    return new TrustStore(anchors);
  }

  static fromCertificates(certs: readonly X509Certificate[]): TrustStore {
    return new TrustStore([...certs]);
  }
}

/** Loads every *.pem / *.crt / *.cer file of `dir` as trust anchors (strongSwan's x509ca folder). */
export function loadTrustStore(dir: string): TrustStore {
  let names: string[];
  try {
    names = readdirSync(dir).filter((n) => /\.(pem|crt|cer)$/i.test(n)).sort();
  } catch (e) {
    throw new AuthConfigError('bad-trust-store', `cannot read CA folder ${dir}: ${(e as Error).message}`);
  }
  const files = names.map((n) => join(dir, n)).filter((p) => statSync(p).isFile());
  if (files.length === 0) throw new AuthConfigError('bad-trust-store', `CA folder ${dir} has no .pem, .crt or .cer files`);
  const texts = files.map((f) => readFileSync(f, 'utf8'));
  return TrustStore.fromPem(texts, files);
}

export interface PeerCertificateInput {
  /** The end-entity certificate (first CERT payload, X.509 Certificate - Signature, DER). */
  readonly endEntity: Buffer | null;
  /** Further CERT payloads: intermediate CAs, in any order. */
  readonly intermediates: readonly Buffer[];
  readonly trust: TrustStore;
  readonly now: Date;
  /** The identity the peer claims (IDi/IDr), to be found in the certificate; null skips the check. */
  readonly identity: IkeIdentity | null;
}

export type CertCheck =
  | { readonly ok: true; readonly publicKey: KeyObject; readonly certificate: X509Certificate; readonly chain: readonly X509Certificate[] }
  | AuthFailure;

function parseDer(der: Buffer, what: string): X509Certificate | AuthFailure {
  try {
    return new X509Certificate(der);
  } catch (e) {
    return authFailure('malformed-certificate', `${what}: ${(e as Error).message}`);
  }
}

function validityFailure(cert: X509Certificate, now: Date): AuthFailure | null {
  const from = new Date(cert.validFrom);
  const to = new Date(cert.validTo);
  if (Number.isNaN(from.getTime()) || Number.isNaN(to.getTime())) return authFailure('malformed-certificate', `unreadable validity of "${oneLine(cert.subject)}"`);
  if (now < from) return authFailure('certificate-not-yet-valid', `"${oneLine(cert.subject)}" is valid from ${from.toISOString()}, now is ${now.toISOString()}`);
  if (now > to) return authFailure('certificate-expired', `"${oneLine(cert.subject)}" expired ${to.toISOString()}, now is ${now.toISOString()}`);
  return null;
}

function oneLine(name: string): string {
  return name.split('\n').join(', ');
}

/** Whether `issuer` issued `cert`: names (and key IDs) match and the signature verifies. */
function issuedBy(cert: X509Certificate, issuer: X509Certificate): 'yes' | 'name-only' | 'no' {
  if (!cert.checkIssued(issuer)) return 'no';
  try {
    return cert.verify(issuer.publicKey) ? 'yes' : 'name-only';
  } catch {
    return 'name-only';
  }
}

/** Climbs from `ee` to a trust anchor: every link's issuer must be a CA and valid at `now`. */
function buildChain(ee: X509Certificate, pool: readonly X509Certificate[], trust: TrustStore, now: Date): X509Certificate[] | AuthFailure {
  const chain = [ee];
  let current = ee;
  let badSignature: X509Certificate | null = null;
  for (let depth = 0; depth < MAX_CHAIN_DEPTH; depth++) {
    // A certificate that is itself a trust anchor ends the chain (a pinned end entity or CA).
    if (trust.anchors.some((a) => a.fingerprint256 === current.fingerprint256)) return chain;
    const anchor = trust.anchors.find((a) => issuedBy(current, a) === 'yes');
    const next = anchor ?? pool.find((c) => !chain.includes(c) && issuedBy(current, c) === 'yes');
    if (!next) {
      badSignature = [...trust.anchors, ...pool].find((c) => issuedBy(current, c) === 'name-only') ?? null;
      break;
    }
    if (!next.ca) return authFailure('issuer-not-ca', `"${oneLine(next.subject)}" issued "${oneLine(current.subject)}" but is not a CA`);
    const invalid = validityFailure(next, now);
    if (invalid) return invalid;
    chain.push(next);
    if (anchor) return chain;
    current = next;
  }
  if (badSignature) return authFailure('certificate-signature-invalid', `"${oneLine(current.subject)}" names issuer "${oneLine(badSignature.subject)}" but its signature does not verify with that CA's key`);
  if (chain.length > MAX_CHAIN_DEPTH) return authFailure('chain-too-long', `no trust anchor within ${MAX_CHAIN_DEPTH} certificates`);
  return authFailure('untrusted-chain', `no trusted CA issued "${oneLine(current.subject)}" (issuer "${oneLine(current.issuer)}")`);
}

/**
 * Checks the peer's certificate (RFC 7296 2.15, RFC 4945 5): chain to a trusted CA, validity at
 * `now`, CA flag on every issuer, and the claimed identity present in the certificate. Returns
 * the end-entity public key to verify AUTH with. Never throws on peer input.
 */
export function verifyPeerCertificate(input: PeerCertificateInput): CertCheck {
  if (!input.endEntity || input.endEntity.length === 0) return authFailure('no-peer-certificate', 'no CERT payload with an X.509 certificate');
  const ee = parseDer(input.endEntity, 'end-entity certificate');
  if ('ok' in ee) return ee;
  const pool: X509Certificate[] = [];
  for (const [i, der] of input.intermediates.slice(0, MAX_INTERMEDIATES).entries()) {
    const c = parseDer(der, `intermediate certificate ${i + 1}`);
    if ('ok' in c) return c;
    pool.push(c);
  }
  const invalid = validityFailure(ee, input.now);
  if (invalid) return invalid;
  const chain = buildChain(ee, pool, input.trust, input.now);
  if ('ok' in chain) return chain;
  if (input.identity) {
    const idFailure = identityInCertificate(ee, input.endEntity, input.identity);
    if (idFailure) return idFailure;
  }
  return { ok: true, publicKey: ee.publicKey, certificate: ee, chain };
}

/**
 * RFC 4945 3.1 / 5.1.2: the ID must be in the certificate: an address, FQDN or mail address as a
 * subjectAltName of that type, a DN as the subject. Returns null when found.
 */
export function identityInCertificate(cert: X509Certificate, der: Buffer, id: IkeIdentity): AuthFailure | null {
  const missing = (): AuthFailure => authFailure('identity-not-in-certificate', `identity ${formatIdentity(id)} is not in the certificate of "${oneLine(cert.subject)}" (subjectAltName: ${cert.subjectAltName ?? 'none'})`);
  const text = id.data.toString('utf8');
  switch (id.idType) {
    case ID_TYPE.ID_FQDN:
      return cert.checkHost(text, { subject: 'never', wildcards: false }) !== undefined ? null : missing();
    case ID_TYPE.ID_RFC822_ADDR:
      return cert.checkEmail(text, { subject: 'never' }) !== undefined ? null : missing();
    case ID_TYPE.ID_IPV4_ADDR:
    case ID_TYPE.ID_IPV6_ADDR: {
      if (id.data.length !== (id.idType === ID_TYPE.ID_IPV4_ADDR ? 4 : 16)) return missing();
      const addr = id.data.length === 4 ? formatIpv4(id.data, 0) : formatIpv6(id.data, 0);
      return cert.checkIP(addr) !== undefined ? null : missing();
    }
    case ID_TYPE.ID_DER_ASN1_DN: {
      const subject = subjectDer(der);
      return subject && dnEqual(id.data, subject) ? null : missing();
    }
    default:
      return authFailure('unsupported-id-type', `ID type ${id.idType} cannot be matched against a certificate`);
  }
}

/** The DER of tbsCertificate.subject (RFC 5280 4.1), or null when the certificate does not parse that far. */
export function subjectDer(cert: Buffer): Buffer | null {
  const outer = readElement(cert, 0);
  if (!outer.ok || outer.element.tag !== DER_TAG.SEQUENCE) return null;
  const tbs = readElement(cert, outer.element.contentStart, outer.element.end);
  if (!tbs.ok || tbs.element.tag !== DER_TAG.SEQUENCE) return null;
  const fields = readChildren(cert, tbs.element.contentStart, tbs.element.end, 16);
  if (!fields.ok) return null;
  // version [0] is optional; then serialNumber, signature, issuer, validity, subject.
  const skip = fields.children[0]?.tag === 0xa0 ? 1 : 0;
  const subject = fields.children[skip + 4];
  return subject && subject.tag === DER_TAG.SEQUENCE ? cert.subarray(subject.start, subject.end) : null;
}

export interface OwnCredentials {
  readonly certificate: X509Certificate;
  /** The DER for our CERT payload. */
  readonly der: Buffer;
  readonly privateKey: KeyObject;
}

function readText(path: string, code: 'no-certificate' | 'no-private-key', what: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (e) {
    throw new AuthConfigError(code, `cannot read ${what} ${path}: ${(e as Error).message}`);
  }
}

/**
 * Loads our certificate and private key from PEM files and checks that they belong together.
 * Throws AuthConfigError with a message naming the file and what is wrong with it.
 */
export function loadOwnCredentials(certFile: string, keyFile: string, passphrase?: string): OwnCredentials {
  const certText = readText(certFile, 'no-certificate', 'certificate file');
  const block = certText.match(PEM_CERT)?.[0];
  if (!block) throw new AuthConfigError('bad-certificate', `${certFile} has no "BEGIN CERTIFICATE" block`);
  let certificate: X509Certificate;
  try {
    certificate = new X509Certificate(block);
  } catch (e) {
    throw new AuthConfigError('bad-certificate', `${certFile}: the certificate does not parse (${(e as Error).message})`);
  }
  const keyText = readText(keyFile, 'no-private-key', 'private key file');
  if (!/-----BEGIN (RSA |EC |ENCRYPTED )?PRIVATE KEY-----/.test(keyText)) {
    throw new AuthConfigError('bad-private-key', `${keyFile} has no "BEGIN PRIVATE KEY" block`);
  }
  let privateKey: KeyObject;
  try {
    privateKey = createPrivateKey(passphrase === undefined ? keyText : { key: keyText, passphrase });
  } catch (e) {
    const encrypted = keyText.includes('ENCRYPTED');
    throw new AuthConfigError('bad-private-key', `${keyFile}: ${encrypted ? 'the key is encrypted and the passphrase is missing or wrong' : 'the key does not parse'} (${(e as Error).message})`);
  }
  if (!certificate.checkPrivateKey(privateKey)) {
    throw new AuthConfigError('key-does-not-match', `${keyFile} is not the private key of the certificate in ${certFile} ("${oneLine(certificate.subject)}")`);
  }
  return { certificate, der: certificate.raw, privateKey };
}
