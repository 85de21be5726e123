// CREATE_CHILD_SA for a CHILD_SA rekey (RFC 7296 1.3.3, 2.8) and for an extra child (1.3.1).
//
//   Initiator                                      Responder
//   HDR, SK {N(REKEY_SA, old spi), SA, Ni, [KEi,] TSi, TSr}  -->
//                                <--  HDR, SK {SA, Nr, [KEr,] TSi, TSr}
//   initiator: installs both new halves, then DELETEs the old SA
//   responder: installs the new inbound half before answering; the new outbound half goes live
//              when the DELETE of the old SA arrives (informational.ts), so nothing is sent on an
//              SA the initiator has not installed yet
//
// Simultaneous rekeys (2.8.1): both sides rekey the same child at once. Each answers the other,
// so two new SAs exist; the one created with the lowest of the four nonces is redundant and is
// deleted by the side that initiated it. Each collision is reported (ERROR_IPSEC_IKE_SIMULTANEOUS_REKEY).
import { createKeyExchange } from '../crypto/dh.js';
import type { KeyExchange } from '../crypto/dh.js';
import { EXCHANGE, NOTIFY_ERROR, NOTIFY_STATUS, PROTOCOL } from '../message/numbers.js';
import type { IkeMessage, Payload } from '../message/types.js';
import { invalidKeNotifyData } from '../proposal/select.js';
import type { ChildConfig } from '../connection.js';
import type { ChildSa } from '../sa/child-sa.js';
import type { IkeSa } from '../sa/ike-sa.js';
import { acceptChildResponse, answerChildRequest, childRequest, switchOutbound } from './child-create.js';
import type { ExchangeContext } from './context.js';
import { deleteChild, removeChild } from './informational.js';
import { findNotify, first, firstError, notify, spiBytes } from './payloads.js';
import { sendRequest, sendResponse } from './protect.js';
import { NONCE_LENGTH } from './ike-sa-init.js';

