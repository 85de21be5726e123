// Signature AUTH: RFC 7427 Digital Signature (method 14) and the RFC 7296 / RFC 4754 classic
// methods.
//
// Method 14 AUTH data (RFC 7427 3):
//   | ASN.1 Length (1 octet) | AlgorithmIdentifier (DER) | Signature Value |
// where the peer MUST pick a hash from the SIGNATURE_HASH_ALGORITHMS list we sent (RFC 7427 4)
// and may use method 14 only when both sides sent that notify (RFC 7427 3).
//
// Method 1 (RSA Digital Signature, RFC 7296 3.8) names no hash; deployed peers use SHA-1 with
// RSASSA-PKCS1-v1_5, the fixed pairing RFC 7427 was written to replace, and RFC 8247 3.2 keeps
// method 1 for interoperability while its hash table says SHA-1 MUST NOT be used for signatures.
// Our decision: we never announce SHA-1, and method 1 (sign and verify) is used only when the
// caller opts in with `legacyRsaSha1` for a peer that does not speak RFC 7427; otherwise it is
// refused with a failure that says so.
//
// Methods 9/10/11 (RFC 4754 3, 7): ECDSA on P-256/SHA-256, P-384/SHA-384, P-521/SHA-512, the
// signature being r | s as fixed-size big-endian integers (not DER).
import { constants, sign, verify } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import { AUTH_METHOD, HASH_ALGORITHM } from '../message/numbers.js';
import { HASH_NUMBER, encodeAlgorithmIdentifier, parseAlgorithmIdentifier, schemeHashNumber } from './algorithm-id.js';
import type { HashName, SignatureScheme } from './algorithm-id.js';
import type { AuthCheck, AuthFailure } from './failures.js';
import { authFailure } from './failures.js';

/** Hashes we accept and announce (RFC 7427 4); SHA-1 is left out (RFC 8247 3.2.2: MUST NOT). */
export const SUPPORTED_SIGNATURE_HASHES: readonly number[] = [HASH_ALGORITHM.SHA2_256, HASH_ALGORITHM.SHA2_384, HASH_ALGORITHM.SHA2_512, HASH_ALGORITHM.IDENTITY];

export interface SignatureOptions {
  /** Sign RSA keys with RSASSA-PSS (SHA-256, salt 32) instead of PKCS#1 v1.5. */
  readonly rsaPss?: boolean;
  /** Allow method 1 (RSA with SHA-1) with a peer that sent no SIGNATURE_HASH_ALGORITHMS. */
  readonly legacyRsaSha1?: boolean;
  /** For verification: the hashes we announced (default SUPPORTED_SIGNATURE_HASHES). */
  readonly offeredHashes?: readonly number[];
}

export type SignedAuth = { readonly ok: true; readonly method: number; readonly data: Buffer } | AuthFailure;

/** RFC 4754 3: the classic ECDSA methods with their curve, hash and r/s size. */
const CLASSIC_ECDSA: readonly { readonly method: number; readonly curve: string; readonly hash: HashName; readonly size: number }[] = [
  { method: AUTH_METHOD.ECDSA_256, curve: 'prime256v1', hash: 'sha256', size: 32 },
  { method: AUTH_METHOD.ECDSA_384, curve: 'secp384r1', hash: 'sha384', size: 48 },
  { method: AUTH_METHOD.ECDSA_521, curve: 'secp521r1', hash: 'sha512', size: 66 },
];

/** Our order of preference among the hashes an ECDSA key may use, by curve (matching strength first). */
const ECDSA_PREFERENCE: Readonly<Record<string, readonly HashName[]>> = {
  prime256v1: ['sha256', 'sha384', 'sha512'],
  secp384r1: ['sha384', 'sha512', 'sha256'],
  secp521r1: ['sha512', 'sha384', 'sha256'],
};
const RSA_PREFERENCE: readonly HashName[] = ['sha256', 'sha384', 'sha512'];
/** RFC 4055 3.1 / RFC 8017 9.1: salt as long as the hash. */
const PSS_SALT = 32;

