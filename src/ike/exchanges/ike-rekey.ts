// Rekeying the IKE SA itself (RFC 7296 1.3.2, 2.18): a CREATE_CHILD_SA under the old IKE SA
// carrying an IKE proposal with the new SPI, a nonce and a KE. The new IKE SA's keys come from
// the old SK_d; its children are the old one's; message IDs start again at 0; the side that
// started the rekey is the new SA's original initiator, and it deletes the old IKE SA.
//
//   Initiator                                Responder
//   HDR, SK {SA(IKE, new SPIi), Ni, KEi}  -->
//                               <--  HDR, SK {SA(IKE, new SPIr), Nr, KEr}
//   HDR, SK {D(IKE)} (old SA)             -->   <--  HDR, SK {}
//
// A rekey of the same IKE SA from both sides at once (2.8.2) is answered with TEMPORARY_FAILURE
// by whichever side has its own rekey outstanding; each side then retries after a random delay,
// the original initiator sooner, so the retries do not meet again. (Simpler than 2.8.2's nonce
// rule, and it never leaves two IKE SAs.)
import { createKeyExchange } from '../crypto/dh.js';
import { EXCHANGE, NOTIFY_ERROR, PROTOCOL } from '../message/numbers.js';
import type { IkeMessage, Payload } from '../message/types.js';
import { proposalsToPayload } from '../proposal/payload.js';
import { checkChosenProposal, invalidKeNotifyData, selectProposal } from '../proposal/select.js';
import { IkeSa } from '../sa/ike-sa.js';
import type { ExchangeContext } from './context.js';
import { freshIkeSpi, keyIkeSa, NONCE_LENGTH, retransmitPolicyOf } from './ike-sa-init.js';
import { deleteIkeSa } from './informational.js';
import { first, firstError, notify } from './payloads.js';
import { sendRequest, sendResponse } from './protect.js';

/** Whether a CREATE_CHILD_SA request rekeys the IKE SA (its SA payload proposes protocol IKE). */
export function isIkeRekey(payloads: readonly Payload[]): boolean {
  const sa = first(payloads, 'SA');
  return sa !== undefined && sa.proposals.some((p) => p.protocolId === PROTOCOL.IKE);
}

/** Moves everything that lives on from `old` to `fresh` and marks `old` as replaced. */
function succeed(ctx: ExchangeContext, old: IkeSa, fresh: IkeSa): void {
  const now = ctx.host.now();
  const connection = old.connection!;
  fresh.connection = connection;
  fresh.peerId = old.peerId;
  fresh.peerHashes = old.peerHashes;
  fresh.natLocal = old.natLocal;
  fresh.natRemote = old.natRemote;
  fresh.children.push(...old.children.filter((c) => c.live));
  old.children.length = 0;
  old.supersededBy = fresh;
  old.rekeyInFlight = false;
  fresh.transition('established');
  fresh.scheduleLifetimes(now);
  ctx.register(fresh);
  ctx.host.event({ type: 'ike-rekeyed', ikeSa: fresh.label, connection: connection.name, replaces: old.label, role: fresh.role, proposal: fresh.crypto!.proposal });
}

