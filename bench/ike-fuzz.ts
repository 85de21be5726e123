// Fuzz of the IKE message decoder: valid messages (every payload type, sealed SK and SKF, inner
// chains) mutated by bit flips, byte inserts and deletes, length field changes, truncation and
// splicing. The decoder must never throw: each input gives a value or a typed failure. The test
// (test/ike/message/fuzz.test.ts) runs 20,000 iterations; `node dist/bench/ike-fuzz.js [N] [seed]`
// runs N (default 1,000,000), prints iterations/s and the count of each outcome, exits 1 on any exception.
import { decodeMessage, decodePayloadChain, encodeMessage, encodePayloads } from '../src/ike/message/message.js';
import { notifyPayload } from '../src/ike/message/notify.js';
import { EXCHANGE, NOTIFY_STATUS, PAYLOAD } from '../src/ike/message/numbers.js';
import type { Payload } from '../src/ike/message/types.js';

/** mulberry32: a seeded PRNG so a failing iteration can be replayed. */
function prng(seed: number): (n: number) => number {
  let s = seed >>> 0;
  return (n) => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = Math.imul(s ^ (s >>> 15), s | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return Math.floor((((t ^ (t >>> 14)) >>> 0) / 0x1_0000_0000) * n);
  };
}

const fill = (n: number, b: number): Buffer => Buffer.alloc(n, b);
const HEADER = { initiatorSpi: fill(8, 1), responderSpi: fill(8, 2), nextPayload: 0, initiator: true, response: false, messageId: 1 };

/** Plaintext chains with every payload kind we decode. */
function innerChains(): Payload[][] {
  const ts = (kind: 'TSi' | 'TSr'): Payload => ({ kind, critical: false, selectors: [
    { tsType: 7, ipProtocol: 0, startPort: 0, endPort: 65535, startAddress: fill(4, 10), endAddress: fill(4, 11) },
    { tsType: 8, ipProtocol: 17, startPort: 500, endPort: 4500, startAddress: fill(16, 0x20), endAddress: fill(16, 0x21) },
  ] });
  const sa: Payload = { kind: 'SA', critical: false, proposals: [
    { number: 1, protocolId: 3, spi: fill(4, 0xc0), transforms: [
      { type: 1, id: 20, keyLength: 256, attributes: [] }, { type: 5, id: 0, keyLength: null, attributes: [{ type: 3, value: fill(3, 9) }] },
    ] },
    { number: 2, protocolId: 3, spi: fill(4, 0xc1), transforms: [{ type: 1, id: 12, keyLength: 128, attributes: [] }] },
  ] };
  return [
    [
      { kind: 'IDi', critical: false, idType: 2, data: Buffer.from('gw.example'), body: Buffer.from('\x02\0\0\0gw.example', 'latin1') },
      { kind: 'CERT', critical: false, encoding: 4, data: fill(40, 0x30) },
      { kind: 'CERTREQ', critical: false, encoding: 4, data: fill(20, 0x31) },
      { kind: 'AUTH', critical: false, method: 2, data: fill(32, 0x32) },
      { kind: 'CP', critical: false, cfgType: 1, attributes: [{ type: 1, value: fill(0, 0) }, { type: 10, value: fill(16, 0) }] },
      notifyPayload(NOTIFY_STATUS.INITIAL_CONTACT), sa, ts('TSi'), ts('TSr'),
    ],
    [{ kind: 'DELETE', critical: false, protocolId: 3, spiSize: 4, spis: [fill(4, 1), fill(4, 2)] }, notifyPayload(NOTIFY_STATUS.REKEY_SA, undefined, 3, fill(4, 7))],
    [{ kind: 'EAP', critical: false, data: Buffer.from('0105000501', 'hex') }, { kind: 'UNKNOWN', critical: false, type: 200, body: fill(6, 0x44) }],
  ];
}

/** Valid outer messages: IKE_SA_INIT (plain), and protected ones carrying SK or SKF. */
function outerMessages(): Buffer[] {
  const init: Payload[] = [
    { kind: 'SA', critical: false, proposals: [{ number: 1, protocolId: 1, spi: fill(0, 0), transforms: [
      { type: 1, id: 12, keyLength: 256, attributes: [] }, { type: 2, id: 5, keyLength: null, attributes: [] },
      { type: 3, id: 12, keyLength: null, attributes: [] }, { type: 4, id: 19, keyLength: null, attributes: [] },
    ] }] },
    { kind: 'KE', critical: false, group: 19, keyData: fill(64, 0xaa) },
    { kind: 'NONCE', critical: false, nonce: fill(32, 0xbb) },
    notifyPayload(NOTIFY_STATUS.NAT_DETECTION_SOURCE_IP, fill(20, 0xcc)),
    { kind: 'VENDOR', critical: false, vendorId: fill(16, 0x88) },
  ];
  const sealed = innerChains().map((chain) => {
    const { firstType, bytes } = encodePayloads(chain);
    return encodeMessage({ ...HEADER, exchangeType: EXCHANGE.IKE_AUTH }, [{ kind: 'SK', critical: false, firstInnerType: firstType, offset: 0, body: bytes }]);
  });
  const fragment = encodeMessage({ ...HEADER, exchangeType: EXCHANGE.IKE_AUTH }, [
    { kind: 'SKF', critical: false, firstInnerType: PAYLOAD.IDi, fragmentNumber: 1, totalFragments: 2, offset: 0, body: fill(60, 0xef) },
  ]);
  return [encodeMessage({ ...HEADER, exchangeType: EXCHANGE.IKE_SA_INIT, messageId: 0 }, init), ...sealed, fragment];
}

