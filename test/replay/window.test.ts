// The anti-replay window against RFC 4303 3.4.3 / Appendix A, as hand-worked examples and
// against a naive BigInt model (test/replay/model.ts) over millions of random numbers.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  MAX_REPLAY_WINDOW, REPLAY_DUPLICATE, REPLAY_TOO_OLD, REPLAY_ZERO, ReplayWindow, replayFailureReason,
} from '../../src/replay/window.js';
import { ModelWindow } from './model.js';

const SIZES = [0, 1, 32, 64, 100, 1024, 4096] as const;
const TWO_32 = 2 ** 32;

describe('RFC 4303 3.4.3: the 32-bit window', () => {
  it('passes new numbers, tells duplicates from numbers left of the window', () => {
    const w = new ReplayWindow(64, false);
    expect(w.check(100)).toBe(0);
    expect(w.commit(0, 100)).toBe(true);
    expect(w.check(100)).toBe(REPLAY_DUPLICATE);
    expect(w.check(37)).toBe(0); // 100 - 37 = 63 < 64: inside the window, unseen
    expect(w.check(36)).toBe(REPLAY_TOO_OLD); // 100 - 36 = 64: the left edge is 37
    expect(w.check(101)).toBe(0);
    expect(w.check(5_000_000)).toBe(0);
  });

  it('never accepts sequence number 0 (3.3.3: the first packet carries 1)', () => {
    const w = new ReplayWindow(64, false);
    expect(w.check(0)).toBe(REPLAY_ZERO);
    expect(w.commit(0, 0)).toBe(false);
    w.commit(0, 10);
    expect(w.check(0)).toBe(REPLAY_ZERO);
  });

  it('refuses a number after the counter would have cycled (2.2: it must never cycle)', () => {
    const w = new ReplayWindow(64, false);
    w.commit(0, 0xffffffff);
    expect(w.check(1)).toBe(REPLAY_TOO_OLD);
  });

  it('handles sizes that are not multiples of 32 exactly at the left edge', () => {
    for (const size of [1, 31, 33, 100, 1000, 4095]) {
      const w = new ReplayWindow(size, false);
      w.commit(0, 10_000);
      expect(w.check(10_000 - size + 1)).toBe(size === 1 ? REPLAY_DUPLICATE : 0); // W = 1: only T itself
      expect(w.check(10_000 - size)).toBe(REPLAY_TOO_OLD);
    }
  });

  it('supports the largest window it allows', () => {
    const w = new ReplayWindow(MAX_REPLAY_WINDOW, false);
    w.commit(0, 100_000);
    expect(w.check(100_000 - MAX_REPLAY_WINDOW + 1)).toBe(0);
    expect(w.check(100_000 - MAX_REPLAY_WINDOW)).toBe(REPLAY_TOO_OLD);
    w.commit(0, 100_000 - MAX_REPLAY_WINDOW + 1);
    expect(w.check(100_000 - MAX_REPLAY_WINDOW + 1)).toBe(REPLAY_DUPLICATE);
  });
});

