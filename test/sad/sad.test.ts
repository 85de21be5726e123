// SaDatabase behaviour: lookup by SPI and destination (RFC 4303 2.1 longest match), larval
// reservations, removal into the history, lifetimes at their exact boundaries, events.
import { describe, expect, it } from 'vitest';
import type { SaEvent } from '../../src/sad/sad.js';
import { SaDatabase } from '../../src/sad/sad.js';
import { saConfig } from './fixtures.js';

function withEvents(options = {}): { sad: SaDatabase; events: SaEvent[] } {
  const sad = new SaDatabase(options);
  const events: SaEvent[] = [];
  sad.onEvent((e) => events.push(e));
  return { sad, events };
}

describe('lookupInbound', () => {
  it('finds the SA for its SPI and destination, and nothing for another destination', () => {
    const sad = new SaDatabase();
    const sa = sad.add(saConfig({ spi: 0x1001, dst: '198.51.100.7' }), 0);
    expect(sad.lookupInbound(0x1001, '198.51.100.7')).toBe(sa);
    expect(sad.lookupInbound(0x1001, '198.51.100.8')).toBeUndefined();
    expect(sad.lookupInbound(0x1002, '198.51.100.7')).toBeUndefined();
  });

  it('matches any destination when the SA has dst null', () => {
    const sad = new SaDatabase();
    const sa = sad.add(saConfig({ spi: 0x1001, dst: null }), 0);
    expect(sad.lookupInbound(0x1001, '2001:db8::1')).toBe(sa);
  });

  it('prefers the exact destination over a wildcard for a shared SPI (RFC 4303 2.1 longest match)', () => {
    const sad = new SaDatabase();
    const any = sad.add(saConfig({ spi: 0x1001, dst: null }), 0);
    const exact = sad.add(saConfig({ spi: 0x1001, dst: '203.0.113.5' }), 0);
    const other = sad.add(saConfig({ spi: 0x1001, dst: '203.0.113.6' }), 0);
    expect(sad.lookupInbound(0x1001, '203.0.113.5')).toBe(exact);
    expect(sad.lookupInbound(0x1001, '203.0.113.6')).toBe(other);
    expect(sad.lookupInbound(0x1001, '203.0.113.7')).toBe(any);
    sad.remove(any, 'deleted-locally', 1);
    expect(sad.lookupInbound(0x1001, '203.0.113.7')).toBeUndefined();
    sad.remove(other, 'deleted-locally', 1);
    expect(sad.lookupInbound(0x1001, '203.0.113.5')).toBe(exact); // back to a single entry
  });

  it('handles SPIs above 2^31 (keys are int32 inside)', () => {
    const sad = new SaDatabase();
    const sa = sad.add(saConfig({ spi: 0xfffffffe }), 0);
    expect(sad.lookupInbound(0xfffffffe, '198.51.100.7')).toBe(sa);
    expect(sad.lookupInbound(0x7ffffffe, '198.51.100.7')).toBeUndefined();
    expect(sad.findBySpi(0xfffffffe)).toEqual([sa]);
  });

  it('never returns an outbound SA', () => {
    const sad = new SaDatabase();
    sad.add(saConfig({ spi: 0x1001, direction: 'outbound' }), 0);
    expect(sad.lookupInbound(0x1001, '198.51.100.7')).toBeUndefined();
    expect(sad.findBySpi(0x1001)).toHaveLength(1);
  });
});

describe('add', () => {
  it('refuses an SPI already installed for the same direction and destination', () => {
    const sad = new SaDatabase();
    sad.add(saConfig({ spi: 0x1001 }), 0);
    expect(() => sad.add(saConfig({ spi: 0x1001 }), 0)).toThrow(/config.spi 0x00001001 is already installed for inbound traffic to 198.51.100.7/);
    sad.add(saConfig({ spi: 0x1001, dst: null }), 0);
    expect(() => sad.add(saConfig({ spi: 0x1001, dst: null }), 0)).toThrow(/any destination/);
    sad.add(saConfig({ spi: 0x1001, direction: 'outbound' }), 0);
    expect(sad.size).toBe(3);
    expect(sad.findBySpi(0x1001)).toHaveLength(3);
  });

  it('installs a mature SA, emits added, and takes over a larval SPI', () => {
    const { sad, events } = withEvents({ random: () => Buffer.from([0, 0, 0x20, 0, 0, 0, 0x20, 1]) });
    const spi = sad.allocateSpi(100, { peer: '192.0.2.9', label: 'child-1' });
    expect(spi).toBe(0x2000);
    expect(sad.larval(spi)).toEqual({ spi, peer: '192.0.2.9', label: 'child-1', allocatedAt: 100, expiresAt: 30_100 });
    const sa = sad.add(saConfig({ spi }), 200);
    expect(sa.state).toBe('mature');
    expect(sad.larval(spi)).toBeUndefined();
    expect(events).toEqual([{ type: 'added', sa: sa.ref(), at: 200 }]);
  });

  it('rejects a bad config or time before changing anything', () => {
    const sad = new SaDatabase();
    expect(() => sad.add(saConfig({ spi: 12 }), 0)).toThrow(RangeError);
    expect(() => sad.add(saConfig(), Number.NaN)).toThrow(/now/);
    expect(sad.size).toBe(0);
  });
});

