// The inbound pipeline (DESIGN.md "Data flows"): one datagram in, exactly one verdict out.
// No I/O and no clock: the same function serves live traffic, capture replay and tests.
//
//   demux ─► ESP header ─► SAD lookup ─(miss)─► BAD_SPI + diagnosis from SPI history
//     ─► SA lifetime ─► replay check ─► ICV + decrypt ─► replay commit ─► trailer
//     ─► lifetime accounting ─► mode decap ─► SA selectors ─► delivered
import { u32 } from '../wire/bytes.js';
import { classifyUdpEncap, describeUdpEncapInvalid, udpEncapInvalidReason } from '../packet/udp-encap.js';
import { ESP_HEADER_LENGTH, ESP_MAX_RESERVED_SPI } from '../packet/esp-header.js';
import { packetFields } from '../packet/fields.js';
import { spdFieldsOf } from './spd-fields.js';
import type { ReplayFailure } from '../replay/window.js';
import { replayFailureReason } from '../replay/window.js';
import { decapsulate } from '../esp/decapsulate.js';
import type { SaDatabase } from '../sad/sad.js';
import type { SecurityAssociation } from '../sad/sa.js';
import type { SecurityPolicyDatabase } from '../spd/spd.js';
import { selectorsContain } from '../spd/match.js';
import { diagnoseUnknownSpi } from '../explain/bad-spi.js';
import { UnknownSpiTracker } from '../explain/unknown-spi-tracker.js';
import type { DropKindId } from '../verdict/drop-kinds.js';
import type { Diagnosis, Dropped, Verdict } from '../verdict/verdict.js';
import { drop } from '../verdict/verdict.js';
import { DatapathCounters } from './counters.js';
import * as why from './inbound-diagnoses.js';
import { NEXT_HEADER_DUMMY, NEXT_HEADER_IPV4, NEXT_HEADER_IPV6, isUnknownNextHeader, transportInner, tunnelInner } from './inner.js';
import { clearTextVerdict } from './clear-text.js';
import type { ThrottleOptions } from './throttle.js';
import { TokenBucket } from './throttle.js';

/** Where the datagram came from and how (outer header facts). */
export interface InboundMeta {
  readonly src: string;
  readonly dst: string;
  readonly srcPort: number | null;
  readonly dstPort: number | null;
  /** True for ESP inside UDP (RFC 3948), false for IP protocol 50. */
  readonly encapsulated: boolean;
}

export interface InboundOptions {
  /** Refuse unknown-SPI packets past this rate as THROTTLE_DROP (DoS guard); off by default. */
  readonly unknownSpiThrottle?: ThrottleOptions;
  /**
   * Capture replay: key files say nothing about mode or encapsulation, so the mode follows
   * the next header (4/41 tunnel, else transport) and either encapsulation is accepted.
   */
  readonly inferSaShape?: boolean;
}

export interface InboundContext {
  readonly sad: SaDatabase;
  readonly spd: SecurityPolicyDatabase | null;
  readonly counters: DatapathCounters;
  readonly unknownSpis: UnknownSpiTracker;
  readonly inferSaShape: boolean;
  /**
   * With inferSaShape: the mode each SA showed on its first delivered packet. An SA has one
   * mode (RFC 4301 4.1), so later packets are held to it.
   */
  readonly learnedMode: WeakMap<SecurityAssociation, number>;
  /** The DoS guard on unknown SPIs, or null when off. */
  readonly unknownSpiThrottle: TokenBucket | null;
}

export function createInboundContext(sad: SaDatabase, spd: SecurityPolicyDatabase | null = null, options: InboundOptions = {}): InboundContext {
  return {
    sad, spd, counters: new DatapathCounters(), unknownSpis: new UnknownSpiTracker(),
    inferSaShape: options.inferSaShape === true, learnedMode: new WeakMap(),
    unknownSpiThrottle: options.unknownSpiThrottle === undefined ? null : new TokenBucket(options.unknownSpiThrottle),
  };
}

const TUNNEL = 1;
const TRANSPORT = 2;

/** A UDP datagram that arrived on the NAT-T port (RFC 3948 demultiplexing first). */
export function processUdpDatagram(ctx: InboundContext, payload: Buffer, meta: InboundMeta, now: number): Verdict {
  switch (classifyUdpEncap(payload)) {
    case 'keepalive':
      ctx.counters.keepalive++;
      return { verdict: 'keepalive' };
    case 'ike':
      ctx.counters.ike++;
      return { verdict: 'ike', message: payload.subarray(4) };
    case 'esp':
      return processEsp(ctx, payload, meta, now);
    case 'invalid':
      return refuse(ctx, null, 'invalid-packet', null,
        why.truncatedEspHeader(payload.length, describeUdpEncapInvalid(udpEncapInvalidReason(payload)!, payload.length)));
  }
}

