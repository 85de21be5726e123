// IPv4 (RFC 791 3.2) and IPv6 (RFC 8200 4.5) fragment reassembly for capture analysis. Fed IP
// packets in capture order with their timestamps; bounded in concurrent datagrams, fragments
// per datagram, buffered bytes and time. Never throws on network input.
//
// Overlaps: RFC 8200 4.5 (after RFC 5722) discards the whole datagram when fragments overlap,
// and allows exact duplicates to be dropped alone. The same rule is applied to IPv4: overlapping
// IPv4 fragments are legal in RFC 791 but in a capture they are an evasion signature, and
// refusing them makes the result independent of arrival order.
import { writeU16 } from '../wire/bytes.js';
import { internetChecksum } from './checksum.js';
import type { Ipv4Header } from './ipv4.js';
import { parseIpv4 } from './ipv4.js';
import type { Ipv6Header } from './ipv6.js';
import { IPV6_HEADER_LENGTH, parseIpv6 } from './ipv6.js';

export interface ReassemblyLimits {
  /** Incomplete datagrams held at once; the oldest is evicted to make room. */
  readonly maxDatagrams: number;
  /** Bytes buffered over all datagrams; the oldest are evicted to make room. */
  readonly maxBytes: number;
  readonly maxFragmentsPerDatagram: number;
  /** RFC 791 3.2 recommends an initial reassembly timer of 15 seconds. */
  readonly ipv4TimeoutMs: number;
  /** RFC 8200 4.5: abandon reassembly 60 seconds after the first-arriving fragment. */
  readonly ipv6TimeoutMs: number;
}

export const DEFAULT_REASSEMBLY_LIMITS: ReassemblyLimits = Object.freeze({
  maxDatagrams: 256,
  maxBytes: 16 * 1024 * 1024,
  maxFragmentsPerDatagram: 1024,
  ipv4TimeoutMs: 15_000,
  ipv6TimeoutMs: 60_000,
});

export type ReassemblyFailureReason =
  | 'invalid-packet' // the packet does not parse as IPv4 / IPv6
  | 'bad-fragment-length' // not the last fragment, and not a non-zero multiple of 8 bytes
  | 'too-big' // the datagram would exceed 65535 bytes
  | 'overlap' // fragments overlap without being exact duplicates
  | 'bad-offsets' // data beyond the end that a last fragment set, or two different ends
  | 'too-many-fragments'
  | 'memory-limit'; // this datagram alone exceeds maxBytes

/** A datagram abandoned while processing some other packet. */
export interface DiscardedDatagram {
  readonly reason: 'timeout' | 'evicted';
  readonly detail: string;
  /** Frames of the fragments that were thrown away, ascending. */
  readonly frames: readonly number[];
}

export type ReassemblyResult =
  | {
    readonly status: 'complete';
    readonly packet: Buffer;
    /** Frames whose fragments make up the packet, ascending; one frame when not a fragment. */
    readonly frames: readonly number[];
    /** False when the packet was not a fragment and is passed through as it is (a view). */
    readonly fragmented: boolean;
    readonly expired: readonly DiscardedDatagram[];
  }
  | { readonly status: 'pending'; readonly duplicate: boolean; readonly expired: readonly DiscardedDatagram[] }
  | {
    readonly status: 'failed';
    readonly reason: ReassemblyFailureReason;
    readonly detail: string;
    /** Frames thrown away: this one, plus those of the datagram when it is dropped whole. */
    readonly frames: readonly number[];
    readonly expired: readonly DiscardedDatagram[];
  };

interface Fragment {
  readonly offset: number;
  readonly data: Buffer;
  readonly frame: number;
}

/** What one arriving fragment contributes, independent of IP version. */
interface FragmentInput {
  readonly key: string;
  readonly version: 4 | 6;
  readonly offset: number;
  readonly more: boolean;
  readonly data: Buffer;
  /** Bytes of header the reassembled packet starts with (IPv4 header / IPv6 unfragmentable part). */
  readonly headerLength: number;
  readonly header: () => Buffer;
}

interface Datagram {
  readonly key: string;
  readonly version: 4 | 6;
  readonly firstSeen: number;
  readonly fragments: Fragment[];
  header: Buffer | null;
  end: number | null;
  received: number;
  bytes: number;
}

const NONE: readonly DiscardedDatagram[] = Object.freeze([]);
const MAX_PACKET = 0xffff;

