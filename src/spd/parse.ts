// Traffic selectors from configuration text. This is configuration, not network input:
// text that does not parse throws a RangeError that names the field and what was expected.
//
//   parseSelector('10.1.0.0/24')                       any protocol, any port
//   parseSelector('10.0.0.1-10.0.0.9 tcp 80')          address range, TCP port 80
//   parseSelector('2001:db8::/32 udp 1000-2000')
//   parseSelector('any icmp type 8 code 0')            'any' is 0.0.0.0/0 and ::/0
//   parseSelector('10.0.0.0/8,192.168.0.0/16 sctp opaque')
import { formatIpv4, formatIpv6, parseIp } from '../wire/address.js';
import type { TrafficSelector } from './selector.js';
import { PORTS_ANY, PORTS_OPAQUE } from './selector.js';

export interface AddressRange {
  readonly startAddress: string;
  readonly endAddress: string;
}

export interface PortRange {
  readonly startPort: number;
  readonly endPort: number;
}

const ADDRESS_EXPECTED = "an address, a prefix (10.1.0.0/24, 2001:db8::/32), a range (10.0.0.1-10.0.0.9) or 'any'";

const PROTOCOL_NAMES: Readonly<Record<string, number>> = Object.freeze({
  any: 0, icmp: 1, tcp: 6, udp: 17, gre: 47, esp: 50, ah: 51,
  'ipv6-icmp': 58, icmpv6: 58, sctp: 132, udplite: 136,
});

/** Protocols whose selectors carry source and destination ports (RFC 4301 4.4.1.1). */
const PORT_PROTOCOLS: ReadonlySet<number> = new Set([6, 17, 33, 132, 136]);
const ICMP_PROTOCOLS: ReadonlySet<number> = new Set([1, 58]);

function fail(field: string, expected: string, found: string): never {
  throw new RangeError(`selector ${field}: expected ${expected}, got '${found}'`);
}

function formatBytes(bytes: Uint8Array): string {
  return bytes.length === 4 ? formatIpv4(bytes, 0) : formatIpv6(bytes, 0);
}

/** The whole IPv4 and IPv6 address spaces, for 'any'. */
const ALL_V4: AddressRange = Object.freeze({ startAddress: '0.0.0.0', endAddress: '255.255.255.255' });
const ALL_V6: AddressRange = Object.freeze({ startAddress: '::', endAddress: 'ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff' });

/** Parses a comma-separated list of addresses, prefixes, ranges or 'any' / 'any4' / 'any6'. */
export function parseAddressRanges(text: string): AddressRange[] {
  if (typeof text !== 'string') throw new TypeError('selector address: expected a string');
  const items = text.split(',').map((s) => s.trim());
  if (items.some((s) => s === '')) fail('address', ADDRESS_EXPECTED, text);
  return items.flatMap(parseAddressItem);
}

function parseAddressItem(item: string): AddressRange[] {
  const lower = item.toLowerCase();
  if (lower === 'any') return [ALL_V4, ALL_V6];
  if (lower === 'any4') return [ALL_V4];
  if (lower === 'any6') return [ALL_V6];
  if (item.includes('/')) return [parsePrefix(item)];
  if (item.includes('-')) return [parseRange(item)];
  const bytes = parseIp(item);
  if (!bytes) fail('address', ADDRESS_EXPECTED, item);
  const canonical = formatBytes(bytes);
  return [{ startAddress: canonical, endAddress: canonical }];
}

function parsePrefix(item: string): AddressRange {
  const [addressText, lengthText] = item.split('/') as [string, string];
  const bytes = parseIp(addressText);
  if (!bytes || !/^\d{1,3}$/.test(lengthText)) fail('address', ADDRESS_EXPECTED, item);
  const bits = bytes.length * 8;
  const length = Number(lengthText);
  if (length > bits) fail('address prefix length', `0..${bits} for IPv${bytes.length === 4 ? 4 : 6}`, item);
  const start = Buffer.from(bytes);
  const end = Buffer.from(bytes);
  for (let bit = length; bit < bits; bit++) {
    const byte = bit >> 3;
    const mask = 0x80 >> (bit & 7);
    start[byte] = start[byte]! & ~mask;
    end[byte] = end[byte]! | mask;
  }
  if (!start.equals(bytes)) {
    // Host bits set is usually a typo for the network or for a single address.
    fail('address', `a prefix without host bits (did you mean ${formatBytes(start)}/${length}?)`, item);
  }
  return { startAddress: formatBytes(start), endAddress: formatBytes(end) };
}