/** An ESP packet (starting at the SPI), from UDP or from IP protocol 50. */
export function processEsp(ctx: InboundContext, esp: Buffer, meta: InboundMeta, now: number): Verdict {
  if (esp.length < ESP_HEADER_LENGTH) return refuse(ctx, null, 'invalid-packet', null, why.truncatedEspHeader(esp.length));
  const spi = u32(esp, 0);
  const sa = spi > ESP_MAX_RESERVED_SPI ? ctx.sad.lookupInbound(spi, meta.dst) : undefined;
  if (sa === undefined) {
    const guard = ctx.unknownSpiThrottle;
    if (guard !== null && !guard.take(now)) return refuse(ctx, null, 'throttle', spi, why.throttled(spi, guard));
    return refuse(ctx, null, 'bad-spi', spi, diagnoseUnknownSpi(ctx.sad, spi, meta, now, ctx.unknownSpis));
  }
  if (!ctx.inferSaShape && (sa.config.encapsulation !== null) !== meta.encapsulated) {
    return refuse(ctx, sa, 'wrong-sa-state', spi, why.wrongEncapsulation(sa, meta.encapsulated));
  }
  const expiry = ctx.sad.checkUsable(sa, now);
  if (expiry !== null) return refuse(ctx, sa, 'lifetime-expired', spi, why.lifetimeExpired(sa, expiry));
  return protectedPath(ctx, sa, esp, meta, now);
}

/** From the replay check to delivery, for a packet whose SA is known and usable. */
function protectedPath(ctx: InboundContext, sa: SecurityAssociation, esp: Buffer, meta: InboundMeta, now: number): Verdict {
  const seqLo = u32(esp, 4);
  const replay = sa.replay!;
  // RFC 4303 3.4.3: the cheap replay check comes before the ICV ...
  const seqHi = replay.check(seqLo);
  if (seqHi < 0) {
    const reason = replayFailureReason(seqHi as ReplayFailure);
    return refuse(ctx, sa, 'replay', sa.spi, why.replayFailure(sa, reason, replay.describe(seqLo)));
  }
  const opened = decapsulate(sa.config.cipher, esp, seqHi, sa.config.esn);
  if (!opened.ok) {
    if (opened.failure === 'icv') return integrityDrop(ctx, sa, esp, seqHi, seqLo, opened.detail);
    if (opened.failure === 'too-short' || opened.failure === 'misaligned') {
      return refuse(ctx, sa, 'invalid-packet', sa.spi, why.malformedEsp(sa, opened.failure, opened.detail, esp.length));
    }
  }
  // ... and the window moves only once the ICV verified (a bad trailer still authenticated).
  if (!replay.commit(seqHi, seqLo)) {
    return refuse(ctx, sa, 'replay', sa.spi, why.replayFailure(sa, 'duplicate', replay.describe(seqLo)));
  }
  if (!opened.ok) return refuse(ctx, sa, 'invalid-trailer', sa.spi, why.badTrailer(sa, opened.failure === 'padding' ? 'bad-padding' : 'bad-pad-length', opened.detail));
  ctx.sad.account(sa, opened.payload.length, now);
  if (opened.nextHeader === NEXT_HEADER_DUMMY) {
    ctx.counters.dummy++;
    return { verdict: 'dummy', spi: sa.spi, sa: sa.ref(), seqHi, seqLo };
  }
  return deliverInner(ctx, sa, opened.payload, opened.nextHeader, meta, seqHi, seqLo);
}

/**
 * The ICV failed. Before calling it corruption or a key mismatch, test what evidence can
 * tell: a late ESN packet (RFC 4303 A2.2 guessed the wrong subspace for a number that is
 * really left of the window), or ends that disagree on ESN. Each test is another ICV
 * computation, so each runs only where it can succeed, and a forged packet costs at most
 * two more (an attacker cannot make us do unbounded work).
 */
function integrityDrop(ctx: InboundContext, sa: SecurityAssociation, esp: Buffer, seqHi: number, seqLo: number, detail: string): Dropped {
  const cipher = sa.config.cipher;
  const replay = sa.replay!;
  const late = sa.config.esn ? lateSubspace(replay.topHi, replay.topLo, seqHi, seqLo) : -1;
  if (late >= 0 && decapsulate(cipher, esp, late, true).ok) {
    return refuse(ctx, sa, 'replay', sa.spi, why.lateEsnPacket(sa, replay.describe(seqLo), late));
  }
  // RFC 4303 2.2.1: with ESN the high bits are in every ICV, so one packet that verified
  // proves both ends agree on ESN; only an SA that never verified one can be mismatched.
  if (sa.packets === 0 && decapsulate(cipher, esp, sa.config.esn ? 0 : seqHi, !sa.config.esn).ok) {
    return refuse(ctx, sa, 'integrity', sa.spi, why.esnMismatch(sa, seqHi, seqLo));
  }
  return refuse(ctx, sa, 'integrity', sa.spi, why.integrityFailure(sa, detail, seqHi, seqLo));
}

