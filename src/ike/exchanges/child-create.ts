// Negotiating one CHILD_SA (RFC 7296 1.3, 2.9, 2.17), shared by IKE_AUTH and CREATE_CHILD_SA:
// the request's SA/TS payloads, the responder's choice and narrowing, the keys, and the
// installation into the host's SAD make-before-break:
//   - the responder installs its inbound SA before its response leaves;
//   - the initiator installs both halves when the response arrives;
//   - the responder of a rekey installs its new outbound SA only when the initiator deletes the
//     old one (or the grace timer fires), so its first packet on the new SA cannot overtake the
//     initiator's install of the matching inbound SA.
import type { ChildConfig } from '../connection.js';
import type { KeyMaterial } from '../../esp/transform-spec.js';
import { deriveChildKeys } from '../crypto/keys.js';
import { espKeyLengths, espTransformOf } from '../crypto/transforms.js';
import { NOTIFY_ERROR, NOTIFY_STATUS, PROTOCOL } from '../message/numbers.js';
import type { Payload, Proposal, TrafficSelector as PayloadTs } from '../message/types.js';
import type { ProposalSpec } from '../proposal/parse.js';
import { describeProposal, proposalsToPayload } from '../proposal/payload.js';
import type { Negotiated } from '../proposal/select.js';
import { checkChosenProposal, selectProposal } from '../proposal/select.js';
import type { TrafficSelector } from '../../spd/selector.js';
import type { ChildSaInstall } from '../ports.js';
import { ChildSa } from '../sa/child-sa.js';
import type { IkeSa } from '../sa/ike-sa.js';
import type { ExchangeContext, IkeFailure } from './context.js';
import { failureOfPeerNotify, ikeFailure } from './failures.js';
import { findNotify, first, firstError, notify, spiBytes } from './payloads.js';
import { acceptNarrowed, narrowAsResponder, payloadTsOf, resolveTs, spdTsOf } from './selectors.js';

/** What the initiator of a child negotiation remembers until the response arrives. */
export interface ChildRequest {
  readonly config: ChildConfig;
  readonly spiIn: number;
  readonly offered: Proposal[];
  readonly tsi: readonly PayloadTs[];
  readonly tsr: readonly PayloadTs[];
  readonly rekeyOf: ChildSa | null;
}

/** IKE_AUTH carries no KE: DH transforms in its ESP proposals are left out (RFC 7296 1.2). */
export function withoutDh(specs: readonly ProposalSpec[]): ProposalSpec[] {
  return specs.map((s) => ({ ...s, dh: [] }));
}

/** The SA, TSi and TSr payloads (and USE_TRANSPORT_MODE) asking for `config`. */
export function childRequest(ctx: ExchangeContext, sa: IkeSa, config: ChildConfig, options: { pfs: boolean; rekeyOf: ChildSa | null }):
  { request: ChildRequest; payloads: Payload[] } {
  const spiIn = ctx.host.allocateSpi();
  const specs = options.pfs ? [...config.espProposals] : withoutDh(config.espProposals);
  const offered = proposalsToPayload(specs, PROTOCOL.ESP, spiBytes(spiIn));
  const tsi = payloadTsOf(resolveTs(config.localTs, sa.local.address));
  const tsr = payloadTsOf(resolveTs(config.remoteTs, sa.remote.address));
  const payloads: Payload[] = [];
  if (config.mode === 'transport') payloads.push(notify(NOTIFY_STATUS.USE_TRANSPORT_MODE));
  payloads.push(
    { kind: 'SA', critical: false, proposals: offered },
    { kind: 'TSi', critical: false, selectors: tsi },
    { kind: 'TSr', critical: false, selectors: tsr },
  );
  return { request: { config, spiIn, offered, tsi, tsr, rekeyOf: options.rekeyOf }, payloads };
}

interface Nonces {
  readonly ni: Buffer;
  readonly nr: Buffer;
}

