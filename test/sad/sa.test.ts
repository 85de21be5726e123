// The SA record: the guarded lifecycle, the outbound sequence counter (RFC 4303 3.3.3),
// per-SA counters, and config validation.
import { describe, expect, it } from 'vitest';
import type { SaState } from '../../src/sad/sa.js';
import { IllegalTransitionError, SEQUENCE_EXHAUSTED, SecurityAssociation } from '../../src/sad/sa.js';
import { validateSaConfig } from '../../src/sad/sa-config.js';
import { ReplayWindow } from '../../src/replay/window.js';
import { saConfig } from './fixtures.js';

const STATES: readonly SaState[] = ['larval', 'mature', 'dying', 'expired'];
/** The lifecycle as the brief states it, written out independently of src/sad/sa.ts. */
const ALLOWED = new Set(['larval>mature', 'larval>expired', 'mature>dying', 'mature>expired', 'dying>expired']);

/** An SA driven to `state` through legal moves. */
function saIn(state: SaState): SecurityAssociation {
  const sa = new SecurityAssociation(1, saConfig(), 0);
  const path: Record<SaState, SaState[]> = { larval: [], mature: ['mature'], dying: ['mature', 'dying'], expired: ['mature', 'expired'] };
  for (const to of path[state]) sa.transition([sa.state], to);
  return sa;
}

describe('the guarded state transition', () => {
  it('allows exactly the lifecycle moves and refuses every other pair', () => {
    for (const from of STATES) {
      for (const to of STATES) {
        const sa = saIn(from);
        const move = (): void => sa.transition([from], to);
        if (ALLOWED.has(`${from}>${to}`)) {
          move();
          expect(sa.state).toBe(to);
        } else {
          expect(move).toThrow(IllegalTransitionError);
          expect(sa.state).toBe(from);
        }
      }
    }
  });

  it('refuses a legal move when the SA is not in the state the caller expected', () => {
    const sa = saIn('dying');
    expect(() => sa.transition(['mature'], 'expired')).toThrow(/SA 1 cannot go dying -> expired \(expected to be mature\)/);
    expect(sa.state).toBe('dying');
    try {
      sa.transition(['larval'], 'mature');
    } catch (e) {
      expect(e).toMatchObject({ code: 'ERR_SA_ILLEGAL_TRANSITION', from: 'dying', to: 'mature' });
    }
  });

  it('starts larval and is usable only while mature or dying', () => {
    expect(saIn('larval').usable).toBe(false);
    expect(saIn('mature').usable).toBe(true);
    expect(saIn('dying').usable).toBe(true);
    expect(saIn('expired').usable).toBe(false);
  });
});

describe('the outbound sequence counter (RFC 4303 3.3.3)', () => {
  it('starts at 1', () => {
    const sa = new SecurityAssociation(1, saConfig({ direction: 'outbound' }), 0);
    expect(sa.nextSequence()).toBe(1);
    expect(sa.nextSequence()).toBe(2);
    expect(sa.outSeqHi).toBe(0);
  });

  it('without ESN stops after 2^32 - 1 packets instead of cycling', () => {
    const sa = new SecurityAssociation(1, saConfig({ direction: 'outbound' }), 0);
    sa.restoreOutboundSequence(0, 0xfffffffe);
    expect(sa.nextSequence()).toBe(0xffffffff);
    expect(sa.nextSequence()).toBe(SEQUENCE_EXHAUSTED);
    expect(sa.nextSequence()).toBe(SEQUENCE_EXHAUSTED);
    expect([sa.outSeqHi, sa.outSeqLo]).toEqual([0, 0xffffffff]);
  });

  it('with ESN carries into the high half, and stops at 2^64 - 1', () => {
    const sa = new SecurityAssociation(1, saConfig({ direction: 'outbound', esn: true }), 0);
    sa.restoreOutboundSequence(0, 0xffffffff);
    expect(sa.nextSequence()).toBe(0);
    expect(sa.outSeqHi).toBe(1);
    expect(sa.nextSequence()).toBe(1);
    sa.restoreOutboundSequence(0xffffffff, 0xffffffff);
    expect(sa.nextSequence()).toBe(SEQUENCE_EXHAUSTED);
  });

  it('restores only forward and only with valid numbers', () => {
    const sa = new SecurityAssociation(1, saConfig({ direction: 'outbound' }), 0);
    sa.restoreOutboundSequence(0, 10);
    expect(() => sa.restoreOutboundSequence(0, 9)).toThrow(/back/);
    expect(() => sa.restoreOutboundSequence(1, 0)).toThrow(/without ESN/);
    expect(() => sa.restoreOutboundSequence(0, -1)).toThrow(RangeError);
  });
});

describe('the SA record', () => {
  it('has a replay window sized from the config for inbound SAs only', () => {
    const inbound = new SecurityAssociation(1, saConfig({ replayWindow: 128, esn: true }), 0);
    expect(inbound.replay).toBeInstanceOf(ReplayWindow);
    expect(inbound.replay).toMatchObject({ size: 128, esn: true });
    expect(new SecurityAssociation(2, saConfig({ direction: 'outbound' }), 0).replay).toBeNull();
  });

  it('counts drops per kind without allocating until the first drop', () => {
    const sa = new SecurityAssociation(1, saConfig(), 0);
    expect(sa.drops('replay')).toBe(0);
    expect(sa.dropSummary()).toEqual({});
    sa.countDrop('replay');
    sa.countDrop('replay');
    sa.countDrop('integrity');
    expect(sa.drops('replay')).toBe(2);
    expect(sa.dropSummary()).toEqual({ replay: 2, integrity: 1 });
  });

  it('builds its SaRef once', () => {
    const sa = new SecurityAssociation(7, saConfig({ spi: 0xabcdef01, label: 'tunnel-a' }), 0);
    expect(sa.ref()).toEqual({ id: 7, spi: 0xabcdef01, direction: 'inbound', label: 'tunnel-a' });
    expect(sa.ref()).toBe(sa.ref());
  });
});

describe('config validation names the field', () => {
  const cases: [string, Record<string, unknown>, RegExp][] = [
    ['SPI 0', { spi: 0 }, /config.spi.*RFC 4303 2.1/],
    ['SPI 255', { spi: 255 }, /config.spi/],
    ['SPI above u32', { spi: 2 ** 32 }, /config.spi/],
    ['SPI as text', { spi: '256' }, /config.spi must be a number/],
    ['direction', { direction: 'sideways' }, /config.direction/],
    ['mode', { mode: 'beet' }, /config.mode/],
    ['non-canonical IPv6', { dst: '2001:DB8::1' }, /config.dst.*2001:db8::1/],
    ['not an address', { src: 'host.example' }, /config.src/],
    ['window', { replayWindow: 65537 }, /config.replayWindow/],
    ['esn', { esn: 1 }, /config.esn/],
    ['port', { encapsulation: { srcPort: 4500, dstPort: 0 } }, /config.encapsulation.dstPort/],
    ['soft limit', { soft: { bytes: -1 } }, /config.soft.bytes/],
    ['hard limit', { hard: { addSeconds: Infinity } }, /config.hard.addSeconds/],
    ['cipher', { cipher: null }, /config.cipher/],
  ];
  it.each(cases)('%s', (_name, override, message) => {
    expect(() => validateSaConfig(saConfig(override as never))).toThrow(message);
  });

  it('accepts a valid config with wildcard addresses and UDP encapsulation', () => {
    expect(() => validateSaConfig(saConfig({ src: null, dst: null, encapsulation: { srcPort: 4500, dstPort: 4500 } }))).not.toThrow();
  });
});
