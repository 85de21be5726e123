// The signature AlgorithmIdentifiers of RFC 7427 (Digital Signature AUTH, method 14) and their
// DER (RFC 5280 4.1.1.2). Our encodings are the RFC 7427 appendix A byte strings (a test checks
// them, and checks them against the signatureAlgorithm openssl writes into certificates):
//   RSASSA-PKCS1-v1_5: OID + NULL parameters (RFC 4055 5, RFC 7427 A.1)
//   ECDSA:             OID, parameters absent (RFC 5758 3.2, RFC 7427 A.3)
//   RSASSA-PSS:        id-RSASSA-PSS + RSASSA-PSS-params (RFC 4055 3.1, RFC 7427 A.4)
//   Ed25519 / Ed448:   OID, parameters absent (RFC 8410 3, RFC 8420 2)
import { HASH_ALGORITHM } from '../message/numbers.js';
import { DER_TAG, decodeOidContent, derOid, derTlv, readChildren, readElement } from './der.js';
import type { DerElement } from './der.js';

export type HashName = 'sha1' | 'sha256' | 'sha384' | 'sha512';

export type SignatureScheme =
  | { readonly kind: 'rsa-pkcs1'; readonly hash: HashName }
  | { readonly kind: 'rsa-pss'; readonly hash: HashName; readonly saltLength: number }
  | { readonly kind: 'ecdsa'; readonly hash: HashName }
  | { readonly kind: 'ed25519' }
  | { readonly kind: 'ed448' };

/** RFC 7427 4 / IANA "IKEv2 Hash Algorithms" number for the hash a scheme uses. */
export function schemeHashNumber(scheme: SignatureScheme): number {
  if (scheme.kind === 'ed25519' || scheme.kind === 'ed448') return HASH_ALGORITHM.IDENTITY;
  return HASH_NUMBER[scheme.hash];
}

export const HASH_NUMBER: Readonly<Record<HashName, number>> = {
  sha1: HASH_ALGORITHM.SHA1,
  sha256: HASH_ALGORITHM.SHA2_256,
  sha384: HASH_ALGORITHM.SHA2_384,
  sha512: HASH_ALGORITHM.SHA2_512,
};

/** RFC 3279 2.2.1, RFC 4055 2.1 / 5, RFC 5758 2 and 3.2, RFC 8410 3. */
const OID = {
  sha1: '1.3.14.3.2.26',
  sha256: '2.16.840.1.101.3.4.2.1',
  sha384: '2.16.840.1.101.3.4.2.2',
  sha512: '2.16.840.1.101.3.4.2.3',
  mgf1: '1.2.840.113549.1.1.8',
  rsassaPss: '1.2.840.113549.1.1.10',
  ed25519: '1.3.101.112',
  ed448: '1.3.101.113',
} as const;

const PKCS1_OIDS: Readonly<Record<string, HashName>> = {
  '1.2.840.113549.1.1.5': 'sha1',
  '1.2.840.113549.1.1.11': 'sha256',
  '1.2.840.113549.1.1.12': 'sha384',
  '1.2.840.113549.1.1.13': 'sha512',
};

const ECDSA_OIDS: Readonly<Record<string, HashName>> = {
  '1.2.840.10045.4.1': 'sha1',
  '1.2.840.10045.4.3.2': 'sha256',
  '1.2.840.10045.4.3.3': 'sha384',
  '1.2.840.10045.4.3.4': 'sha512',
};

const HASH_OIDS: Readonly<Record<string, HashName>> = { [OID.sha1]: 'sha1', [OID.sha256]: 'sha256', [OID.sha384]: 'sha384', [OID.sha512]: 'sha512' };

function oidOf(table: Readonly<Record<string, HashName>>, hash: HashName): string {
  return Object.keys(table).find((k) => table[k] === hash)!;
}

const DER_NULL = Buffer.from([DER_TAG.NULL, 0]);

