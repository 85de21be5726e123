// No exception escapes the inbound pipeline, and every answer keeps the verdict contract
// (DESIGN.md): FUZZ_PACKETS mutated packets (default 1,000,000, the CI bar) from a fixed seed,
// built from valid packets of SAs of every shape, fed to processUdpDatagram and processEsp.
//
//   FUZZ_PACKETS=50000 npx vitest run test/fuzz      (a quicker local run)
//   FUZZ_SEED=123 ...                                (another stream; a failure prints its packet)
import { describe, expect, it } from 'vitest';
import { processEsp, processUdpDatagram } from '../../src/datapath/inbound.js';
import type { InboundContext } from '../../src/datapath/inbound.js';
import type { Verdict } from '../../src/verdict/verdict.js';
import { diagnosis, drop } from '../../src/verdict/verdict.js';
import { contractViolation, createFuzzer } from './harness.js';
import type { FuzzInput } from './mutations.js';
import { makeInput } from './mutations.js';

const PACKETS = Number(process.env.FUZZ_PACKETS ?? 1_000_000);
const SEED = Number(process.env.FUZZ_SEED ?? 0x5eed_f022);
const NOW = 1_700_000_000_000;

/** Every verdict and drop reason a run must reach, or the fuzz is not exercising the pipeline. */
const MUST_REACH = [
  'delivered', 'dummy', 'keepalive', 'ike',
  'truncated-esp-header', 'truncated-esp', 'misaligned-ciphertext', 'icv-mismatch', 'esn-mismatch', 'duplicate', 'too-old',
  'zero-sequence', 'bad-pad-length', 'bad-padding', 'unknown-next-header', 'malformed-inner-packet', 'bad-transport-segment',
  'outside-selectors', 'wrong-encapsulation', 'spi-reserved', 'spi-unknown', 'spi-of-other-direction', 'spi-for-other-destination',
  'spi-allocated-not-installed', 'rekeyed', 'expired-packets', 'expired-add-time', 'hard-add-time',
];

function outcome(v: Verdict): string {
  return v.verdict === 'dropped' ? v.diagnosis.reason : v.verdict;
}

function feed(ctx: InboundContext, x: FuzzInput, now: number): Verdict {
  return x.via === 'udp' ? processUdpDatagram(ctx, x.input, x.meta, now) : processEsp(ctx, x.input, x.meta, now);
}

function describeFailure(i: number, x: FuzzInput, what: string): string {
  const hex = x.input.length > 512 ? `${x.input.subarray(0, 512).toString('hex')}...` : x.input.toString('hex');
  return `packet ${i} (seed ${SEED}, mutation ${x.mutation}, via ${x.via}, dst ${x.meta.dst}): ${what}\ninput (${x.input.length} bytes): ${hex}`;
}

