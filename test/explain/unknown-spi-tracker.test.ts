// The unknown-SPI tracker against a plain CLOCK model: same counts, same evictions, for
// random streams of SPIs larger and smaller than the capacity, including SPIs >= 2^31.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { UnknownSpiTracker } from '../../src/explain/unknown-spi-tracker.js';

/** CLOCK written the obvious way: an array of slots and a hand. */
class ClockModel {
  slots: { spi: number; count: number; first: number; ref: boolean }[] = [];
  hand = 0;
  constructor(readonly capacity: number) {}
  note(spi: number, now: number): void {
    const hit = this.slots.find((s) => s.spi === spi);
    if (hit) { hit.count++; hit.ref = true; return; }
    if (this.slots.length < this.capacity) { this.slots.push({ spi, count: 1, first: now, ref: false }); return; }
    for (;;) {
      const s = this.slots[this.hand]!;
      const at = this.hand;
      this.hand = (this.hand + 1) % this.capacity;
      if (s.ref) { s.ref = false; continue; }
      this.slots[at] = { spi, count: 1, first: now, ref: false };
      return;
    }
  }
  count(spi: number): number {
    return this.slots.find((s) => s.spi === spi)?.count ?? 0;
  }
}

describe('UnknownSpiTracker', () => {
  it('counts and evicts exactly as the CLOCK model does', () => {
    fc.assert(fc.property(
      fc.integer({ min: 1, max: 16 }),
      fc.array(fc.oneof(fc.integer({ min: 0, max: 24 }), fc.constantFrom(0xffffffff, 0x80000000, 0x40000000)), { maxLength: 400 }),
      (capacity, stream) => {
        const t = new UnknownSpiTracker(capacity);
        const m = new ClockModel(capacity);
        stream.forEach((raw, now) => {
          const spi = raw <= 24 ? (raw * 0x0b000001) >>> 0 : raw;
          const slot = t.note(spi, '192.0.2.1', now);
          m.note(spi, now);
          expect(t.count(slot)).toBe(m.count(spi));
        });
        for (const s of m.slots) expect(t.timesSeen(s.spi)).toBe(s.count);
        expect(t.size).toBe(m.slots.length);
      },
    ), { numRuns: 500 });
  });

  it('keeps an SPI that keeps arriving through a flood of one-off SPIs', () => {
    const t = new UnknownSpiTracker(64);
    for (let i = 0; i < 100_000; i++) {
      if (i % 10 === 0) t.note(0xdeadbeef, '192.0.2.1', i);
      else t.note((0x80000000 + i) >>> 0, '192.0.2.9', i);
    }
    expect(t.timesSeen(0xdeadbeef)).toBe(10_000);
    expect(t.size).toBe(64);
  });

  it('refuses a capacity that is not a positive integer', () => {
    expect(() => new UnknownSpiTracker(0)).toThrow(RangeError);
    expect(() => new UnknownSpiTracker(1.5)).toThrow(/capacity/);
  });
});