/** The initiator's side: check the response and install the child. */
export function acceptChildResponse(ctx: ExchangeContext, sa: IkeSa, request: ChildRequest, payloads: readonly Payload[], nonces: Nonces,
  sharedSecret: Buffer | null): ChildSa | IkeFailure {
  const error = firstError(payloads);
  if (error !== undefined) return failureOfPeerNotify(error.notifyType, 'the CHILD_SA negotiation');
  const saPayload = first(payloads, 'SA');
  const tsi = first(payloads, 'TSi');
  const tsr = first(payloads, 'TSr');
  if (saPayload === undefined || tsi === undefined || tsr === undefined) {
    return ikeFailure('INVALID_HEADER', 'the response has no SA, TSi or TSr for the CHILD_SA', 'Capture the exchange and check the peer\'s log.');
  }
  const chosen = checkChosenProposal(request.offered, saPayload.proposals);
  if (!chosen.ok) return ikeFailure('ATTRIB_FAIL', `the peer chose an ESP proposal we did not offer: ${chosen.detail}`, 'Report this: the peer broke RFC 7296 2.7.');
  if (!acceptNarrowed(request.tsi, request.tsr, tsi.selectors, tsr.selectors)) {
    return ikeFailure('NO_POLICY', 'the peer answered with traffic selectors wider than we proposed', 'Compare local_ts / remote_ts on both sides.');
  }
  const transport = findNotify(payloads, NOTIFY_STATUS.USE_TRANSPORT_MODE) !== undefined;
  const mode = request.config.mode === 'transport' && transport ? 'transport' : 'tunnel';
  const spiOut = saPayload.proposals[0]!.spi.length === 4 ? saPayload.proposals[0]!.spi.readUInt32BE(0) : 0;
  const local = spdTsOf(tsi.selectors);
  const remote = spdTsOf(tsr.selectors);
  if (local === null || remote === null || spiOut === 0) {
    return ikeFailure('INVALID_HEADER', 'the peer\'s CHILD_SA answer has an unusable SPI or selector', 'Capture the exchange and check the peer\'s log.');
  }
  return installChild(ctx, sa, {
    config: request.config, negotiated: chosen.negotiated, proposalText: describeProposal(saPayload.proposals[0]!),
    spiIn: request.spiIn, spiOut, mode, localTs: local, remoteTs: remote, nonces, sharedSecret, rekeyOf: request.rekeyOf,
    outboundNow: true, weInitiated: true,
  });
}

export type ChildAnswer =
  | { readonly ok: true; readonly child: ChildSa; readonly payloads: Payload[] }
  | { readonly ok: false; readonly payloads: Payload[]; readonly failure: IkeFailure };

/**
 * The responder's side: pick the child config whose selectors fit, choose a proposal, narrow,
 * install (inbound now; outbound now unless this replaces an SA), and build the answer.
 */
