// IKE_SA_INIT (RFC 7296 1.2): negotiate the IKE SA's algorithms, exchange DH values and nonces,
// detect NATs. No keys exist yet, so nothing here is protected.
//
//   Initiator                              Responder
//   HDR, SAi1, KEi, Ni, N(NATD_S), N(NATD_D)  -->
//                                    <--  HDR, SAr1, KEr, Nr, N(NATD_S), N(NATD_D) [, CERTREQ]
//   (or <-- N(INVALID_KE_PAYLOAD, group): start over with that group, message ID 0 again;
//    or <-- N(COOKIE): start over with the cookie as the first payload, RFC 7296 2.6)
import type { ConnectionConfig } from '../connection.js';
import { createKeyExchange } from '../crypto/dh.js';
import { deriveIkeSaKeys } from '../crypto/keys.js';
import { SkOpener, SkSealer } from '../crypto/sk.js';
import { encrSpec, integSpec, prfSpec, dhSpec } from '../crypto/transforms.js';
import { encodeMessage } from '../message/message.js';
import { EXCHANGE, INTEG, NOTIFY_ERROR, NOTIFY_STATUS, PROTOCOL } from '../message/numbers.js';
import type { IkeMessage, Payload } from '../message/types.js';
import { proposalsToPayload } from '../proposal/payload.js';
import type { Negotiated } from '../proposal/select.js';
import { checkChosenProposal, dhGroupsOf } from '../proposal/select.js';
import { parseSignatureHashAlgorithms, signatureHashAlgorithmsNotify } from '../auth/signature.js';
import type { UdpAddress } from '../ports.js';
import { IkeSa } from '../sa/ike-sa.js';
import type { IkeSaCrypto, ResponseHandler } from '../sa/ike-sa.js';
import type { RetransmitPolicy } from '../sa/message-window.js';
import type { ExchangeContext, IkeFailure } from './context.js';
import { failureOfPeerNotify, ikeFailure } from './failures.js';
import { evaluateNatDetection, natDetectionToSend } from './nat-detection.js';
import { allNotifies, findNotify, first, firstError, notify } from './payloads.js';

export const NONCE_LENGTH = 32;
export const ZERO_SPI: Buffer = Buffer.alloc(8);
/** How often one IKE_SA_INIT may start over (INVALID_KE_PAYLOAD, COOKIE) before we give up. */
const MAX_RESTARTS = 3;

export function retransmitPolicyOf(ctx: ExchangeContext): RetransmitPolicy {
  return { timeoutMs: ctx.settings.retransmitTimeoutMs, base: ctx.settings.retransmitBase, tries: ctx.settings.retransmitTries };
}

/** A random IKE SPI; never all zero (RFC 7296 3.1: zero means "not yet known"). */
export function freshIkeSpi(ctx: ExchangeContext): Buffer {
  for (;;) {
    const spi = ctx.host.randomBytes(8);
    if (!spi.equals(ZERO_SPI)) return spi;
  }
}

/** Starts an IKE SA as initiator; `onReady` runs once IKE_SA_INIT completed (it sends IKE_AUTH). */
export function initiateIkeSa(ctx: ExchangeContext, connection: ConnectionConfig, local: UdpAddress, remote: UdpAddress,
  onReady: (sa: IkeSa) => void): IkeSa | IkeFailure {
  const group = dhGroupsOf(connection.ikeProposals)[0];
  const ke = group === undefined ? null : ctx.newKeyExchange(group);
  if (ke === null) {
    return ikeFailure('INVALID_GROUP', `connection ${connection.name}: no usable DH group in its IKE proposals`, 'Add a DH group (x25519, ecp256, modp2048...) to `proposals`.');
  }
  const sa = new IkeSa(ctx.nextIkeSaId(), 'initiator', freshIkeSpi(ctx), ZERO_SPI, local, remote,
    ctx.host.randomBytes(NONCE_LENGTH), connection, retransmitPolicyOf(ctx), ctx.host.now());
  sa.keyExchange = ke;
  ctx.register(sa);
  sendInitRequest(ctx, sa, onReady, 0);
  return sa;
}