/** Starts a rekey of `old` (or, with old null, a new child for `config`). */
export function startChildRekey(ctx: ExchangeContext, sa: IkeSa, config: ChildConfig, old: ChildSa | null): void {
  const ni = ctx.host.randomBytes(NONCE_LENGTH);
  const pfsGroup = config.espProposals.flatMap((s) => s.dh)[0] ?? null;
  const ke: KeyExchange | null = pfsGroup === null ? null : createKeyExchange(pfsGroup);
  const { request, payloads: childPayloads } = childRequest(ctx, sa, config, { pfs: ke !== null, rekeyOf: old });
  const payloads: Payload[] = [];
  if (old !== null) {
    old.transition('rekeying');
    payloads.push(notify(NOTIFY_STATUS.REKEY_SA, Buffer.alloc(0), PROTOCOL.ESP, spiBytes(old.spiIn)));
  }
  // RFC 7296 1.3.1 order: [N(REKEY_SA),] [N(USE_TRANSPORT_MODE),] SA, Ni, [KEi,] TSi, TSr.
  payloads.push(...childPayloads.filter((p) => p.kind === 'NOTIFY'), ...childPayloads.filter((p) => p.kind === 'SA'), { kind: 'NONCE', critical: false, nonce: ni });
  if (ke !== null) payloads.push({ kind: 'KE', critical: false, group: ke.group, keyData: ke.publicKey });
  payloads.push(...childPayloads.filter((p) => p.kind === 'TSi' || p.kind === 'TSr'));
  sendRequest(ctx, sa, EXCHANGE.CREATE_CHILD_SA, payloads, {
    exchange: old === null ? 'CREATE_CHILD_SA (new child)' : 'CREATE_CHILD_SA (rekey child)',
    onResponse: (s, _message, inner) => {
      const nr = first(inner, 'NONCE');
      const kePeer = first(inner, 'KE');
      const error = firstError(inner);
      if (error?.notifyType === NOTIFY_ERROR.CHILD_SA_NOT_FOUND && old !== null && old.state === 'rekeying') {
        // RFC 7296 2.25: the peer no longer has the SA we tried to rekey (it lost or deleted it
        // without telling us). Drop our half and create the child afresh.
        old.transition('installed');
        removeChild(ctx, s, old, 'deleted-by-peer');
        ctx.host.event({ type: 'invalid-spi-recovery', trigger: 'child-sa-not-found', ikeSa: s.label, connection: s.connection!.name, child: config.name, spiOut: old.spiOut, spiIn: old.spiIn });
        startChildRekey(ctx, s, config, null);
        return;
      }
      if (error !== undefined || nr === undefined) {
        const reason = error === undefined ? 'no nonce in the CREATE_CHILD_SA response' : `the peer refused the rekey (notify ${error.notifyType})`;
        ctx.host.event({ type: 'child-failed', ikeSa: s.label, connection: s.connection!.name, child: config.name, code: 13825, name: 'ERROR_IPSEC_IKE_NO_POLICY', reason });
        if (old !== null && old.state === 'rekeying') old.transition('installed');
        return;
      }
      let secret: Buffer | null = null;
      if (ke !== null) {
        const computed = kePeer === undefined ? null : ke.computeSecret(kePeer.keyData);
        if (computed === null || !computed.ok) {
          ctx.host.event({ type: 'child-failed', ikeSa: s.label, connection: s.connection!.name, child: config.name, code: 13822, name: 'ERROR_IPSEC_IKE_DH_FAIL', reason: 'the CREATE_CHILD_SA response has no usable KE' });
          if (old !== null && old.state === 'rekeying') old.transition('installed');
          return;
        }
        secret = computed.secret;
      }
      const child = acceptChildResponse(ctx, s, request, inner, { ni, nr: nr.nonce }, secret);
      if ('code' in child) {
        ctx.host.event({ type: 'child-failed', ikeSa: s.label, connection: s.connection!.name, child: config.name, code: child.code, name: child.name, reason: child.reason });
        if (old !== null && old.state === 'rekeying') old.transition('installed');
        return;
      }
      child.nonces = { ni, nr: nr.nonce };
      if (old === null || old.state === 'deleted') return;
      if (old.collidedWith !== null) {
        // 2.8.1: the peer rekeyed the same child at the same time and we answered it already.
        resolveCollision(ctx, s, old, child, old.collidedWith);
        return;
      }
      old.successorSpiIn = child.spiIn;
      old.transition('rekeyed');
      deleteChild(ctx, s, old, 'rekeyed');
    },
  });
}

/**
 * RFC 7296 2.8.1: two new SAs replace `old`; the one created with the lowest nonce of the four
 * is deleted by the side that initiated it. `ours` is the one we initiated.
 */
function resolveCollision(ctx: ExchangeContext, sa: IkeSa, old: ChildSa, ours: ChildSa, theirs: ChildSa): void {
  const lowest = (c: ChildSa): Buffer | null => (c?.nonces ? Buffer.compare(c.nonces.ni, c.nonces.nr) <= 0 ? c.nonces.ni : c.nonces.nr : null);
  const ourLow = lowest(ours);
  const theirLow = lowest(theirs);
  const weLose = theirLow !== null && ourLow !== null && Buffer.compare(ourLow, theirLow) < 0;
  ctx.host.event({ type: 'simultaneous-rekey', ikeSa: sa.label, connection: sa.connection!.name, child: old.init.config.name, won: !weLose });
  if (weLose) {
    // Ours is redundant: delete it; the peer (the winner) deletes the old SA, which switches
    // our outbound traffic to its SA (informational.ts).
    // Our traffic moves to the peer's SA first: the peer installed its inbound half before it
    // answered us, and that answer left before anything we send now.
    switchOutbound(ctx, theirs);
    ours.successorSpiIn = theirs.spiIn;
    ours.transition('rekeyed');
    deleteChild(ctx, sa, ours, 'rekeyed');
    return;
  }
  // We won: the old SA goes as after any rekey; the peer deletes its redundant SA.
  old.successorSpiIn = ours.spiIn;
  old.transition('rekeyed');
  deleteChild(ctx, sa, old, 'rekeyed');
}