/** AlgorithmIdentifier { hash OID, NULL }, as RFC 4055 and openssl write it inside PSS parameters. */
function hashAlgorithm(hash: HashName): Buffer {
  return derTlv(DER_TAG.SEQUENCE, derOid(OID[hash]), DER_NULL);
}

/** The DER AlgorithmIdentifier for a scheme. */
export function encodeAlgorithmIdentifier(scheme: SignatureScheme): Buffer {
  switch (scheme.kind) {
    case 'rsa-pkcs1':
      return derTlv(DER_TAG.SEQUENCE, derOid(oidOf(PKCS1_OIDS, scheme.hash)), DER_NULL);
    case 'ecdsa':
      return derTlv(DER_TAG.SEQUENCE, derOid(oidOf(ECDSA_OIDS, scheme.hash)));
    case 'ed25519':
    case 'ed448':
      return derTlv(DER_TAG.SEQUENCE, derOid(OID[scheme.kind]));
    case 'rsa-pss': {
      // RFC 4055 3.1: [0] hashAlgorithm, [1] maskGenAlgorithm (MGF1 with the same hash),
      // [2] saltLength; trailerField [3] stays at its DEFAULT 1 and is omitted (X.690 11.5).
      const params = derTlv(
        DER_TAG.SEQUENCE,
        derTlv(0xa0, hashAlgorithm(scheme.hash)),
        derTlv(0xa1, derTlv(DER_TAG.SEQUENCE, derOid(OID.mgf1), hashAlgorithm(scheme.hash))),
        derTlv(0xa2, derTlv(DER_TAG.INTEGER, Buffer.from([scheme.saltLength]))),
      );
      return derTlv(DER_TAG.SEQUENCE, derOid(OID.rsassaPss), params);
    }
  }
}

export type AlgorithmIdParse =
  | { readonly ok: true; readonly scheme: SignatureScheme }
  | { readonly ok: false; readonly malformed: boolean; readonly detail: string };

function malformed(detail: string): AlgorithmIdParse {
  return { ok: false, malformed: true, detail };
}

function unsupported(detail: string): AlgorithmIdParse {
  return { ok: false, malformed: false, detail };
}

/** The OID of an element, or null. */
function oidAt(der: Buffer, el: DerElement | undefined): string | null {
  if (!el || el.tag !== DER_TAG.OID) return null;
  return decodeOidContent(der.subarray(el.contentStart, el.end));
}

/** Parses { OID, parameters? } spanning [start, end); returns the OID and the parameter element. */
function algorithmParts(der: Buffer, start: number, end: number): { oid: string; params: DerElement | null } | string {
  const outer = readElement(der, start, end);
  if (!outer.ok) return outer.detail;
  if (outer.element.tag !== DER_TAG.SEQUENCE || outer.element.end !== end) return 'an AlgorithmIdentifier is one SEQUENCE';
  const parts = readChildren(der, outer.element.contentStart, outer.element.end, 2);
  if (!parts.ok) return parts.detail;
  const oid = oidAt(der, parts.children[0]);
  if (oid === null) return 'AlgorithmIdentifier does not start with an OID';
  return { oid, params: parts.children[1] ?? null };
}

/** A hash AlgorithmIdentifier inside PSS parameters: parameters NULL or absent (RFC 4055 2.1). */
function hashFrom(der: Buffer, el: DerElement): { readonly hash: HashName } | { readonly error: string } {
  const parts = algorithmParts(der, el.start, el.end);
  if (typeof parts === 'string') return { error: parts };
  const hash = HASH_OIDS[parts.oid];
  if (!hash) return { error: `hash ${parts.oid} is not SHA-1 or SHA-2` };
  if (parts.params && !der.subarray(parts.params.start, parts.params.end).equals(DER_NULL)) return { error: 'hash parameters are neither NULL nor absent' };
  return { hash };
}

