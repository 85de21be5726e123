// INFORMATIONAL (RFC 7296 1.4, 1.5, 2.4): DELETE of the IKE SA or of CHILD_SAs, liveness checks
// (an empty request the peer must answer), and notifications such as INVALID_SPI.
//
//   HDR, SK {D(ESP, spi...)}  -->     <-- HDR, SK {D(ESP, the paired spis)}
//   HDR, SK {D(IKE)}          -->     <-- HDR, SK {}
//   HDR, SK {}                -->     <-- HDR, SK {}          (liveness)
import { EXCHANGE, NOTIFY_ERROR, PROTOCOL } from '../message/numbers.js';
import type { DeletePayload, IkeMessage, Payload } from '../message/types.js';
import type { ChildRemovalReason } from '../ports.js';
import type { ChildSa } from '../sa/child-sa.js';
import type { IkeSa } from '../sa/ike-sa.js';
import { switchOutbound } from './child-create.js';
import type { ExchangeContext } from './context.js';
import { allNotifies, spiBytes } from './payloads.js';
import { sendRequest, sendResponse } from './protect.js';

export function deletePayload(protocolId: number, spis: readonly number[]): DeletePayload {
  return { kind: 'DELETE', critical: false, protocolId, spiSize: protocolId === PROTOCOL.IKE ? 0 : 4, spis: spis.map(spiBytes) };
}

/** Removes both halves of a child (the inbound one now, or after the grace period when it was rekeyed). */
export function removeChild(ctx: ExchangeContext, sa: IkeSa, child: ChildSa, reason: ChildRemovalReason): void {
  if (child.state === 'deleted') return;
  child.removalReason = reason;
  if (child.pendingOutbound === null) ctx.host.removeChildSa('outbound', child.spiOut, reason, null);
  child.pendingOutbound = null;
  ctx.host.removeChildSa('inbound', child.spiIn, reason, child.successorSpiIn);
  child.transition('deleted');
  ctx.host.event({ type: 'child-removed', ikeSa: sa.label, connection: child.init.connection, child: child.init.config.name, spiIn: child.spiIn, spiOut: child.spiOut, reason });
  ctx.childGone(sa, child, reason);
}

/** Sends DELETE for our inbound SPI of `child`; both halves go when the answer arrives. */
export function deleteChild(ctx: ExchangeContext, sa: IkeSa, child: ChildSa, reason: ChildRemovalReason, then?: () => void): void {
  if (child.state !== 'rekeyed') child.transition('deleting');
  sendRequest(ctx, sa, EXCHANGE.INFORMATIONAL, [deletePayload(PROTOCOL.ESP, [child.spiIn])], {
    exchange: 'INFORMATIONAL (delete child)',
    onResponse: (s) => {
      finishRekeyedOrRemove(ctx, s, child, reason);
      then?.();
    },
  });
}

/** A rekeyed child keeps its inbound half for the grace period; anything else goes now. */
function finishRekeyedOrRemove(ctx: ExchangeContext, sa: IkeSa, child: ChildSa, reason: ChildRemovalReason): void {
  if (child.state === 'deleted') return;
  if (child.state === 'rekeyed') {
    ctx.host.removeChildSa('outbound', child.spiOut, 'rekeyed', null);
    child.graceUntil = ctx.host.now() + ctx.settings.rekeyGraceS * 1000;
    return;
  }
  removeChild(ctx, sa, child, reason);
}

/** Sends DELETE for the IKE SA; it is closed when answered (or when the retransmissions give up). */
export function deleteIkeSa(ctx: ExchangeContext, sa: IkeSa, reason: string): void {
  if (sa.state !== 'established') {
    ctx.close(sa, reason, 'deleted-locally');
    return;
  }
  sa.transition('deleting');
  sa.closeReason = reason;
  sendRequest(ctx, sa, EXCHANGE.INFORMATIONAL, [deletePayload(PROTOCOL.IKE, [])], {
    exchange: 'INFORMATIONAL (delete IKE_SA)',
    onResponse: (s) => ctx.close(s, reason, 'deleted-locally'),
  });
}

/** A liveness check: an empty INFORMATIONAL request (RFC 7296 2.4). */
export function sendLivenessCheck(ctx: ExchangeContext, sa: IkeSa): void {
  sendRequest(ctx, sa, EXCHANGE.INFORMATIONAL, [], { exchange: 'INFORMATIONAL (liveness)', onResponse: () => undefined });
}

/** INVALID_SPI handling is the manager's (it needs rate limits across SAs); it gets these. */
export interface InformationalHooks {
  onInvalidSpi(sa: IkeSa, spi: number): void;
}

/** Answers the peer's INFORMATIONAL request. */
export function respondInformational(ctx: ExchangeContext, sa: IkeSa, message: IkeMessage, payloads: readonly Payload[], hooks: InformationalHooks): void {
  const messageId = message.header.messageId;
  const deletes = payloads.filter((p): p is DeletePayload => p.kind === 'DELETE');
  if (deletes.some((d) => d.protocolId === PROTOCOL.IKE)) {
    // RFC 7296 1.4.1: answer with an empty INFORMATIONAL, then the IKE SA and its children are gone.
    sendResponse(ctx, sa, EXCHANGE.INFORMATIONAL, messageId, []);
    ctx.close(sa, 'deleted by the peer', 'deleted-by-peer');
    return;
  }
  const ourSpis: number[] = [];
  for (const d of deletes) {
    if (d.protocolId !== PROTOCOL.ESP && d.protocolId !== PROTOCOL.AH) continue;
    for (const raw of d.spis) {
      if (raw.length !== 4) continue;
      const spi = raw.readUInt32BE(0);
      // The peer names its inbound SPI, which is our outbound one (RFC 7296 1.4.1).
      const child = sa.children.find((c) => c.spiOut === spi && c.state !== 'deleted');
      if (child === undefined) continue;
      if (child.state !== 'deleting') ourSpis.push(child.spiIn);
      const successor = sa.children.find((c) => c !== child && c.live && c.spiIn === child.successorSpiIn);
      if (successor !== undefined) {
        // We answered this child's rekey: its successor's outbound half goes live now (make-before-break).
        switchOutbound(ctx, successor);
        if (child.state !== 'rekeyed') child.transition('rekeyed');
        finishRekeyedOrRemove(ctx, sa, child, 'rekeyed');
      } else {
        removeChild(ctx, sa, child, child.state === 'rekeyed' ? 'rekeyed' : 'deleted-by-peer');
      }
    }
  }
  for (const n of allNotifies(payloads, NOTIFY_ERROR.INVALID_SPI)) {
    // RFC 7296 3.10.1: the SPI is in the notification data (and in the SPI field on some stacks).
    const raw = n.data.length >= 4 ? n.data : n.spi;
    if (raw.length >= 4) hooks.onInvalidSpi(sa, raw.readUInt32BE(0));
  }
  sendResponse(ctx, sa, EXCHANGE.INFORMATIONAL, messageId, ourSpis.length > 0 ? [deletePayload(PROTOCOL.ESP, ourSpis)] : []);
}
