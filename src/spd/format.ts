// Traffic selectors back to the text parseSelector reads ('10.1.0.0/24 udp 53'), for listings.
import { parseIp } from '../wire/address.js';
import type { TrafficSelector } from './selector.js';

const PROTOCOL_TEXT: Readonly<Record<number, string>> = { 1: 'icmp', 6: 'tcp', 17: 'udp', 47: 'gre', 50: 'esp', 51: 'ah', 58: 'icmpv6', 132: 'sctp', 136: 'udplite' };

/** The prefix length when start-end is exactly one CIDR block, else null. */
function prefixLength(start: Buffer, end: Buffer): number | null {
  let bits = 0;
  let i = 0;
  while (i < start.length && start[i] === end[i]) {
    bits += 8;
    i++;
  }
  if (i === start.length) return bits;
  const diff = start[i]! ^ end[i]!;
  let hostBits = 0;
  while ((diff >> hostBits) !== 0) hostBits++;
  if (diff !== (1 << hostBits) - 1 || (start[i]! & diff) !== 0 || (end[i]! & diff) !== diff) return null;
  for (let j = i + 1; j < start.length; j++) if (start[j] !== 0 || end[j] !== 0xff) return null;
  return bits + 8 - hostBits;
}

export function addressRangeText(startAddress: string, endAddress: string): string {
  const a = parseIp(startAddress);
  const b = parseIp(endAddress);
  if (a === null || b === null || a.length !== b.length) return `${startAddress}-${endAddress}`;
  const len = prefixLength(a, b);
  if (len === null) return `${startAddress}-${endAddress}`;
  if (len === 0) return a.length === 4 ? 'any4' : 'any6';
  return `${startAddress}/${len}`;
}

export function selectorText(ts: TrafficSelector): string {
  const address = addressRangeText(ts.startAddress, ts.endAddress);
  if (ts.protocol === 0) return address;
  const protocol = PROTOCOL_TEXT[ts.protocol] ?? String(ts.protocol);
  if (ts.startPort === 0 && ts.endPort === 65535) return `${address} ${protocol}`;
  if (ts.startPort === 65535 && ts.endPort === 0) return `${address} ${protocol} opaque`;
  if (ts.protocol === 1 || ts.protocol === 58) {
    const [t0, t1, c0, c1] = [ts.startPort >> 8, ts.endPort >> 8, ts.startPort & 0xff, ts.endPort & 0xff];
    const type = t0 === t1 ? `${t0}` : `${t0}-${t1}`;
    return c0 === 0 && c1 === 255 ? `${address} ${protocol} type ${type}` : `${address} ${protocol} type ${type} code ${c0 === c1 ? c0 : `${c0}-${c1}`}`;
  }
  return `${address} ${protocol} ${ts.startPort === ts.endPort ? ts.startPort : `${ts.startPort}-${ts.endPort}`}`;
}
