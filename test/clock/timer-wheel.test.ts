// The timer wheel against a naive model: a plain list of (deadline, item) where advance(now)
// takes out everything due and sorts it. Small wheels (few slots, short ticks) make items
// share slots across revolutions and time jumps skip whole revolutions.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ManualClock, SystemClock, systemClock } from '../../src/clock/clock.js';
import type { TimerHandle } from '../../src/clock/timer-wheel.js';
import { TimerWheel } from '../../src/clock/timer-wheel.js';

class ModelTimers {
  private pending: { deadline: number; item: number; seq: number }[] = [];
  private seq = 0;
  private time: number;

  constructor(start: number) {
    this.time = start;
  }

  schedule(deadline: number, item: number): void {
    this.pending.push({ deadline, item, seq: this.seq++ });
  }

  cancel(item: number): boolean {
    const i = this.pending.findIndex((p) => p.item === item);
    if (i < 0) return false;
    this.pending.splice(i, 1);
    return true;
  }

  advance(now: number): number[] {
    if (now < this.time) return [];
    this.time = now;
    const due = this.pending.filter((p) => p.deadline <= now);
    this.pending = this.pending.filter((p) => p.deadline > now);
    return due.sort((a, b) => a.deadline - b.deadline || a.seq - b.seq).map((p) => p.item);
  }

  get size(): number {
    return this.pending.length;
  }
}

type Op =
  | { kind: 'schedule'; offset: number }
  | { kind: 'cancel'; pick: number }
  | { kind: 'advance'; by: number };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 5, arbitrary: fc.integer({ min: -300, max: 5000 }).map((offset) => ({ kind: 'schedule' as const, offset })) },
  { weight: 1, arbitrary: fc.nat(1000).map((pick) => ({ kind: 'cancel' as const, pick })) },
  { weight: 3, arbitrary: fc.oneof(fc.nat(25), fc.nat(400), fc.nat(20_000), fc.integer({ min: -50, max: 0 }))
    .map((by) => ({ kind: 'advance' as const, by })) },
);

function run(options: { tickMs: number; slots: number; startMs: number }, ops: readonly Op[]): void {
  const wheel = new TimerWheel<number>(options);
  const model = new ModelTimers(options.startMs);
  const handles = new Map<number, TimerHandle>();
  let now = options.startMs;
  let nextItem = 0;
  for (const op of ops) {
    if (op.kind === 'schedule') {
      const item = nextItem++;
      handles.set(item, wheel.schedule(now + op.offset, item));
      model.schedule(now + op.offset, item);
    } else if (op.kind === 'cancel') {
      if (nextItem === 0) continue;
      const item = op.pick % nextItem;
      expect(wheel.cancel(handles.get(item)!)).toBe(model.cancel(item));
    } else {
      now += op.by;
      expect(wheel.advance(now)).toEqual(model.advance(now));
    }
    expect(wheel.size).toBe(model.size);
  }
  expect(wheel.advance(now + 1e9)).toEqual(model.advance(now + 1e9));
}

describe('TimerWheel against a sorted-list model', () => {
  it('returns exactly the due items in deadline order (tiny wheel: 8 slots of 10 ms)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 1e6 }), fc.array(opArb, { maxLength: 300, size: 'max' }), (start, ops) => {
        run({ tickMs: 10, slots: 8, startMs: start }, ops);
      }),
      { numRuns: 300, seed: 1 },
    );
  });

  it('returns exactly the due items in deadline order (one slot, odd tick width)', () => {
    fc.assert(
      fc.property(fc.array(opArb, { maxLength: 300, size: 'max' }), (ops) => {
        run({ tickMs: 7, slots: 1, startMs: 3 }, ops);
      }),
      { numRuns: 200, seed: 2 },
    );
  });

  it('returns exactly the due items in deadline order (default 1 s x 1024 slots)', () => {
    const bigOps = fc.array(
      fc.oneof(
        fc.integer({ min: -5000, max: 3_600_000 }).map((offset) => ({ kind: 'schedule' as const, offset })),
        fc.nat(1000).map((pick) => ({ kind: 'cancel' as const, pick })),
        fc.oneof(fc.nat(3000), fc.nat(2_000_000)).map((by) => ({ kind: 'advance' as const, by })),
      ),
      { maxLength: 300, size: 'max' },
    );
    fc.assert(
      fc.property(bigOps, (ops) => {
        run({ tickMs: 1000, slots: 1024, startMs: 1_700_000_000_000 }, ops);
      }),
      { numRuns: 200, seed: 3 },
    );
  });
});

