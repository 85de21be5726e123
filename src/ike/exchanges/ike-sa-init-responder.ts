// IKE_SA_INIT as responder (RFC 7296 1.2, 2.6, 2.7, 2.23): choose a proposal, check the KE group,
// answer with our DH value and nonce. Under load (many half-open SAs) demand a cookie first, so
// a flood from spoofed addresses costs us a hash, not a DH computation.
import { createHash, timingSafeEqual } from 'node:crypto';
import { createKeyExchange } from '../crypto/dh.js';
import { encodeMessage } from '../message/message.js';
import { EXCHANGE, NOTIFY_ERROR, NOTIFY_STATUS, PROTOCOL } from '../message/numbers.js';
import type { IkeMessage, Payload } from '../message/types.js';
import { selectProposal } from '../proposal/select.js';
import { signatureHashAlgorithmsNotify } from '../auth/signature.js';
import type { UdpAddress } from '../ports.js';
import { IkeSa } from '../sa/ike-sa.js';
import type { ExchangeContext } from './context.js';
import { NONCE_LENGTH, ZERO_SPI, applyNatDetection, peerHashesOf, freshIkeSpi, keyIkeSa, natNotifies, retransmitPolicyOf } from './ike-sa-init.js';
import { certReqPayload, findNotify, first, notify } from './payloads.js';
import { parseIp } from '../../wire/address.js';

/** Why an IKE_SA_INIT request got no IKE SA (each answered or dropped as RFC 7296 says). */
export type InitRefusal =
  | { readonly outcome: 'answered-error'; readonly notifyType: number; readonly reason: string }
  | { readonly outcome: 'cookie-demanded' }
  | { readonly outcome: 'dropped'; readonly reason: string };

export interface CookieSecret {
  readonly version: number;
  readonly secret: Buffer;
}

/** RFC 7296 2.6: Cookie = <VersionIDofSecret> | Hash(Ni | IPi | SPIi | <secret>). */
export function makeCookie(secret: CookieSecret, ni: Buffer, from: UdpAddress, spiI: Buffer): Buffer {
  const version = Buffer.alloc(4);
  version.writeUInt32BE(secret.version >>> 0, 0);
  const hash = createHash('sha256').update(ni).update(parseIp(from.address) ?? Buffer.alloc(0)).update(spiI).update(secret.secret).digest();
  return Buffer.concat([version, hash]);
}

function cookieValid(secrets: readonly CookieSecret[], cookie: Buffer, ni: Buffer, from: UdpAddress, spiI: Buffer): boolean {
  if (cookie.length !== 36) return false;
  const version = cookie.readUInt32BE(0);
  const secret = secrets.find((s) => s.version === version);
  if (secret === undefined) return false;
  return timingSafeEqual(makeCookie(secret, ni, from, spiI), cookie);
}

export interface InitResponderInput {
  readonly message: IkeMessage;
  readonly local: UdpAddress;
  readonly remote: UdpAddress;
  readonly halfOpen: number;
  /** Current secret first; the previous one still verifies for a while. */
  readonly cookieSecrets: readonly CookieSecret[];
}

/**
 * Answers one IKE_SA_INIT request. Returns the new half-open IKE SA (already answered and
 * registered), or why there is none (an error answer or a cookie demand was already sent).
 */
