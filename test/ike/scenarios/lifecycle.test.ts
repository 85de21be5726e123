// DELETE, liveness, INITIAL_CONTACT, INVALID_SPI recovery, cookies and the half-open cap, each as a
// deterministic scenario over the in-memory wire.
import { describe, expect, it } from 'vitest';
import { ADDRESS_A, IkePair, SETTINGS, connection } from '../support/ike-pair.js';


describe('IKE SA lifecycle', () => {
  it('terminate: DELETE of the IKE SA removes every SA and policy on both sides', () => {
    const pair = new IkePair().establish();
    expect(pair.a.manager.terminate('a-b')).toBe(1);
    pair.deliver();
    for (const side of [pair.a, pair.b]) {
      expect(side.host.installed.size).toBe(0);
      expect(side.host.policies.size).toBe(0);
      expect(side.host.eventsOf('ike-closed')).toHaveLength(1);
    }
    expect(pair.b.host.removed.every((r) => r.reason === 'deleted-by-peer')).toBe(true);
    expect(pair.a.host.removed.every((r) => r.reason === 'deleted-locally')).toBe(true);
  });

  it('liveness: a silent peer is declared dead after the retransmissions, with 13805 and peer-dead tombstones', () => {
    const pair = new IkePair([connection('a', { dpdDelayS: 30 })], [connection('b')]).establish();
    pair.advance(30_000);
    expect(pair.take(pair.a)).toHaveLength(1); // the liveness check, lost
    for (let i = 0; i < 10; i++) {
      pair.advance(60_000);
      pair.take(pair.a); // every retransmission lost too
    }
    expect(pair.a.host.eventsOf('ike-failed')[0]).toMatchObject({ code: 13805, name: 'ERROR_IPSEC_IKE_TIMED_OUT' });
    expect(pair.a.host.installed.size).toBe(0);
    expect(pair.a.host.removed.every((r) => r.reason === 'peer-dead')).toBe(true);
  });

  it('liveness: an answering peer keeps the IKE SA up', () => {
    const pair = new IkePair([connection('a', { dpdDelayS: 30 })], [connection('b')]).establish();
    for (let i = 0; i < 5; i++) {
      pair.advance(30_000);
      pair.deliver();
    }
    expect(pair.a.host.eventsOf('ike-failed')).toEqual([]);
    expect(pair.a.host.installed.size).toBe(2);
  });

  it('INITIAL_CONTACT: a restarted initiator replaces its old IKE SA on the responder', () => {
    const pair = new IkePair().establish();
    // A "restarts": a fresh manager on the same host addresses, with none of the old state.
    const again = new IkePair([connection('a')], [connection('b')]);
    Object.assign(again, { b: pair.b });
    again.a.manager.initiate('a-b');
    again.deliver();
    expect(pair.b.host.eventsOf('ike-closed').map((e) => e.reason)).toEqual(['replaced: the peer restarted and sent INITIAL_CONTACT']);
    expect(pair.b.host.eventsOf('ike-established')).toHaveLength(2);
    expect([...pair.b.host.installed.values()].filter((s) => s.direction === 'inbound')).toHaveLength(1);
  });

  it('INVALID_SPI: the side that lost an SA tells the peer inside the IKE SA, and the peer re-creates the child', () => {
    const pair = new IkePair().establish();
    pair.probeEsp();
    const [childB] = pair.b.host.eventsOf('child-installed');
    // B loses the child entirely (its IKE record and both SAs), the way a crash of an SA
    // table would; its IKE SA survives.
    pair.b.manager.all()[0]!.children.splice(0);
    pair.b.host.installed.clear();
    // A's ESP arrives on the lost SPI; the endpoint reports it to B's manager.
    expect(pair.b.manager.onUnknownEspSpi(childB!.spiIn, ADDRESS_A)).toBe(true);
    expect(pair.b.manager.onUnknownEspSpi(childB!.spiIn, ADDRESS_A)).toBe(false); // rate-limited
    pair.deliver();
    expect(pair.a.host.eventsOf('invalid-spi-recovery').map((e) => e.trigger)).toEqual(['invalid-spi']);
    expect(pair.a.host.eventsOf('child-installed')).toHaveLength(2);
    expect(pair.outboundAlwaysMatched()).toEqual([]);
    expect(pair.badSpi).toEqual([]);
    // The broken pair is gone on both sides; one good pair remains.
    expect(pair.b.host.eventsOf('invalid-spi-recovery')).toEqual([]);
    expect([...pair.a.host.installed.values()].filter((s) => s.direction === 'outbound')).toHaveLength(1);
    expect([...pair.b.host.installed.values()].filter((s) => s.direction === 'outbound')).toHaveLength(1);
  });

  it('INVALID_SPI for an SPI that is not ours is logged and ignored', () => {
    const pair = new IkePair().establish();
    const [childA] = pair.a.host.eventsOf('child-installed');
    pair.b.manager.onUnknownEspSpi(0xdeadbeef, ADDRESS_A);
    pair.deliver();
    expect(pair.a.host.eventsOf('invalid-spi-recovery')).toEqual([]);
    expect(pair.a.host.outbound(childA!.spiOut)).toBeDefined();
  });

  it('cookies: above the threshold the responder answers with a COOKIE and the initiator retries with it', () => {
    const pair = new IkePair([connection('a')], [connection('b')], { ...SETTINGS, cookieThreshold: 0 });
    pair.establish();
    expect(pair.b.host.eventsOf('ike-established')).toHaveLength(1);
    // The first request got a cookie demand: 3 IKE_SA_INIT-related messages from A, not 2.
    expect(pair.log.filter((m) => m.from === 'a' && m.bytes[18] === 34)).toHaveLength(2);
  });

  it('the half-open cap: past ike.half_open_limit new IKE_SA_INIT requests are dropped', () => {
    const pair = new IkePair([connection('a')], [connection('b')], { ...SETTINGS, halfOpenLimit: 0 });
    pair.a.manager.initiate('a-b');
    pair.deliver();
    expect(pair.b.host.eventsOf('message-dropped')[0]!.detail).toMatch(/half_open_limit/);
    expect(pair.b.host.eventsOf('ike-established')).toEqual([]);
  });
});