function sendInitRequest(ctx: ExchangeContext, sa: IkeSa, onReady: (sa: IkeSa) => void, restarts: number): void {
  const connection = sa.connection!;
  const payloads: Payload[] = [];
  if (sa.cookie !== null) payloads.push(notify(NOTIFY_STATUS.COOKIE, sa.cookie));
  payloads.push(
    { kind: 'SA', critical: false, proposals: proposalsToPayload([...connection.ikeProposals], PROTOCOL.IKE, Buffer.alloc(0)) },
    { kind: 'KE', critical: false, group: sa.keyExchange!.group, keyData: sa.keyExchange!.publicKey },
    { kind: 'NONCE', critical: false, nonce: sa.ni },
    ...natNotifies(ctx, sa, connection.forceEncapsulation),
  );
  if (connection.localAuth.method === 'pubkey' || connection.remoteAuth.method === 'pubkey') {
    payloads.push(notify(NOTIFY_STATUS.SIGNATURE_HASH_ALGORITHMS, signatureHashAlgorithmsNotify()));
  }
  const bytes = encodeMessage({
    initiatorSpi: sa.spiI, responderSpi: ZERO_SPI, nextPayload: 0, exchangeType: EXCHANGE.IKE_SA_INIT,
    initiator: true, response: false, messageId: 0,
  }, payloads);
  sa.initRequest = bytes;
  const handler: ResponseHandler = {
    exchange: 'IKE_SA_INIT',
    onResponse: (s, message, inner) => onInitResponse(ctx, s, message, inner, onReady, restarts),
  };
  sa.window.sent(bytes, EXCHANGE.IKE_SA_INIT, ctx.host.now(), handler);
  ctx.host.send({ bytes, local: sa.local, remote: sa.remote });
}

function natNotifies(ctx: ExchangeContext, sa: IkeSa, force: boolean): Payload[] {
  const natd = natDetectionToSend(sa.spiI, sa.spiR, sa.local, sa.remote, force, (n) => ctx.host.randomBytes(n));
  return [notify(NOTIFY_STATUS.NAT_DETECTION_SOURCE_IP, natd.source), notify(NOTIFY_STATUS.NAT_DETECTION_DESTINATION_IP, natd.destination)];
}

function onInitResponse(ctx: ExchangeContext, sa: IkeSa, message: IkeMessage, payloads: readonly Payload[],
  onReady: (sa: IkeSa) => void, restarts: number): void {
  const connection = sa.connection!;
  const cookie = findNotify(payloads, NOTIFY_STATUS.COOKIE);
  if (cookie !== undefined && restarts < MAX_RESTARTS) {
    // RFC 7296 2.6: repeat the request with the cookie first; same SPI, same nonce, message ID 0.
    sa.cookie = cookie.data;
    sa.window.restartInitial();
    sendInitRequest(ctx, sa, onReady, restarts + 1);
    return;
  }
  const error = firstError(payloads);
  if (error?.notifyType === NOTIFY_ERROR.INVALID_KE_PAYLOAD && restarts < MAX_RESTARTS) {
    // RFC 7296 1.2: the responder names the group it wants; retry with it if we offered it.
    const wanted = error.data.length >= 2 ? error.data.readUInt16BE(0) : -1;
    const ke = dhGroupsOf(connection.ikeProposals).includes(wanted) && wanted !== sa.keyExchange?.group ? createKeyExchange(wanted) : null;
    if (ke !== null) {
      sa.keyExchange = ke;
      sa.window.restartInitial();
      sendInitRequest(ctx, sa, onReady, restarts + 1);
      return;
    }
  }
  if (error !== undefined) {
    ctx.fail(sa, failureOfPeerNotify(error.notifyType, 'IKE_SA_INIT'));
    return;
  }
  const saPayload = first(payloads, 'SA');
  const ke = first(payloads, 'KE');
  const nonce = first(payloads, 'NONCE');
  if (saPayload === undefined || ke === undefined || nonce === undefined || message.header.responderSpi.equals(ZERO_SPI)) {
    ctx.fail(sa, ikeFailure('INVALID_HEADER', 'the IKE_SA_INIT response lacks SA, KE or Nonce, or a responder SPI', 'Capture the exchange and check the peer\'s log.'));
    return;
  }
  const offered = proposalsToPayload([...connection.ikeProposals], PROTOCOL.IKE, Buffer.alloc(0));
  const chosen = checkChosenProposal(offered, saPayload.proposals);
  if (!chosen.ok) {
    ctx.fail(sa, ikeFailure('ATTRIB_FAIL', `the responder chose a proposal we did not offer: ${chosen.detail}`, 'Report this: the peer broke RFC 7296 2.7.'));
    return;
  }
  if (chosen.negotiated.dh !== ke.group || ke.group !== sa.keyExchange!.group) {
    ctx.fail(sa, ikeFailure('INVALID_GROUP', `the responder's KE is group ${ke.group}, the chosen proposal says ${chosen.negotiated.dh}`, 'Report this: the peer broke RFC 7296 1.2.'));
    return;
  }
  sa.spiR = Buffer.from(message.header.responderSpi);
  sa.nr = Buffer.from(nonce.nonce);
  sa.peerHashes = peerHashesOf(payloads);
  sa.initResponse = message.raw;
  const keyed = keyIkeSa(sa, chosen.negotiated, ke.keyData);
  if ('code' in keyed) {
    ctx.fail(sa, keyed);
    return;
  }
  sa.crypto = keyed;
  ctx.register(sa);
  applyNatDetection(ctx, sa, payloads);
  onReady(sa);
}

