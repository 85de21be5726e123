// IKE SA rekeying (RFC 7296 1.3.2, 2.18): the children move to the new IKE SA, traffic keeps its
// SAs, the old IKE SA is deleted, and the new one carries every later exchange.
import { describe, expect, it } from 'vitest';
import { IkePair, connection } from '../support/ike-pair.js';


describe('IKE SA rekey', () => {
  for (const starter of ['a', 'b'] as const) {
    it(`started by ${starter}: a new IKE SA takes over the children, the old one is deleted, child SAs stay untouched`, () => {
      const pair = new IkePair().establish({ probes: true });
      const side = starter === 'a' ? pair.a : pair.b;
      expect(side.manager.rekeyIke('a-b')).toBe(1);
      pair.deliver();
      for (const s of [pair.a, pair.b]) {
        expect(s.host.eventsOf('ike-rekeyed')).toHaveLength(1);
        expect(s.host.eventsOf('ike-closed').map((e) => e.reason)).toHaveLength(1);
        expect(s.manager.all().filter((sa) => sa.isOpen)).toHaveLength(1);
        expect(s.manager.all()[0]!.children).toHaveLength(1);
        expect(s.host.removed).toEqual([]);
      }
      expect(pair.a.manager.all()[0]!.role).toBe(starter === 'a' ? 'initiator' : 'responder');
      // The new IKE SA works: a CHILD_SA rekey and a liveness check go through it.
      pair.a.manager.rekey('a-b');
      pair.deliver();
      pair.advance(5000);
      pair.deliver();
      expect(pair.a.host.eventsOf('child-installed')).toHaveLength(2);
      expect(pair.badSpi).toEqual([]);
      expect(pair.outboundAlwaysMatched()).toEqual([]);
    });
  }

  it('on its rekey_time, without an operator', () => {
    const pair = new IkePair([connection('a', { ikeRekeyTimeS: 600, ikeLifeTimeS: 700 })], [connection('b')]).establish({ probes: true });
    pair.advance(600_000);
    pair.deliver();
    expect(pair.a.host.eventsOf('ike-rekeyed')).toHaveLength(1);
    expect(pair.b.host.eventsOf('ike-rekeyed')).toHaveLength(1);
    pair.advance(200_000);
    pair.deliver();
    // The new IKE SA has its own lifetime: the old limit does not close it.
    expect(pair.a.manager.all().filter((s) => s.state === 'established')).toHaveLength(1);
  });

  it('both sides at once: one gets TEMPORARY_FAILURE, retries later, and a single IKE SA remains', () => {
    const pair = new IkePair().establish({ probes: true });
    pair.a.manager.rekeyIke('a-b');
    pair.b.manager.rekeyIke('a-b');
    // deliver() takes both outboxes before it hands either on: the two requests cross.
    pair.deliver();
    for (let i = 0; i < 4; i++) {
      pair.advance(2500);
      pair.deliver();
    }
    expect(pair.a.host.eventsOf('simultaneous-rekey').length + pair.b.host.eventsOf('simultaneous-rekey').length).toBeGreaterThanOrEqual(2);
    expect(pair.a.manager.all().filter((s) => s.isOpen)).toHaveLength(1);
    expect(pair.b.manager.all().filter((s) => s.isOpen)).toHaveLength(1);
    expect(pair.a.manager.all()[0]!.children).toHaveLength(1);
    expect(pair.a.host.removed).toEqual([]);
  });
});