/**
 * RFC 4303 A2.2 reads a number left of the window as a new one: Th + 1 when the window lies
 * in one subspace (Case A, seqLo below the window's bottom), Th when the packet really belongs
 * to Th - 1. Returns the subspace where such a packet is provably too old, or -1:
 *  - inferred Th + 1: Th (the number is below the window in Th);
 *  - inferred Th, more than 2^31 ahead of the top: Th - 1 (A2.2 assumes the window is under
 *    2^31; no real packet runs that far ahead, a late one from Th - 1 does);
 *  - an inferred Th - 1 is Case B's own reading and is not second-guessed.
 */
function lateSubspace(topHi: number, topLo: number, inferredHi: number, seqLo: number): number {
  if (inferredHi === topHi + 1) return topHi;
  if (inferredHi === topHi && topHi > 0 && seqLo > topLo && seqLo - topLo > 2 ** 31) return topHi - 1;
  return -1;
}

function modeOf(ctx: InboundContext, sa: SecurityAssociation, nextHeader: number): number {
  if (!ctx.inferSaShape) return sa.config.mode === 'tunnel' ? TUNNEL : TRANSPORT;
  return ctx.learnedMode.get(sa) ?? (nextHeader === NEXT_HEADER_IPV4 || nextHeader === NEXT_HEADER_IPV6 ? TUNNEL : TRANSPORT);
}

function deliverInner(
  ctx: InboundContext, sa: SecurityAssociation, payload: Buffer, nextHeader: number, meta: InboundMeta, seqHi: number, seqLo: number,
): Verdict {
  const mode = modeOf(ctx, sa, nextHeader);
  if (mode === TUNNEL && nextHeader !== NEXT_HEADER_IPV4 && nextHeader !== NEXT_HEADER_IPV6) {
    return trailerDrop(ctx, sa, nextHeader, 'unknown-next-header', `next header ${nextHeader} in a tunnel-mode SA (expected 4 for IPv4 or 41 for IPv6)`);
  }
  if (mode === TRANSPORT && isUnknownNextHeader(nextHeader)) {
    return trailerDrop(ctx, sa, nextHeader, 'unknown-next-header', `next header ${nextHeader} is not an assigned protocol number`);
  }
  const inner = mode === TUNNEL ? tunnelInner(payload, nextHeader) : transportInner(payload, nextHeader, meta.src, meta.dst);
  if (!inner.ok) return trailerDrop(ctx, sa, nextHeader, inner.reason, inner.detail);
  const selectors = sa.config.selectors;
  if (selectors) {
    const f = packetFields(inner.packet);
    // An inner packet the selectors cannot even read (no ports where its protocol has them)
    // is malformed, not "outside the selectors".
    if (!f.ok) return trailerDrop(ctx, sa, nextHeader, 'malformed-inner-packet', `the inner packet cannot be checked against the SA's selectors: ${f.detail}`);
    const inside = selectorsContain(selectors, spdFieldsOf(f), 'in');
    if (!inside) return refuse(ctx, sa, 'wrong-sa-selectors', sa.spi, why.outsideSelectors(sa, f.src, f.dst, f.protocol));
  }
  if (ctx.inferSaShape && !ctx.learnedMode.has(sa)) ctx.learnedMode.set(sa, mode);
  ctx.counters.delivered++;
  return { verdict: 'delivered', spi: sa.spi, sa: sa.ref(), seqHi, seqLo, nextHeader, packet: inner.packet };
}

/** The decrypted payload does not fit its next header or mode (DESIGN: trailer stage). */
function trailerDrop(ctx: InboundContext, sa: SecurityAssociation, nextHeader: number, reason: string, detail: string): Dropped {
  return refuse(ctx, sa, 'invalid-trailer', sa.spi, why.badTrailer(sa, reason, detail, { nextHeader }));
}

/** A clear-text IP packet that arrived where the SPD may demand protection (RFC 4301 5.2). */
export function processClearText(ctx: InboundContext, packet: Buffer): Verdict | null {
  const v = clearTextVerdict(ctx.spd, packet);
  if (v !== null && v.verdict === 'dropped') ctx.counters.countDrop(v.kind);
  return v;
}

function refuse(ctx: InboundContext, sa: SecurityAssociation | null, kindId: DropKindId, spi: number | null, d: Diagnosis): Dropped {
  const v = drop(kindId, spi, sa === null ? null : sa.ref(), d);
  ctx.counters.countDrop(v.kind);
  if (sa !== null) sa.countDrop(kindId);
  return v;
}