/** RFC 7427 4: the hash algorithms the peer accepts in signatures; null when it sent none. */
export function peerHashesOf(payloads: readonly Payload[]): number[] | null {
  const n = findNotify(payloads, NOTIFY_STATUS.SIGNATURE_HASH_ALGORITHMS);
  if (n === undefined) return null;
  const parsed = parseSignatureHashAlgorithms(n.data);
  return parsed.ok ? parsed.hashes : null;
}

/** Computes g^ir and the seven keys (RFC 7296 2.14); a failure when the peer's KE is unusable. */
export function keyIkeSa(sa: IkeSa, negotiated: Negotiated, peerKe: Buffer, rekeyOf?: IkeSa): IkeSaCrypto | IkeFailure {
  const secret = sa.keyExchange!.computeSecret(peerKe);
  sa.keyExchange = null;
  if (!secret.ok) {
    return ikeFailure('DH_FAIL', `the peer's DH value is unusable (${secret.reason})`, 'Capture the exchange: the peer sent a malformed or weak key share.');
  }
  const encr = encrSpec(negotiated.encr.id, negotiated.encr.keyBits);
  const prf = negotiated.prf === null ? null : prfSpec(negotiated.prf);
  const integ = negotiated.integ === null || negotiated.integ === INTEG.NONE ? null : integSpec(negotiated.integ);
  const group = negotiated.dh === null ? null : dhSpec(negotiated.dh);
  if (encr === null || prf === null || group === null || (encr.kind !== 'aead' && integ === null)) {
    return ikeFailure('ATTRIB_FAIL', 'the negotiated IKE proposal lacks a usable algorithm', 'Check the proposals on both sides.');
  }
  const keys = deriveIkeSaKeys({
    prf, encr, integ, ni: sa.ni, nr: sa.nr!, spiI: sa.spiI, spiR: sa.spiR, sharedSecret: secret.secret,
    ...(rekeyOf?.crypto ? { rekeyOf: { skD: rekeyOf.crypto.keys.skD, prf: rekeyOf.crypto.prf } } : {}),
  });
  const initiator = sa.role === 'initiator';
  const out = initiator ? { e: keys.skEi, a: keys.skAi } : { e: keys.skEr, a: keys.skAr };
  const inn = initiator ? { e: keys.skEr, a: keys.skAr } : { e: keys.skEi, a: keys.skAi };
  return {
    prf, encr, integ, dhGroup: group.id, keys,
    proposal: [encr.name, integ?.name, prf.name, group.name].filter((x) => x !== undefined).join('/'),
    sealer: new SkSealer({ encr, encKey: out.e, integ, integKey: out.a }),
    opener: new SkOpener({ encr, encKey: inn.e, integ, integKey: inn.a }),
  };
}

/** RFC 7296 2.23: after IKE_SA_INIT, a detected (or forced) NAT moves IKE and ESP to port 4500. */
function applyNatDetection(ctx: ExchangeContext, sa: IkeSa, payloads: readonly Payload[]): void {
  const sources = allNotifies(payloads, NOTIFY_STATUS.NAT_DETECTION_SOURCE_IP).map((n) => n.data);
  const destinations = allNotifies(payloads, NOTIFY_STATUS.NAT_DETECTION_DESTINATION_IP).map((n) => n.data);
  const result = evaluateNatDetection(sa.spiI, sa.spiR, sources, destinations, sa.remote, sa.local);
  if (result !== null) {
    sa.natRemote = result.remoteBehindNat;
    sa.natLocal = result.localBehindNat;
  }
  const force = sa.connection?.forceEncapsulation ?? true;
  if (sa.natLocal || sa.natRemote || force) {
    sa.local = { address: sa.local.address, port: ctx.natPort };
    if (sa.remote.port !== ctx.natPort && sa.remote.port === 500) sa.remote = { address: sa.remote.address, port: ctx.natPort };
  }
}

export { applyNatDetection, natNotifies };