describe('RFC 4303 A2.2: inferring seq-hi with ESN', () => {
  // Hand-worked from A2.2 with W = 64: Bl = Tl - W + 1 (mod 2^32).
  it('Case A (Tl >= W - 1): Seql >= Bl gives Th, Seql < Bl gives Th + 1', () => {
    const w = new ReplayWindow(64, true);
    w.commit(5, 1000); // T = (5, 1000), Bl = 937
    expect(w.check(937)).toBe(5); // bottom of the window, unseen
    expect(w.check(1000)).toBe(REPLAY_DUPLICATE);
    expect(w.check(2000)).toBe(5); // right of the window
    expect(w.check(936)).toBe(6); // below Bl: the next subspace
    expect(w.check(0)).toBe(6); // 6 * 2^32 is a valid number
  });

  it('Case B (Tl < W - 1): Seql >= Bl gives Th - 1, Seql < Bl gives Th', () => {
    const w = new ReplayWindow(64, true);
    w.commit(5, 10); // T = (5, 10), Bl = 10 - 63 mod 2^32 = 4294967243
    expect(w.check(4294967243)).toBe(4); // 63 behind T: the window's bottom, previous subspace
    expect(w.check(4294967295)).toBe(4);
    expect(w.check(4294967242)).toBe(5); // below Bl: Th, i.e. far ahead
    expect(w.check(0)).toBe(5); // (5, 0) is 10 behind T and unseen
    expect(w.check(11)).toBe(5);
  });

  it('crosses the 2^32 boundary: (0, 2^32 - 1) then (1, 0) then late (0, 2^32 - 2)', () => {
    const w = new ReplayWindow(32, true);
    w.commit(0, 0xfffffffe);
    expect(w.check(0xffffffff)).toBe(0);
    w.commit(0, 0xffffffff);
    expect(w.check(0)).toBe(1); // Case A: 0 < Bl, so Th + 1
    w.commit(1, 0);
    expect(w.check(0xfffffffe)).toBe(REPLAY_DUPLICATE); // Case B: Th - 1, already seen
    expect(w.check(0xfffffff0)).toBe(0); // 17 behind, unseen
    expect([w.topHi, w.topLo]).toEqual([1, 0]);
  });

  it('never infers a negative subspace: at Th = 0 a number above Bl is far ahead', () => {
    const w = new ReplayWindow(64, true);
    w.commit(0, 10);
    expect(w.check(0xfffffff0)).toBe(0);
    expect(w.describe(0xfffffff0).behind).toBeLessThan(0);
  });

  it('treats a number that would need seq-hi 2^32 as old, in the top subspace', () => {
    const w = new ReplayWindow(64, true);
    w.commit(0xffffffff, 0xffffff00);
    expect(w.check(5)).toBe(REPLAY_TOO_OLD);
    expect(new ReplayWindow(0, true).check(5)).toBe(0);
  });

  it('rejects only the full number 0; (hi, 0) with hi > 0 is valid', () => {
    const w = new ReplayWindow(64, true);
    expect(w.check(0)).toBe(REPLAY_ZERO);
    w.commit(1, 5);
    expect(w.check(0)).toBe(1);
  });
});

describe('window size 0: anti-replay off', () => {
  it('rejects nothing, not even 0 (3.3.3: such a sender may wrap to 0)', () => {
    const w = new ReplayWindow(0, false);
    expect(w.check(0)).toBe(0);
    expect(w.commit(0, 5)).toBe(true);
    expect(w.check(5)).toBe(0);
    expect(w.commit(0, 5)).toBe(true);
    expect(w.check(1)).toBe(0);
  });

  it('still infers seq-hi for ESN from the highest number seen (3.3.3 note, A2)', () => {
    const w = new ReplayWindow(0, true);
    w.commit(0, 0xfffffff0);
    expect(w.check(5)).toBe(1); // just past the boundary
    w.commit(1, 5);
    expect([w.topHi, w.topLo]).toEqual([1, 5]);
    expect(w.check(0xffffff00)).toBe(0); // late, from the previous subspace: accepted
    expect(w.check(5)).toBe(1); // a replay is not refused
  });
});

describe('check and commit are split (RFC 4303 3.4.3: update only after the ICV)', () => {
  it('check without commit leaves the window unchanged', () => {
    const w = new ReplayWindow(64, true);
    w.commit(0, 50);
    const before = JSON.stringify(w.describe(40));
    for (const lo of [51, 1000, 40, 0xffffffff, 0, 7]) w.check(lo);
    expect(JSON.stringify(w.describe(40))).toBe(before);
    expect(w.check(1000)).toBe(0);
  });

  it('commit says false when a twin committed first (two packets checked in flight)', () => {
    const w = new ReplayWindow(64, false);
    expect(w.check(9)).toBe(0);
    expect(w.check(9)).toBe(0);
    expect(w.commit(0, 9)).toBe(true);
    expect(w.commit(0, 9)).toBe(false);
    w.commit(0, 500);
    expect(w.commit(0, 10)).toBe(false); // left of the window by now
  });
});

