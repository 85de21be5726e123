// BAD_SPI diagnoses (DESIGN.md "Diagnosis of BAD_SPI"), each cause through the inbound
// pipeline with its evidence: a packet arrives on an SPI for which no inbound SA serves its
// destination, and the SAD's memory says why. Every verdict here is 13910 / XfrmInNoStates.
import { describe, expect, it } from 'vitest';
import { createEspCipher } from '../../src/esp/cipher.js';
import { processEsp } from '../../src/datapath/inbound.js';
import { SaDatabase } from '../../src/sad/sad.js';
import type { SaConfig } from '../../src/sad/sa.js';
import type { Link } from '../datapath/support.js';
import {
  AES_GCM, NOW, OTHER_HOST, PEER, US, expectDelivered, expectDrop, hex8, makeLink, receive, seal, sealAt, udp4,
} from '../datapath/support.js';

const STALE_SPI = 0x5eed1234;

/** An SA config with the link's keys, for extra SAs in our SAD. */
function extraSa(link: Link, over: Partial<SaConfig>): SaConfig {
  return { ...link.inbound.config, cipher: createEspCipher(AES_GCM.spec, link.keys), ...over } as SaConfig;
}

/** A packet on `spi` from the peer to us, sealed with the link's keys. */
function packetOn(link: Link, spi: number): Buffer {
  return sealAt(link, 0, 1, udp4(), 4, false, spi);
}

describe('never-established', () => {
  it('an SPI this host never had, with the times it was seen counting up', () => {
    const link = makeLink();
    for (let n = 1; n <= 3; n++) {
      expectDrop(receive(link, packetOn(link, STALE_SPI), NOW + n * 1000), {
        kind: 'bad-spi', spi: STALE_SPI, sa: null, cause: 'never-established', reason: 'spi-unknown',
        evidence: { spi: hex8(STALE_SPI), src: PEER, dst: US, installedSas: 1, rememberedSas: 0, timesSeen: n, firstSeenAt: NOW + 1000 },
        summaryHas: [hex8(STALE_SPI)],
      });
    }
  });

  it('keeps counting a stale SPI through a flood of random unknown SPIs far larger than the tracker', () => {
    const link = makeLink();
    const capacity = link.ctx.unknownSpis.capacity;
    let seen = 0;
    for (let i = 0; i < 3 * capacity; i++) {
      if (i % 500 === 0) {
        seen++;
        const v = receive(link, packetOn(link, STALE_SPI), NOW + i);
        expect(v.verdict === 'dropped' && v.diagnosis.evidence.timesSeen).toBe(seen);
      }
      receive(link, packetOn(link, 0x10000000 + i), NOW + i);
    }
    expect(link.ctx.unknownSpis.size).toBeLessThanOrEqual(capacity);
  });
});

