// IP addresses travel through the product as canonical text: dotted quad for IPv4 and
// RFC 5952 text (lower case, longest zero run compressed) for IPv6. Text keeps SA keys,
// evidence and JSON output readable; converting happens once per packet at the edge.
import { isIPv4, isIPv6 } from 'node:net';

export type IpVersion = 4 | 6;

/** Formats 4 bytes at off as dotted quad. */
export function formatIpv4(buf: Uint8Array, off: number): string {
  return `${buf[off]}.${buf[off + 1]}.${buf[off + 2]}.${buf[off + 3]}`;
}

/** Formats 16 bytes at off as RFC 5952 canonical IPv6 text. */
export function formatIpv6(buf: Uint8Array, off: number): string {
  const groups: number[] = [];
  for (let i = 0; i < 8; i++) groups.push((buf[off + 2 * i]! << 8) | buf[off + 2 * i + 1]!);
  // RFC 5952 4.2: compress the longest run of two or more zero groups, the first one on a tie.
  let bestStart = -1;
  let bestLen = 0;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) { i++; continue; }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen && j - i >= 2) { bestStart = i; bestLen = j - i; }
    i = j;
  }
  // RFC 5952 5: IPv4-mapped addresses keep their dotted tail.
  if (bestStart === 0 && bestLen === 5 && groups[5] === 0xffff) {
    return `::ffff:${formatIpv4(buf, off + 12)}`;
  }
  const hex = groups.map((g) => g.toString(16));
  if (bestStart < 0) return hex.join(':');
  const head = hex.slice(0, bestStart).join(':');
  const tail = hex.slice(bestStart + bestLen).join(':');
  return `${head}::${tail}`;
}

/** Parses IPv4 or IPv6 text into 4 or 16 bytes; null when it is not an address. */
export function parseIp(text: string): Buffer | null {
  if (isIPv4(text)) return Buffer.from(text.split('.').map((p) => Number(p)));
  if (!isIPv6(text)) return null;
  let t = text;
  let tail: number[] = [];
  const lastColon = t.lastIndexOf(':');
  if (t.indexOf('.', lastColon) >= 0) {
    const v4 = parseIp(t.slice(lastColon + 1));
    if (!v4) return null;
    tail = [...v4];
    t = t.slice(0, lastColon + 1) + '0:0';
  }
  const [left, right] = t.includes('::') ? t.split('::') as [string, string] : [t, null];
  const leftGroups = left === '' ? [] : left.split(':');
  const rightGroups = right === null || right === '' ? [] : right.split(':');
  const missing = 8 - leftGroups.length - rightGroups.length;
  const groups = [...leftGroups, ...Array<string>(right === null ? 0 : missing).fill('0'), ...rightGroups];
  if (groups.length !== 8) return null;
  const out = Buffer.alloc(16);
  groups.forEach((g, i) => out.writeUInt16BE(parseInt(g, 16), 2 * i));
  if (tail.length === 4) out.set(tail, 12);
  return out;
}

/** Canonical text of an address given in any valid spelling; null when it is not one. */
export function canonicalIp(text: string): string | null {
  const bytes = parseIp(text);
  if (!bytes) return null;
  return bytes.length === 4 ? formatIpv4(bytes, 0) : formatIpv6(bytes, 0);
}

export function ipVersionOf(text: string): IpVersion | null {
  if (isIPv4(text)) return 4;
  if (isIPv6(text)) return 6;
  return null;
}
