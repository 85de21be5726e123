// A plain reference model of RFC 4301 selector matching, written for clarity, not speed:
// addresses as BigInt from wire/address.ts parseIp, linear scans, one rule per line.
// The compiled matcher in src/spd/match.ts must agree with it on every input.
import { parseIp } from '../../src/wire/address.js';
import type { SelectorPair, SpdPacketFields, TrafficDirection, TrafficSelector } from '../../src/spd/selector.js';

export interface NaivePolicy {
  readonly direction: 'out' | 'in' | 'both';
  readonly selectors: SelectorPair;
}

export function ipToBigInt(text: string): { family: 4 | 6; value: bigint } | null {
  const bytes = parseIp(text);
  if (!bytes) return null;
  let value = 0n;
  for (const b of bytes) value = value * 256n + BigInt(b);
  return { family: bytes.length === 4 ? 4 : 6, value };
}

/** The value a selector's port range is compared with, or null when it is not available. */
function packetValue(fields: SpdPacketFields, source: boolean): number | null {
  if (fields.isNonFirstFragment) return null;
  if (fields.protocol === 1 || fields.protocol === 58) {
    if (fields.icmpType === null || fields.icmpCode === null) return null;
    return fields.icmpType * 256 + fields.icmpCode;
  }
  return source ? fields.srcPort : fields.dstPort;
}

function portsMatch(ts: TrafficSelector, value: number | null): boolean {
  const isAny = ts.startPort === 0 && ts.endPort === 65535;
  const isOpaque = ts.startPort === 65535 && ts.endPort === 0;
  if (isAny) return true;
  if (isOpaque) return value === null;
  if (value === null) return false;
  return ts.startPort <= value && value <= ts.endPort;
}

export function naiveSelectorMatches(ts: TrafficSelector, fields: SpdPacketFields, source: boolean): boolean {
  const address = ipToBigInt(source ? fields.src : fields.dst);
  const start = ipToBigInt(ts.startAddress);
  const end = ipToBigInt(ts.endAddress);
  if (!address || !start || !end) return false;
  if (address.family !== start.family) return false;
  if (address.value < start.value || address.value > end.value) return false;
  if (ts.protocol !== 0 && ts.protocol !== fields.protocol) return false;
  return portsMatch(ts, packetValue(fields, source));
}

export function naivePairMatches(pair: SelectorPair, fields: SpdPacketFields, direction: TrafficDirection): boolean {
  const src = ipToBigInt(fields.src);
  const dst = ipToBigInt(fields.dst);
  if (!src || !dst || src.family !== dst.family) return false;
  const localIsSource = direction === 'out';
  const localOk = pair.local.some((ts) => naiveSelectorMatches(ts, fields, localIsSource));
  const remoteOk = pair.remote.some((ts) => naiveSelectorMatches(ts, fields, !localIsSource));
  return localOk && remoteOk;
}

/** Index of the first policy that applies in this direction and matches, or -1. */
export function naiveFirstMatch(policies: readonly NaivePolicy[], fields: SpdPacketFields, direction: TrafficDirection): number {
  for (let i = 0; i < policies.length; i++) {
    const p = policies[i]!;
    const applies = p.direction === 'both' || p.direction === direction;
    if (applies && naivePairMatches(p.selectors, fields, direction)) return i;
  }
  return -1;
}
