// Configured traffic selectors in strongSwan's swanctl.conf spelling (local_ts / remote_ts):
//
//   10.1.0.0/24              a prefix, any protocol and port
//   10.1.0.0/24[tcp/443]     protocol and port (or a port range: [udp/1000-2000])
//   10.0.0.1-10.0.0.9        an address range
//   0.0.0.0/0, ::/0          everything of one IP version
//   dynamic                  the host's own address, filled in per IKE SA (resolveConfigured)
//
// Several selectors are separated by commas. Configuration, so failures are messages.
import type { TrafficSelector } from '../../spd/selector.js';
import { PORTS_ANY } from '../../spd/selector.js';
import { parseAddressRanges, parseProtocol } from '../../spd/parse.js';
import { canonicalIp } from '../../wire/address.js';

export type ConfiguredSelector =
  | { readonly kind: 'static'; readonly selector: TrafficSelector }
  | { readonly kind: 'dynamic'; readonly protocol: number; readonly startPort: number; readonly endPort: number };

export type ConfiguredParseResult =
  | { readonly ok: true; readonly selectors: readonly ConfiguredSelector[] }
  | { readonly ok: false; readonly message: string };

/** Protocols whose selectors carry ports (RFC 4301 4.4.1.1): TCP, UDP, DCCP, SCTP, UDP-Lite. */
const PORT_PROTOCOLS: ReadonlySet<number> = new Set([6, 17, 33, 132, 136]);

const EXPECTED = "a prefix (10.1.0.0/24), an address, a range (10.0.0.1-10.0.0.9) or 'dynamic', optionally followed by [protocol] or [protocol/port]";

interface ProtoPorts { protocol: number; startPort: number; endPort: number }

function parseBracket(inner: string, item: string): ProtoPorts | string {
  const [protoText, portText, extra] = inner.split('/');
  if (extra !== undefined || protoText === undefined) return `selector '${item}': expected [protocol] or [protocol/port]`;
  let protocol: number;
  try {
    protocol = protoText.trim() === '' || protoText.trim() === '%any' ? 0 : parseProtocol(protoText);
  } catch (e) {
    return `selector '${item}': ${(e as Error).message}`;
  }
  if (portText === undefined || portText.trim() === '%any') return { protocol, ...PORTS_ANY };
  if (!PORT_PROTOCOLS.has(protocol)) {
    return `selector '${item}': protocol ${protocol} has no ports here; ports go with tcp, udp, dccp, sctp or udplite`;
  }
  const m = /^(\d{1,5})(?:-(\d{1,5}))?$/.exec(portText.trim());
  const lo = m ? Number(m[1]) : NaN;
  const hi = m && m[2] !== undefined ? Number(m[2]) : lo;
  if (!m || lo > hi || hi > 65535) return `selector '${item}': expected a port 0..65535 or a range like 1000-2000, got '${portText}'`;
  return { protocol, startPort: lo, endPort: hi };
}

function parseItem(item: string): ConfiguredSelector[] | string {
  const m = /^([^[\]]+?)\s*(?:\[([^[\]]*)\])?$/.exec(item);
  if (!m) return `selector '${item}': expected ${EXPECTED}`;
  const pp = m[2] === undefined ? { protocol: 0, ...PORTS_ANY } : parseBracket(m[2], item);
  if (typeof pp === 'string') return pp;
  const address = m[1]!.trim();
  if (address.toLowerCase() === 'dynamic') return [Object.freeze({ kind: 'dynamic', ...pp })];
  try {
    // 'any' is accepted by the SPD parser too; strongSwan spells it 0.0.0.0/0 and ::/0.
    return parseAddressRanges(address).map((r) => Object.freeze({ kind: 'static' as const, selector: Object.freeze({ ...pp, ...r }) }));
  } catch (e) {
    return `selector '${item}': ${(e as Error).message}`;
  }
}

/** Parses one configured selector list (comma-separated, as in swanctl.conf). */
export function parseConfiguredSelectors(text: string): ConfiguredParseResult {
  if (typeof text !== 'string') throw new TypeError('parseConfiguredSelectors: text must be a string');
  const items = text.split(',').map((s) => s.trim());
  if (items.some((s) => s === '')) return { ok: false, message: `empty selector in '${text}': expected ${EXPECTED}` };
  const selectors: ConfiguredSelector[] = [];
  for (const item of items) {
    const r = parseItem(item);
    if (typeof r === 'string') return { ok: false, message: r };
    selectors.push(...r);
  }
  return { ok: true, selectors: Object.freeze(selectors) };
}

/** The selectors to negotiate with: 'dynamic' becomes the given address (ours or the peer's). */
export function resolveConfigured(list: readonly ConfiguredSelector[], address: string): TrafficSelector[] {
  const canonical = canonicalIp(address);
  if (canonical === null) throw new RangeError(`resolveConfigured: address must be an IP address, got '${address}'`);
  return list.map((c) => (c.kind === 'static'
    ? c.selector
    : Object.freeze({ protocol: c.protocol, startPort: c.startPort, endPort: c.endPort, startAddress: canonical, endAddress: canonical })));
}
