// start_action trap, close_action and dpd_action: what happens to a child's policy and when it is
// negotiated again.
import { describe, expect, it } from 'vitest';
import { IkePair, connection } from '../support/ike-pair.js';

describe('start_action trap', () => {
  it('installs the policy without SAs at start; the first packet (an acquire) negotiates the child once', () => {
    const pair = new IkePair([connection('a', {}, { startAction: 'trap' })], [connection('b')]);
    pair.a.manager.startAll();
    const [policy] = [...pair.a.host.policies.values()];
    expect(policy).toMatchObject({ peerAddress: '198.51.100.2' });
    expect(policy!.localTs[0]!.startAddress).toBe('10.1.0.0');
    expect(pair.a.host.installed.size).toBe(0);
    expect(pair.take(pair.a)).toEqual([]);
    // Traffic matches the policy: the endpoint reports outbound-no-sa, the runtime calls acquire.
    expect(pair.a.manager.acquire(policy!.reqid)).toBe(true);
    expect(pair.a.manager.acquire(policy!.reqid)).toBe(false); // already negotiating
    pair.deliver();
    expect(pair.a.host.eventsOf('trap-triggered')).toHaveLength(1);
    expect(pair.a.host.eventsOf('child-installed')).toHaveLength(1);
    expect(pair.a.host.policies.get(policy!.reqid)).toBeDefined();
    expect(pair.a.manager.acquire(policy!.reqid)).toBe(false); // the child is up
    expect(pair.a.manager.acquire(12345)).toBe(false); // not a trap of ours
  });

  it('keeps the trap policy when the child goes, and a later packet negotiates it again', () => {
    const pair = new IkePair([connection('a', {}, { startAction: 'trap' })], [connection('b')]);
    pair.a.manager.startAll();
    const reqid = [...pair.a.host.policies.keys()][0]!;
    pair.a.manager.acquire(reqid);
    pair.deliver();
    pair.b.manager.terminate('a-b');
    pair.deliver();
    expect(pair.a.host.installed.size).toBe(0);
    expect(pair.a.host.policies.has(reqid)).toBe(true);
    pair.advance(1000);
    expect(pair.a.manager.acquire(reqid)).toBe(true);
    pair.deliver();
    expect(pair.a.host.eventsOf('child-installed')).toHaveLength(2);
  });
});

describe('close_action and dpd_action', () => {
  it('close_action start: when the peer deletes the IKE SA, the connection is negotiated again', () => {
    const pair = new IkePair([connection('a', {}, { closeAction: 'start' })], [connection('b')]).establish();
    pair.b.manager.terminate('a-b');
    pair.deliver();
    expect(pair.a.host.installed.size).toBe(0);
    pair.advance(250);
    pair.deliver();
    expect(pair.a.host.eventsOf('ike-established')).toHaveLength(2);
    expect(pair.a.host.eventsOf('child-installed')).toHaveLength(2);
  });

  it('close_action none: the child stays gone and its policy is removed', () => {
    const pair = new IkePair().establish();
    pair.b.manager.terminate('a-b');
    pair.deliver();
    pair.advance(250);
    pair.deliver();
    expect(pair.a.host.eventsOf('ike-established')).toHaveLength(1);
    expect(pair.a.host.policies.size).toBe(0);
  });

  it('dpd_action trap: a dead peer leaves a trap policy behind instead of nothing', () => {
    const pair = new IkePair([connection('a', { dpdDelayS: 30 }, { dpdAction: 'trap' })], [connection('b')]).establish();
    pair.advance(30_000);
    for (let i = 0; i < 10; i++) {
      pair.take(pair.a);
      pair.advance(60_000);
    }
    expect(pair.a.host.eventsOf('ike-failed')[0]).toMatchObject({ code: 13805 });
    expect(pair.a.host.installed.size).toBe(0);
    const [reqid] = [...pair.a.host.policies.keys()];
    expect(reqid).toBeDefined();
    expect(pair.a.manager.acquire(reqid!)).toBe(true);
  });
});