/** Starts a rekey of `sa`; `onRetry` reschedules after a collision or a temporary failure. */
export function startIkeRekey(ctx: ExchangeContext, sa: IkeSa, onRetry: (delayMs: number) => void): void {
  const connection = sa.connection!;
  const group = sa.crypto!.dhGroup;
  const ke = createKeyExchange(group);
  if (ke === null) return;
  const ni = ctx.host.randomBytes(NONCE_LENGTH);
  const spi = freshIkeSpi(ctx);
  const offered = proposalsToPayload([...connection.ikeProposals], PROTOCOL.IKE, spi);
  sa.rekeyInFlight = true;
  sendRequest(ctx, sa, EXCHANGE.CREATE_CHILD_SA, [
    { kind: 'SA', critical: false, proposals: offered },
    { kind: 'NONCE', critical: false, nonce: ni },
    { kind: 'KE', critical: false, group, keyData: ke.publicKey },
  ], {
    exchange: 'CREATE_CHILD_SA (rekey IKE_SA)',
    onResponse: (old, _message, inner) => {
      old.rekeyInFlight = false;
      const error = firstError(inner);
      if (error !== undefined) {
        if (error.notifyType === NOTIFY_ERROR.TEMPORARY_FAILURE) {
          ctx.host.event({ type: 'simultaneous-rekey', ikeSa: old.label, connection: connection.name, child: null, won: false });
          // Both sides may have been refused: the original initiator retries first, so the
          // retries do not collide again.
          onRetry(old.role === 'initiator' ? 1000 + Math.floor(Math.random() * 1000) : 5000 + Math.floor(Math.random() * 3000));
        } else {
          ctx.host.event({ type: 'ike-failed', ikeSa: old.label, connection: connection.name, peer: `${old.remote.address}:${old.remote.port}`,
            code: 13825, name: 'ERROR_IPSEC_IKE_NO_POLICY', reason: `the peer refused to rekey the IKE SA (notify ${error.notifyType}); the old IKE SA stays until its lifetime ends`,
            action: 'Compare the IKE proposals on both sides.' });
        }
        return;
      }
      const saPayload = first(inner, 'SA');
      const nr = first(inner, 'NONCE');
      const kePeer = first(inner, 'KE');
      const chosen = saPayload === undefined ? null : checkChosenProposal(offered, saPayload.proposals);
      if (chosen === null || !chosen.ok || nr === undefined || kePeer === undefined || kePeer.group !== group || saPayload!.proposals[0]!.spi.length !== 8) {
        ctx.host.event({ type: 'message-dropped', peer: `${old.remote.address}:${old.remote.port}`, reason: 'bad-ike-rekey-response', detail: `${old.label}: the IKE SA rekey response is unusable` });
        return;
      }
      const fresh = new IkeSa(ctx.nextIkeSaId(), 'initiator', spi, Buffer.from(saPayload!.proposals[0]!.spi), old.local, old.remote, ni,
        connection, retransmitPolicyOf(ctx), ctx.host.now());
      fresh.nr = Buffer.from(nr.nonce);
      fresh.keyExchange = ke;
      const keyed = keyIkeSa(fresh, chosen.negotiated, kePeer.keyData, old);
      if ('code' in keyed) {
        ctx.host.event({ type: 'message-dropped', peer: `${old.remote.address}:${old.remote.port}`, reason: 'bad-ike-rekey-ke', detail: keyed.reason });
        return;
      }
      fresh.crypto = keyed;
      succeed(ctx, old, fresh);
      // 2.8: the initiator of the rekey deletes the old IKE SA; its children already moved.
      deleteIkeSa(ctx, old, 'rekeyed');
    },
  });
}

/** Responder: the peer rekeys the IKE SA `sa`. */
export function respondIkeRekey(ctx: ExchangeContext, sa: IkeSa, message: IkeMessage, payloads: readonly Payload[]): void {
  const reply = (p: Payload[]): void => sendResponse(ctx, sa, EXCHANGE.CREATE_CHILD_SA, message.header.messageId, p);
  const connection = sa.connection!;
  if (sa.rekeyInFlight || sa.supersededBy !== null) {
    ctx.host.event({ type: 'simultaneous-rekey', ikeSa: sa.label, connection: connection.name, child: null, won: true });
    reply([notify(NOTIFY_ERROR.TEMPORARY_FAILURE)]);
    return;
  }
  const saPayload = first(payloads, 'SA');
  const ni = first(payloads, 'NONCE');
  const ke = first(payloads, 'KE');
  if (saPayload === undefined || ni === undefined || ke === undefined) {
    reply([notify(NOTIFY_ERROR.INVALID_SYNTAX)]);
    return;
  }
  const selected = selectProposal([...connection.ikeProposals], saPayload.proposals, PROTOCOL.IKE, { preferOurs: true, dhGroupOfKe: ke.group });
  if (!selected.ok) {
    reply([notify(NOTIFY_ERROR.NO_PROPOSAL_CHOSEN)]);
    return;
  }
  const group = selected.negotiated.dh;
  if (group === null || group !== ke.group) {
    reply([notify(NOTIFY_ERROR.INVALID_KE_PAYLOAD, invalidKeNotifyData(group ?? 0))]);
    return;
  }
  const ourKe = createKeyExchange(group);
  if (ourKe === null || selected.chosen.spi.length !== 8) {
    reply([notify(NOTIFY_ERROR.NO_PROPOSAL_CHOSEN)]);
    return;
  }
  const spi = freshIkeSpi(ctx);
  const fresh = new IkeSa(ctx.nextIkeSaId(), 'responder', Buffer.from(selected.chosen.spi), spi, sa.local, sa.remote, Buffer.from(ni.nonce),
    connection, retransmitPolicyOf(ctx), ctx.host.now());
  fresh.nr = ctx.host.randomBytes(NONCE_LENGTH);
  fresh.keyExchange = ourKe;
  const ourPublic = ourKe.publicKey;
  const keyed = keyIkeSa(fresh, selected.negotiated, ke.keyData, sa);
  if ('code' in keyed) {
    reply([notify(NOTIFY_ERROR.INVALID_SYNTAX)]);
    return;
  }
  fresh.crypto = keyed;
  reply([
    { kind: 'SA', critical: false, proposals: [{ ...selected.chosen, spi }] },
    { kind: 'NONCE', critical: false, nonce: fresh.nr },
    { kind: 'KE', critical: false, group, keyData: ourPublic },
  ]);
  succeed(ctx, sa, fresh);
}
