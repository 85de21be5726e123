// RFC 7296 3.13: the Traffic Selector payload body (TSi and TSr share it).
//
//  | Number of TSs |                 RESERVED                      |
//  ~                      <Traffic Selectors>                      ~
//
// 3.13.1, one selector:
//  |   TS Type     |IP Protocol ID |       Selector Length         |
//  |           Start Port          |           End Port            |
//  ~                         Starting Address                      ~
//  ~                         Ending Address                        ~
import { u16, writeU16 } from '../../wire/bytes.js';
import { checkedU8 } from './encode-util.js';
import { bodyFailure } from './failure.js';
import type { BodyResult } from './failure.js';
import { TS_TYPE } from './numbers.js';
import type { TrafficSelector, TsPayload } from './types.js';

const TS_PAYLOAD_HEADER = 4;
const SELECTOR_FIXED = 8;

/** RFC 7296 3.13.1: the address width of each TS Type we understand (others are refused). */
const ADDRESS_WIDTH: ReadonlyMap<number, number> = new Map([
  [TS_TYPE.TS_IPV4_ADDR_RANGE, 4],
  [TS_TYPE.TS_IPV6_ADDR_RANGE, 16],
]);

export function decodeTs(kind: 'TSi' | 'TSr', body: Buffer, critical: boolean): BodyResult<TsPayload> {
  const count = body[0]!;
  const selectors: TrafficSelector[] = [];
  let off = TS_PAYLOAD_HEADER;
  for (let i = 0; i < count; i++) {
    const r = decodeSelector(body, off);
    if (!r.ok) return r;
    selectors.push(r.value);
    off += SELECTOR_FIXED + 2 * r.value.startAddress.length;
  }
  if (off !== body.length) return bodyFailure(`${kind}: Number of TSs is ${count} but ${body.length - off} octets follow the last selector`, off);
  return { ok: true, value: { kind, critical, selectors } };
}

function decodeSelector(body: Buffer, off: number): BodyResult<TrafficSelector> {
  if (body.length - off < 4) return bodyFailure(`traffic selector at ${off}: ${body.length - off} octets left, its header needs 4`, off);
  const tsType = body[off]!;
  const width = ADDRESS_WIDTH.get(tsType);
  // An unknown TS Type's layout is unknown too: its addresses cannot be matched against policy.
  if (width === undefined) return bodyFailure(`traffic selector at ${off}: TS Type ${tsType} is not one we understand (7 or 8)`, off);
  const length = u16(body, off + 2);
  const expected = SELECTOR_FIXED + 2 * width;
  if (length !== expected) return bodyFailure(`traffic selector at ${off}: Selector Length ${length}, TS Type ${tsType} needs ${expected}`, off + 2);
  if (off + length > body.length) return bodyFailure(`traffic selector at ${off}: Selector Length ${length} overruns the payload (${body.length - off} octets left)`, off + 2);
  const a = off + SELECTOR_FIXED;
  return {
    ok: true,
    value: {
      tsType, ipProtocol: body[off + 1]!, startPort: u16(body, off + 4), endPort: u16(body, off + 6),
      startAddress: body.subarray(a, a + width), endAddress: body.subarray(a + width, a + 2 * width),
    },
  };
}

export function encodeTs(p: TsPayload): Buffer {
  const head = Buffer.alloc(TS_PAYLOAD_HEADER);
  head[0] = checkedU8(p.selectors.length, 'Number of TSs');
  return Buffer.concat([head, ...p.selectors.map(encodeSelector)]);
}

function encodeSelector(ts: TrafficSelector): Buffer {
  const width = ADDRESS_WIDTH.get(ts.tsType);
  if (width === undefined) throw new RangeError(`TS Type ${ts.tsType} cannot be encoded (7 or 8)`);
  if (ts.startAddress.length !== width || ts.endAddress.length !== width) throw new RangeError(`TS Type ${ts.tsType} needs ${width}-octet addresses`);
  const out = Buffer.alloc(SELECTOR_FIXED + 2 * width);
  out[0] = ts.tsType;
  out[1] = ts.ipProtocol;
  writeU16(out, 2, out.length);
  writeU16(out, 4, ts.startPort);
  writeU16(out, 6, ts.endPort);
  ts.startAddress.copy(out, SELECTOR_FIXED);
  ts.endAddress.copy(out, SELECTOR_FIXED + width);
  return out;
}