describe('an SA of ours uses the SPI another way', () => {
  it('our-outbound-spi: the peer sends with the SPI of our outbound SA (directions swapped)', () => {
    const link = makeLink();
    const out = link.sad.add(extraSa(link, { spi: 0x0badcafe, direction: 'outbound', src: US, dst: PEER, label: 'a-to-b' }), NOW);
    expectDrop(receive(link, packetOn(link, 0x0badcafe)), {
      kind: 'bad-spi', spi: 0x0badcafe, sa: null, cause: 'our-outbound-spi', reason: 'spi-of-other-direction',
      evidence: {
        spi: '0x0badcafe', saId: out.id, label: 'a-to-b', saDirection: 'outbound', saSrc: US, saDst: PEER, packetSrc: PEER, packetDst: US,
      },
      summaryHas: ['swapped'],
    });
  });

  it('our-outbound-spi: a key-file inbound SA written with src and dst swapped', () => {
    const link = makeLink();
    const swapped = link.sad.add(extraSa(link, { spi: 0x0badf00d, direction: 'inbound', src: US, dst: PEER, label: 'keyfile line 2' }), NOW);
    expectDrop(receive(link, packetOn(link, 0x0badf00d)), {
      kind: 'bad-spi', spi: 0x0badf00d, sa: null, cause: 'our-outbound-spi', reason: 'spi-of-other-direction',
      evidence: {
        spi: '0x0badf00d', saId: swapped.id, label: 'keyfile line 2', saDirection: 'inbound', saSrc: US, saDst: PEER, packetSrc: PEER, packetDst: US,
      },
    });
  });

  it('wrong-destination: the SPI belongs to an inbound SA for another of our addresses', () => {
    const link = makeLink();
    const other = link.sad.add(extraSa(link, { spi: 0x0ddba11, dst: OTHER_HOST, label: 'other-address' }), NOW);
    expectDrop(receive(link, packetOn(link, 0x0ddba11)), {
      kind: 'bad-spi', spi: 0x0ddba11, sa: null, cause: 'wrong-destination', reason: 'spi-for-other-destination',
      evidence: { spi: '0x00ddba11', saId: other.id, label: 'other-address', saSrc: PEER, saDst: OTHER_HOST, packetSrc: PEER, packetDst: US },
      summaryHas: [`for destination ${OTHER_HOST}, not ${US}`],
    });
  });
});

describe('not-yet-installed', () => {
  it('an SPI allocated for a negotiation that has not installed its SA: the packet raced the key exchange', () => {
    const fixed = Buffer.alloc(256);
    fixed.writeUInt32BE(0x7a7a0001, 0);
    const sad = new SaDatabase({ random: () => fixed });
    const spi = sad.allocateSpi(NOW - 1_500, { peer: PEER, label: 'child #3' });
    expect(spi).toBe(0x7a7a0001);
    const link = makeLink();
    const ctx = { ...link.ctx, sad };
    const meta = { ...link.meta, encapsulated: false };
    expectDrop(processEsp(ctx, packetOn(link, spi), meta, NOW), {
      kind: 'bad-spi', spi, sa: null, cause: 'not-yet-installed', reason: 'spi-allocated-not-installed',
      evidence: { spi: '0x7a7a0001', allocatedAt: NOW - 1_500, msSinceAllocation: 1_500, peer: PEER, label: 'child #3' },
      summaryHas: ['1.5 s ago'],
    });
    // Installing the SA ends the race: the same packet is now delivered (make before break).
    const sa = sad.add(extraSa(link, { spi, encapsulation: null }), NOW);
    expectDelivered(processEsp(ctx, sealAt(link, 0, 1, udp4(), 4, false, spi), meta, NOW), sa, 0, 1, 4);
  });
});

