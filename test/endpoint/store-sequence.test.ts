// Outbound sequence reservations: durable, monotonic, and never handing out a number twice
// across restarts (AES-GCM nonce reuse must not happen even after a crash).
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { StateStore } from '../../src/endpoint/store/state-store.js';
import { SequenceReservation } from '../../src/endpoint/store/sequence-reservation.js';
import type { SequenceLedger } from '../../src/endpoint/store/sequence-reservation.js';
import { keyFingerprint } from '../../src/endpoint/store/key-fingerprint.js';
import { cleanUpStores, openStore as open, tempDir } from './store-support.js';

afterEach(cleanUpStores);


const KEYS = { encryptionKey: Buffer.alloc(20, 0x11), integrityKey: new Uint8Array(0) };
const FP = keyFingerprint(KEYS);

describe('keyFingerprint', () => {
  it('is 64 hex digits and depends on both keys and where one ends', () => {
    expect(FP).toMatch(/^[0-9a-f]{64}$/);
    expect(keyFingerprint({ encryptionKey: Buffer.alloc(20, 0x11), integrityKey: new Uint8Array(0) })).toBe(FP);
    expect(keyFingerprint({ encryptionKey: Buffer.alloc(20, 0x11), integrityKey: Buffer.alloc(32, 1) })).not.toBe(FP);
    // The same bytes split differently between the keys are other keys.
    const a = keyFingerprint({ encryptionKey: Buffer.from('abcd'), integrityKey: Buffer.from('ef') });
    const b = keyFingerprint({ encryptionKey: Buffer.from('abc'), integrityKey: Buffer.from('def') });
    expect(a).not.toBe(b);
  });
});

describe('StateStore reservations', () => {
  it('starts at 0, keeps the highest value, and survives reopen', () => {
    const dir = tempDir();
    let s = open(dir);
    expect(s.resumePoint(0x1000, FP)).toBe(0);
    s.reserve(0x1000, FP, 500);
    s.reserve(0x1000, FP, 200); // never lowers
    expect(s.resumePoint(0x1000, FP)).toBe(500);
    s.reserve(0x2000, FP, 7);
    s.close();
    s = open(dir);
    expect(s.resumePoint(0x1000, FP)).toBe(500);
    expect(s.resumePoint(0x2000, FP)).toBe(7);
    // Other keys on the same SPI are another counter.
    expect(s.resumePoint(0x1000, keyFingerprint({ encryptionKey: Buffer.alloc(20, 0x22), integrityKey: new Uint8Array(0) }))).toBe(0);
  });

  it('carries values up to 2^53-1 exactly and refuses larger ones', () => {
    const s = open(tempDir());
    s.reserve(1, FP, Number.MAX_SAFE_INTEGER);
    expect(s.resumePoint(1, FP)).toBe(Number.MAX_SAFE_INTEGER);
    expect(() => s.reserve(2, FP, Number.MAX_SAFE_INTEGER + 1)).toThrow(RangeError);
    expect(() => s.reserve(2, FP, -1)).toThrow(RangeError);
    expect(() => s.reserve(2, FP, 1.5)).toThrow(RangeError);
    expect(() => s.reserve(2 ** 32, FP, 1)).toThrow(RangeError);
    expect(() => s.reserve(2, 'not-a-fingerprint', 1)).toThrow(TypeError);
  });

  it('keeps the key fingerprint on disk, never the keys', () => {
    const dir = tempDir();
    const keys = { encryptionKey: Buffer.from('4b45592d4d415445524941'.repeat(3) + 'ab', 'hex'), integrityKey: Buffer.from('494e544547524954592d4b4559'.repeat(2), 'hex') };
    const s = open(dir);
    const g = s.sequenceGuard(0x1000, keys);
    g.start();
    g.ensure(g.reservedThrough + 1);
    const files = readdirSync(dir).map((f) => readFileSync(join(dir, f)));
    s.close();
    expect(files.length).toBeGreaterThan(1);
    for (const bytes of [...files, ...readdirSync(dir).map((f) => readFileSync(join(dir, f)))]) {
      expect(bytes.includes(keys.encryptionKey)).toBe(false);
      expect(bytes.includes(keys.integrityKey)).toBe(false);
      expect(bytes.includes(keys.encryptionKey.subarray(0, 8))).toBe(false);
    }
    expect(readFileSync(join(dir, 'state.db')).includes(Buffer.from(keyFingerprint(keys)))).toBe(true);
  });

  it('prunes old rows only when asked, and never rows of SAs this process used', () => {
    let now = 1_000_000;
    const dir = tempDir();
    let s = open(dir, { clock: () => now });
    s.reserve(1, FP, 10);
    s.reserve(2, FP, 10);
    s.close();
    now += 10_000;
    s = open(dir, { clock: () => now });
    s.reserve(3, FP, 10);
    expect(s.resumePoint(2, FP)).toBe(10); // used by this process now
    expect(s.pruneReservationsOlderThan(5_000)).toBe(1);
    s.close();
    s = open(dir, { clock: () => now });
    expect([s.resumePoint(1, FP), s.resumePoint(2, FP), s.resumePoint(3, FP)]).toEqual([0, 10, 10]);
  });
});

