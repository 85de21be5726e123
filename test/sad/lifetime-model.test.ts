// SA lifetimes against a plain model: random sequences of add / packet / time advance /
// remove must leave every SA in the state the model predicts and emit the same events.
//
// The model is written from the rules, not from the code: a limit is reached when the count
// or elapsed time is >= the configured value; time limits are checked on every tick and on
// every packet (checkUsable), count limits after each accounted packet; a hard limit wins
// over a soft one; a soft limit fires once, on a mature SA. Among time limits the earliest
// deadline is reported (add-time on a tie); among count limits packets before bytes.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { RemovalReason } from '../../src/sad/history.js';
import type { SaEvent } from '../../src/sad/sad.js';
import { SaDatabase } from '../../src/sad/sad.js';
import type { ExpiryEvidence, LifetimeLimits, SecurityAssociation } from '../../src/sad/sa.js';
import { saConfig } from './fixtures.js';

interface ModelSa {
  readonly id: number;
  readonly spi: number;
  readonly addedAt: number;
  readonly soft: LifetimeLimits | undefined;
  readonly hard: LifetimeLimits | undefined;
  firstUsedAt: number | null;
  packets: number;
  bytes: number;
  state: 'mature' | 'dying' | 'expired';
  installed: boolean;
  expiry: ExpiryEvidence | null;
  removal: RemovalReason | null;
}

type Ev = { type: string; id: number; at: number; expiry?: ExpiryEvidence; reason?: string };

function timeReached(m: ModelSa, limits: LifetimeLimits | undefined, now: number): ExpiryEvidence | null {
  const found: { deadline: number; e: ExpiryEvidence }[] = [];
  if (limits?.addSeconds !== undefined && now >= m.addedAt + limits.addSeconds * 1000) {
    found.push({ deadline: m.addedAt + limits.addSeconds * 1000, e: { limit: 'add-time', configured: limits.addSeconds, reached: (now - m.addedAt) / 1000, at: now } });
  }
  if (limits?.useSeconds !== undefined && m.firstUsedAt !== null && now >= m.firstUsedAt + limits.useSeconds * 1000) {
    found.push({ deadline: m.firstUsedAt + limits.useSeconds * 1000, e: { limit: 'use-time', configured: limits.useSeconds, reached: (now - m.firstUsedAt) / 1000, at: now } });
  }
  found.sort((a, b) => a.deadline - b.deadline); // stable: add-time first on a tie
  return found[0]?.e ?? null;
}

function countReached(m: ModelSa, limits: LifetimeLimits | undefined, now: number): ExpiryEvidence | null {
  if (limits?.packets !== undefined && m.packets >= limits.packets) return { limit: 'packets', configured: limits.packets, reached: m.packets, at: now };
  if (limits?.bytes !== undefined && m.bytes >= limits.bytes) return { limit: 'bytes', configured: limits.bytes, reached: m.bytes, at: now };
  return null;
}

function apply(m: ModelSa, hard: ExpiryEvidence | null, soft: () => ExpiryEvidence | null, now: number, out: Ev[]): void {
  if (hard) {
    m.state = 'expired';
    m.installed = false;
    m.expiry = hard;
    m.removal = 'expired';
    out.push({ type: 'hard-expired', id: m.id, at: now, expiry: hard });
    return;
  }
  if (m.state !== 'mature') return;
  const s = soft();
  if (s) {
    m.state = 'dying';
    out.push({ type: 'soft-expired', id: m.id, at: now, expiry: s });
  }
}

const limitsArb: fc.Arbitrary<LifetimeLimits | undefined> = fc.option(
  fc.record(
    {
      addSeconds: fc.integer({ min: 1, max: 40 }),
      useSeconds: fc.integer({ min: 1, max: 40 }),
      bytes: fc.integer({ min: 1, max: 4000 }),
      packets: fc.integer({ min: 1, max: 12 }),
    },
    { requiredKeys: [] },
  ),
  { nil: undefined },
);

type Op =
  | { kind: 'add'; soft: LifetimeLimits | undefined; hard: LifetimeLimits | undefined; outbound: boolean }
  | { kind: 'packet'; pick: number; bytes: number; icv: boolean }
  | { kind: 'advance'; ms: number }
  | { kind: 'remove'; pick: number; reason: RemovalReason };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('add' as const), soft: limitsArb, hard: limitsArb, outbound: fc.boolean() }) },
  { weight: 6, arbitrary: fc.record({ kind: fc.constant('packet' as const), pick: fc.nat(50), bytes: fc.nat(1500), icv: fc.boolean() }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('advance' as const), ms: fc.oneof(fc.constant(0), fc.nat(999), fc.nat(60).map((n) => n * 500)) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('remove' as const), pick: fc.nat(50), reason: fc.constantFrom<RemovalReason>('rekeyed', 'deleted-by-peer', 'peer-dead') }) },
);

function toEv(e: SaEvent): Ev {
  const base = { type: e.type, id: e.sa.id, at: e.at };
  if (e.type === 'soft-expired' || e.type === 'hard-expired') return { ...base, expiry: e.expiry };
  if (e.type === 'removed') return { ...base, reason: e.reason };
  return base;
}

