// IKE_AUTH (RFC 7296 1.2): prove identities and create the first CHILD_SA.
//
//   Initiator                                   Responder
//   HDR, SK {IDi, [CERT,] [N(INITIAL_CONTACT),] [IDr,] AUTH, SAi2, TSi, TSr}  -->
//                                   <--  HDR, SK {IDr, [CERT,] AUTH, SAr2, TSi, TSr}
//   (a failed child still establishes the IKE SA: the answer then carries N(NO_PROPOSAL_CHOSEN)
//    or N(TS_UNACCEPTABLE) instead of SAr2/TSi/TSr, RFC 7296 1.2)
import type { ChildConfig, ConnectionConfig } from '../connection.js';
import { matchIdentity } from '../auth/identity.js';
import { EXCHANGE, NOTIFY_ERROR, NOTIFY_STATUS } from '../message/numbers.js';
import type { IkeMessage, Payload } from '../message/types.js';
import type { IkeSa } from '../sa/ike-sa.js';
import { acceptChildResponse, answerChildRequest, childRequest } from './child-create.js';
import type { ChildRequest } from './child-create.js';
import type { ExchangeContext } from './context.js';
import { ourAuthPayloads, verifyPeerAuth } from './authenticate.js';
import { failureOfPeerNotify, ikeFailure } from './failures.js';
import { certReqPayload, findNotify, first, firstError, idPayload, notify } from './payloads.js';
import { sendRequest, sendResponse } from './protect.js';

/** Initiator: sends IKE_AUTH asking for `child` (null: IKE SA only, not allowed by RFC 7296: the first child is mandatory). */
export function sendIkeAuth(ctx: ExchangeContext, sa: IkeSa, child: ChildConfig): void {
  const connection = sa.connection!;
  const ours = ourAuthPayloads(sa, connection);
  if ('ok' in ours) {
    ctx.fail(sa, { code: ours.winerror, name: ours.winerrorName, reason: ours.detail, action: ours.advice });
    return;
  }
  const { request, payloads: childPayloads } = childRequest(ctx, sa, child, { pfs: false, rekeyOf: null });
  const payloads: Payload[] = [ours.id, ...ours.certs];
  // RFC 7296 1.2: IDi, [CERT,] [CERTREQ,] ...: ask for the responder's certificate.
  const certReq = connection.remoteAuth.method === 'pubkey' ? certReqPayload(ctx.trust) : null;
  if (certReq !== null) payloads.push(certReq);
  if (connection.initialContact) payloads.push(notify(NOTIFY_STATUS.INITIAL_CONTACT));
  if (connection.remoteId !== null && connection.remoteId.idType !== 0) {
    payloads.push(idPayload('IDr', connection.remoteId.idType, connection.remoteId.data));
  }
  payloads.push(ours.auth, ...childPayloads);
  sa.transition('auth-sent');
  sendRequest(ctx, sa, EXCHANGE.IKE_AUTH, payloads, {
    exchange: 'IKE_AUTH',
    onResponse: (s, _message, inner) => onAuthResponse(ctx, s, request, inner),
  });
}

function onAuthResponse(ctx: ExchangeContext, sa: IkeSa, request: ChildRequest, payloads: readonly Payload[]): void {
  const connection = sa.connection!;
  const idr = first(payloads, 'IDr');
  const auth = first(payloads, 'AUTH');
  if (idr === undefined || auth === undefined) {
    const error = firstError(payloads);
    ctx.fail(sa, error !== undefined ? failureOfPeerNotify(error.notifyType, 'IKE_AUTH')
      : ikeFailure('AUTH_FAIL', 'the IKE_AUTH response has no IDr or AUTH', 'Check the peer\'s log.'));
    return;
  }
  const peerId = { idType: idr.idType, data: idr.data };
  if (connection.remoteId !== null && !matchIdentity(connection.remoteId, peerId)) {
    ctx.fail(sa, ikeFailure('AUTH_FAIL', `the responder identifies as a different identity than remote.id of ${connection.name}`,
      'Set remote.id to the identity the peer uses (its local id), or fix the peer\'s.'));
    return;
  }
  const check = verifyPeerAuth(ctx, sa, connection, idr, auth, payloads);
  if (!check.ok) {
    ctx.fail(sa, { code: check.winerror, name: check.winerrorName, reason: check.detail, action: check.advice });
    return;
  }
  sa.peerId = peerId;
  establish(ctx, sa);
  const child = acceptChildResponse(ctx, sa, request, payloads, { ni: sa.ni, nr: sa.nr! }, null);
  if ('code' in child) {
    ctx.host.event({ type: 'child-failed', ikeSa: sa.label, connection: connection.name, child: request.config.name, code: child.code, name: child.name, reason: child.reason });
  }
}

