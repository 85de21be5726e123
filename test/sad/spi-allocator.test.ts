// The SPI allocator never hands out a reserved SPI (RFC 4303 2.1: 0 local, 1-255 IANA), one
// in use, one reserved for a negotiation, or one the history remembers, even when its random
// source is forced to repeat itself.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MAX_SPI_ATTEMPTS, SpiAllocator, SpiExhaustedError } from '../../src/sad/spi-allocator.js';
import { SaDatabase } from '../../src/sad/sad.js';
import { saConfig } from './fixtures.js';

/** A random source that plays back the given u32 values in a loop, 4 bytes each. */
function replaying(values: readonly number[]): (n: number) => Buffer {
  let i = 0;
  return (n) => {
    const out = Buffer.alloc(n);
    for (let off = 0; off + 4 <= n; off += 4) out.writeUInt32BE(values[i++ % values.length]! >>> 0, off);
    return out;
  };
}

describe('SpiAllocator against a naive model', () => {
  it('returns the first candidate that is >= 256 and not taken, in the order the source gives them', () => {
    const candidate = fc.oneof(fc.nat(300), fc.constantFrom(0xffffffff, 256, 0x80000000), fc.nat({ max: 0xffffffff }));
    fc.assert(
      fc.property(fc.array(candidate, { minLength: 1, maxLength: 400 }), fc.array(fc.nat({ max: 0xffffffff }), { maxLength: 50 }), (values, takenList) => {
        const taken = new Set(takenList);
        // Whatever the source says (even all taken), the allocator must not hand out a bad SPI.
        const alloc = new SpiAllocator(replaying(values), (spi) => taken.has(spi));
        // Model: read the stream (it loops) until a good value, at most MAX_SPI_ATTEMPTS reads.
        const stream = Array.from({ length: MAX_SPI_ATTEMPTS }, (_, i) => values[i % values.length]!);
        const expected = stream.find((v) => v >= 256 && !taken.has(v));
        if (expected === undefined) expect(() => alloc.next()).toThrow(SpiExhaustedError);
        else expect(alloc.next()).toBe(expected);
      }),
      { numRuns: 500, seed: 42 },
    );
  });

  it('gives up with a typed error when the source only repeats taken values', () => {
    const alloc = new SpiAllocator(replaying([0x1234, 0, 77]), (spi) => spi === 0x1234);
    expect(() => alloc.next()).toThrow(/no free SPI after 1024/);
  });

  it('asks the random source for bytes in batches, not per SPI', () => {
    let calls = 0;
    const source = (n: number): Buffer => {
      calls++;
      return replaying([0x10000 + calls])(n);
    };
    const alloc = new SpiAllocator(source, () => false);
    for (let i = 0; i < 64; i++) alloc.next();
    expect(calls).toBe(1);
    alloc.next();
    expect(calls).toBe(2);
  });

  it('refuses a source that returns too few bytes', () => {
    expect(() => new SpiAllocator(() => Buffer.alloc(2), () => false).next()).toThrow(TypeError);
  });
});

describe('SaDatabase.allocateSpi with a colliding random source', () => {
  it('skips SPIs installed in either direction, reserved, or remembered in the history', () => {
    const pool = [5, 0, 255, 0x1000, 0x2000, 0x3000, 0x4000, 0x5000, 0x6000];
    const sad = new SaDatabase({ random: replaying(pool) });
    sad.add(saConfig({ spi: 0x1000, direction: 'inbound' }), 0);
    sad.add(saConfig({ spi: 0x2000, direction: 'outbound' }), 0);
    const old = sad.add(saConfig({ spi: 0x3000 }), 0);
    sad.remove(old, 'deleted-by-peer', 10);
    expect(sad.allocateSpi(20)).toBe(0x4000);
    expect(sad.allocateSpi(20)).toBe(0x5000); // 0x4000 is now larval
    expect(sad.allocateSpi(20)).toBe(0x6000);
    expect(() => sad.allocateSpi(20)).toThrow(SpiExhaustedError);
  });

  it('never returns a bad SPI over many allocations from a small random pool (property)', () => {
    fc.assert(
      fc.property(fc.uniqueArray(fc.nat(2000), { minLength: 20, maxLength: 60 }), fc.array(fc.nat(3), { maxLength: 60, size: 'max' }), (pool, actions) => {
        const sad = new SaDatabase({ random: replaying(pool), historyMaxAgeMs: 1e12 });
        const handedOut = new Set<number>();
        let now = 0;
        for (const action of actions) {
          now += 10;
          let spi: number;
          try {
            spi = sad.allocateSpi(now);
          } catch (e) {
            expect(e).toBeInstanceOf(SpiExhaustedError);
            return;
          }
          expect(spi).toBeGreaterThanOrEqual(256);
          expect(handedOut.has(spi)).toBe(false); // larval, installed, or remembered: all still blocking
          handedOut.add(spi);
          if (action >= 1) {
            const sa = sad.add(saConfig({ spi }), now);
            if (action === 2) sad.remove(sa, 'rekeyed', now);
          }
        }
      }),
      { numRuns: 200, seed: 7 },
    );
  });
});