describe('a removed SA (tombstones)', () => {
  it('deleted by a rekey: when, why, the successor SPI, and the packets since', () => {
    const link = makeLink();
    expectDelivered(receive(link, seal(link, udp4())), link.inbound, 0, 1, 4);
    link.sad.remove(link.inbound, 'rekeyed', NOW + 1_000, { successorSpi: 0x0c0ffee0 });
    for (const [i, now] of [NOW + 3_000, NOW + 4_000].entries()) {
      expectDrop(receive(link, seal(link, udp4()), now), {
        kind: 'bad-spi', spi: link.inbound.spi, sa: null, cause: 'deleted', reason: 'rekeyed',
        evidence: {
          spi: hex8(link.inbound.spi), saId: link.inbound.id, label: 'b-to-a', addedAt: NOW, removedAt: NOW + 1_000,
          msSinceRemoval: now - NOW - 1_000, packetsBeforeRemoval: 1, packetsSinceRemoval: i + 1,
          removalReason: 'rekeyed', successorSpi: '0x0c0ffee0',
        },
        summaryHas: ['replaced by a rekey', 'successor SPI 0x0c0ffee0'],
      });
    }
  });

  it('deleted by the peer: no successor', () => {
    const link = makeLink();
    link.sad.remove(link.inbound, 'deleted-by-peer', NOW + 10);
    expectDrop(receive(link, seal(link, udp4()), NOW + 70_000), {
      kind: 'bad-spi', spi: link.inbound.spi, sa: null, cause: 'deleted', reason: 'deleted-by-peer',
      evidence: {
        spi: hex8(link.inbound.spi), saId: link.inbound.id, label: 'b-to-a', addedAt: NOW, removedAt: NOW + 10,
        msSinceRemoval: 69_990, packetsBeforeRemoval: 0, packetsSinceRemoval: 1, removalReason: 'deleted-by-peer', successorSpi: null,
      },
      summaryHas: ['the peer deleted it', '1.2 min ago'],
    });
  });

  it('with no inbound tombstone for this destination, the most recently removed SA explains the miss', () => {
    const link = makeLink();
    const spi = 0x0a0a0a0a;
    const older = link.sad.add(extraSa(link, { spi, dst: OTHER_HOST, label: 'older' }), NOW);
    link.sad.remove(older, 'deleted-locally', NOW + 1);
    const newer = link.sad.add(extraSa(link, { spi, direction: 'outbound', src: US, dst: PEER, label: 'newer' }), NOW + 2);
    link.sad.remove(newer, 'rekeyed', NOW + 3, { successorSpi: 0x0b0b0b0b });
    const d = expectDrop(receive(link, packetOn(link, spi), NOW + 4), {
      kind: 'bad-spi', spi, sa: null, cause: 'deleted', reason: 'rekeyed', partialEvidence: true,
      evidence: { saId: newer.id, label: 'newer', removedAt: NOW + 3, successorSpi: '0x0b0b0b0b' },
    });
    expect(d.diagnosis.evidence.label).toBe('newer');
  });

  it('an inbound tombstone for this destination wins over a newer one for another destination', () => {
    const link = makeLink();
    link.sad.remove(link.inbound, 'deleted-locally', NOW + 1);
    const elsewhere = link.sad.add(extraSa(link, { dst: OTHER_HOST, label: 'elsewhere' }), NOW + 2);
    link.sad.remove(elsewhere, 'peer-dead', NOW + 3);
    expectDrop(receive(link, seal(link, udp4()), NOW + 4), {
      kind: 'bad-spi', spi: link.inbound.spi, sa: null, cause: 'deleted', reason: 'deleted-locally', partialEvidence: true,
      evidence: { saId: link.inbound.id, label: 'b-to-a', removedAt: NOW + 1, removalReason: 'deleted-locally' },
    });
  });
});

describe('which evidence wins', () => {
  it('a reservation past its timeout is no longer a negotiation in progress, even before tick()', () => {
    const fixed = Buffer.alloc(256);
    fixed.writeUInt32BE(0x7a7a0002, 0);
    const sad = new SaDatabase({ random: () => fixed, larvalTimeoutMs: 30_000 });
    const spi = sad.allocateSpi(NOW - 31_000, { peer: PEER, label: 'child #4' });
    const link = makeLink();
    const v = processEsp({ ...link.ctx, sad }, packetOn(link, spi), { ...link.meta, encapsulated: false }, NOW);
    expect(v.verdict === 'dropped' && v.diagnosis.cause).toBe('never-established');
  });

  it('an SA that ended at this destination outranks one with the same SPI for another destination', () => {
    const link = makeLink();
    link.sad.remove(link.inbound, 'rekeyed', NOW + 1_000, { successorSpi: 0x0c0ffee1 });
    link.sad.add(extraSa(link, { spi: link.inbound.spi, dst: OTHER_HOST, label: 'elsewhere' }), NOW + 2_000);
    const v = receive(link, seal(link, udp4()), NOW + 3_000);
    expect(v.verdict === 'dropped' && [v.diagnosis.cause, v.diagnosis.reason]).toEqual(['deleted', 'rekeyed']);
  });
});