describe('evidence', () => {
  it('describes where the window stands and how far behind a rejected number was', () => {
    const w = new ReplayWindow(64, false);
    w.commit(0, 1000);
    expect(w.describe(900)).toEqual({
      windowSize: 64, esn: false, top: '1000', topHi: 0, topLo: 1000, seq: '900', seqHi: 0, seqLo: 900,
      behind: 100, result: 'too-old', behindInTopSubspace: null,
    });
    expect(w.describe(1000).result).toBe('duplicate');
    expect(w.describe(1001)).toMatchObject({ behind: -1, result: 'accept' });
  });

  it('shows a late ESN packet that A2.2 moved to the next subspace', () => {
    const w = new ReplayWindow(64, true);
    w.commit(3, 5000);
    const e = w.describe(100);
    expect(e).toMatchObject({ result: 'accept', seqHi: 4, topHi: 3, behindInTopSubspace: 4900 });
    expect(e.seq).toBe(((4n << 32n) | 100n).toString());
  });

  it('names every failure code', () => {
    expect(replayFailureReason(REPLAY_DUPLICATE)).toBe('duplicate');
    expect(replayFailureReason(REPLAY_TOO_OLD)).toBe('too-old');
    expect(replayFailureReason(REPLAY_ZERO)).toBe('zero');
  });
});

describe('API misuse throws, naming the parameter', () => {
  it.each([-1, 1.5, MAX_REPLAY_WINDOW + 1, Number.NaN])('size %s', (size) => {
    expect(() => new ReplayWindow(size, false)).toThrow(/size/);
  });
  it('seqLo and seqHi outside u32, and seqHi without ESN', () => {
    const w = new ReplayWindow(64, false);
    expect(() => w.check(-1)).toThrow(RangeError);
    expect(() => w.check(TWO_32)).toThrow(/seqLo/);
    expect(() => w.commit(1, 1)).toThrow(/seqHi/);
    expect(() => new ReplayWindow(64, true).commit(TWO_32, 1)).toThrow(/seqHi/);
  });
});

// ---- model-based tests ---------------------------------------------------------------

/** mulberry32: a tiny seeded PRNG, so a failing walk can be replayed from its seed. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / TWO_32;
  };
}

interface Harness {
  real: ReplayWindow;
  model: ModelWindow;
  steps: number;
}

/** One packet: check both, and commit to both when the "ICV" passes. Throws on any difference. */
function step(h: Harness, seqLo: number, icvPasses: boolean): void {
  const r = h.real.check(seqLo);
  const m = h.model.check(seqLo);
  if (r !== m) {
    throw new Error(`check(${seqLo}) real=${r} model=${m} top=${h.model.top} W=${h.model.size} esn=${h.model.esn}`);
  }
  if (r >= 0 && icvPasses) {
    if (!h.real.commit(r, seqLo)) throw new Error(`commit(${r}, ${seqLo}) refused a number check() passed`);
    h.model.commit(r, seqLo);
  }
  const [mh, ml] = h.model.topParts();
  if (h.real.topHi !== mh || h.real.topLo !== ml) {
    throw new Error(`top real=(${h.real.topHi},${h.real.topLo}) model=(${mh},${ml}) after ${seqLo}`);
  }
  h.steps++;
}

/** Every number from top - size - 3 to top + 3 gets the same answer from both. */
function sweep(h: Harness): void {
  const span = BigInt(Math.min(h.model.size, 4096) + 3);
  for (let d = -3n; d <= span; d++) {
    const seq = h.model.top - d;
    if (seq < 0n) continue;
    const lo = Number(seq & 0xffffffffn);
    const r = h.real.check(lo);
    const m = h.model.check(lo);
    if (r !== m) throw new Error(`sweep check(${lo}) real=${r} model=${m} top=${h.model.top}`);
  }
}

/**
 * A sender counter S walks forward; each packet is S in order, a late or duplicate number
 * near S, a jump, or garbage. The "ICV" passes for numbers the sender has sent (<= S), 90%
 * of the time, to exercise check-without-commit.
 */
function walk(h: Harness, rand: () => number, count: number, start: bigint): void {
  const esn = h.model.esn;
  const w = Math.max(h.model.size, 1);
  let sender = start;
  for (let i = 0; i < count; i++) {
    const p = rand();
    let seq: bigint;
    if (p < 0.55) seq = sender += BigInt(1 + Math.floor(rand() * 3));
    else if (p < 0.8) seq = sender - BigInt(Math.floor(rand() * 2.5 * w));
    else if (p < 0.87) seq = sender += BigInt(Math.floor(rand() * 10 * w));
    else if (p < 0.875 && esn) seq = sender += BigInt(Math.floor(rand() * 2 ** 31));
    else if (p < 0.95) seq = h.model.top - BigInt(Math.floor(rand() * (w + 2)));
    else seq = BigInt(Math.floor(rand() * TWO_32));
    if (!esn && sender >= 0xffffffffn) sender = 1n; // non-ESN must not cycle: restart the counter
    if (seq < 0n) seq = 0n;
    const icv = seq <= sender && rand() < 0.9;
    step(h, Number(seq & 0xffffffffn), icv);
    if ((i & 0x3fff) === 0) {
      sweep(h);
      h.model.prune();
    }
  }
  sweep(h);
}

