// Traffic selectors as sets of packets, for narrowing (RFC 7296 2.9). One selector is a box in
// three integer dimensions: address (one family), protocol and port. Mapping the RFC's special
// values onto intervals makes intersection, containment and subtraction plain interval work:
//
//   protocol 0 (any)           -> [0, 255]        protocol p -> [p, p]
//   ports ANY (0..65535)       -> [-1, 65535]     -1 stands for "no port available"; RFC 4301
//   ports OPAQUE (65535..0)    -> [-1, -1]        4.4.1.2: ANY also matches it, OPAQUE only it
//   ports s..e                 -> [s, e]
//
// This is control-plane code run per CHILD_SA negotiation, so addresses are bigints.
import { formatIpv4, formatIpv6, parseIp } from '../../wire/address.js';
import type { TrafficSelector } from '../../spd/selector.js';
import { isOpaquePorts } from '../../spd/selector.js';

export type Interval = readonly [number, number];

export interface SelectorBox {
  readonly family: 4 | 6;
  readonly addr: readonly [bigint, bigint];
  readonly proto: Interval;
  readonly port: Interval;
}

const NO_PORT = -1;
const ALL_PROTOCOLS: Interval = [0, 255];

function addressValue(text: string): { family: 4 | 6; value: bigint } {
  const bytes = parseIp(text);
  if (!bytes) throw new RangeError(`selector address: expected an IPv4 or IPv6 address, got '${text}'`);
  return { family: bytes.length === 4 ? 4 : 6, value: BigInt(`0x${bytes.toString('hex')}`) };
}

function addressText(family: 4 | 6, value: bigint): string {
  const bytes = Buffer.from(value.toString(16).padStart(family === 4 ? 8 : 32, '0'), 'hex');
  return family === 4 ? formatIpv4(bytes, 0) : formatIpv6(bytes, 0);
}

/** The box of a selector, or null when it matches nothing (end below start). Throws on bad address text. */
export function boxOf(ts: TrafficSelector): SelectorBox | null {
  const start = addressValue(ts.startAddress);
  const end = addressValue(ts.endAddress);
  if (start.family !== end.family) throw new RangeError(`selector: '${ts.startAddress}' and '${ts.endAddress}' are of different IP versions`);
  if (start.value > end.value) return null;
  let port: Interval;
  if (isOpaquePorts(ts)) port = [NO_PORT, NO_PORT];
  else if (ts.startPort === 0 && ts.endPort === 65535) port = [NO_PORT, 65535];
  else if (ts.startPort <= ts.endPort) port = [ts.startPort, ts.endPort];
  else return null;
  const proto: Interval = ts.protocol === 0 ? ALL_PROTOCOLS : [ts.protocol, ts.protocol];
  return { family: start.family, addr: [start.value, end.value], proto, port };
}

/** The selector of a box made by boxOf and intersectBoxes. */
export function selectorOfBox(b: SelectorBox): TrafficSelector {
  let protocol: number;
  if (b.proto[0] === 0 && b.proto[1] === 255) protocol = 0;
  else if (b.proto[0] === b.proto[1] && b.proto[0] !== 0) protocol = b.proto[0];
  else throw new Error(`assertion: protocol interval [${b.proto.join(', ')}] is not a selector`);
  let startPort: number;
  let endPort: number;
  if (b.port[0] === NO_PORT && b.port[1] === 65535) [startPort, endPort] = [0, 65535];
  else if (b.port[0] === NO_PORT && b.port[1] === NO_PORT) [startPort, endPort] = [65535, 0];
  else if (b.port[0] >= 0) [startPort, endPort] = [b.port[0], b.port[1]];
  else throw new Error(`assertion: port interval [${b.port.join(', ')}] is not a selector`);
  return Object.freeze({
    protocol, startPort, endPort,
    startAddress: addressText(b.family, b.addr[0]),
    endAddress: addressText(b.family, b.addr[1]),
  });
}

function overlap(a: Interval, b: Interval): Interval | null {
  const lo = Math.max(a[0], b[0]);
  const hi = Math.min(a[1], b[1]);
  return lo <= hi ? [lo, hi] : null;
}

/** The packets both boxes match, or null. IPv4 and IPv6 never meet. */
export function intersectBoxes(a: SelectorBox, b: SelectorBox): SelectorBox | null {
  if (a.family !== b.family) return null;
  const lo = a.addr[0] > b.addr[0] ? a.addr[0] : b.addr[0];
  const hi = a.addr[1] < b.addr[1] ? a.addr[1] : b.addr[1];
  if (lo > hi) return null;
  const proto = overlap(a.proto, b.proto);
  const port = overlap(a.port, b.port);
  if (!proto || !port) return null;
  return { family: a.family, addr: [lo, hi], proto, port };
}

export function containsBox(outer: SelectorBox, inner: SelectorBox): boolean {
  return outer.family === inner.family
    && outer.addr[0] <= inner.addr[0] && inner.addr[1] <= outer.addr[1]
    && outer.proto[0] <= inner.proto[0] && inner.proto[1] <= outer.proto[1]
    && outer.port[0] <= inner.port[0] && inner.port[1] <= outer.port[1];
}

/** a minus b as disjoint boxes (at most six: two per dimension). */
export function subtractBox(a: SelectorBox, b: SelectorBox): SelectorBox[] {
  const cut = intersectBoxes(a, b);
  if (!cut) return [a];
  const out: SelectorBox[] = [];
  // Peel off the parts of a outside cut, one dimension at a time, narrowing `rest` to cut.
  let rest = a;
  if (rest.addr[0] < cut.addr[0]) out.push({ ...rest, addr: [rest.addr[0], cut.addr[0] - 1n] });
  if (cut.addr[1] < rest.addr[1]) out.push({ ...rest, addr: [cut.addr[1] + 1n, rest.addr[1]] });
  rest = { ...rest, addr: cut.addr };
  if (rest.proto[0] < cut.proto[0]) out.push({ ...rest, proto: [rest.proto[0], cut.proto[0] - 1] });
  if (cut.proto[1] < rest.proto[1]) out.push({ ...rest, proto: [cut.proto[1] + 1, rest.proto[1]] });
  rest = { ...rest, proto: cut.proto };
  if (rest.port[0] < cut.port[0]) out.push({ ...rest, port: [rest.port[0], cut.port[0] - 1] });
  if (cut.port[1] < rest.port[1]) out.push({ ...rest, port: [cut.port[1] + 1, rest.port[1]] });
  return out;
}

/**
 * Whether every packet of `a` is matched by some box of `cover`, or 'too-complex' when the
 * remainder splits into more than `maxPieces` boxes (a bound on work the peer can cause).
 */
export function coveredBy(a: SelectorBox, cover: readonly SelectorBox[], maxPieces = 4096): boolean | 'too-complex' {
  let pieces: SelectorBox[] = [a];
  for (const c of cover) {
    pieces = pieces.flatMap((p) => subtractBox(p, c));
    if (pieces.length === 0) return true;
    if (pieces.length > maxPieces) return 'too-complex';
  }
  return pieces.length === 0;
}