/** Responder: handles the IKE_AUTH request; returns the response payloads (already sent). */
export function respondIkeAuth(ctx: ExchangeContext, sa: IkeSa, message: IkeMessage, payloads: readonly Payload[]): void {
  const idi = first(payloads, 'IDi');
  const auth = first(payloads, 'AUTH');
  const reply = (p: Payload[]): void => sendResponse(ctx, sa, EXCHANGE.IKE_AUTH, message.header.messageId, p);
  if (idi === undefined || auth === undefined) {
    reply([notify(NOTIFY_ERROR.INVALID_SYNTAX)]);
    ctx.fail(sa, ikeFailure('INVALID_HEADER', 'IKE_AUTH request without IDi or AUTH', 'Check the peer: EAP authentication is not supported.'));
    return;
  }
  const peerId = { idType: idi.idType, data: idi.data };
  const idrWanted = first(payloads, 'IDr');
  const connection = pickConnection(ctx, sa, peerId, idrWanted === undefined ? null : { idType: idrWanted.idType, data: idrWanted.data });
  if (connection === null) {
    reply([notify(NOTIFY_ERROR.AUTHENTICATION_FAILED)]);
    ctx.fail(sa, ikeFailure('NO_POLICY', `no connection accepts the peer's identity from ${sa.remote.address}`,
      'Add a connection whose remote.id (and remote.address) match this peer, or fix the peer\'s local id.'));
    return;
  }
  sa.connection = connection;
  const check = verifyPeerAuth(ctx, sa, connection, idi, auth, payloads);
  if (!check.ok) {
    reply([notify(NOTIFY_ERROR.AUTHENTICATION_FAILED)]);
    ctx.fail(sa, { code: check.winerror, name: check.winerrorName, reason: check.detail, action: check.advice });
    return;
  }
  const ours = ourAuthPayloads(sa, connection);
  if ('ok' in ours) {
    reply([notify(NOTIFY_ERROR.AUTHENTICATION_FAILED)]);
    ctx.fail(sa, { code: ours.winerror, name: ours.winerrorName, reason: ours.detail, action: ours.advice });
    return;
  }
  sa.peerId = peerId;
  const initialContact = findNotify(payloads, NOTIFY_STATUS.INITIAL_CONTACT) !== undefined;
  if (initialContact) ctx.initialContact(sa);
  establish(ctx, sa);
  const answer = answerChildRequest(ctx, sa, connection.children, payloads, { ni: sa.ni, nr: sa.nr! }, null,
    { pfs: false, dhGroupOfKe: null, rekeyOf: null });
  if (!answer.ok) {
    ctx.host.event({ type: 'child-failed', ikeSa: sa.label, connection: connection.name, child: connection.children[0]?.name ?? '-', code: answer.failure.code, name: answer.failure.name, reason: answer.failure.reason });
  }
  reply([ours.id, ...ours.certs, ours.auth, ...answer.payloads]);
}

/** The first connection for these addresses whose remote id accepts the peer's (and whose local id is the one it asked for). */
function pickConnection(ctx: ExchangeContext, sa: IkeSa, peerId: { idType: number; data: Buffer }, wanted: { idType: number; data: Buffer } | null): ConnectionConfig | null {
  for (const c of ctx.connectionsFor(sa.local, sa.remote)) {
    if (c.remoteId !== null && !matchIdentity(c.remoteId, peerId)) continue;
    if (wanted !== null && !matchIdentity(wanted, c.localId)) continue;
    return c;
  }
  return null;
}

function establish(ctx: ExchangeContext, sa: IkeSa): void {
  const now = ctx.host.now();
  const connection = sa.connection!;
  sa.transition('established');
  sa.scheduleLifetimes(now);
  ctx.host.event({
    type: 'ike-established', ikeSa: sa.label, connection: connection.name, peer: `${sa.remote.address}:${sa.remote.port}`,
    role: sa.role, proposal: sa.crypto!.proposal,
  });
}
