// The SA history: bounded in count (oldest out first) and age, lookup by SPI newest first,
// checked against a plain array model.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { RemovalReason, Tombstone } from '../../src/sad/history.js';
import { SaHistory, tombstoneOf } from '../../src/sad/history.js';
import { SecurityAssociation } from '../../src/sad/sa.js';
import { saConfig } from './fixtures.js';

let nextId = 1;
function tombstone(spi: number, removedAt: number, reason: RemovalReason = 'deleted-locally'): Tombstone {
  const sa = new SecurityAssociation(nextId++, saConfig({ spi }), removedAt - 100);
  return tombstoneOf(sa, reason, removedAt);
}

describe('SaHistory', () => {
  it('keeps what the diagnosis needs', () => {
    const sa = new SecurityAssociation(9, saConfig({ spi: 0xc0ffee00, label: 'site-b' }), 1000);
    for (let i = 0; i < 5; i++) sa.recordPacket(140, 1000 + i);
    sa.countDrop('replay');
    const t = tombstoneOf(sa, 'rekeyed', 5000, { successorSpi: 0xc0ffee01 });
    expect(t).toEqual({
      spi: 0xc0ffee00, saId: 9, direction: 'inbound', src: '192.0.2.1', dst: '198.51.100.7', label: 'site-b',
      addedAt: 1000, removedAt: 5000, reason: 'rekeyed', expiry: null, successorSpi: 0xc0ffee01,
      final: { packets: 5, bytes: 700, drops: { replay: 1 } },
      packetsSinceRemoval: 0, firstSeenAfterRemoval: null, lastSeenAfterRemoval: null,
    });
  });

  it('returns the tombstones of an SPI newest first', () => {
    const h = new SaHistory();
    const a = tombstone(0x500, 10);
    const b = tombstone(0x600, 20);
    const c = tombstone(0x500, 30);
    for (const t of [a, b, c]) h.add(t, t.removedAt);
    expect(h.lookup(0x500)).toEqual([c, a]);
    expect(h.lookup(0x700)).toEqual([]);
    expect(h.has(0x600)).toBe(true);
  });

  it('counts packets that arrive after removal, with first and last times', () => {
    const h = new SaHistory();
    const t = tombstone(0xfeedf00d, 100);
    h.add(t, 100);
    h.notePacket(h.lookup(0xfeedf00d)[0]!, 150);
    h.notePacket(t, 400);
    expect(t).toMatchObject({ packetsSinceRemoval: 2, firstSeenAfterRemoval: 150, lastSeenAfterRemoval: 400 });
  });

  it('forgets the oldest beyond the count bound', () => {
    const h = new SaHistory({ maxEntries: 3 });
    for (let i = 0; i < 5; i++) h.add(tombstone(0x1000 + i, i), i);
    expect(h.size).toBe(3);
    expect(h.entries().map((t) => t.spi)).toEqual([0x1002, 0x1003, 0x1004]);
    expect(h.has(0x1001)).toBe(false);
  });

  it('forgets tombstones older than the age bound, keeping one exactly at it', () => {
    const h = new SaHistory({ maxAgeMs: 1000 });
    h.add(tombstone(0x1000, 0), 0);
    h.add(tombstone(0x1001, 500), 500);
    expect(h.prune(1000)).toBe(0); // age 1000 = the bound: kept
    expect(h.prune(1001)).toBe(1);
    expect(h.lookup(0x1000)).toEqual([]);
    expect(h.size).toBe(1);
  });

  it('refuses bad bounds, naming them', () => {
    expect(() => new SaHistory({ maxEntries: -1 })).toThrow(/maxEntries/);
    expect(() => new SaHistory({ maxAgeMs: Number.NaN })).toThrow(/maxAgeMs/);
  });

  it('matches a plain array model under random adds and prunes (count and age bounds)', () => {
    const op = fc.oneof(
      fc.record({ kind: fc.constant('add' as const), spi: fc.integer({ min: 256, max: 270 }), dt: fc.nat(300) }),
      fc.record({ kind: fc.constant('prune' as const), dt: fc.nat(2000) }),
    );
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 20 }), fc.integer({ min: 0, max: 3000 }), fc.array(op, { maxLength: 150, size: 'max' }), (maxEntries, maxAgeMs, ops) => {
        const h = new SaHistory({ maxEntries, maxAgeMs });
        let model: Tombstone[] = [];
        let now = 0;
        for (const o of ops) {
          now += o.dt;
          if (o.kind === 'add') {
            const t = tombstone(o.spi, now);
            h.add(t, now);
            if (maxEntries > 0) model.push(t);
            model = model.slice(Math.max(0, model.length - maxEntries));
          } else {
            h.prune(now);
          }
          model = model.filter((t) => now - t.removedAt <= maxAgeMs);
          expect(h.entries()).toEqual(model);
          for (let spi = 256; spi <= 270; spi++) {
            expect(h.lookup(spi)).toEqual(model.filter((t) => t.spi === spi).reverse());
          }
        }
      }),
      { numRuns: 100, seed: 11 },
    );
  });
});