describe('larval reservations', () => {
  it('time out after larvalTimeoutMs on tick', () => {
    const sad = new SaDatabase({ larvalTimeoutMs: 5000 });
    const spi = sad.allocateSpi(1000);
    sad.tick(5999);
    expect(sad.larval(spi)).toBeDefined();
    sad.tick(6000);
    expect(sad.larval(spi)).toBeUndefined();
  });
});

describe('remove and the history', () => {
  it('moves the SA into the history with the reason, successor and final counters', () => {
    const { sad, events } = withEvents();
    const sa = sad.add(saConfig({ spi: 0x3001, label: 'x' }), 0);
    sad.account(sa, 100, 10);
    sa.countDrop('integrity');
    const event = sad.remove(sa, 'rekeyed', 50, { successorSpi: 0x3002 });
    expect(event).toEqual({ type: 'removed', sa: sa.ref(), at: 50, reason: 'rekeyed', successorSpi: 0x3002 });
    expect(events.at(-1)).toEqual(event);
    expect(sad.lookupInbound(0x3001, '198.51.100.7')).toBeUndefined();
    expect(sad.size).toBe(0);
    expect(sad.history.lookup(0x3001)[0]).toMatchObject({
      saId: sa.id, reason: 'rekeyed', successorSpi: 0x3002, removedAt: 50, addedAt: 0,
      final: { packets: 1, bytes: 100, drops: { integrity: 1 } },
    });
    expect(sa.usable).toBe(false);
  });

  it('returns null when the SA already left (a DELETE racing an expiry)', () => {
    const sad = new SaDatabase();
    const sa = sad.add(saConfig({ hard: { packets: 1 } }), 0);
    expect(sad.account(sa, 10, 1)?.type).toBe('hard-expired');
    expect(sad.remove(sa, 'deleted-by-peer', 2)).toBeNull();
    expect(sad.history.lookup(sa.spi)).toHaveLength(1);
  });

  it('checkUsable refuses an SA removed for another reason than expiry (API misuse)', () => {
    const sad = new SaDatabase();
    const sa = sad.add(saConfig(), 0);
    sad.remove(sa, 'deleted-by-peer', 5);
    expect(() => sad.checkUsable(sa, 6)).toThrow(/was removed at 5/);
  });

  it('refuses to expire an SA of another database', () => {
    const a = new SaDatabase();
    const sa = a.add(saConfig({ hard: { addSeconds: 1 } }), 0);
    expect(() => new SaDatabase().checkUsable(sa, 5000)).toThrow(/not installed in this database/);
    expect(a.checkUsable(sa, 500)).toBeNull();
  });

  it('refuses an SA that belongs to another database', () => {
    const a = new SaDatabase();
    const b = new SaDatabase();
    const sa = a.add(saConfig(), 0);
    b.add(saConfig(), 0);
    expect(() => b.remove(sa, 'deleted-locally', 1)).toThrow(/not installed in this database/);
  });

  it('flushes everything with reason flushed', () => {
    const { sad, events } = withEvents();
    sad.add(saConfig({ spi: 0x4001 }), 0);
    sad.add(saConfig({ spi: 0x4002, direction: 'outbound' }), 0);
    const spi = sad.allocateSpi(0);
    const out = sad.flush(9);
    expect(out.map((e) => e.type)).toEqual(['removed', 'removed']);
    expect(events.slice(-2)).toEqual(out);
    expect(sad.size).toBe(0);
    expect(sad.list()).toEqual([]);
    expect(sad.larval(spi)).toBeUndefined();
    expect(sad.history.entries().map((t) => t.reason)).toEqual(['flushed', 'flushed']);
  });
});