export function answerChildRequest(ctx: ExchangeContext, sa: IkeSa, candidates: readonly ChildConfig[], payloads: readonly Payload[],
  nonces: Nonces, sharedSecret: Buffer | null, options: { pfs: boolean; dhGroupOfKe: number | null; rekeyOf: ChildSa | null }): ChildAnswer {
  const saPayload = first(payloads, 'SA');
  const tsi = first(payloads, 'TSi');
  const tsr = first(payloads, 'TSr');
  if (saPayload === undefined || tsi === undefined || tsr === undefined) {
    return refuse(NOTIFY_ERROR.INVALID_SYNTAX, ikeFailure('INVALID_HEADER', 'the request has no SA, TSi or TSr for the CHILD_SA', 'Capture the exchange.'));
  }
  const wantsTransport = findNotify(payloads, NOTIFY_STATUS.USE_TRANSPORT_MODE) !== undefined;
  let lastRefusal: ChildAnswer | null = null;
  for (const config of candidates) {
    const narrowed = narrowAsResponder(
      { local: resolveTs(config.localTs, sa.local.address), remote: resolveTs(config.remoteTs, sa.remote.address) },
      tsi.selectors, tsr.selectors);
    if (narrowed === null) {
      lastRefusal ??= refuse(NOTIFY_ERROR.TS_UNACCEPTABLE, ikeFailure('NO_POLICY', `the peer's traffic selectors fit no child of connection ${sa.connection?.name}`,
        'Compare local_ts / remote_ts on both sides: they must overlap, mirrored.'));
      continue;
    }
    const specs = options.pfs ? [...config.espProposals] : withoutDh(config.espProposals);
    const selected = selectProposal(specs, saPayload.proposals, PROTOCOL.ESP, { preferOurs: true, ...(options.dhGroupOfKe === null ? {} : { dhGroupOfKe: options.dhGroupOfKe }) });
    if (!selected.ok) {
      lastRefusal = refuse(NOTIFY_ERROR.NO_PROPOSAL_CHOSEN, ikeFailure('ATTRIB_FAIL', `no ESP proposal in common for child ${config.name}: ${selected.detail}`,
        'Compare esp_proposals on both sides.'));
      continue;
    }
    const spiOut = selected.chosen.spi.length === 4 ? selected.chosen.spi.readUInt32BE(0) : 0;
    const local = spdTsOf(narrowed.tsr);
    const remote = spdTsOf(narrowed.tsi);
    if (spiOut === 0 || local === null || remote === null) {
      return refuse(NOTIFY_ERROR.INVALID_SYNTAX, ikeFailure('INVALID_HEADER', 'the peer proposed an unusable ESP SPI or selector', 'Capture the exchange.'));
    }
    const spiIn = ctx.host.allocateSpi();
    const mode = config.mode === 'transport' && wantsTransport ? 'transport' : 'tunnel';
    const child = installChild(ctx, sa, {
      config, negotiated: selected.negotiated, proposalText: describeProposal(selected.chosen), spiIn, spiOut, mode,
      localTs: local, remoteTs: remote, nonces, sharedSecret, rekeyOf: options.rekeyOf, outboundNow: options.rekeyOf === null, weInitiated: false,
    });
    if ('code' in child) return refuse(NOTIFY_ERROR.NO_PROPOSAL_CHOSEN, child);
    const answer: Payload[] = [];
    if (mode === 'transport') answer.push(notify(NOTIFY_STATUS.USE_TRANSPORT_MODE));
    answer.push(
      { kind: 'SA', critical: false, proposals: [{ ...selected.chosen, spi: spiBytes(spiIn) }] },
      { kind: 'TSi', critical: false, selectors: narrowed.tsi },
      { kind: 'TSr', critical: false, selectors: narrowed.tsr },
    );
    return { ok: true, child, payloads: answer };
  }
  return lastRefusal ?? refuse(NOTIFY_ERROR.TS_UNACCEPTABLE, ikeFailure('NO_POLICY', `connection ${sa.connection?.name} has no children`, 'Add a child to the connection.'));
}

function refuse(notifyType: number, failure: IkeFailure): ChildAnswer {
  return { ok: false, payloads: [notify(notifyType)], failure };
}

interface InstallInput {
  readonly config: ChildConfig;
  readonly negotiated: Negotiated;
  readonly proposalText: string;
  readonly spiIn: number;
  readonly spiOut: number;
  readonly mode: 'tunnel' | 'transport';
  readonly localTs: readonly TrafficSelector[];
  readonly remoteTs: readonly TrafficSelector[];
  readonly nonces: Nonces;
  readonly sharedSecret: Buffer | null;
  readonly rekeyOf: ChildSa | null;
  /** false: the outbound half waits in child.pendingOutbound until switchOutbound(). */
  readonly outboundNow: boolean;
  /** We sent the request of this exchange (our nonce is Ni). */
  readonly weInitiated: boolean;
}