export function respondIkeSaInit(ctx: ExchangeContext, input: InitResponderInput): IkeSa | InitRefusal {
  const { message, local, remote } = input;
  const payloads = message.payloads;
  const header = message.header;
  if (input.halfOpen >= ctx.settings.halfOpenLimit) {
    return { outcome: 'dropped', reason: `${input.halfOpen} half-open IKE SAs reached ike.half_open_limit (${ctx.settings.halfOpenLimit})` };
  }
  const saPayload = first(payloads, 'SA');
  const ke = first(payloads, 'KE');
  const nonce = first(payloads, 'NONCE');
  if (saPayload === undefined || ke === undefined || nonce === undefined) {
    answerInitRequest(ctx, header.initiatorSpi, local, remote, [notify(NOTIFY_ERROR.INVALID_SYNTAX)]);
    return { outcome: 'answered-error', notifyType: NOTIFY_ERROR.INVALID_SYNTAX, reason: 'IKE_SA_INIT request without SA, KE or Nonce' };
  }
  if (input.halfOpen >= ctx.settings.cookieThreshold) {
    const cookie = findNotify(payloads, NOTIFY_STATUS.COOKIE);
    if (cookie === undefined || !cookieValid(input.cookieSecrets, cookie.data, nonce.nonce, remote, header.initiatorSpi)) {
      const fresh = makeCookie(input.cookieSecrets[0]!, nonce.nonce, remote, header.initiatorSpi);
      answerInitRequest(ctx, header.initiatorSpi, local, remote, [notify(NOTIFY_STATUS.COOKIE, fresh)]);
      return { outcome: 'cookie-demanded' };
    }
  }
  const candidates = ctx.connectionsFor(local, remote);
  if (candidates.length === 0) {
    answerInitRequest(ctx, header.initiatorSpi, local, remote, [notify(NOTIFY_ERROR.NO_PROPOSAL_CHOSEN)]);
    return { outcome: 'answered-error', notifyType: NOTIFY_ERROR.NO_PROPOSAL_CHOSEN, reason: `no connection is configured for ${remote.address} -> ${local.address}` };
  }
  // RFC 7296 2.7 leaves the choice to the responder; like strongSwan we prefer our own order,
  // trying the connections that fit these addresses in config order.
  const ours = candidates.flatMap((c) => [...c.ikeProposals]);
  const selected = selectProposal(ours, saPayload.proposals, PROTOCOL.IKE, { preferOurs: true, dhGroupOfKe: ke.group });
  if (!selected.ok) {
    answerInitRequest(ctx, header.initiatorSpi, local, remote, [notify(NOTIFY_ERROR.NO_PROPOSAL_CHOSEN)]);
    return { outcome: 'answered-error', notifyType: NOTIFY_ERROR.NO_PROPOSAL_CHOSEN, reason: selected.detail };
  }
  const group = selected.negotiated.dh;
  if (group !== ke.group) {
    // RFC 7296 1.2: tell the initiator which group we want; it starts over with that KE.
    const data = Buffer.alloc(2);
    data.writeUInt16BE(group ?? 0, 0);
    answerInitRequest(ctx, header.initiatorSpi, local, remote, [notify(NOTIFY_ERROR.INVALID_KE_PAYLOAD, data)]);
    return { outcome: 'answered-error', notifyType: NOTIFY_ERROR.INVALID_KE_PAYLOAD, reason: `KE is group ${ke.group}, the chosen proposal wants ${group}` };
  }
  const keyExchange = createKeyExchange(group);
  if (keyExchange === null) return { outcome: 'dropped', reason: `DH group ${group} is not available` };
  const sa = new IkeSa(ctx.nextIkeSaId(), 'responder', Buffer.from(header.initiatorSpi), freshIkeSpi(ctx), local, remote,
    Buffer.from(nonce.nonce), null, retransmitPolicyOf(ctx), ctx.host.now());
  sa.nr = ctx.host.randomBytes(NONCE_LENGTH);
  sa.keyExchange = keyExchange;
  sa.peerHashes = peerHashesOf(payloads);
  sa.initRequest = message.raw;
  const ourKe = keyExchange.publicKey;
  const keyed = keyIkeSa(sa, selected.negotiated, ke.keyData);
  if ('code' in keyed) {
    answerInitRequest(ctx, header.initiatorSpi, local, remote, [notify(NOTIFY_ERROR.INVALID_SYNTAX)]);
    return { outcome: 'answered-error', notifyType: NOTIFY_ERROR.INVALID_SYNTAX, reason: keyed.reason };
  }
  sa.crypto = keyed;
  const force = candidates.some((c) => c.forceEncapsulation);
  const response: Payload[] = [
    { kind: 'SA', critical: false, proposals: [selected.chosen] },
    { kind: 'KE', critical: false, group, keyData: ourKe },
    { kind: 'NONCE', critical: false, nonce: sa.nr },
    ...natNotifies(ctx, sa, force),
  ];
  // RFC 7296 1.2: SAr1, KEr, Nr, [CERTREQ]: ask for the initiator's certificate in IKE_AUTH.
  const certReq = candidates.some((c) => c.remoteAuth.method === 'pubkey') ? certReqPayload(ctx.trust) : null;
  if (certReq !== null) response.push(certReq);
  if (candidates.some((c) => c.localAuth.method === 'pubkey' || c.remoteAuth.method === 'pubkey')) {
    response.push(notify(NOTIFY_STATUS.SIGNATURE_HASH_ALGORITHMS, signatureHashAlgorithmsNotify()));
  }
  const bytes = encodeMessage({
    initiatorSpi: sa.spiI, responderSpi: sa.spiR, nextPayload: 0, exchangeType: EXCHANGE.IKE_SA_INIT,
    initiator: false, response: true, messageId: 0,
  }, response);
  sa.initResponse = bytes;
  sa.window.responded(0, [bytes]);
  ctx.register(sa);
  // The response goes back the way the request came; the move to 4500 is the initiator's (2.23).
  ctx.host.send({ bytes, local, remote });
  applyNatDetection(ctx, sa, payloads);
  sa.local = local;
  sa.remote = remote;
  return sa;
}

/** An unprotected answer to an IKE_SA_INIT request that creates no state. */
export function answerInitRequest(ctx: ExchangeContext, spiI: Buffer, local: UdpAddress, remote: UdpAddress, payloads: Payload[]): void {
  const bytes = encodeMessage({
    initiatorSpi: spiI, responderSpi: ZERO_SPI, nextPayload: 0, exchangeType: EXCHANGE.IKE_SA_INIT,
    initiator: false, response: true, messageId: 0,
  }, payloads);
  ctx.host.send({ bytes, local, remote });
}