export class FragmentReassembler {
  readonly limits: ReassemblyLimits;
  /** One map per version: each map's insertion order is its expiry order (one timeout each). */
  private readonly datagrams = { 4: new Map<string, Datagram>(), 6: new Map<string, Datagram>() };
  private bufferedBytes = 0;
  /** Monotonic time: capture timestamps may step back, expiry order must not. */
  private clock = -Infinity;

  constructor(limits: Partial<ReassemblyLimits> = {}) {
    this.limits = { ...DEFAULT_REASSEMBLY_LIMITS, ...limits };
    for (const [name, value] of Object.entries(this.limits)) {
      if (typeof value !== 'number' || !(value > 0)) throw new RangeError(`limits.${name} must be a positive number, got ${String(value)}`);
    }
  }

  /** Incomplete datagrams currently held. */
  get pendingCount(): number {
    return this.datagrams[4].size + this.datagrams[6].size;
  }

  /** Bytes currently buffered (fragment data and saved headers). */
  get pendingBytes(): number {
    return this.bufferedBytes;
  }

  /**
   * Feeds one IP packet captured in frame `frame` at time `nowMs`. Returns the reassembled
   * packet when this fragment completes one (or the packet itself when it is no fragment).
   */
  push(ip: Uint8Array, frame: number, nowMs: number): ReassemblyResult {
    if (!(ip instanceof Uint8Array)) throw new TypeError('ip must be a Uint8Array');
    if (typeof nowMs !== 'number' || Number.isNaN(nowMs)) throw new TypeError('nowMs must be a number');
    this.clock = Math.max(this.clock, nowMs);
    const expired = this.expire();
    const input = describe(ip);
    if (input === null) return { status: 'complete', packet: asBuffer(ip), frames: [frame], fragmented: false, expired };
    if ('failure' in input) return failed('invalid-packet', input.failure, [frame], expired);
    const refusal = checkFragment(input);
    if (refusal) return failed(refusal.reason, refusal.detail, [frame], expired);
    return this.add(input, frame, expired);
  }

  /** Drops datagrams whose timer ran out by time `nowMs`; push() does this on its own. */
  expireUntil(nowMs: number): readonly DiscardedDatagram[] {
    this.clock = Math.max(this.clock, nowMs);
    return this.expire();
  }

  private expire(): readonly DiscardedDatagram[] {
    let out: DiscardedDatagram[] | null = null;
    for (const version of [4, 6] as const) {
      const timeout = version === 4 ? this.limits.ipv4TimeoutMs : this.limits.ipv6TimeoutMs;
      // Insertion order is first-seen order because the clock is monotonic: stop at the first live one.
      for (const d of this.datagrams[version].values()) {
        if (this.clock - d.firstSeen <= timeout) break;
        (out ??= []).push(this.discard(d, 'timeout', `incomplete after ${timeout} ms (first fragment at ${d.firstSeen} ms)`));
      }
    }
    return out ?? NONE;
  }

  private add(input: FragmentInput, frame: number, expiredSoFar: readonly DiscardedDatagram[]): ReassemblyResult {
    const expired = [...expiredSoFar];
    const d = this.datagrams[input.version].get(input.key) ?? this.create(input, expired);
    const placed = placeFragment(d, input);
    if (placed === 'duplicate') return { status: 'pending', duplicate: true, expired: freeze(expired) };
    if (placed !== 'ok') return this.dropWith(d, placed.reason, placed.detail, frame, expired);
    if (d.fragments.length >= this.limits.maxFragmentsPerDatagram) {
      return this.dropWith(d, 'too-many-fragments', `more than ${this.limits.maxFragmentsPerDatagram} fragments`, frame, expired);
    }
    const cost = input.data.length + (input.offset === 0 ? input.headerLength : 0);
    if (!this.makeRoom(d, cost, expired)) {
      return this.dropWith(d, 'memory-limit', `datagram needs more than limits.maxBytes = ${this.limits.maxBytes}`, frame, expired);
    }
    insertFragment(d, input, frame, cost);
    this.bufferedBytes += cost;
    return this.completeIfWhole(d, expired);
  }

  private create(input: FragmentInput, expired: DiscardedDatagram[]): Datagram {
    while (this.pendingCount >= this.limits.maxDatagrams) {
      expired.push(this.discard(this.oldest()!, 'evicted', `limits.maxDatagrams = ${this.limits.maxDatagrams} reached`));
    }
    const d: Datagram = {
      key: input.key, version: input.version, firstSeen: this.clock, fragments: [],
      header: null, end: null, received: 0, bytes: 0,
    };
    this.datagrams[input.version].set(input.key, d);
    return d;
  }