describe('TimerWheel behaviour', () => {
  it('fires a deadline exactly when now reaches it, not a tick early', () => {
    const wheel = new TimerWheel<string>({ tickMs: 1000 });
    wheel.schedule(1500, 'a');
    expect(wheel.advance(1499)).toEqual([]);
    expect(wheel.advance(1500)).toEqual(['a']);
  });

  it('fires a deadline scheduled in the past at the next advance', () => {
    const wheel = new TimerWheel<string>({ tickMs: 1000, startMs: 50_000 });
    wheel.schedule(10, 'late');
    expect(wheel.advance(50_000)).toEqual(['late']);
  });

  it('keeps a deadline one revolution away until its own time', () => {
    const wheel = new TimerWheel<string>({ tickMs: 10, slots: 4 });
    wheel.schedule(45, 'far'); // slot of tick 4 = slot 0, visited at tick 0 first
    expect(wheel.advance(5)).toEqual([]);
    expect(wheel.advance(44)).toEqual([]);
    expect(wheel.advance(45)).toEqual(['far']);
  });

  it('ignores time going backwards', () => {
    const wheel = new TimerWheel<string>();
    wheel.schedule(5000, 'x');
    wheel.advance(4000);
    expect(wheel.advance(100)).toEqual([]);
    expect(wheel.now).toBe(4000);
    expect(wheel.advance(5000)).toEqual(['x']);
  });

  it('cancels once; a fired handle cannot be cancelled', () => {
    const wheel = new TimerWheel<string>();
    const a = wheel.schedule(10, 'a');
    const b = wheel.schedule(20, 'b');
    expect(wheel.cancel(a)).toBe(true);
    expect(wheel.cancel(a)).toBe(false);
    expect(wheel.advance(1000)).toEqual(['b']);
    expect(wheel.cancel(b)).toBe(false);
    expect(wheel.size).toBe(0);
  });

  it('refuses bad arguments, naming them', () => {
    expect(() => new TimerWheel({ slots: 3 })).toThrow(/options.slots/);
    expect(() => new TimerWheel({ tickMs: 0 })).toThrow(/options.tickMs/);
    const wheel = new TimerWheel<string>();
    expect(() => wheel.schedule(Number.NaN, 'x')).toThrow(/deadlineMs/);
    expect(() => wheel.advance(Infinity)).toThrow(/nowMs/);
    const other = new TimerWheel<string>().schedule(1, 'y');
    expect(() => wheel.cancel(other)).toThrow(TypeError);
    expect(() => wheel.cancel({ deadline: 1 })).toThrow(/handle/);
  });
});

describe('clocks', () => {
  it('a manual clock moves only when told', () => {
    const clock = new ManualClock(100);
    expect(clock.now()).toBe(100);
    expect(clock.advance(50)).toBe(150);
    clock.set(10);
    expect(clock.now()).toBe(10);
    expect(() => clock.advance(-1)).toThrow(/ms/);
    expect(() => clock.set(Number.NaN)).toThrow(RangeError);
  });

  it('the system clock reads wall time and never goes backwards', () => {
    const before = Date.now();
    const t1 = systemClock.now();
    const t2 = new SystemClock().now();
    expect(t1).toBeGreaterThanOrEqual(before);
    expect(t2).toBeGreaterThanOrEqual(t1);
    const clock = new SystemClock();
    const realNow = Date.now;
    try {
      Date.now = () => 2_000_000;
      expect(clock.now()).toBe(2_000_000);
      Date.now = () => 1_000_000; // the wall clock stepped back
      expect(clock.now()).toBe(2_000_000);
    } finally {
      Date.now = realNow;
    }
  });
});
