// Rekey-versus-delete races (RFC 7296 2.25.1) and the transport-mode child, as deterministic
// scenarios with crossing messages.
//
//   A (rekeys)                     B (deletes)
//   CREATE_CHILD_SA(REKEY_SA) -->  <-- INFORMATIONAL(D: old)
//   answers B's DELETE             answers A's rekey with TEMPORARY_FAILURE
//   --> both end with no child; nothing is left half-installed
import { describe, expect, it } from 'vitest';
import { IkePair, connection } from '../support/ike-pair.js';


describe('rekey versus delete', () => {
  it('A rekeys while B deletes the same child: B refuses the rekey, both end without the child and without strays', () => {
    const pair = new IkePair().establish({ probes: true });
    pair.a.manager.rekey('a-b');
    expect(pair.b.manager.terminateChild('a-b', 'net')).toBe(1);
    const rekey = pair.take(pair.a);
    const del = pair.take(pair.b);
    pair.hand(pair.b, del); // B's DELETE reaches A first
    pair.hand(pair.a, rekey); // A's rekey reaches B, which is deleting that child
    pair.deliver();
    pair.advance(5000);
    pair.deliver();
    for (const side of [pair.a, pair.b]) {
      expect(side.host.installed.size).toBe(0);
      expect(side.host.policies.size).toBe(0);
      expect(side.manager.all()[0]!.children).toEqual([]);
    }
    expect(pair.badSpi).toEqual([]);
  });

  it('the same race delivered the other way round (the rekey reaches B before the DELETE reaches A) ends the same way', () => {
    const pair = new IkePair().establish({ probes: true });
    pair.a.manager.rekey('a-b');
    pair.b.manager.terminateChild('a-b', 'net');
    const rekey = pair.take(pair.a);
    const del = pair.take(pair.b);
    pair.hand(pair.a, rekey); // B gets the rekey while deleting: TEMPORARY_FAILURE
    pair.hand(pair.b, del);
    pair.deliver();
    pair.advance(5000);
    pair.deliver();
    expect(pair.a.host.eventsOf('child-failed')).toHaveLength(1);
    for (const side of [pair.a, pair.b]) expect([...side.host.installed.values()].filter((s) => s.direction === 'outbound')).toHaveLength(0);
    expect(pair.badSpi).toEqual([]);
  });
});

describe('transport mode', () => {
  it('negotiates USE_TRANSPORT_MODE when both sides ask for it, and tunnel when only one does', () => {
    const both = new IkePair([connection('a', {}, { mode: 'transport' })], [connection('b', {}, { mode: 'transport' })]).establish({ probes: true });
    expect([...both.a.host.installed.values()].every((s) => s.mode === 'transport')).toBe(true);
    expect([...both.b.host.installed.values()].every((s) => s.mode === 'transport')).toBe(true);
    const one = new IkePair([connection('a', {}, { mode: 'transport' })], [connection('b')]).establish({ probes: true });
    expect([...one.a.host.installed.values()].every((s) => s.mode === 'tunnel')).toBe(true);
    expect([...one.b.host.installed.values()].every((s) => s.mode === 'tunnel')).toBe(true);
  });
});
