// How the fuzz turns valid ESP into hostile input: each mutation is named (so a failure says
// which one), takes a valid packet of some SA and the PRNG, and returns new bytes. The base
// packet is never changed (pool packets are reused).
import type { InboundMeta } from '../../src/datapath/inbound.js';
import type { Prng } from '../support/prng.js';
import type { FuzzSa, Fuzzer } from './harness.js';
import { noise, sealBadTrailer, sealFresh, sealGarbage } from './harness.js';

export interface FuzzInput {
  readonly mutation: string;
  readonly input: Buffer;
  readonly via: 'udp' | 'esp';
  readonly meta: InboundMeta;
}

type Mutation = (fz: Fuzzer, sa: FuzzSa, prng: Prng) => Buffer;

const copy = (b: Buffer): Buffer => Buffer.from(b);

function base(fz: Fuzzer, sa: FuzzSa): Buffer {
  // Half fresh (its sequence number is new, so mutations reach the ICV), half from the pool.
  if (sa.pool.length === 0 || fz.prng.int(2) === 0) return sealFresh(fz.prng, sa);
  return fz.prng.pick(sa.pool);
}

const MUTATIONS: Readonly<Record<string, Mutation>> = {
  fresh: (fz, sa) => sealFresh(fz.prng, sa),
  'replay-old': (fz, sa) => base(fz, sa),
  bitflip: (fz, sa, p) => {
    const b = copy(base(fz, sa));
    for (let n = 1 + p.int(3); n > 0 && b.length > 0; n--) b[p.int(b.length)]! ^= 1 << p.int(8);
    return b;
  },
  overwrite: (fz, sa, p) => {
    const b = copy(base(fz, sa));
    for (let n = 1 + p.int(4); n > 0 && b.length > 0; n--) b[p.int(b.length)] = p.int(256);
    return b;
  },
  truncate: (fz, sa, p) => {
    const b = base(fz, sa);
    return copy(b.subarray(0, p.int(b.length + 1)));
  },
  extend: (fz, sa, p) => Buffer.concat([base(fz, sa), noise(fz, 1 + p.int(64))]),
  'spi-swap': (fz, sa, p) => {
    const b = copy(base(fz, sa));
    b.writeUInt32BE(p.pick(fz.sas).sa.spi, 0);
    return b;
  },
  'spi-story': (fz, sa, p) => {
    const b = copy(base(fz, sa));
    b.writeUInt32BE(p.int(3) === 0 ? p.u32() : p.pick(fz.storySpis), 0);
    return b;
  },
  seq: (fz, sa, p) => {
    const b = copy(base(fz, sa));
    const old = b.readUInt32BE(4);
    b.writeUInt32BE(p.pick([0, 1, 0xffffffff, p.u32(), (old + 1) >>> 0, (old - 64) >>> 0, (old + 0x8000_0000) >>> 0]), 4);
    return b;
  },
  random: (fz, _sa, p) => noise(fz, p.int(100) === 0 ? p.int(70_000) : p.int(200)),
  splice: (fz, sa, p) => {
    const a = base(fz, sa);
    const other = base(fz, p.pick(fz.sas));
    return Buffer.concat([a.subarray(0, p.int(a.length + 1)), other.subarray(p.int(other.length + 1))]);
  },
  natt: (fz, sa, p) => {
    switch (p.int(6)) {
      case 0: return Buffer.from([0xff]);
      case 1: return noise(fz, 1);
      case 2: return noise(fz, 2 + p.int(6));
      case 3: return Buffer.concat([Buffer.alloc(4), noise(fz, p.int(64))]);
      case 4: return Buffer.concat([Buffer.from([0xff]), noise(fz, 1 + p.int(8))]);
      default: return Buffer.concat([Buffer.alloc(4), base(fz, sa)]);
    }
  },
  garbage: (fz, sa) => sealGarbage(fz, sa),
  'bad-trailer': (fz, sa, p) => sealBadTrailer(p, sa),
  // The other ESN setting (for a peer that already disagrees, it stays wrong: one good packet would settle it).
  'other-esn': (fz, sa, p) => sealFresh(p, sa, sa.peerEsn === sa.sa.config.esn ? !sa.peerEsn : sa.peerEsn),
};

/** Relative weights: the mutations that reach the ICV and beyond are the common ones. */
const WEIGHTS: ReadonlyArray<readonly [string, number]> = [
  ['fresh', 8], ['replay-old', 5], ['bitflip', 14], ['overwrite', 10], ['truncate', 8], ['extend', 6], ['spi-swap', 6],
  ['spi-story', 6], ['seq', 8], ['random', 6], ['splice', 5], ['natt', 5], ['garbage', 8], ['bad-trailer', 1], ['other-esn', 2],
];
const TABLE: readonly string[] = WEIGHTS.flatMap(([name, w]) => Array.from({ length: w }, () => name));

const ELSEWHERE_META: Partial<InboundMeta> = { dst: '203.0.113.99' };

/** One hostile input: a mutation of a packet of a random SA, fed the way that SA is carried (mostly). */
export function makeInput(fz: Fuzzer): FuzzInput {
  const p = fz.prng;
  const sa = p.pick(fz.sas);
  const mutation = p.pick(TABLE);
  const input = MUTATIONS[mutation]!(fz, sa, p);
  const udp = mutation === 'natt' || (sa.meta.encapsulated ? p.int(10) !== 0 : p.int(10) === 0);
  let meta: InboundMeta = { ...sa.meta, encapsulated: udp, srcPort: udp ? 4500 : null, dstPort: udp ? 4500 : null };
  if (p.int(50) === 0) meta = { ...meta, ...ELSEWHERE_META };
  return { mutation, input, via: udp ? 'udp' : 'esp', meta };
}