describe('the window against the naive model', () => {
  it('agrees over a seeded long random walk for every size, with and without ESN', () => {
    let total = 0;
    let maxHi = 0;
    for (const size of SIZES) {
      for (const esn of [false, true]) {
        const seed = 0x5eed + size * 2 + (esn ? 1 : 0);
        const h: Harness = { real: new ReplayWindow(size, esn), model: new ModelWindow(size, esn), steps: 0 };
        // ESN walks start just below 2^32 so seq-lo wraps early and often.
        walk(h, prng(seed), 200_000, esn ? 0xffffff00n : 1n);
        total += h.steps;
        if (esn) maxHi = Math.max(maxHi, h.real.topHi);
      }
    }
    expect(total).toBe(SIZES.length * 2 * 200_000);
    expect(maxHi).toBeGreaterThanOrEqual(2); // the ESN walks really crossed subspaces
  });

  const opArb = fc.tuple(
    fc.constantFrom('next', 'late', 'replay-top', 'jump', 'wrap-jump', 'garbage'),
    fc.nat({ max: 0xffffffff }),
    fc.boolean(),
  );

  function runOps(size: number, esn: boolean, start: bigint, ops: readonly (readonly [string, number, boolean])[]): void {
    const h: Harness = { real: new ReplayWindow(size, esn), model: new ModelWindow(size, esn), steps: 0 };
    const w = BigInt(Math.max(size, 1));
    let sender = start;
    for (const [kind, n, icv] of ops) {
      const k = BigInt(n);
      let seq: bigint;
      if (kind === 'next') seq = sender += 1n + (k % 3n);
      else if (kind === 'late') seq = sender - (k % (3n * w));
      else if (kind === 'replay-top') seq = h.model.top - (k % (w + 2n));
      else if (kind === 'jump') seq = sender += k % (20n * w);
      else if (kind === 'wrap-jump') seq = sender += esn ? k : 0n;
      else seq = k;
      if (!esn && sender > 0xffffffffn) sender = 1n;
      if (seq < 0n) seq = 0n;
      step(h, Number(seq & 0xffffffffn), icv && seq <= sender);
    }
    sweep(h);
  }

  it('agrees on arbitrary sequences (fast-check, 32-bit numbers)', () => {
    fc.assert(
      fc.property(fc.constantFrom(...SIZES), fc.array(opArb, { minLength: 1, maxLength: 1500, size: 'max' }), (size, ops) => {
        runOps(size, false, 1n, ops);
      }),
      { numRuns: 400, seed: 4303 },
    );
  });

  it('agrees on arbitrary sequences (fast-check, ESN, starting anywhere in the 64-bit space)', () => {
    const start = fc.bigInt({ min: 0n, max: (1n << 40n) });
    fc.assert(
      fc.property(fc.constantFrom(...SIZES), start, fc.array(opArb, { minLength: 1, maxLength: 1500, size: 'max' }), (size, s, ops) => {
        runOps(size, true, s, ops);
      }),
      { numRuns: 400, seed: 4304 },
    );
  });

  it('agrees on arbitrary sequences (fast-check, ESN, starting right at a subspace boundary)', () => {
    const nearBoundary = fc.tuple(fc.nat({ max: 5 }), fc.integer({ min: -5000, max: 5000 }))
      .map(([hi, d]) => BigInt(hi + 1) * (1n << 32n) + BigInt(d));
    fc.assert(
      fc.property(fc.constantFrom(...SIZES), nearBoundary, fc.array(opArb, { minLength: 1, maxLength: 1000, size: 'max' }), (size, s, ops) => {
        runOps(size, true, s, ops);
      }),
      { numRuns: 300, seed: 4305 },
    );
  });
});
