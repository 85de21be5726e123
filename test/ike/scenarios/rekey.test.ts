// CHILD_SA rekeys (RFC 7296 1.3.3, 2.8, 2.8.1) as deterministic scenarios. Each time a side's
// outbound SA changes, an ESP probe leaves on it, in order with the IKE messages (after whatever
// the same call sent); when it arrives, the receiver must have the inbound SA: "no BAD_SPI".
import { describe, expect, it } from 'vitest';
import { IkePair, connection, proposals } from '../support/ike-pair.js';
import type { Side } from '../support/ike-pair.js';

function established(pfs = false): IkePair {
  const esp = pfs ? proposals('esp', 'aes128gcm16-x25519') : proposals('esp', 'aes128gcm16');
  const pair = new IkePair([connection('a', {}, { espProposals: esp })], [connection('b', {}, { espProposals: esp })]);
  return pair.establish({ probes: true });
}

/** BAD_SPI as the receiver would see it, plus any unmatched outbound SA at a quiet moment. */
function problemsOf(pair: IkePair): string[] {
  return [...pair.badSpi, ...pair.outboundAlwaysMatched()];
}

function childSpis(side: Side): { in: number[]; out: number[] } {
  const all = [...side.host.installed.values()];
  return { in: all.filter((s) => s.direction === 'inbound').map((s) => s.spi), out: all.filter((s) => s.direction === 'outbound').map((s) => s.spi) };
}

describe('CHILD_SA rekey', () => {
  for (const starter of ['a', 'b'] as const) {
    it(`started by ${starter === 'a' ? 'the initiator' : 'the responder'}: replaces the pair make-before-break and keeps the old inbound SA for the grace period`, () => {
      const pair = established();
      const side = starter === 'a' ? pair.a : pair.b;
      const other = starter === 'a' ? pair.b : pair.a;
      const [first] = side.host.eventsOf('child-installed');
      expect(side.manager.rekey('a-b')).toBe(1);
      pair.deliver();
      expect(problemsOf(pair)).toEqual([]);
      const installs = side.host.eventsOf('child-installed');
      expect(installs).toHaveLength(2);
      expect(installs[1]!.rekeyOf).toBe(first!.spiIn);
      // Old outbound halves are gone on both sides; old inbound halves wait for the grace period.
      expect(side.host.outbound(first!.spiOut)).toBeUndefined();
      expect(other.host.outbound(first!.spiIn)).toBeUndefined();
      expect(side.host.inbound(first!.spiIn)).toBeDefined();
      pair.advance(5000);
      expect(side.host.inbound(first!.spiIn)).toBeUndefined();
      expect(other.host.inbound(first!.spiOut)).toBeUndefined();
      const removedOldIn = side.host.removed.find((r) => r.direction === 'inbound' && r.spi === first!.spiIn)!;
      expect(removedOldIn).toMatchObject({ reason: 'rekeyed', successorSpi: installs[1]!.spiIn });
      expect(childSpis(pair.a).in).toHaveLength(1);
      expect(childSpis(pair.b).out).toHaveLength(1);
      expect(problemsOf(pair)).toEqual([]);
    });
  }

  it('with PFS: the rekey carries KE payloads and still matches crosswise', () => {
    const pair = established(true);
    pair.a.manager.rekey('a-b');
    pair.deliver();
    pair.advance(5000);
    expect(problemsOf(pair)).toEqual([]);
    expect(pair.a.host.eventsOf('child-installed')).toHaveLength(2);
    expect(childSpis(pair.a).out).toHaveLength(1);
  });

  it('on soft lifetime: each side rekeys by itself when rekey_time comes', () => {
    const pair = established();
    pair.advance(3600 * 1000);
    pair.deliver();
    pair.advance(5000);
    pair.deliver();
    expect(problemsOf(pair)).toEqual([]);
    expect(childSpis(pair.a).out).toHaveLength(1);
    expect(childSpis(pair.b).out).toHaveLength(1);
    expect(pair.outboundAlwaysMatched()).toEqual([]);
  });

  it('100 consecutive rekeys alternate between the sides without a single unmatched outbound SA', () => {
    const pair = established();
    for (let i = 0; i < 100; i++) {
      (i % 2 === 0 ? pair.a : pair.b).manager.rekey('a-b');
      pair.deliver();
      pair.advance(5000);
      pair.deliver();
    }
    expect(problemsOf(pair)).toEqual([]);
    // Each rekey switched both sides' outbound SA once, and each switch sent a probe.
    expect(pair.probesDelivered).toBeGreaterThanOrEqual(200);
    expect(childSpis(pair.a).in).toHaveLength(1);
    expect(childSpis(pair.b).in).toHaveLength(1);
  });

  it('simultaneous rekey (2.8.1): both sides start at once; one new pair survives, both sides record the collision', () => {
    const pair = established();
    pair.a.manager.rekey('a-b');
    pair.b.manager.rekey('a-b');
    // Both requests cross on the wire: deliver() takes both outboxes before it hands either on.
    pair.deliver();
    pair.advance(5000);
    pair.deliver();
    expect(problemsOf(pair)).toEqual([]);
    expect(pair.a.host.eventsOf('simultaneous-rekey')).toHaveLength(1);
    expect(pair.b.host.eventsOf('simultaneous-rekey')).toHaveLength(1);
    const winners = [pair.a.host.eventsOf('simultaneous-rekey')[0]!.won, pair.b.host.eventsOf('simultaneous-rekey')[0]!.won];
    expect(winners.filter((w) => w)).toHaveLength(1);
    expect(childSpis(pair.a).in).toHaveLength(1);
    expect(childSpis(pair.a).out).toHaveLength(1);
    expect(childSpis(pair.b).in).toHaveLength(1);
    expect(childSpis(pair.b).out).toHaveLength(1);
  });
});
