// Lifetimes through the inbound pipeline (RFC 4301 4.4.2.1: soft and hard limits by time, bytes
// and packets). A hard limit found by the SA-state stage is LIFETIME_EXPIRED (13911,
// XfrmInStateExpired); once the SA has left the SAD, the next packet finds no SA and is
// BAD_SPI with cause 'expired', the limit in the evidence. The rule for counts (sad/lifetime.ts,
// as Linux XFRM): the packet that brings a count to its limit is still delivered, the next is not.
import { describe, expect, it } from 'vitest';
import type { SaEvent } from '../../src/sad/sad.js';
import { NOW, expectDelivered, expectDrop, hex8, makeLink, receive, saEvidence, seal, udp4 } from './support.js';

type Link = ReturnType<typeof makeLink>;

function expiredEvidence(link: Link, o: { removedAt: number; now: number; packetsBefore: number; since: number; limit: string; configured: number; reached: number }) {
  return {
    spi: hex8(link.inbound.spi), saId: link.inbound.id, label: 'b-to-a', addedAt: NOW, removedAt: o.removedAt,
    msSinceRemoval: o.now - o.removedAt, packetsBeforeRemoval: o.packetsBefore, packetsSinceRemoval: o.since,
    limit: o.limit, configured: o.configured, reached: o.reached,
  };
}

describe('hard time limits: caught exactly by the SA-state stage', () => {
  it('add-time: delivered 1 ms before the limit, LIFETIME_EXPIRED at it, then BAD_SPI expired', () => {
    const link = makeLink({ hard: { addSeconds: 10 } });
    expectDelivered(receive(link, seal(link, udp4()), NOW + 9_999), link.inbound, 0, 1, 4);
    expectDrop(receive(link, seal(link, udp4()), NOW + 10_000), {
      kind: 'lifetime-expired', spi: link.inbound.spi, sa: link.inbound, cause: null, reason: 'hard-add-time',
      evidence: { ...saEvidence(link.inbound), limit: 'add-time', configured: 10, reached: 10, expiredAt: NOW + 10_000 },
      summaryHas: ['hard add-time limit (10)'],
    });
    expect(link.inbound.drops('lifetime-expired')).toBe(1);
    expect(link.sad.lookupInbound(link.inbound.spi, link.meta.dst)).toBeUndefined();
    expectDrop(receive(link, seal(link, udp4()), NOW + 10_500), {
      kind: 'bad-spi', spi: link.inbound.spi, sa: null, cause: 'expired', reason: 'expired-add-time',
      evidence: expiredEvidence(link, { removedAt: NOW + 10_000, now: NOW + 10_500, packetsBefore: 1, since: 1, limit: 'add-time', configured: 10, reached: 10 }),
      summaryHas: ['add-time limit (10 s) ran out'],
    });
  });

  it('use-time counts from the first packet, not from installation', () => {
    const link = makeLink({ hard: { useSeconds: 5 } });
    const first = NOW + 60_000;
    expectDelivered(receive(link, seal(link, udp4()), first), link.inbound, 0, 1, 4);
    expectDelivered(receive(link, seal(link, udp4()), first + 4_999), link.inbound, 0, 2, 4);
    expectDrop(receive(link, seal(link, udp4()), first + 5_000), {
      kind: 'lifetime-expired', spi: link.inbound.spi, sa: link.inbound, cause: null, reason: 'hard-use-time',
      evidence: { ...saEvidence(link.inbound), limit: 'use-time', configured: 5, reached: 5, expiredAt: first + 5_000 },
    });
  });

  it('after tick() removed the SA, the next packet is BAD_SPI expired with the limit and when', () => {
    const link = makeLink({ hard: { addSeconds: 10 } });
    expectDelivered(receive(link, seal(link, udp4()), NOW + 1_000), link.inbound, 0, 1, 4);
    const events: SaEvent[] = link.sad.tick(NOW + 12_345);
    expect(events.map((e) => e.type)).toEqual(['hard-expired']);
    expectDrop(receive(link, seal(link, udp4()), NOW + 20_000), {
      kind: 'bad-spi', spi: link.inbound.spi, sa: null, cause: 'expired', reason: 'expired-add-time',
      evidence: expiredEvidence(link, { removedAt: NOW + 12_345, now: NOW + 20_000, packetsBefore: 1, since: 1, limit: 'add-time', configured: 10, reached: 12.345 }),
    });
  });
});

describe('hard count limits: the SA leaves with the packet that reaches the limit', () => {
  it('packets: 3 delivered, the 4th is BAD_SPI expired, and later ones are counted in the tombstone', () => {
    const link = makeLink({ hard: { packets: 3 } });
    for (let i = 1; i <= 3; i++) expectDelivered(receive(link, seal(link, udp4()), NOW + i), link.inbound, 0, i, 4);
    for (const [i, now] of [NOW + 100, NOW + 200].entries()) {
      expectDrop(receive(link, seal(link, udp4()), now), {
        kind: 'bad-spi', spi: link.inbound.spi, sa: null, cause: 'expired', reason: 'expired-packets',
        evidence: expiredEvidence(link, { removedAt: NOW + 3, now, packetsBefore: 3, since: i + 1, limit: 'packets', configured: 3, reached: 3 }),
      });
    }
  });

  it('bytes: the limit counts the decrypted payload; the packet reaching it is the last delivered', () => {
    const inner = udp4();
    const link = makeLink({ hard: { bytes: 2 * inner.length } });
    expectDelivered(receive(link, seal(link, inner), NOW + 1), link.inbound, 0, 1, 4);
    expectDelivered(receive(link, seal(link, inner), NOW + 2), link.inbound, 0, 2, 4);
    expectDrop(receive(link, seal(link, inner), NOW + 3), {
      kind: 'bad-spi', spi: link.inbound.spi, sa: null, cause: 'expired', reason: 'expired-bytes',
      evidence: expiredEvidence(link, { removedAt: NOW + 2, now: NOW + 3, packetsBefore: 2, since: 1, limit: 'bytes', configured: 2 * inner.length, reached: 2 * inner.length }),
    });
  });

  it('packets that fail the ICV do not count against the lifetime', () => {
    const link = makeLink({ hard: { packets: 2 } });
    for (let i = 0; i < 5; i++) {
      const forged = seal(link, udp4());
      forged[forged.length - 1]! ^= 1;
      expect(receive(link, forged).verdict).toBe('dropped');
    }
    expect(link.inbound.packets).toBe(0);
    expectDelivered(receive(link, seal(link, udp4())), link.inbound, 0, 6, 4);
  });
});

describe('soft limits', () => {
  it('a soft limit makes the SA dying and emits soft-expired, but traffic is still delivered', () => {
    const link = makeLink({ soft: { packets: 2 }, hard: { packets: 10 } });
    const events: SaEvent[] = [];
    link.sad.onEvent((e) => events.push(e));
    for (let i = 1; i <= 3; i++) expectDelivered(receive(link, seal(link, udp4()), NOW + i), link.inbound, 0, i, 4);
    expect(link.inbound.state).toBe('dying');
    expect(events.map((e) => e.type)).toEqual(['soft-expired']);
  });
});