function curveOf(key: KeyObject): string {
  return key.asymmetricKeyDetails?.namedCurve ?? 'unknown';
}

/** The method-14 scheme for a key and the peer's hash list, or a failure naming why none fits. */
function chooseScheme(key: KeyObject, peerHashes: readonly number[], options: SignatureOptions): SignatureScheme | AuthFailure {
  const offered = (h: HashName): boolean => peerHashes.includes(HASH_NUMBER[h]);
  const type = key.asymmetricKeyType;
  const none = (what: string): AuthFailure => authFailure('no-common-hash', `peer offers hashes [${peerHashes.join(', ')}], ${what}`);
  if (type === 'ed25519' || type === 'ed448') {
    // RFC 8420 2: EdDSA signs the message itself, announced as hash "Identity" (5).
    return peerHashes.includes(HASH_ALGORITHM.IDENTITY) ? { kind: type } : none(`${type} needs Identity (5)`);
  }
  if (type === 'ec') {
    const hash = (ECDSA_PREFERENCE[curveOf(key)] ?? []).find(offered);
    return hash ? { kind: 'ecdsa', hash } : none(`ECDSA on ${curveOf(key)} needs SHA-256, SHA-384 or SHA-512`);
  }
  if (type === 'rsa-pss' || (type === 'rsa' && options.rsaPss)) {
    return offered('sha256') ? { kind: 'rsa-pss', hash: 'sha256', saltLength: PSS_SALT } : none('RSASSA-PSS needs SHA-256 (2)');
  }
  if (type === 'rsa') {
    const hash = RSA_PREFERENCE.find(offered);
    return hash ? { kind: 'rsa-pkcs1', hash } : none('RSA needs SHA-256, SHA-384 or SHA-512');
  }
  return authFailure('unusable-public-key', `no signature method for a ${type ?? 'non-asymmetric'} key`);
}

/** crypto.sign for a scheme (node's defaults would pick other paddings, encodings, salt lengths). */
function signWith(scheme: SignatureScheme, key: KeyObject, octets: Buffer): Buffer {
  switch (scheme.kind) {
    case 'ed25519':
    case 'ed448':
      return sign(null, octets, key);
    case 'ecdsa':
      return sign(scheme.hash, octets, { key, dsaEncoding: 'der' });
    case 'rsa-pss':
      return sign(scheme.hash, octets, { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: scheme.saltLength });
    case 'rsa-pkcs1':
      return sign(scheme.hash, octets, { key, padding: constants.RSA_PKCS1_PADDING });
  }
}

/** The classic method for a key when the peer did not send SIGNATURE_HASH_ALGORITHMS. */
function signClassic(key: KeyObject, octets: Buffer, options: SignatureOptions): SignedAuth {
  if (key.asymmetricKeyType === 'ec') {
    const classic = CLASSIC_ECDSA.find((c) => c.curve === curveOf(key));
    if (!classic) return authFailure('no-common-hash', `peer sent no SIGNATURE_HASH_ALGORITHMS and ECDSA on ${curveOf(key)} has no RFC 4754 method`);
    return { ok: true, method: classic.method, data: sign(classic.hash, octets, { key, dsaEncoding: 'ieee-p1363' }) };
  }
  if (key.asymmetricKeyType === 'rsa') {
    if (!options.legacyRsaSha1) return authFailure('legacy-method-refused', 'peer sent no SIGNATURE_HASH_ALGORITHMS, so only RSA with SHA-1 (method 1) remains');
    return { ok: true, method: AUTH_METHOD.RSA_SIG, data: sign('sha1', octets, { key, padding: constants.RSA_PKCS1_PADDING }) };
  }
  return authFailure('no-common-hash', `peer sent no SIGNATURE_HASH_ALGORITHMS and a ${key.asymmetricKeyType ?? 'symmetric'} key has no RFC 7296 method`);
}

/**
 * Signs `octets` (RFC 7296 2.15) with our private key. `peerHashes` is the peer's
 * SIGNATURE_HASH_ALGORITHMS list, or null when it sent none (then a classic method, RFC 7427 3).
 */
