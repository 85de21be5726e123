// IKE_AUTH's proof of identity (RFC 7296 2.15, RFC 7427): our AUTH payload (and CERT payloads),
// and the check of the peer's. The signed octets differ per side:
//   initiator: IKE_SA_INIT request  | Nr | prf(SK_pi, IDi')
//   responder: IKE_SA_INIT response | Ni | prf(SK_pr, IDr')
import { AUTH_METHOD, CERT_ENCODING } from '../message/numbers.js';
import type { AuthPayload, CertPayload, IdPayload, Payload } from '../message/types.js';
import { prf } from '../crypto/prf.js';
import { signedOctets } from '../auth/signed-octets.js';
import { pskAuthData, verifyPskAuth } from '../auth/psk.js';
import { signAuth, verifyAuth } from '../auth/signature.js';
import { verifyPeerCertificate } from '../auth/certs.js';
import type { AuthCheck, AuthFailure } from '../auth/failures.js';
import { authFailure } from '../auth/failures.js';
import type { IkeIdentity } from '../auth/identity.js';
import { idPayloadBody } from '../auth/identity.js';
import type { ConnectionConfig } from '../connection.js';
import type { IkeSa } from '../sa/ike-sa.js';
import type { ExchangeContext } from './context.js';
import { idPayload } from './payloads.js';

function octetsFor(sa: IkeSa, side: 'initiator' | 'responder', idBody: Buffer): Buffer {
  const crypto = sa.crypto!;
  const prfFn = (key: Buffer, data: Buffer): Buffer => prf(crypto.prf, key, data);
  return side === 'initiator'
    ? signedOctets({ firstMessage: sa.initRequest!, peerNonce: sa.nr!, prf: prfFn, skP: crypto.keys.skPi, idBody })
    : signedOctets({ firstMessage: sa.initResponse!, peerNonce: sa.ni, prf: prfFn, skP: crypto.keys.skPr, idBody });
}

/** Our ID payload, CERT payloads (pubkey) and AUTH payload, in that order. */
export function ourAuthPayloads(sa: IkeSa, connection: ConnectionConfig): { id: IdPayload; certs: CertPayload[]; auth: AuthPayload } | AuthFailure {
  const side = sa.role;
  const id = idPayload(side === 'initiator' ? 'IDi' : 'IDr', connection.localId.idType, connection.localId.data);
  const octets = octetsFor(sa, side, idPayloadBody(connection.localId));
  const auth = connection.localAuth;
  if (auth.method === 'psk') {
    if (connection.psk === null) return authFailure('psk-mismatch', `connection ${connection.name} uses psk but has no key`);
    const prfFn = (key: Buffer, data: Buffer): Buffer => prf(sa.crypto!.prf, key, data);
    return { id, certs: [], auth: { kind: 'AUTH', critical: false, method: AUTH_METHOD.SHARED_KEY_MIC, data: pskAuthData(prfFn, connection.psk, octets) } };
  }
  if (auth.privateKey === null) return authFailure('unusable-public-key', `connection ${connection.name}: no private key for our certificate`);
  const signed = signAuth(auth.privateKey, octets, sa.peerHashes);
  if (!signed.ok) return signed;
  const certs: CertPayload[] = auth.certificates.map((der) => ({ kind: 'CERT', critical: false, encoding: CERT_ENCODING.X509_SIGNATURE, data: der }));
  return { id, certs, auth: { kind: 'AUTH', critical: false, method: signed.method, data: signed.data } };
}

/**
 * Checks the peer's AUTH against the connection: the identity it claims must be the one we
 * expect, and its proof must verify (PSK MAC, or a signature by a certificate we trust that
 * names that identity).
 */
export function verifyPeerAuth(ctx: ExchangeContext, sa: IkeSa, connection: ConnectionConfig, peerId: IdPayload, auth: AuthPayload,
  payloads: readonly Payload[]): AuthCheck {
  const side = sa.role === 'initiator' ? 'responder' : 'initiator';
  const octets = octetsFor(sa, side, peerId.body);
  const identity: IkeIdentity = { idType: peerId.idType, data: peerId.data };
  if (connection.remoteAuth.method === 'psk') {
    if (auth.method !== AUTH_METHOD.SHARED_KEY_MIC) {
      return authFailure('unsupported-auth-method', `the peer authenticates with method ${auth.method}, connection ${connection.name} expects a pre-shared key`);
    }
    const prfFn = (key: Buffer, data: Buffer): Buffer => prf(sa.crypto!.prf, key, data);
    return verifyPskAuth(prfFn, connection.psk ?? Buffer.alloc(0), octets, auth.data);
  }
  const certs = payloads.filter((p): p is CertPayload => p.kind === 'CERT' && p.encoding === CERT_ENCODING.X509_SIGNATURE);
  if (certs.length === 0) return authFailure('no-peer-certificate', 'the peer sent no X.509 certificate (CERT payload)');
  if (ctx.trust === null) return authFailure('untrusted-chain', 'no CA certificates are configured (ike.ca_certs / ike.ca_dir)');
  const checked = verifyPeerCertificate({
    endEntity: certs[0]!.data, intermediates: certs.slice(1).map((c) => c.data), trust: ctx.trust,
    now: new Date(ctx.host.now()), identity,
  });
  if (!checked.ok) return checked;
  return verifyAuth(checked.publicKey, auth.method, auth.data, octets);
}
