// Sending under an IKE SA: encode the payloads, seal them into an SK payload (RFC 7296 3.14),
// record the message in the window (requests for retransmission, responses for the cache) and
// hand the datagram to the host.
import { encodePayloads } from '../message/message.js';
import { PAYLOAD } from '../message/numbers.js';
import type { Payload } from '../message/types.js';
import type { IkeSa, ResponseHandler } from '../sa/ike-sa.js';
import type { ExchangeContext } from './context.js';

function seal(sa: IkeSa, exchangeType: number, response: boolean, messageId: number, payloads: readonly Payload[]): Buffer {
  if (sa.crypto === null) throw new Error(`IKE_SA ${sa.label}: no keys yet, cannot protect a message`);
  const { firstType, bytes } = encodePayloads(payloads);
  return sa.crypto.sealer.seal({
    initiatorSpi: sa.spiI, responderSpi: sa.spiR, nextPayload: PAYLOAD.SK, exchangeType,
    initiator: sa.role === 'initiator', response, messageId,
  }, firstType, bytes);
}

/** Sends a protected request; the handler gets the response (the window must be free). */
export function sendRequest(ctx: ExchangeContext, sa: IkeSa, exchangeType: number, payloads: readonly Payload[], handler: ResponseHandler): void {
  const bytes = seal(sa, exchangeType, false, sa.window.nextId, payloads);
  sa.window.sent(bytes, exchangeType, ctx.host.now(), handler);
  ctx.host.send({ bytes, local: sa.local, remote: sa.remote });
}

/** Sends a protected response to the peer's request `messageId` and caches it for retransmissions. */
export function sendResponse(ctx: ExchangeContext, sa: IkeSa, exchangeType: number, messageId: number, payloads: readonly Payload[]): void {
  const bytes = seal(sa, exchangeType, true, messageId, payloads);
  sa.window.responded(messageId, [bytes]);
  ctx.host.send({ bytes, local: sa.local, remote: sa.remote });
}

/** Resends bytes already sent (a retransmission, or a cached response). */
export function resend(ctx: ExchangeContext, sa: IkeSa, bytes: Buffer): void {
  ctx.host.send({ bytes, local: sa.local, remote: sa.remote });
}