function parseRange(item: string): AddressRange {
  const parts = item.split('-').map((s) => s.trim());
  const a = parts.length === 2 ? parseIp(parts[0]!) : null;
  const b = parts.length === 2 ? parseIp(parts[1]!) : null;
  if (!a || !b) fail('address', ADDRESS_EXPECTED, item);
  if (a.length !== b.length) fail('address range', 'both ends of the same IP version', item);
  if (Buffer.compare(a, b) > 0) fail('address range', 'the first address not above the second', item);
  return { startAddress: formatBytes(a), endAddress: formatBytes(b) };
}

/** Parses a protocol name (any, icmp, tcp, udp, gre, esp, ah, ipv6-icmp, sctp, udplite) or number 0..255. */
export function parseProtocol(text: string): number {
  if (typeof text !== 'string') throw new TypeError('selector protocol: expected a string');
  const t = text.trim().toLowerCase();
  const named = PROTOCOL_NAMES[t];
  if (named !== undefined) return named;
  if (/^\d{1,3}$/.test(t) && Number(t) <= 255) return Number(t);
  return fail('protocol', `a number 0..255 or one of ${Object.keys(PROTOCOL_NAMES).join(', ')}`, text);
}

/**
 * Parses the port part for a protocol: 'any', 'opaque', 'N' or 'N-M' for TCP, UDP, SCTP,
 * DCCP and UDP-Lite; 'type T', 'type T code C', 'type T code C1-C2' or 'type T1-T2' for
 * ICMP and ICMPv6 (RFC 4301 4.4.1.1: carried as (type << 8) | code).
 */
export function parsePortRange(text: string, protocol: number): PortRange {
  if (typeof text !== 'string') throw new TypeError('selector ports: expected a string');
  const t = text.trim().toLowerCase().replace(/\s+/g, ' ');
  if (t === 'any' || t === '') return PORTS_ANY;
  if (t === 'opaque') return PORTS_OPAQUE;
  if (ICMP_PROTOCOLS.has(protocol)) return parseIcmpRange(t, text);
  if (!PORT_PROTOCOLS.has(protocol)) {
    fail('ports', `'any' or 'opaque': protocol ${protocol} has no ports (give tcp, udp, sctp, dccp or udplite)`, text);
  }
  const range = parseNumberRange(t, 65535);
  if (!range) fail('ports', "'any', 'opaque', a port 0..65535 or a range like 1000-2000", text);
  return { startPort: range[0], endPort: range[1] };
}

function parseNumberRange(t: string, max: number): [number, number] | null {
  const m = /^(\d{1,5})(?: ?- ?(\d{1,5}))?$/.exec(t);
  if (!m) return null;
  const lo = Number(m[1]);
  const hi = m[2] === undefined ? lo : Number(m[2]);
  return lo <= hi && hi <= max ? [lo, hi] : null;
}

function parseIcmpRange(t: string, original: string): PortRange {
  const expected = "'any', 'opaque', 'type T', 'type T code C' or 'type T code C1-C2' (T, C 0..255)";
  const m = /^type (\d{1,3}(?: ?- ?\d{1,3})?)(?: code (\d{1,3}(?: ?- ?\d{1,3})?))?$/.exec(t);
  const types = m ? parseNumberRange(m[1]!, 255) : null;
  const codes = m && m[2] !== undefined ? parseNumberRange(m[2], 255) : [0, 255];
  if (!m || !types || !codes) fail('icmp type/code', expected, original);
  if (codes[0] !== 0 || codes[1] !== 255) {
    // RFC 4301 4.4.1.1: a code range is bound to a single type.
    if (types[0] !== types[1]) fail('icmp type/code', 'a single type when a code is given', original);
  }
  return { startPort: (types[0] << 8) | codes[0], endPort: (types[1] << 8) | codes[1] };
}

/**
 * Parses '<addresses> [<protocol> [<ports>]]' into one TrafficSelector per address range
 * ('any' yields one IPv4 and one IPv6 selector).
 */
export function parseSelector(text: string): TrafficSelector[] {
  if (typeof text !== 'string') throw new TypeError('selector: expected a string');
  const tokens = text.trim().split(/\s+/);
  if (tokens[0] === '') fail('address', ADDRESS_EXPECTED, text);
  const ranges = parseAddressRanges(tokens[0]!);
  const protocol = tokens.length > 1 ? parseProtocol(tokens[1]!) : 0;
  const ports = parsePortRange(tokens.slice(2).join(' '), protocol);
  return ranges.map((r) => Object.freeze({ protocol, ...ports, ...r }));
}