interface Seed { readonly bytes: Buffer; readonly firstType: number | null }

/** Outer messages (firstType null: decodeMessage) and inner chains (decodePayloadChain). */
export function fuzzSeeds(): Seed[] {
  const inner = innerChains().map((c) => encodePayloads(c)).map((e) => ({ bytes: e.bytes, firstType: e.firstType }));
  return [...outerMessages().map((bytes) => ({ bytes, firstType: null })), ...inner];
}

type Rand = (n: number) => number;

/** Each mutation is named so a counterexample says how it was made. */
const MUTATIONS: Readonly<Record<string, (b: Buffer, r: Rand, other: Buffer) => Buffer>> = {
  bitflip: (b, r) => { const c = Buffer.from(b); for (let n = 1 + r(4); n > 0; n--) c[r(c.length)]! ^= 1 << r(8); return c; },
  insert: (b, r) => { const at = r(b.length + 1); return Buffer.concat([b.subarray(0, at), Buffer.from([r(256)]), b.subarray(at)]); },
  delete: (b, r) => { const at = r(b.length); return Buffer.concat([b.subarray(0, at), b.subarray(at + 1 + r(4))]); },
  // Rewrite a 16-bit field at a random even offset: hits Payload, Proposal, Transform, Selector Lengths.
  length: (b, r) => { if (b.length < 2) return b; const c = Buffer.from(b); const at = r(c.length - 1); c.writeUInt16BE([0, 1, 3, 4, 7, 8, 0xffff, r(0x10000), c.readUInt16BE(at) + 1, c.readUInt16BE(at) - 1][r(10)]! & 0xffff, at); return c; },
  truncate: (b, r) => b.subarray(0, r(b.length)),
  splice: (b, r, other) => Buffer.concat([b.subarray(0, r(b.length + 1)), other.subarray(r(other.length + 1))]),
  'header-length': (b, r) => { const c = Buffer.from(b); if (c.length >= 28) c.writeUInt32BE(r(2) === 0 ? c.length : r(0x10000), 24); return c; },
  'next-payload': (b, r) => { const c = Buffer.from(b); c[r(c.length)] = [0, 33, 40, 41, 46, 53, 200, r(256)][r(8)]!; return c; },
};
const NAMES = Object.keys(MUTATIONS);

export interface FuzzReport {
  readonly iterations: number;
  readonly outcomes: Readonly<Record<string, number>>;
  readonly exceptions: readonly { readonly mutation: string; readonly input: string; readonly error: string }[];
}

/** Runs `iterations` mutated inputs through the decoders; never throws itself. */
export function fuzzIkeDecoder(iterations: number, seed: number): FuzzReport {
  const r = prng(seed);
  const seeds = fuzzSeeds();
  const outcomes: Record<string, number> = {};
  const exceptions: { mutation: string; input: string; error: string }[] = [];
  for (let i = 0; i < iterations; i++) {
    const base = seeds[r(seeds.length)]!;
    const mutation = NAMES[r(NAMES.length)]!;
    let input = MUTATIONS[mutation]!(base.bytes, r, seeds[r(seeds.length)]!.bytes);
    if (r(3) === 0) input = MUTATIONS[NAMES[r(NAMES.length)]!]!(input, r, base.bytes);
    try {
      const result = base.firstType === null ? decodeMessage(input) : decodePayloadChain(input, base.firstType, 28);
      const key = result.ok ? 'ok' : result.reason;
      if (!result.ok && (typeof result.detail !== 'string' || !Number.isInteger(result.offset))) throw new Error('failure without detail or offset');
      outcomes[key] = (outcomes[key] ?? 0) + 1;
    } catch (e) {
      if (exceptions.length < 10) exceptions.push({ mutation, input: input.toString('hex'), error: String(e) });
      outcomes.exception = (outcomes.exception ?? 0) + 1;
    }
  }
  return { iterations, outcomes, exceptions };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const iterations = Number(process.argv[2] ?? 1_000_000);
  const seed = Number(process.argv[3] ?? 7296);
  const start = process.hrtime.bigint();
  const report = fuzzIkeDecoder(iterations, seed);
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  console.log(`ike-fuzz: ${iterations} iterations, seed ${seed}, ${seconds.toFixed(2)} s, ${Math.round(iterations / seconds)} iterations/s`);
  for (const [outcome, count] of Object.entries(report.outcomes).sort((a, b) => b[1] - a[1])) console.log(`  ${outcome.padEnd(30)} ${count}`);
  for (const e of report.exceptions) console.log(`EXCEPTION after ${e.mutation}: ${e.error}\n  input ${e.input}`);
  process.exit(report.exceptions.length > 0 ? 1 : 0);
}