  /** The datagram whose first fragment came first, over both versions. */
  private oldest(except?: Datagram): Datagram | undefined {
    let best: Datagram | undefined;
    for (const map of [this.datagrams[4], this.datagrams[6]]) {
      for (const d of map.values()) {
        if (d === except) continue;
        if (!best || d.firstSeen < best.firstSeen) best = d;
        break;
      }
    }
    return best;
  }

  /** Evicts the oldest other datagrams until `cost` more bytes fit; false when they never can. */
  private makeRoom(d: Datagram, cost: number, expired: DiscardedDatagram[]): boolean {
    if (d.bytes + cost > this.limits.maxBytes) return false;
    while (this.bufferedBytes + cost > this.limits.maxBytes) {
      const other = this.oldest(d);
      if (!other) break;
      expired.push(this.discard(other, 'evicted', `limits.maxBytes = ${this.limits.maxBytes} reached`));
    }
    return true;
  }

  private completeIfWhole(d: Datagram, expired: DiscardedDatagram[]): ReassemblyResult {
    if (d.header === null || d.end === null || d.received !== d.end) {
      return { status: 'pending', duplicate: false, expired: freeze(expired) };
    }
    this.remove(d);
    const frames = framesOf(d);
    if (d.header.length + d.end > MAX_PACKET + (d.version === 6 ? IPV6_HEADER_LENGTH : 0)) {
      return failed('too-big', `reassembled packet would be ${d.header.length + d.end} bytes`, frames, freeze(expired));
    }
    const packet = d.version === 4 ? assembleIpv4(d.header, d.fragments) : assembleIpv6(d.header, d.fragments);
    return { status: 'complete', packet, frames, fragmented: true, expired: freeze(expired) };
  }

  private dropWith(
    d: Datagram, reason: ReassemblyFailureReason, detail: string, frame: number, expired: DiscardedDatagram[],
  ): ReassemblyResult {
    this.remove(d);
    const frames = [...framesOf(d), frame].sort((a, b) => a - b);
    return failed(reason, detail, frames, freeze(expired));
  }

  private discard(d: Datagram, reason: 'timeout' | 'evicted', detail: string): DiscardedDatagram {
    this.remove(d);
    return { reason, detail, frames: framesOf(d) };
  }

  private remove(d: Datagram): void {
    if (this.datagrams[d.version].delete(d.key)) this.bufferedBytes -= d.bytes;
  }
}

function failed(
  reason: ReassemblyFailureReason, detail: string, frames: readonly number[], expired: readonly DiscardedDatagram[],
): ReassemblyResult {
  return { status: 'failed', reason, detail, frames, expired };
}

function freeze(list: DiscardedDatagram[]): readonly DiscardedDatagram[] {
  return list.length === 0 ? NONE : list;
}

function framesOf(d: Datagram): number[] {
  return d.fragments.map((f) => f.frame).sort((a, b) => a - b);
}

function asBuffer(ip: Uint8Array): Buffer {
  return Buffer.isBuffer(ip) ? ip : Buffer.from(ip.buffer, ip.byteOffset, ip.byteLength);
}

/** Null for a packet that is not a fragment; a failure text for one that does not parse. */
function describe(ip: Uint8Array): FragmentInput | { failure: string } | null {
  const version = ip.length > 0 ? ip[0]! >> 4 : 0;
  if (version === 6) {
    const h = parseIpv6(ip, 0);
    if (!h.ok) return { failure: `IPv6 ${h.reason}: ${h.detail}` };
    return h.fragment === null ? null : describeIpv6(ip, h);
  }
  const h = parseIpv4(ip, 0);
  if (!h.ok) return { failure: `IPv4 ${h.reason}: ${h.detail}` };
  return h.moreFragments || h.fragmentOffset !== 0 ? describeIpv4(ip, h) : null;
}

function describeIpv4(ip: Uint8Array, h: Ipv4Header): FragmentInput {
  return {
    // RFC 791 3.2: a datagram is identified by source, destination, protocol and identification.
    key: `4|${h.src}|${h.dst}|${h.protocol}|${h.identification}`,
    version: 4,
    offset: h.fragmentOffset,
    more: h.moreFragments,
    data: copy(ip, h.payloadOffset, h.payloadOffset + h.payloadLength),
    headerLength: h.headerLength,
    header: () => copy(ip, 0, h.headerLength),
  };
}