describe('lifetimes', () => {
  it('soft time: dying with soft-expired at exactly addedAt + addSeconds, then hard: gone', () => {
    const { sad, events } = withEvents();
    const sa = sad.add(saConfig({ soft: { addSeconds: 60 }, hard: { addSeconds: 90 } }), 1000);
    expect(sad.tick(60_999)).toEqual([]);
    expect(sad.tick(61_000)).toEqual([
      { type: 'soft-expired', sa: sa.ref(), at: 61_000, expiry: { limit: 'add-time', configured: 60, reached: 60, at: 61_000 } },
    ]);
    expect(sa.state).toBe('dying');
    expect(sad.tick(90_999)).toEqual([]);
    const [hard] = sad.tick(91_500);
    expect(hard).toEqual({
      type: 'hard-expired', sa: sa.ref(), at: 91_500, expiry: { limit: 'add-time', configured: 90, reached: 90.5, at: 91_500 },
    });
    expect(sa.state).toBe('expired');
    expect(sad.history.lookup(sa.spi)[0]).toMatchObject({ reason: 'expired', expiry: hard!.type === 'hard-expired' ? hard!.expiry : null });
    expect(events.map((e) => e.type)).toEqual(['added', 'soft-expired', 'hard-expired']);
  });

  it('checkUsable refuses an SA whose hard time ran out before the timer ticked', () => {
    const sad = new SaDatabase({ timerTickMs: 60_000 });
    const sa = sad.add(saConfig({ hard: { addSeconds: 10 } }), 0);
    expect(sad.checkUsable(sa, 9_999)).toBeNull();
    const evidence = sad.checkUsable(sa, 10_000);
    expect(evidence).toEqual({ limit: 'add-time', configured: 10, reached: 10, at: 10_000 });
    expect(sad.lookupInbound(sa.spi, '198.51.100.7')).toBeUndefined();
    expect(sad.checkUsable(sa, 10_001)).toEqual(evidence); // still the same evidence afterwards
    expect(sad.tick(120_000)).toEqual([]); // the timer was cancelled with the SA
  });

  it('use time counts from the first packet only', () => {
    const sad = new SaDatabase();
    const sa = sad.add(saConfig({ hard: { useSeconds: 5 } }), 0);
    expect(sad.tick(100_000)).toEqual([]); // unused: no use-time deadline yet
    sad.account(sa, 1, 100_000);
    expect(sa.firstUsedAt).toBe(100_000);
    expect(sad.tick(104_999)).toEqual([]);
    expect(sad.tick(105_000)[0]).toMatchObject({ type: 'hard-expired', expiry: { limit: 'use-time', configured: 5, reached: 5 } });
  });

  it('packet and byte limits: the packet that reaches the limit is counted, the SA then goes', () => {
    const sad = new SaDatabase();
    const sa = sad.add(saConfig({ soft: { bytes: 1000 }, hard: { packets: 3 } }), 0);
    expect(sad.account(sa, 600, 1)).toBeNull();
    expect(sad.account(sa, 400, 2)).toEqual({
      type: 'soft-expired', sa: sa.ref(), at: 2, expiry: { limit: 'bytes', configured: 1000, reached: 1000, at: 2 },
    });
    expect(sad.account(sa, 1, 3)).toMatchObject({ type: 'hard-expired', expiry: { limit: 'packets', configured: 3, reached: 3 } });
    expect(() => sad.account(sa, 1, 4)).toThrow(/not usable/);
  });

  it('a hard limit reached together with a soft one emits only hard-expired', () => {
    const { sad, events } = withEvents();
    const sa = sad.add(saConfig({ soft: { packets: 1 }, hard: { packets: 1 } }), 0);
    expect(sad.account(sa, 1, 1)?.type).toBe('hard-expired');
    expect(events.map((e) => e.type)).toEqual(['added', 'hard-expired']);
  });

  it('delivers events to every subscriber until it unsubscribes', () => {
    const sad = new SaDatabase();
    const a: string[] = [];
    const b: string[] = [];
    sad.onEvent((e) => a.push(e.type));
    const off = sad.onEvent((e) => b.push(e.type));
    sad.add(saConfig({ spi: 0x5001 }), 0);
    off();
    sad.add(saConfig({ spi: 0x5002 }), 0);
    expect(a).toEqual(['added', 'added']);
    expect(b).toEqual(['added']);
  });
});
