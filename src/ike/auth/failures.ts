// Every way IKE authentication can fail, as a value: our reason, the Windows error a Windows peer
// or event log shows for the same failure (codes and names as in winerror.h, checked against
// shared/data/winerror-ipsec.tsv by a test), and a sentence a person can act on. RFC 7296 2.21.2:
// on the wire every one of them is answered with AUTHENTICATION_FAILED.
import { NOTIFY_ERROR } from '../message/numbers.js';

export type AuthFailureReason =
  | 'psk-mismatch'
  | 'bad-signature'
  | 'malformed-auth-data'
  | 'unsupported-auth-method'
  | 'unsupported-signature-algorithm'
  | 'hash-not-offered'
  | 'no-common-hash'
  | 'legacy-method-refused'
  | 'key-type-mismatch'
  | 'unusable-public-key'
  | 'no-peer-certificate'
  | 'malformed-certificate'
  | 'untrusted-chain'
  | 'certificate-signature-invalid'
  | 'issuer-not-ca'
  | 'chain-too-long'
  | 'certificate-expired'
  | 'certificate-not-yet-valid'
  | 'identity-not-in-certificate'
  | 'identity-mismatch'
  | 'unsupported-id-type';

export interface AuthFailure {
  readonly ok: false;
  readonly reason: AuthFailureReason;
  readonly winerror: number;
  readonly winerrorName: string;
  /** What to check or change, in words. */
  readonly advice: string;
  /** The particulars of this failure (names, algorithms, dates). */
  readonly detail: string;
  /** RFC 7296 2.21.2: the notify that answers it. */
  readonly notify: number;
}

interface FailureSpec {
  readonly winerror: number;
  readonly winerrorName: string;
  readonly advice: string;
}

const AUTH_FAIL = { winerror: 13801, winerrorName: 'ERROR_IPSEC_IKE_AUTH_FAIL' } as const;
const INVALID_SIGNATURE = { winerror: 13826, winerrorName: 'ERROR_IPSEC_IKE_INVALID_SIGNATURE' } as const;
const INVALID_AUTH_ALG = { winerror: 13874, winerrorName: 'ERROR_IPSEC_IKE_INVALID_AUTH_ALG' } as const;
const INVALID_HASH_ALG = { winerror: 13871, winerrorName: 'ERROR_IPSEC_IKE_INVALID_HASH_ALG' } as const;
const CHAIN_POLICY = { winerror: 13887, winerrorName: 'ERROR_IPSEC_IKE_CERT_CHAIN_POLICY_MISMATCH' } as const;
const UNSUPPORTED_ID = { winerror: 13869, winerrorName: 'ERROR_IPSEC_IKE_UNSUPPORTED_ID' } as const;