describe('inbound fuzz', () => {
  it('the contract check is not vacuous: it rejects verdicts that break the contract', () => {
    const good = drop('replay', 0x1000, { id: 1, spi: 0x1000, direction: 'inbound', label: null }, diagnosis('duplicate', 'duplicate', 'a copy', { seq: '5' }, 'look for loops'));
    const esp = Buffer.alloc(40, 1);
    expect(contractViolation(good, esp)).toBeNull();
    const broken: Array<[string, unknown, Buffer]> = [
      ['code outside the range', { ...good, kind: { ...good.kind, code: 13000 } }, esp],
      ['a kind that is not the catalog object', { ...good, kind: { ...good.kind } }, esp],
      ['a cause that is not a DESIGN cause', { ...good, diagnosis: { ...good.diagnosis, cause: 'gremlins' } }, esp],
      ['NaN in the evidence', { ...good, diagnosis: { ...good.diagnosis, evidence: { seq: Number.NaN } } }, esp],
      ['an object in the evidence', { ...good, diagnosis: { ...good.diagnosis, evidence: { sa: {} } } }, esp],
      ['an empty next step', { ...good, diagnosis: { ...good.diagnosis, nextStep: '' } }, esp],
      ['an SA ref for another SPI', { ...good, spi: 0x2000 }, esp],
      ['ike for a payload without the marker', { verdict: 'ike', message: esp.subarray(4) }, esp],
      ['keepalive for two bytes', { verdict: 'keepalive' }, Buffer.from([0xff, 0xff])],
      ['delivered without a packet', { verdict: 'delivered', spi: 1, sa: { spi: 1 }, seqHi: 0, seqLo: 1, nextHeader: 4, packet: Buffer.alloc(0) }, esp],
      ['an unknown verdict', { verdict: 'maybe' }, esp],
    ];
    for (const [what, v, input] of broken) expect(contractViolation(v as Verdict, input), what).not.toBeNull();
  });

  it(`${PACKETS} mutated packets: no exception, exactly one verdict each, every verdict within the contract`, () => {
    const fz = createFuzzer(SEED, PACKETS, NOW);
    const reached = new Map<string, number>();
    const byContext = new Map<InboundContext, { calls: number; kinds: Map<string, number> }>([
      [fz.strict, { calls: 0, kinds: new Map() }], [fz.inferred, { calls: 0, kinds: new Map() }],
    ]);
    const started = performance.now();
    for (let i = 0; i < PACKETS; i++) {
      const now = NOW + i; // 1 ms per packet: the time-limited SA expires halfway
      if (i === fz.rekeyAt) fz.sad.remove(fz.doomed.sa, 'rekeyed', now, { successorSpi: 0x7000_0003 });
      const x = makeInput(fz);
      const ctx = (i & 7) === 7 ? fz.inferred : fz.strict;
      const before = (i & 1023) === 0 ? Buffer.from(x.input) : null;
      let v: Verdict;
      try {
        v = feed(ctx, x, now);
      } catch (e) {
        throw new Error(describeFailure(i, x, `threw ${(e as Error).stack ?? String(e)}`));
      }
      const problem = contractViolation(v, x.input);
      if (problem !== null) throw new Error(describeFailure(i, x, problem));
      if (before !== null && !before.equals(x.input)) throw new Error(describeFailure(i, x, 'the pipeline changed its input buffer'));
      const key = outcome(v);
      reached.set(key, (reached.get(key) ?? 0) + 1);
      const c = byContext.get(ctx)!;
      c.calls++;
      const kind = v.verdict === 'dropped' ? v.kind.id : v.verdict;
      c.kinds.set(kind, (c.kinds.get(kind) ?? 0) + 1);
    }
    const seconds = (performance.now() - started) / 1000;
    console.log(`fuzz: ${PACKETS} packets in ${seconds.toFixed(1)} s (${Math.round(PACKETS / seconds)} per s); outcomes ${JSON.stringify(Object.fromEntries([...reached].sort((a, b) => b[1] - a[1])))}`);

    // Exactly one verdict per packet: each context counted every call once, under the kind it returned.
    for (const [ctx, c] of byContext) {
      const s = ctx.counters.snapshot();
      expect(s.delivered + s.dummy + s.keepalive + s.ike + s.dropped).toBe(c.calls);
      const expected = Object.fromEntries([...c.kinds].filter(([k]) => !['delivered', 'dummy', 'keepalive', 'ike'].includes(k)));
      expect(s.byKind).toEqual(expected);
      expect({ delivered: s.delivered, dummy: s.dummy, keepalive: s.keepalive, ike: s.ike })
        .toEqual({ delivered: c.kinds.get('delivered') ?? 0, dummy: c.kinds.get('dummy') ?? 0, keepalive: c.kinds.get('keepalive') ?? 0, ike: c.kinds.get('ike') ?? 0 });
    }
    // Some outcomes are rare (about 1 in 5,000): a tiny local run is not expected to reach them all.
    if (PACKETS >= 10_000) expect(MUST_REACH.filter((r) => !reached.has(r))).toEqual([]);
  }, 600_000);
});