/** RFC 4055 3.1 RSASSA-PSS-params; every field optional with SHA-1 defaults. */
function parsePssParams(der: Buffer, params: DerElement | null): AlgorithmIdParse {
  if (!params || params.tag !== DER_TAG.SEQUENCE) return malformed('RSASSA-PSS needs its parameters SEQUENCE');
  const fields = readChildren(der, params.contentStart, params.end, 4);
  if (!fields.ok) return malformed(fields.detail);
  let hash: HashName = 'sha1';
  let mgfHash: HashName = 'sha1';
  let saltLength = 20;
  let lastTag = 0x9f;
  for (const field of fields.children) {
    if (field.tag <= lastTag || field.tag > 0xa3) return malformed(`PSS parameter tag 0x${field.tag.toString(16)} out of place`);
    lastTag = field.tag;
    const inner = readElement(der, field.contentStart, field.end);
    if (!inner.ok || inner.element.end !== field.end) return malformed('PSS parameter is not one element');
    if (field.tag === 0xa0) {
      const h = hashFrom(der, inner.element);
      if ('error' in h) return unsupported(h.error);
      hash = h.hash;
    } else if (field.tag === 0xa1) {
      const mgf = algorithmParts(der, inner.element.start, inner.element.end);
      if (typeof mgf === 'string') return malformed(mgf);
      if (mgf.oid !== OID.mgf1 || !mgf.params) return unsupported(`mask generation ${mgf.oid} is not MGF1`);
      const h = hashFrom(der, mgf.params);
      if ('error' in h) return unsupported(h.error);
      mgfHash = h.hash;
    } else {
      const value = integerValue(der, inner.element);
      if (value === null) return malformed('PSS saltLength or trailerField is not a small INTEGER');
      if (field.tag === 0xa2) saltLength = value;
      else if (value !== 1) return unsupported(`PSS trailerField ${value} (only 1 is defined)`);
    }
  }
  if (mgfHash !== hash) return unsupported(`PSS with ${hash} but MGF1 with ${mgfHash}`);
  return { ok: true, scheme: { kind: 'rsa-pss', hash, saltLength } };
}

/** A non-negative INTEGER below 2^16 in minimal encoding, or null. */
function integerValue(der: Buffer, el: DerElement): number | null {
  const len = el.end - el.contentStart;
  if (el.tag !== DER_TAG.INTEGER || len < 1 || len > 3) return null;
  const c = der.subarray(el.contentStart, el.end);
  if (c[0]! & 0x80) return null;
  if (len > 1 && c[0] === 0 && !(c[1]! & 0x80)) return null;
  const value = c.readUIntBE(0, len);
  return value < 0x10000 ? value : null;
}

/** Parses the AlgorithmIdentifier of a method-14 AUTH payload; never throws. */
export function parseAlgorithmIdentifier(der: Buffer): AlgorithmIdParse {
  const parts = algorithmParts(der, 0, der.length);
  if (typeof parts === 'string') return malformed(parts);
  const { oid, params } = parts;
  const paramBytes = params ? der.subarray(params.start, params.end) : null;
  if (PKCS1_OIDS[oid]) {
    // RFC 4055 5: NULL parameters; absent ones are accepted as many implementations send them.
    if (paramBytes && !paramBytes.equals(DER_NULL)) return malformed('RSASSA-PKCS1-v1_5 parameters must be NULL');
    return { ok: true, scheme: { kind: 'rsa-pkcs1', hash: PKCS1_OIDS[oid]! } };
  }
  if (ECDSA_OIDS[oid]) {
    if (paramBytes) return malformed('ECDSA AlgorithmIdentifier must have no parameters (RFC 5758 3.2)');
    return { ok: true, scheme: { kind: 'ecdsa', hash: ECDSA_OIDS[oid]! } };
  }
  if (oid === OID.ed25519 || oid === OID.ed448) {
    if (paramBytes) return malformed('EdDSA AlgorithmIdentifier must have no parameters (RFC 8410 3)');
    return { ok: true, scheme: { kind: oid === OID.ed25519 ? 'ed25519' : 'ed448' } };
  }
  if (oid === OID.rsassaPss) return parsePssParams(der, params);
  return unsupported(`signature algorithm ${oid}`);
}