describe('a CHILD_SA the peer lost without telling us', () => {
  it('our rekey gets CHILD_SA_NOT_FOUND; we drop our half and create the child afresh', () => {
    const pair = new IkePair();
    pair.a.manager.initiate('a-b');
    pair.deliver();
    // B forgets the child entirely (its manager and its SAD), the way a one-sided flush would.
    const ikeB = pair.b.manager.all()[0]!;
    const lost = ikeB.children.splice(0)[0]!;
    pair.b.host.installed.clear();
    pair.a.manager.rekey('a-b');
    pair.deliver();
    const [recovery] = pair.a.host.eventsOf('invalid-spi-recovery');
    expect(recovery).toMatchObject({ trigger: 'child-sa-not-found', spiOut: lost.spiIn });
    expect(pair.a.host.eventsOf('child-installed')).toHaveLength(2);
    expect(pair.outboundAlwaysMatched()).toEqual([]);
    expect([...pair.a.host.installed.values()].filter((s) => s.direction === 'outbound')).toHaveLength(1);
  });
});

describe('our own inbound half removed behind IKE\'s back', () => {
  it('ESP on it from the peer makes us rekey the child, which gives both sides fresh SAs', () => {
    const pair = new IkePair();
    pair.a.manager.initiate('a-b');
    pair.deliver();
    const [childB] = pair.b.host.eventsOf('child-installed');
    // An operator deletes B's inbound SA by hand; B's IKE side still lists the child.
    pair.b.host.installed.delete(`inbound:${childB!.spiIn}`);
    // A's ESP arrives on it: no INVALID_SPI (the SA is ours), B rekeys instead.
    expect(pair.b.manager.onUnknownEspSpi(childB!.spiIn, ADDRESS_A)).toBe(false);
    pair.deliver();
    pair.advance(5000);
    pair.deliver();
    expect(pair.b.host.eventsOf('invalid-spi-recovery').map((e) => e.trigger)).toEqual(['own-sa-lost']);
    expect(pair.b.host.eventsOf('child-installed')).toHaveLength(2);
    expect(pair.outboundAlwaysMatched()).toEqual([]);
    expect([...pair.a.host.installed.values()].filter((s) => s.direction === 'outbound')).toHaveLength(1);
  });
});