export const AUTH_FAILURES: Readonly<Record<AuthFailureReason, FailureSpec>> = {
  'psk-mismatch': { ...AUTH_FAIL, advice: 'the pre-shared key differs between the peers, or the identities select different keys' },
  'bad-signature': {
    ...INVALID_SIGNATURE,
    advice: 'the peer\'s AUTH signature does not verify with the public key of its certificate: check that the peer signs with the private key of the certificate it sends',
  },
  'malformed-auth-data': { ...INVALID_SIGNATURE, advice: 'the peer\'s AUTH payload is not a well-formed signature for its method (length prefix, ASN.1 or size): a peer bug or a damaged message' },
  'unsupported-auth-method': { ...INVALID_AUTH_ALG, advice: 'the peer authenticates with a method this side does not accept: configure both sides for the same method (pre-shared key or certificates)' },
  'unsupported-signature-algorithm': { ...INVALID_AUTH_ALG, advice: 'the peer signs with an algorithm this side does not support: use RSA, RSASSA-PSS, ECDSA or Ed25519 keys on the peer' },
  'hash-not-offered': { ...INVALID_HASH_ALG, advice: 'the peer signed with a hash this side did not list in its SIGNATURE_HASH_ALGORITHMS notify (RFC 7427 4): a peer bug, or SHA-1 which this side refuses' },
  'no-common-hash': { ...INVALID_HASH_ALG, advice: 'the peer\'s SIGNATURE_HASH_ALGORITHMS list has no hash this side can sign with for its key: allow SHA-256, SHA-384, SHA-512 (or identity for Ed25519) on the peer' },
  'legacy-method-refused': {
    ...INVALID_AUTH_ALG,
    advice: 'the peer uses the RFC 7296 RSA signature method (SHA-1), which is refused unless legacy RSA is allowed: update the peer to RFC 7427 signatures or allow legacy RSA for this peer',
  },
  'key-type-mismatch': { ...INVALID_SIGNATURE, advice: 'the signature algorithm the peer names does not fit the key in its certificate (for example ECDSA named with an RSA key)' },
  'unusable-public-key': { winerror: 13828, winerrorName: 'ERROR_IPSEC_IKE_NO_PUBLIC_KEY', advice: 'the peer\'s certificate carries a public key this side cannot use for IKE authentication' },
  'no-peer-certificate': {
    winerror: 13847,
    winerrorName: 'ERROR_IPSEC_IKE_NO_PEER_CERT',
    advice: 'the peer sent no certificate although certificate authentication is configured: make the peer send its certificate (strongSwan send_cert = always) or configure its public key here',
  },
  'malformed-certificate': { winerror: 13835, winerrorName: 'ERROR_IPSEC_IKE_PROCESS_ERR_CERT', advice: 'a certificate the peer sent does not decode as X.509 DER: a damaged or wrongly encoded certificate' },
  'untrusted-chain': { ...CHAIN_POLICY, advice: 'the peer\'s certificate does not chain to a CA this side trusts: add the issuing CA to the trust store, or make the peer send its intermediate CA certificates' },
  'certificate-signature-invalid': { winerror: 13875, winerrorName: 'ERROR_IPSEC_IKE_INVALID_SIG', advice: 'a certificate in the peer\'s chain is not signed by the CA whose name it carries: two CAs with the same name, or a damaged certificate' },
  'issuer-not-ca': { ...CHAIN_POLICY, advice: 'a certificate in the peer\'s chain was issued by a certificate that is not a CA (no basicConstraints CA:TRUE): reissue the chain from a real CA' },
  'chain-too-long': { ...CHAIN_POLICY, advice: 'the peer\'s certificate chain is longer than this side follows: shorten the chain or check for a loop of cross-certificates' },
  'certificate-expired': { ...AUTH_FAIL, advice: 'a certificate in the peer\'s chain has expired: renew it (and check both clocks)' },
  'certificate-not-yet-valid': { ...AUTH_FAIL, advice: 'a certificate in the peer\'s chain is not valid yet: check the clocks of both peers, or wait for its start date' },
  'identity-not-in-certificate': {
    ...AUTH_FAIL,
    advice: 'the identity the peer claims (IDi/IDr) is not in its certificate: make the peer use its certificate\'s subject DN or a subjectAltName as its identity',
  },
  'identity-mismatch': { ...UNSUPPORTED_ID, advice: 'the peer presents an identity other than the one configured for it: align remote id here with local id on the peer' },
  'unsupported-id-type': { ...UNSUPPORTED_ID, advice: 'the peer uses an ID type this side cannot match (for example ID_DER_ASN1_GN): use an address, FQDN, e-mail address, DN or key ID' },
};

/** The failure value for `reason` with the particulars of this case. */
export function authFailure(reason: AuthFailureReason, detail: string): AuthFailure {
  const spec = AUTH_FAILURES[reason];
  return { ok: false, reason, winerror: spec.winerror, winerrorName: spec.winerrorName, advice: spec.advice, detail, notify: NOTIFY_ERROR.AUTHENTICATION_FAILED };
}

/** The result of every check in this folder: success, or exactly one failure. */
export type AuthCheck = { readonly ok: true } | AuthFailure;

/** One line for logs and CLI output: "13801 ERROR_IPSEC_IKE_AUTH_FAIL psk-mismatch: <advice> (<detail>)". */
export function describeAuthFailure(f: AuthFailure): string {
  return `${f.winerror} ${f.winerrorName} ${f.reason}: ${f.advice} (${f.detail})`;
}
