// Traffic selectors between the TS payload (RFC 7296 3.13.1: bytes, as received) and the SPD's
// selectors (src/spd/selector.ts: canonical address text). Received selectors are network input:
// a selector we cannot use is a typed failure, and a list keeps the ones it can use.
import type { TrafficSelector } from '../../spd/selector.js';
import { formatIpv4, formatIpv6, parseIp } from '../../wire/address.js';
import { TS_TYPE } from '../message/numbers.js';
import type { TrafficSelector as PayloadSelector } from '../message/types.js';

export type TsConversionReason = 'unsupported-ts-type' | 'bad-address-length' | 'empty-address-range' | 'bad-port-range';

export type TsConversion =
  | { readonly ok: true; readonly selector: TrafficSelector }
  | { readonly ok: false; readonly reason: TsConversionReason; readonly detail: string };

export interface SkippedSelector {
  readonly index: number;
  readonly reason: TsConversionReason;
  readonly detail: string;
}

/** One received selector as an SPD selector. */
export function selectorFromPayload(ts: PayloadSelector): TsConversion {
  const length = ts.tsType === TS_TYPE.TS_IPV4_ADDR_RANGE ? 4 : ts.tsType === TS_TYPE.TS_IPV6_ADDR_RANGE ? 16 : 0;
  if (length === 0) {
    // RFC 7296 3.13.1 defines types 7 and 8; others (RFC 4595 Fibre Channel, RFC 9478 labels) we do not use.
    return { ok: false, reason: 'unsupported-ts-type', detail: `TS type ${ts.tsType} is not TS_IPV4_ADDR_RANGE (7) or TS_IPV6_ADDR_RANGE (8)` };
  }
  if (ts.startAddress.length !== length || ts.endAddress.length !== length) {
    return { ok: false, reason: 'bad-address-length', detail: `TS type ${ts.tsType} needs ${length}-octet addresses, got ${ts.startAddress.length} and ${ts.endAddress.length}` };
  }
  const format = length === 4 ? formatIpv4 : formatIpv6;
  const startAddress = format(ts.startAddress, 0);
  const endAddress = format(ts.endAddress, 0);
  if (Buffer.compare(ts.startAddress, ts.endAddress) > 0) {
    return { ok: false, reason: 'empty-address-range', detail: `start address ${startAddress} is above end address ${endAddress}` };
  }
  // RFC 7296 3.13.1: start 65535 and end 0 is OPAQUE; any other start above end matches nothing.
  const opaque = ts.startPort === 65535 && ts.endPort === 0;
  if (!opaque && ts.startPort > ts.endPort) {
    return { ok: false, reason: 'bad-port-range', detail: `start port ${ts.startPort} is above end port ${ts.endPort} (only 65535-0 means OPAQUE)` };
  }
  return {
    ok: true,
    selector: Object.freeze({ protocol: ts.ipProtocol, startPort: ts.startPort, endPort: ts.endPort, startAddress, endAddress }),
  };
}

/** Every usable selector of a TS payload, and why each other one was skipped. */
export function selectorsFromPayload(list: readonly PayloadSelector[]): { selectors: TrafficSelector[]; skipped: SkippedSelector[] } {
  const selectors: TrafficSelector[] = [];
  const skipped: SkippedSelector[] = [];
  list.forEach((ts, index) => {
    const r = selectorFromPayload(ts);
    if (r.ok) selectors.push(r.selector);
    else skipped.push({ index, reason: r.reason, detail: r.detail });
  });
  return { selectors, skipped };
}

function checkedNumber(value: number, max: number, field: string): number {
  if (!Number.isInteger(value) || value < 0 || value > max) throw new RangeError(`selectorToPayload: ${field} must be an integer 0..${max}, got ${value}`);
  return value;
}

/** An SPD selector as a TS payload selector. Our own data: bad values throw RangeError. */
export function selectorToPayload(sel: TrafficSelector): PayloadSelector {
  const start = parseIp(sel.startAddress);
  const end = parseIp(sel.endAddress);
  if (!start) throw new RangeError(`selectorToPayload: startAddress must be an IP address, got '${sel.startAddress}'`);
  if (!end) throw new RangeError(`selectorToPayload: endAddress must be an IP address, got '${sel.endAddress}'`);
  if (start.length !== end.length) throw new RangeError(`selectorToPayload: '${sel.startAddress}' and '${sel.endAddress}' are of different IP versions`);
  return Object.freeze({
    tsType: start.length === 4 ? TS_TYPE.TS_IPV4_ADDR_RANGE : TS_TYPE.TS_IPV6_ADDR_RANGE,
    ipProtocol: checkedNumber(sel.protocol, 255, 'protocol'),
    startPort: checkedNumber(sel.startPort, 65535, 'startPort'),
    endPort: checkedNumber(sel.endPort, 65535, 'endPort'),
    startAddress: start,
    endAddress: end,
  });
}
