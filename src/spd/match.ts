// Selector matching on the per-packet path. Selectors are compiled once into plain numbers
// (one word for IPv4, four 32-bit words for IPv6); a packet's fields are loaded once per
// lookup into a reusable PacketKey; matching then compares numbers and allocates nothing.
import { parseIpWords } from './address-words.js';
import type { SelectorPair, SpdPacketFields, TrafficDirection, TrafficSelector } from './selector.js';
import { isOpaquePorts } from './selector.js';

const IPPROTO_ICMP = 1;
const IPPROTO_ICMPV6 = 58;

/** Port (or ICMP type/code) selector kinds; RFC 4301 4.4.1.2 encodes them as ranges. */
const PORTS_ANY = 0;
const PORTS_OPAQUE = 1;
const PORTS_RANGE = 2;

/** A packet's selector values as numbers; -1 where a port or ICMP value is not available. */
export class PacketKey {
  v6 = false;
  s0 = 0; s1 = 0; s2 = 0; s3 = 0;
  d0 = 0; d1 = 0; d2 = 0; d3 = 0;
  protocol = 0;
  srcValue = -1;
  dstValue = -1;
  private readonly words = new Uint32Array(4);

  /** Loads fields; false when an address is not valid text or the two families differ. */
  load(fields: SpdPacketFields): boolean {
    const w = this.words;
    const srcFamily = parseIpWords(fields.src, w);
    if (srcFamily === 0) return false;
    this.v6 = srcFamily === 6;
    this.s0 = w[0]!; this.s1 = w[1]!; this.s2 = w[2]!; this.s3 = w[3]!;
    if (parseIpWords(fields.dst, w) !== srcFamily) return false;
    this.d0 = w[0]!; this.d1 = w[1]!; this.d2 = w[2]!; this.d3 = w[3]!;
    this.protocol = fields.protocol;
    this.loadValues(fields);
    return true;
  }

  private loadValues(fields: SpdPacketFields): void {
    // RFC 4301 7: a non-first fragment carries no next-layer header, so its ports and
    // ICMP type/code are unavailable (only ANY or OPAQUE selectors match them).
    if (fields.isNonFirstFragment) {
      this.srcValue = -1;
      this.dstValue = -1;
    } else if (fields.protocol === IPPROTO_ICMP || fields.protocol === IPPROTO_ICMPV6) {
      // RFC 4301 4.4.1.1: type and code form one 16-bit value (type << 8) | code; 4.4.1.2:
      // the local/remote labels do not apply to it, so both sides see the same value.
      const v = fields.icmpType === null || fields.icmpCode === null ? -1 : (fields.icmpType << 8) | fields.icmpCode;
      this.srcValue = v;
      this.dstValue = v;
    } else {
      this.srcValue = fields.srcPort ?? -1;
      this.dstValue = fields.dstPort ?? -1;
    }
  }
}

/** One TrafficSelector in compiled form. */
export class CompiledSelector {
  readonly v6: boolean;
  readonly protocol: number;
  readonly portKind: number;
  readonly portStart: number;
  readonly portEnd: number;
  // Inclusive address range: a* is the start, b* the end; IPv4 uses a0/b0 only.
  readonly a0: number; readonly a1: number; readonly a2: number; readonly a3: number;
  readonly b0: number; readonly b1: number; readonly b2: number; readonly b3: number;

  constructor(ts: TrafficSelector) {
    if (typeof ts !== 'object' || ts === null || typeof ts.startAddress !== 'string' || typeof ts.endAddress !== 'string') {
      throw new TypeError('selector: expected { protocol, startPort, endPort, startAddress: string, endAddress: string }');
    }
    const start = new Uint32Array(4);
    const end = new Uint32Array(4);
    const fs = parseIpWords(ts.startAddress, start);
    const fe = parseIpWords(ts.endAddress, end);
    if (fs === 0) throw new RangeError(`selector.startAddress: expected an IPv4 or IPv6 address, got '${ts.startAddress}'`);
    if (fe !== fs) throw new RangeError(`selector.endAddress: expected an IPv${fs} address like startAddress, got '${ts.endAddress}'`);
    this.v6 = fs === 6;
    [this.a0, this.a1, this.a2, this.a3] = [start[0]!, start[1]!, start[2]!, start[3]!];
    [this.b0, this.b1, this.b2, this.b3] = [end[0]!, end[1]!, end[2]!, end[3]!];
    if (compareWords(this.b0, this.b1, this.b2, this.b3, this.a0, this.a1, this.a2, this.a3, this.v6) < 0) {
      throw new RangeError(`selector.endAddress: expected an address not below startAddress '${ts.startAddress}', got '${ts.endAddress}'`);
    }
    this.protocol = checkProtocol(ts.protocol);
    this.portKind = portKindOf(ts);
    this.portStart = ts.startPort;
    this.portEnd = ts.endPort;
  }

  /** True when the packet matches on the source side (useSrc) or the destination side. */
  matches(key: PacketKey, useSrc: boolean): boolean {
    if (key.v6 !== this.v6) return false;
    if (this.protocol !== 0 && this.protocol !== key.protocol) return false;
    if (!this.valueMatches(useSrc ? key.srcValue : key.dstValue)) return false;
    return useSrc
      ? this.addressMatches(key.s0, key.s1, key.s2, key.s3)
      : this.addressMatches(key.d0, key.d1, key.d2, key.d3);
  }