describe('SequenceReservation', () => {
  function countingLedger(): SequenceLedger & { writes: number[] } {
    let value = 0;
    const writes: number[] = [];
    return {
      writes,
      resumePoint: () => value,
      reserve: (_spi, _fp, through) => { writes.push(through); value = Math.max(value, through); },
    };
  }

  it('reserves the first block before start() returns and then once per block', () => {
    const ledger = countingLedger();
    const r = new SequenceReservation(ledger, 0x1000, FP, 100);
    expect(r.start()).toBe(1);
    expect(ledger.writes).toEqual([100]);
    for (let n = 1; n <= 100; n++) r.ensure(n);
    expect(ledger.writes).toEqual([100]);
    r.ensure(101);
    expect(ledger.writes).toEqual([100, 200]);
    expect(r.reservedThrough).toBe(200);
    r.ensure(1000); // a jump reserves from where the sender is
    expect(r.reservedThrough).toBe(1099);
  });

  it('refuses ensure() before start(), NaN and numbers past 2^53-1', () => {
    const ledger = countingLedger();
    const r = new SequenceReservation(ledger, 1, FP, 10);
    expect(() => r.ensure(5)).toThrow(/start\(\)/);
    r.start();
    expect(() => r.ensure(Number.NaN)).toThrow(RangeError);
    expect(() => r.ensure(2 ** 53)).toThrow(RangeError);
    expect(ledger.writes).toEqual([10]);
  });

  it('does not run past 2^53-1 and refuses to start on exhausted keys', () => {
    const ledger = countingLedger();
    ledger.reserve(1, FP, Number.MAX_SAFE_INTEGER - 5);
    const r = new SequenceReservation(ledger, 1, FP, 100);
    expect(r.start()).toBe(Number.MAX_SAFE_INTEGER - 4);
    expect(r.reservedThrough).toBe(Number.MAX_SAFE_INTEGER);
    expect(() => new SequenceReservation(ledger, 1, FP, 100).start()).toThrow(/new keys/);
  });

  it('resumes strictly above everything reserved by the store before a restart', () => {
    const dir = tempDir();
    let s = open(dir, { reserveBlock: 50 });
    let g = s.sequenceGuard(0x1000, KEYS);
    expect(g.start()).toBe(1);
    for (let n = 1; n <= 120; n++) g.ensure(n);
    expect(g.reservedThrough).toBe(150); // blocks 1-50, 51-100, 101-150
    s.close();
    s = open(dir, { reserveBlock: 50 });
    g = s.sequenceGuard(0x1000, KEYS);
    expect(g.start()).toBe(151);
  });

  type Op = { readonly op: 'use'; readonly count: number } | { readonly op: 'jump'; readonly by: number } | { readonly op: 'restart'; readonly block: number };

  it('never hands out a number twice over random runs of use, jump and restart (property)', () => {
    const dir = tempDir();
    const op: fc.Arbitrary<Op> = fc.oneof(
      fc.record({ op: fc.constant('use' as const), count: fc.integer({ min: 0, max: 60 }) }),
      fc.record({ op: fc.constant('jump' as const), by: fc.integer({ min: 1, max: 500 }) }),
      fc.record({ op: fc.constant('restart' as const), block: fc.integer({ min: 1, max: 40 }) }),
    );
    let spi = 0x100;
    fc.assert(fc.property(fc.integer({ min: 1, max: 40 }), fc.array(op, { maxLength: 12 }), (firstBlock, ops) => {
      spi++; // a fresh counter per run, in one store directory
      const used = new Set<number>();
      let store = StateStore.open(dir, { reserveBlock: firstBlock });
      try {
        let guard = store.sequenceGuard(spi, KEYS);
        let next = guard.start();
        for (const o of ops) {
          if (o.op === 'restart') {
            store.close();
            store = StateStore.open(dir, { reserveBlock: o.block });
            guard = store.sequenceGuard(spi, KEYS);
            next = guard.start();
            for (const n of used) expect(n).toBeLessThan(next);
          } else if (o.op === 'jump') {
            next += o.by;
          } else {
            for (let i = 0; i < o.count; i++, next++) {
              guard.ensure(next);
              expect(next).toBeLessThanOrEqual(guard.reservedThrough);
              expect(store.resumePoint(spi, FP)).toBeGreaterThanOrEqual(next);
              expect(used.has(next)).toBe(false);
              used.add(next);
            }
          }
        }
      } finally {
        store.close();
      }
    }), { numRuns: 40 });
  });
});