function describeIpv6(ip: Uint8Array, h: Ipv6Header): FragmentInput {
  const f = h.fragment!;
  return {
    // RFC 8200 4.5: source address, destination address and Fragment Identification.
    key: `6|${h.src}|${h.dst}|${f.identification}`,
    version: 6,
    offset: f.offset,
    more: f.moreFragments,
    data: copy(ip, f.fragmentableOffset, h.payloadEnd),
    headerLength: f.headerOffset,
    header: () => {
      // RFC 8200 4.5: the unfragmentable part of the first fragment, with the Next Header that
      // named the Fragment header replaced by the Fragment header's own Next Header.
      const header = copy(ip, 0, f.headerOffset);
      header[f.previousNextHeaderOffset] = f.nextHeader;
      return header;
    },
  };
}

function copy(buf: Uint8Array, start: number, end: number): Buffer {
  return Buffer.from(buf.subarray(start, end));
}

function checkFragment(input: FragmentInput): { reason: ReassemblyFailureReason; detail: string } | null {
  const len = input.data.length;
  // RFC 791 3.2 and RFC 8200 4.5: every fragment but the last carries a multiple of 8 bytes.
  if (input.more && (len === 0 || len % 8 !== 0)) {
    return { reason: 'bad-fragment-length', detail: `fragment with more-fragments set carries ${len} bytes, not a non-zero multiple of 8` };
  }
  // RFC 8200 4.5: a fragment that would make the payload exceed 65535 bytes is discarded.
  const limit = input.version === 4 ? MAX_PACKET : MAX_PACKET + IPV6_HEADER_LENGTH;
  if (input.headerLength + input.offset + len > limit) {
    return { reason: 'too-big', detail: `fragment at offset ${input.offset} of ${len} bytes ends past the 65535-byte limit` };
  }
  return null;
}

type Placement = 'ok' | 'duplicate' | { reason: ReassemblyFailureReason; detail: string };

/** Checks where the fragment goes without changing the datagram. */
function placeFragment(d: Datagram, input: FragmentInput): Placement {
  const start = input.offset;
  const end = start + input.data.length;
  const endError = checkEnd(d, input, end);
  if (endError) return endError;
  for (const f of d.fragments) {
    const fEnd = f.offset + f.data.length;
    if (end <= f.offset || start >= fEnd) continue;
    if (f.offset === start && fEnd === end && f.data.equals(input.data)) return 'duplicate';
    return { reason: 'overlap', detail: `bytes [${start}, ${end}) overlap [${f.offset}, ${fEnd}) of frame ${f.frame}` };
  }
  return 'ok';
}

function checkEnd(d: Datagram, input: FragmentInput, end: number): Placement | null {
  if (!input.more) {
    if (d.end !== null && d.end !== end) return { reason: 'bad-offsets', detail: `last fragment ends at ${end}, an earlier one at ${d.end}` };
    const beyond = d.fragments.find((f) => f.offset + f.data.length > end);
    if (beyond) return { reason: 'bad-offsets', detail: `last fragment ends at ${end} but frame ${beyond.frame} has data up to ${beyond.offset + beyond.data.length}` };
    return null;
  }
  if (d.end !== null && end > d.end) return { reason: 'bad-offsets', detail: `fragment data up to ${end} lies past the end ${d.end} set by the last fragment` };
  return null;
}

function insertFragment(d: Datagram, input: FragmentInput, frame: number, cost: number): void {
  let i = d.fragments.length;
  while (i > 0 && d.fragments[i - 1]!.offset > input.offset) i--;
  d.fragments.splice(i, 0, { offset: input.offset, data: input.data, frame });
  d.received += input.data.length;
  d.bytes += cost;
  if (!input.more) d.end = input.offset + input.data.length;
  if (input.offset === 0) d.header = input.header();
}

function assembleIpv4(header: Buffer, fragments: readonly Fragment[]): Buffer {
  const out = Buffer.concat([header, ...fragments.map((f) => f.data)]);
  writeU16(out, 2, out.length);
  // Keep DF, clear MF and the offset: the datagram is whole again.
  out[6] = out[6]! & 0x40;
  out[7] = 0;
  writeU16(out, 10, 0);
  writeU16(out, 10, internetChecksum(out, 0, header.length));
  return out;
}

function assembleIpv6(header: Buffer, fragments: readonly Fragment[]): Buffer {
  const out = Buffer.concat([header, ...fragments.map((f) => f.data)]);
  writeU16(out, 4, out.length - IPV6_HEADER_LENGTH);
  return out;
}