  private valueMatches(value: number): boolean {
    // RFC 4301 4.4.1: ANY matches every value and also an absent one; OPAQUE matches only
    // an absent one. 4.4.1.1: a range needs a value, so it never matches a non-first fragment.
    if (this.portKind === PORTS_ANY) return true;
    if (this.portKind === PORTS_OPAQUE) return value < 0;
    return value >= this.portStart && value <= this.portEnd;
  }

  private addressMatches(w0: number, w1: number, w2: number, w3: number): boolean {
    if (!this.v6) return w0 >= this.a0 && w0 <= this.b0;
    return compareWords(w0, w1, w2, w3, this.a0, this.a1, this.a2, this.a3, true) >= 0
      && compareWords(w0, w1, w2, w3, this.b0, this.b1, this.b2, this.b3, true) <= 0;
  }
}

/** Sign of x - y for 128-bit values given as four unsigned 32-bit words (or one, for IPv4). */
function compareWords(
  x0: number, x1: number, x2: number, x3: number,
  y0: number, y1: number, y2: number, y3: number, v6: boolean,
): number {
  if (x0 !== y0) return x0 < y0 ? -1 : 1;
  if (!v6) return 0;
  if (x1 !== y1) return x1 < y1 ? -1 : 1;
  if (x2 !== y2) return x2 < y2 ? -1 : 1;
  if (x3 !== y3) return x3 < y3 ? -1 : 1;
  return 0;
}

function checkProtocol(protocol: number): number {
  if (!Number.isInteger(protocol) || protocol < 0 || protocol > 255) {
    throw new RangeError(`selector.protocol: expected an integer 0..255 (0 = any), got ${protocol}`);
  }
  return protocol;
}

function portKindOf(ts: TrafficSelector): number {
  const { startPort: s, endPort: e } = ts;
  if (!Number.isInteger(s) || !Number.isInteger(e) || s < 0 || e < 0 || s > 65535 || e > 65535) {
    throw new RangeError(`selector.startPort/endPort: expected integers 0..65535, got ${s}-${e}`);
  }
  if (isOpaquePorts(ts)) return PORTS_OPAQUE;
  if (s > e) throw new RangeError(`selector.startPort: expected startPort <= endPort (or 65535-0 for OPAQUE), got ${s}-${e}`);
  return s === 0 && e === 65535 ? PORTS_ANY : PORTS_RANGE;
}

/** A SelectorPair compiled for matching. */
export interface CompiledSelectorPair {
  readonly local: readonly CompiledSelector[];
  readonly remote: readonly CompiledSelector[];
}

/** Compiles every selector of the pair; throws RangeError naming the field of a bad selector. */
export function compileSelectorPair(pair: SelectorPair): CompiledSelectorPair {
  if (typeof pair !== 'object' || pair === null || !Array.isArray(pair.local) || !Array.isArray(pair.remote)) {
    throw new TypeError('selectors: expected { local: TrafficSelector[], remote: TrafficSelector[] }');
  }
  return Object.freeze({
    local: Object.freeze(pair.local.map((ts) => new CompiledSelector(ts))),
    remote: Object.freeze(pair.remote.map((ts) => new CompiledSelector(ts))),
  });
}

function anyMatches(list: readonly CompiledSelector[], key: PacketKey, useSrc: boolean): boolean {
  for (let i = 0; i < list.length; i++) if (list[i]!.matches(key, useSrc)) return true;
  return false;
}

/**
 * True when the loaded packet lies inside the pair: some local selector matches the local
 * side and some remote selector the remote side (the IKEv2 TSi/TSr semantics, RFC 7296
 * 2.9). Outbound, the local side is the source; inbound, it is the destination.
 */
export function pairMatches(pair: CompiledSelectorPair, key: PacketKey, direction: TrafficDirection): boolean {
  const localIsSrc = direction === 'out';
  return anyMatches(pair.local, key, localIsSrc) && anyMatches(pair.remote, key, !localIsSrc);
}

const compiledPairs = new WeakMap<SelectorPair, CompiledSelectorPair>();
const scratchKey = new PacketKey();

/** Compiles once per SelectorPair object and remembers the result (per-SA checks reuse it). */
export function compiledPairOf(pair: SelectorPair): CompiledSelectorPair {
  let compiled = compiledPairs.get(pair);
  if (compiled === undefined) {
    compiled = compileSelectorPair(pair);
    compiledPairs.set(pair, compiled);
  }
  return compiled;
}

/**
 * True when the packet is inside an SA's own selectors: inbound, the packet's source must be
 * in remote and its destination in local (RFC 4301 5.2 step 4); outbound, the reverse.
 * Fields whose addresses are not valid text match nothing.
 */
export function selectorsContain(pair: SelectorPair, fields: SpdPacketFields, direction: TrafficDirection): boolean {
  const compiled = compiledPairOf(pair);
  if (!scratchKey.load(fields)) return false;
  return pairMatches(compiled, scratchKey, direction);
}