export function signAuth(privateKey: KeyObject, octets: Buffer, peerHashes: readonly number[] | null, options: SignatureOptions = {}): SignedAuth {
  if (privateKey.type !== 'private') throw new TypeError('signAuth needs a private KeyObject');
  if (peerHashes === null) return signClassic(privateKey, octets, options);
  const scheme = chooseScheme(privateKey, peerHashes, options);
  if ('ok' in scheme) return scheme;
  const algorithmId = encodeAlgorithmIdentifier(scheme);
  const signature = signWith(scheme, privateKey, octets);
  return { ok: true, method: AUTH_METHOD.DIGITAL_SIGNATURE, data: Buffer.concat([Buffer.from([algorithmId.length]), algorithmId, signature]) };
}

/** Which key types may verify a scheme (RFC 7427 3: refuse an algorithm that does not fit the key). */
function keyFits(scheme: SignatureScheme, key: KeyObject): boolean {
  const type = key.asymmetricKeyType;
  switch (scheme.kind) {
    case 'rsa-pkcs1':
      return type === 'rsa';
    case 'rsa-pss':
      return type === 'rsa' || type === 'rsa-pss';
    case 'ecdsa':
      return type === 'ec';
    default:
      return type === scheme.kind;
  }
}

/** crypto.verify, which throws on some malformed inputs: any throw is a bad signature. */
function verifySafely(run: () => boolean): boolean {
  try {
    return run();
  } catch {
    return false;
  }
}

function verifyWith(scheme: SignatureScheme, key: KeyObject, octets: Buffer, signature: Buffer): boolean {
  switch (scheme.kind) {
    case 'ed25519':
    case 'ed448':
      return verifySafely(() => verify(null, octets, key, signature));
    case 'ecdsa':
      return verifySafely(() => verify(scheme.hash, octets, { key, dsaEncoding: 'der' }, signature));
    case 'rsa-pss':
      return verifySafely(() => verify(scheme.hash, octets, { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: scheme.saltLength }, signature));
    case 'rsa-pkcs1':
      return verifySafely(() => verify(scheme.hash, octets, { key, padding: constants.RSA_PKCS1_PADDING }, signature));
  }
}

function verifyDigitalSignature(key: KeyObject, data: Buffer, octets: Buffer, options: SignatureOptions): AuthCheck {
  if (data.length < 2) return authFailure('malformed-auth-data', `method 14 AUTH data of ${data.length} octets`);
  const idLength = data[0]!;
  if (idLength === 0 || 1 + idLength >= data.length) {
    return authFailure('malformed-auth-data', `ASN.1 length ${idLength} leaves no signature in ${data.length} octets`);
  }
  const parsed = parseAlgorithmIdentifier(data.subarray(1, 1 + idLength));
  if (!parsed.ok) return authFailure(parsed.malformed ? 'malformed-auth-data' : 'unsupported-signature-algorithm', parsed.detail);
  const scheme = parsed.scheme;
  const hash = schemeHashNumber(scheme);
  const offered = options.offeredHashes ?? SUPPORTED_SIGNATURE_HASHES;
  if (!offered.includes(hash)) return authFailure('hash-not-offered', `peer signed with ${describeScheme(scheme)}, hash ${hash} is not in our list [${offered.join(', ')}]`);
  if (!keyFits(scheme, key)) return authFailure('key-type-mismatch', `AUTH names ${describeScheme(scheme)} but the certificate key is ${key.asymmetricKeyType ?? 'unknown'}`);
  const signature = data.subarray(1 + idLength);
  return verifyWith(scheme, key, octets, signature) ? { ok: true } : authFailure('bad-signature', `${describeScheme(scheme)} signature does not verify`);
}