const byId = (a: Ev, b: Ev): number => a.id - b.id;

/** How often each kind of event (and limit) occurred over all runs: proof the runs reach them. */
const tally = new Map<string, number>();
function count(events: readonly Ev[]): void {
  for (const e of events) {
    const key = e.expiry ? `${e.type}:${e.expiry.limit}` : e.type;
    tally.set(key, (tally.get(key) ?? 0) + 1);
  }
}

function run(tickMs: number, ops: readonly Op[]): void {
  const sad = new SaDatabase({ timerTickMs: tickMs, historyMaxAgeMs: 1e15 });
  const seen: Ev[] = [];
  sad.onEvent((e) => seen.push(toEv(e)));
  const real: SecurityAssociation[] = [];
  const model: ModelSa[] = [];
  let now = 1_700_000_000_000;

  for (const op of ops) {
    seen.length = 0;
    const expected: Ev[] = [];
    let sortEvents = false;
    if (op.kind === 'add') {
      const spi = 0x10000 + real.length;
      const sa = sad.add(saConfig({ spi, direction: op.outbound ? 'outbound' : 'inbound', soft: op.soft, hard: op.hard }), now);
      real.push(sa);
      model.push({ id: sa.id, spi, addedAt: now, soft: op.soft, hard: op.hard, firstUsedAt: null, packets: 0, bytes: 0, state: 'mature', installed: true, expiry: null, removal: null });
      expected.push({ type: 'added', id: sa.id, at: now });
    } else if (op.kind === 'packet') {
      if (real.length === 0) continue;
      const i = op.pick % real.length;
      const m = model[i]!;
      if (!m.installed) continue; // the datapath finds no SA: a BAD_SPI drop, nothing to account
      const evidence = sad.checkUsable(real[i]!, now);
      apply(m, timeReached(m, m.hard, now), () => timeReached(m, m.soft, now), now, expected);
      expect(evidence).toEqual(m.installed ? null : m.expiry);
      if (m.installed && op.icv) {
        const returned = sad.account(real[i]!, op.bytes, now);
        const before = expected.length;
        m.firstUsedAt ??= now;
        m.packets++;
        m.bytes += op.bytes;
        apply(m, countReached(m, m.hard, now), () => countReached(m, m.soft, now), now, expected);
        expect(returned === null ? null : toEv(returned)).toEqual(expected[before] ?? null);
      }
    } else if (op.kind === 'advance') {
      now += op.ms;
      const returned = sad.tick(now).map(toEv);
      for (const m of model) if (m.installed) apply(m, timeReached(m, m.hard, now), () => timeReached(m, m.soft, now), now, expected);
      expect(returned.sort(byId)).toEqual([...expected].sort(byId));
      sortEvents = true;
    } else {
      if (real.length === 0) continue;
      const i = op.pick % real.length;
      const m = model[i]!;
      const returned = sad.remove(real[i]!, op.reason, now);
      if (m.installed) {
        m.installed = false;
        m.removal = op.reason;
        expected.push({ type: 'removed', id: m.id, at: now, reason: op.reason });
      }
      expect(returned === null ? null : toEv(returned)).toEqual(expected[0] ?? null);
    }
    expect(sortEvents ? [...seen].sort(byId) : seen).toEqual(sortEvents ? [...expected].sort(byId) : expected);
    count(expected);
    compareAll(sad, real, model);
  }
}

function compareAll(sad: SaDatabase, real: readonly SecurityAssociation[], model: readonly ModelSa[]): void {
  expect(sad.size).toBe(model.filter((m) => m.installed).length);
  model.forEach((m, i) => {
    const sa = real[i]!;
    expect({ state: sa.state, packets: sa.packets, bytes: sa.bytes, firstUsedAt: sa.firstUsedAt, usable: sa.usable })
      .toEqual({ state: m.state, packets: m.packets, bytes: m.bytes, firstUsedAt: m.firstUsedAt, usable: m.installed });
    if (sa.config.direction === 'inbound') {
      expect(sad.lookupInbound(m.spi, '198.51.100.7')).toBe(m.installed ? sa : undefined);
    }
    const tombstones = sad.history.lookup(m.spi);
    if (m.installed) {
      expect(tombstones).toEqual([]);
    } else {
      expect(tombstones).toHaveLength(1);
      expect(tombstones[0]).toMatchObject({ saId: m.id, reason: m.removal, expiry: m.expiry, final: { packets: m.packets, bytes: m.bytes } });
    }
  });
}

describe('SA lifetimes against a plain model', () => {
  it('agrees on states, counters, events and tombstones over random histories', () => {
    fc.assert(
      fc.property(fc.constantFrom(1000, 250, 7000), fc.array(opArb, { minLength: 1, maxLength: 120, size: 'max' }), (tickMs, ops) => {
        run(tickMs, ops);
      }),
      { numRuns: 250, seed: 4301 },
    );
    for (const kind of ['soft-expired', 'hard-expired']) {
      for (const limit of ['add-time', 'use-time', 'bytes', 'packets']) expect(tally.get(`${kind}:${limit}`) ?? 0).toBeGreaterThan(20);
    }
    expect(tally.get('removed') ?? 0).toBeGreaterThan(20);
  });
});