/** Responder: a CREATE_CHILD_SA request for a child (rekey or new). */
export function respondCreateChild(ctx: ExchangeContext, sa: IkeSa, message: IkeMessage, payloads: readonly Payload[]): void {
  const reply = (p: Payload[]): void => sendResponse(ctx, sa, EXCHANGE.CREATE_CHILD_SA, message.header.messageId, p);
  const connection = sa.connection!;
  const ni = first(payloads, 'NONCE');
  if (ni === undefined) {
    reply([notify(NOTIFY_ERROR.INVALID_SYNTAX)]);
    return;
  }
  const rekey = findNotify(payloads, NOTIFY_STATUS.REKEY_SA);
  let old: ChildSa | null = null;
  if (rekey !== undefined) {
    const spi = rekey.spi.length === 4 ? rekey.spi.readUInt32BE(0) : -1;
    old = sa.children.find((c) => c.spiOut === spi && c.live) ?? null;
    if (old === null) {
      // RFC 7296 2.25: the SA is gone (deleted meanwhile): CHILD_SA_NOT_FOUND.
      reply([notify(NOTIFY_ERROR.CHILD_SA_NOT_FOUND, Buffer.alloc(0), PROTOCOL.ESP, rekey.spi)]);
      return;
    }
    if (old.state === 'deleting' || old.state === 'rekeyed') {
      // RFC 7296 2.25.1: a rekey of an SA we are deleting (or already replaced) is refused for now;
      // our DELETE (or the rekey that replaced it) settles it.
      reply([notify(NOTIFY_ERROR.TEMPORARY_FAILURE)]);
      return;
    }
  }
  const kePeer = first(payloads, 'KE');
  let ourKe: KeyExchange | null = null;
  let secret: Buffer | null = null;
  const candidates = old !== null ? [old.init.config] : connection.children;
  if (kePeer !== undefined) {
    const acceptable = candidates.flatMap((c) => c.espProposals.flatMap((s) => s.dh));
    if (!acceptable.includes(kePeer.group)) {
      const wanted = acceptable[0];
      reply(wanted === undefined ? [notify(NOTIFY_ERROR.NO_PROPOSAL_CHOSEN)] : [notify(NOTIFY_ERROR.INVALID_KE_PAYLOAD, invalidKeNotifyData(wanted))]);
      return;
    }
    ourKe = createKeyExchange(kePeer.group);
    const computed = ourKe?.computeSecret(kePeer.keyData);
    if (!computed?.ok) {
      reply([notify(NOTIFY_ERROR.INVALID_SYNTAX)]);
      return;
    }
    secret = computed.secret;
  }
  const nr = ctx.host.randomBytes(NONCE_LENGTH);
  const answer = answerChildRequest(ctx, sa, candidates, payloads, { ni: ni.nonce, nr }, secret,
    { pfs: kePeer !== undefined, dhGroupOfKe: kePeer?.group ?? null, rekeyOf: old });
  if (!answer.ok) {
    ctx.host.event({ type: 'child-failed', ikeSa: sa.label, connection: connection.name, child: candidates[0]?.name ?? '-', code: answer.failure.code, name: answer.failure.name, reason: answer.failure.reason });
    reply(answer.payloads);
    return;
  }
  answer.child.nonces = { ni: ni.nonce, nr };
  if (old !== null) {
    if (old.state === 'rekeying') {
      // 2.8.1: we are rekeying the same child right now; both new SAs exist until our own
      // response arrives and the nonces decide (resolveCollision).
      old.collidedWith = answer.child;
    }
    old.successorSpiIn = answer.child.spiIn;
  }
  const out: Payload[] = [...answer.payloads.filter((p) => p.kind === 'NOTIFY'), ...answer.payloads.filter((p) => p.kind === 'SA'), { kind: 'NONCE', critical: false, nonce: nr }];
  if (ourKe !== null) out.push({ kind: 'KE', critical: false, group: ourKe.group, keyData: ourKe.publicKey });
  out.push(...answer.payloads.filter((p) => p.kind === 'TSi' || p.kind === 'TSr'));
  reply(out);
}