/** Derives the keys (RFC 7296 2.17), installs the inbound half (and the outbound one if asked) and the policy. */
function installChild(ctx: ExchangeContext, sa: IkeSa, input: InstallInput): ChildSa | IkeFailure {
  const transform = espTransformOf(input.negotiated.encr.id, input.negotiated.encr.keyBits, input.negotiated.integ);
  if (transform === null) return ikeFailure('ATTRIB_FAIL', 'the negotiated ESP transform is not supported by our data plane', 'Choose AES-GCM, ChaCha20-Poly1305 or AES-CBC with HMAC-SHA2.');
  const lengths = espKeyLengths(transform);
  const keys = deriveChildKeys({
    prf: sa.crypto!.prf, skD: sa.crypto!.keys.skD, ni: input.nonces.ni, nr: input.nonces.nr, sharedSecret: input.sharedSecret,
    encKeyLength: lengths.encryption, integKeyLength: lengths.integrity,
  });
  // RFC 7296 2.17: "initiator" is the initiator of this exchange, whose nonce is Ni.
  const weInitiated = input.weInitiated;
  const inboundKeys: KeyMaterial = weInitiated ? keys.responderToInitiator : keys.initiatorToResponder;
  const outboundKeys: KeyMaterial = weInitiated ? keys.initiatorToResponder : keys.responderToInitiator;
  const now = ctx.host.now();
  const config = input.config;
  const jitter = config.randTimeS > 0 ? Math.floor(Math.random() * config.randTimeS * 1000) : 0;
  const connection = sa.connection!;
  const reqid = ctx.reqidOf(connection.name, config.name, sa.remote.address);
  const child = new ChildSa({
    uniqueId: ctx.nextChildSaId(), connection: connection.name, config, reqid, spiIn: input.spiIn, spiOut: input.spiOut,
    mode: input.mode, proposal: input.proposalText, esn: input.negotiated.esn, localTs: input.localTs, remoteTs: input.remoteTs,
    installedAt: now, rekeyAt: now + config.rekeyTimeS * 1000 - jitter, expireAt: now + config.lifeTimeS * 1000,
    pfsGroup: config.espProposals.flatMap((s) => s.dh)[0] ?? null,
  });
  const common = {
    connection: connection.name, child: config.name, label: child.label, mode: input.mode, transform, esn: input.negotiated.esn,
    replayWindow: config.replayWindow, reqid, localTs: input.localTs, remoteTs: input.remoteTs, hardLifetimeS: config.lifeTimeS,
  };
  const inbound: ChildSaInstall = {
    ...common, direction: 'inbound', spi: input.spiIn, src: sa.remote.address, dst: sa.local.address,
    encapsulation: { srcPort: sa.remote.port, dstPort: sa.local.port }, keys: inboundKeys,
  };
  const outbound: ChildSaInstall = {
    ...common, direction: 'outbound', spi: input.spiOut, src: sa.local.address, dst: sa.remote.address,
    encapsulation: { srcPort: sa.local.port, dstPort: sa.remote.port }, keys: outboundKeys,
  };
  // The policy first: an SA takes its selectors from the policy of its reqid (endpoint/sa-install.ts).
  ctx.host.installPolicy({
    reqid, name: `${connection.name}/${config.name}`, localTs: input.localTs, remoteTs: input.remoteTs, mode: input.mode,
    localAddress: sa.local.address, peerAddress: sa.remote.address,
  });
  ctx.host.installChildSa(inbound);
  if (input.outboundNow) ctx.host.installChildSa(outbound);
  else child.pendingOutbound = outbound;
  sa.children.push(child);
  ctx.host.event({
    type: 'child-installed', ikeSa: sa.label, connection: connection.name, child: config.name, spiIn: input.spiIn, spiOut: input.spiOut,
    proposal: input.proposalText, rekeyOf: input.rekeyOf?.spiIn ?? null,
  });
  return child;
}

/** The delayed outbound half of a rekey responder goes live (RFC 7296 2.8 make-before-break). */
export function switchOutbound(ctx: ExchangeContext, child: ChildSa): void {
  if (child.pendingOutbound === null) return;
  ctx.host.installChildSa(child.pendingOutbound);
  child.pendingOutbound = null;
}