function verifyClassicEcdsa(key: KeyObject, method: number, data: Buffer, octets: Buffer): AuthCheck {
  const classic = CLASSIC_ECDSA.find((c) => c.method === method)!;
  if (key.asymmetricKeyType !== 'ec' || curveOf(key) !== classic.curve) {
    return authFailure('key-type-mismatch', `method ${method} needs an ECDSA ${classic.curve} key, the certificate has ${key.asymmetricKeyType ?? 'unknown'} ${curveOf(key)}`);
  }
  // RFC 4754 7: r and s, each exactly the size of the curve's order.
  if (data.length !== 2 * classic.size) return authFailure('malformed-auth-data', `method ${method} signature is ${data.length} octets, RFC 4754 needs ${2 * classic.size}`);
  const good = verifySafely(() => verify(classic.hash, octets, { key, dsaEncoding: 'ieee-p1363' }, data));
  return good ? { ok: true } : authFailure('bad-signature', `ECDSA ${classic.curve} with ${classic.hash} (method ${method}) signature does not verify`);
}

/**
 * Verifies the peer's signature AUTH payload over `octets` with the public key from its
 * certificate. Never throws on peer input: every refusal is an AuthFailure.
 */
export function verifyAuth(publicKey: KeyObject, method: number, data: Buffer, octets: Buffer, options: SignatureOptions = {}): AuthCheck {
  if (publicKey.type !== 'public') throw new TypeError('verifyAuth needs a public KeyObject');
  switch (method) {
    case AUTH_METHOD.DIGITAL_SIGNATURE:
      return verifyDigitalSignature(publicKey, data, octets, options);
    case AUTH_METHOD.ECDSA_256:
    case AUTH_METHOD.ECDSA_384:
    case AUTH_METHOD.ECDSA_521:
      return verifyClassicEcdsa(publicKey, method, data, octets);
    case AUTH_METHOD.RSA_SIG: {
      if (!options.legacyRsaSha1) return authFailure('legacy-method-refused', 'peer authenticated with method 1 (RSA with SHA-1)');
      if (publicKey.asymmetricKeyType !== 'rsa') return authFailure('key-type-mismatch', `method 1 needs an RSA key, the certificate has ${publicKey.asymmetricKeyType ?? 'unknown'}`);
      const good = verifySafely(() => verify('sha1', octets, { key: publicKey, padding: constants.RSA_PKCS1_PADDING }, data));
      return good ? { ok: true } : authFailure('bad-signature', 'RSA with SHA-1 (method 1) signature does not verify');
    }
    default:
      return authFailure('unsupported-auth-method', `AUTH method ${method} is not a signature method we verify`);
  }
}

function describeScheme(scheme: SignatureScheme): string {
  switch (scheme.kind) {
    case 'rsa-pkcs1':
      return `RSASSA-PKCS1-v1_5 with ${scheme.hash}`;
    case 'rsa-pss':
      return `RSASSA-PSS with ${scheme.hash} (salt ${scheme.saltLength})`;
    case 'ecdsa':
      return `ECDSA with ${scheme.hash}`;
    default:
      return scheme.kind === 'ed25519' ? 'Ed25519' : 'Ed448';
  }
}

/** RFC 7427 4: SIGNATURE_HASH_ALGORITHMS notify data: our hashes as 16-bit numbers. */
export function signatureHashAlgorithmsNotify(hashes: readonly number[] = SUPPORTED_SIGNATURE_HASHES): Buffer {
  const out = Buffer.alloc(2 * hashes.length);
  hashes.forEach((h, i) => out.writeUInt16BE(h, 2 * i));
  return out;
}

export type HashListParse = { readonly ok: true; readonly hashes: number[] } | { readonly ok: false; readonly message: string };

/** Parses the peer's SIGNATURE_HASH_ALGORITHMS notify data (a list of 2-octet numbers, RFC 7427 4). */
export function parseSignatureHashAlgorithms(data: Buffer): HashListParse {
  if (data.length % 2 !== 0) return { ok: false, message: `SIGNATURE_HASH_ALGORITHMS data of ${data.length} octets is not a list of 2-octet numbers` };
  const hashes: number[] = [];
  for (let i = 0; i < data.length; i += 2) hashes.push(data.readUInt16BE(i));
  return { ok: true, hashes };
}
