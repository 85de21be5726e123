// The outbound pipeline (DESIGN.md "Data flows", RFC 4301 5.1): SPD decision, SA for the
// policy, next sequence number (RFC 4303 3.3.3: starts at 1, never cycles), mode encapsulation
// (RFC 4303 3.1.1), then the receiving side of the same link opens what was sent.
// The sender here is the peer B (its SAD holds the outbound SA); we are the receiver.
import { describe, expect, it } from 'vitest';
import type { OutboundContext, OutboundVerdict } from '../../src/datapath/outbound.js';
import { processOutbound, sealWithSa } from '../../src/datapath/outbound.js';
import { buildIpv4 } from '../../src/packet/ipv4.js';
import { buildIpv6 } from '../../src/packet/ipv6.js';
import { buildUdp } from '../../src/packet/udp.js';
import { SecurityPolicyDatabase } from '../../src/spd/spd.js';
import type { Verdict } from '../../src/verdict/verdict.js';
import { allSpecs, specName } from '../esp/support.js';
import { referencePlaintext, referenceSeal, sequenceIv } from '../esp/reference.js';
import type { Link } from './support.js';
import {
  NOW, OUR_HOST, OUR_NET, PEER, PEER_HOST, PEER_NET, US, expectDelivered, expectDrop, makeLink, receive, udp4, udp6,
} from './support.js';

/** The peer's SPD: DNS in clear, 10.4/16 blocked, the site-to-site subnets protected (reqid 1). */
function peerSpd(): SecurityPolicyDatabase {
  const spd = new SecurityPolicyDatabase();
  spd.add({ id: 'dns-bypass', action: 'bypass', selectors: { local: PEER_NET, remote: `${OUR_NET} udp 53` } });
  spd.add({ id: 'block-10.4', action: 'discard', selectors: { local: PEER_NET, remote: '10.4.0.0/16' } });
  spd.add({ id: 'to-a', action: 'protect', selectors: { local: `${PEER_NET},${PEER}`, remote: `${OUR_NET},${US}` }, template: { mode: 'tunnel', peer: US, reqid: 1, label: 'to-a' } });
  return spd;
}

function outboundCtx(link: Link, sa: Link['outbound'] | null = link.outbound): OutboundContext {
  return { sad: link.peerSad, spd: peerSpd(), saForPolicy: (p) => (p.template?.reqid === 1 ? sa : null) };
}

function protectedEsp(v: OutboundVerdict): Buffer {
  expect(v.verdict, v.verdict === 'dropped' ? v.diagnosis.summary : v.verdict).toBe('protected');
  return Buffer.from((v as Extract<OutboundVerdict, { verdict: 'protected' }>).esp);
}

const web = (): Buffer => udp4(PEER_HOST, OUR_HOST, Buffer.from('GET /'), { srcPort: 40000, dstPort: 80 });

describe('SPD decision', () => {
  it('BYPASS hands the packet back untouched', () => {
    const link = makeLink();
    const dns = udp4(PEER_HOST, OUR_HOST);
    const v = processOutbound(outboundCtx(link), dns, NOW);
    expect(v).toEqual({ verdict: 'bypass', packet: dns });
    expect(link.outbound.outSeqLo).toBe(0);
  });

  it('DISCARD drops with the policy named (CLEAR_TEXT_DROP / XfrmOutPolBlock)', () => {
    const link = makeLink();
    expectDrop(processOutbound(outboundCtx(link), udp4(PEER_HOST, '10.4.0.1'), NOW) as Verdict, {
      kind: 'outbound-blocked', spi: null, sa: null, cause: null, reason: 'discard-policy',
      evidence: { src: PEER_HOST, dst: '10.4.0.1', protocol: 17, policy: 'block-10.4' }, summaryHas: ['policy block-10.4'],
    });
  });

  it('no matching policy: the default outbound action discards (RFC 4301 5.1)', () => {
    const link = makeLink();
    expectDrop(processOutbound(outboundCtx(link), udp4('10.8.0.1', '10.9.0.1'), NOW) as Verdict, {
      kind: 'outbound-blocked', spi: null, sa: null, cause: null, reason: 'discard-policy',
      evidence: { src: '10.8.0.1', dst: '10.9.0.1', protocol: 17, policy: null }, summaryHas: ['default outbound action'],
    });
  });

  it('PROTECT without an SA: outbound-no-sa (BAD_SPI / XfrmOutNoStates), naming the policy', () => {
    const link = makeLink();
    expectDrop(processOutbound(outboundCtx(link, null), web(), NOW) as Verdict, {
      kind: 'outbound-no-sa', spi: null, sa: null, cause: null, reason: 'no-outbound-sa',
      evidence: { policy: 'to-a', label: 'to-a' }, summaryHas: ['policy to-a'],
    });
  });

  it('PROTECT whose SA was removed: outbound-no-sa', () => {
    const link = makeLink();
    link.peerSad.remove(link.outbound, 'rekeyed', NOW);
    expectDrop(processOutbound(outboundCtx(link), web(), NOW) as Verdict, {
      kind: 'outbound-no-sa', spi: null, sa: null, cause: null, reason: 'no-outbound-sa', evidence: { policy: 'to-a', label: 'to-a' },
    });
  });

  it('PROTECT whose SA passed its hard time limit (before any tick): not used, outbound-no-sa with the limit', () => {
    const link = makeLink();
    const sa = link.peerSad.add({ ...link.outbound.config, spi: 0x0f0f0f0f, hard: { addSeconds: 30 } }, NOW);
    const ctx = outboundCtx(link, sa);
    protectedEsp(processOutbound(ctx, web(), NOW + 29_999));
    expectDrop(processOutbound(ctx, web(), NOW + 30_000) as Verdict, {
      kind: 'outbound-no-sa', spi: null, sa: null, cause: null, reason: 'outbound-sa-expired',
      evidence: { policy: 'to-a', label: 'to-a', spi: '0x0f0f0f0f', limit: 'add-time', configured: 30, reached: 30, expiredAt: NOW + 30_000 },
      summaryHas: ['0x0f0f0f0f', 'hard add-time limit'],
    });
    expect([sa.usable, link.peerSad.findBySpi(0x0f0f0f0f)]).toEqual([false, []]);
  });

  it('a buffer that is not an IP packet is refused, not sealed', () => {
    const link = makeLink();
    expectDrop(processOutbound(outboundCtx(link), Buffer.from([0x45, 0, 0]), NOW) as Verdict, {
      kind: 'outbound-blocked', spi: null, sa: null, cause: null, reason: 'malformed-outbound-packet', evidence: { reason: 'truncated' },
    });
  });
});

describe('sequence numbers (RFC 4303 3.3.3)', () => {
  it('start at 1 and increase by one, in the verdict and in the ESP header', () => {
    const link = makeLink();
    const ctx = outboundCtx(link);
    for (let n = 1; n <= 5; n++) {
      const v = processOutbound(ctx, web(), NOW);
      const esp = protectedEsp(v);
      expect(v).toMatchObject({ seqHi: 0, seqLo: n });
      expect([esp.readUInt32BE(0), esp.readUInt32BE(4)]).toEqual([link.outbound.spi, n]);
    }
  });

  it('without ESN the last number is 2^32 - 1; the next packet is outbound-seq-exhausted, and stays so', () => {
    const link = makeLink();
    link.outbound.restoreOutboundSequence(0, 0xfffffffe);
    const ctx = outboundCtx(link);
    expect(processOutbound(ctx, web(), NOW)).toMatchObject({ verdict: 'protected', seqHi: 0, seqLo: 0xffffffff });
    for (let i = 0; i < 2; i++) {
      expectDrop(processOutbound(ctx, web(), NOW) as Verdict, {
        kind: 'outbound-seq-exhausted', spi: link.outbound.spi, sa: link.outbound, cause: null, reason: 'sequence-exhausted',
        evidence: { spi: '0x0a0b0c0d', esn: false }, summaryHas: ['must not cycle'],
      });
    }
  });

  it('with ESN the counter carries into the high half: (0, 2^32 - 1) then (1, 0)', () => {
    const link = makeLink({ esn: true });
    link.outbound.restoreOutboundSequence(0, 0xfffffffe);
    const ctx = outboundCtx(link);
    const a = processOutbound(ctx, web(), NOW);
    const b = processOutbound(ctx, web(), NOW);
    expect([a, b]).toMatchObject([{ seqHi: 0, seqLo: 0xffffffff }, { seqHi: 1, seqLo: 0 }]);
    expect(protectedEsp(b).readUInt32BE(4)).toBe(0); // RFC 4303 2.2.1: only the low half is sent
    expectDelivered(receive(link, protectedEsp(a)), link.inbound, 0, 0xffffffff, 4);
    expectDelivered(receive(link, protectedEsp(b)), link.inbound, 1, 0, 4);
  });
});

describe('transport mode splits the packet (RFC 4303 3.1.1)', () => {
  /** What must be on the wire: the reference sealer's ESP around exactly `upper` and `nh`. */
  function expectWire(link: Link, esp: Buffer, upper: Buffer, nh: number): void {
    const spec = link.transform.spec;
    const plaintext = referencePlaintext(spec, upper, nh);
    expect(esp).toEqual(referenceSeal(spec, link.keys, { spi: link.outbound.spi, seqHi: 0, seqLo: 1, esn: false, iv: sequenceIv(0, 1), plaintext }));
  }

  it('IPv4 with options: only the upper-layer bytes are protected, next header = the protocol', () => {
    const link = makeLink({ mode: 'transport' });
    const upper = buildUdp({ srcPort: 7, dstPort: 9, src: PEER, dst: US }, Buffer.from('after options'));
    const packet = buildIpv4({ src: PEER, dst: US, protocol: 17, options: Buffer.from([1, 1, 1, 0]) }, upper);
    expectWire(link, protectedEsp(processOutbound(outboundCtx(link), packet, NOW)), upper, 17);
  });

  it('IPv6 with a hop-by-hop header: the extension header stays outside, the TCP segment inside', () => {
    const link = makeLink({ mode: 'transport' });
    const tcp = Buffer.alloc(20);
    tcp[12] = 0x50;
    const packet = buildIpv6({ src: '2001:db8:2::9', dst: '2001:db8:1::5', protocol: 6, extensions: [{ type: 0 }] }, tcp);
    expectWire(link, protectedEsp(sealWithSa(link.outbound, packet, NOW)), tcp, 6);
  });

  it('a fragment cannot be protected in transport mode: refused with the reason', () => {
    const link = makeLink({ mode: 'transport' });
    const fragment = buildIpv4({ src: PEER_HOST, dst: OUR_HOST, protocol: 17, moreFragments: true }, Buffer.alloc(16));
    expectDrop(processOutbound(outboundCtx(link), fragment, NOW) as Verdict, {
      kind: 'outbound-blocked', spi: link.outbound.spi, sa: link.outbound, cause: null, reason: 'malformed-outbound-packet',
      evidence: { spi: '0x0a0b0c0d', reason: 'fragment' }, summaryHas: ['reassemble'],
    });
    expect(link.outbound.outSeqLo).toBe(0);
  });
});

describe('outbound then inbound: every transform, both modes, ESN on and off', () => {
  for (const spec of allSpecs()) {
    it(`${specName(spec)}`, () => {
      for (const mode of ['tunnel', 'transport'] as const) {
        for (const esn of [false, true]) {
          const link = makeLink({ spec, mode, esn });
          const ctx = outboundCtx(link);
          const packets = mode === 'tunnel' ? [web(), udp6('2001:db8:2::9', '2001:db8:1::5')] : [udp4(PEER, US, Buffer.from('transport'), { srcPort: 1, dstPort: 80 })];
          if (mode === 'tunnel') ctx.spd.add({ id: 'v6', action: 'protect', selectors: { local: '2001:db8:2::/48', remote: '2001:db8:1::/48' }, template: { mode: 'tunnel', peer: US, reqid: 1, label: null } });
          packets.forEach((packet, i) => {
            const d = expectDelivered(receive(link, protectedEsp(processOutbound(ctx, packet, NOW))), link.inbound, 0, i + 1, mode === 'tunnel' ? (i === 0 ? 4 : 41) : 17);
            // Transport without NAT: same addresses, so the rebuilt upper layer is byte-identical.
            if (mode === 'tunnel') expect(d.packet).toEqual(packet);
            else expect([d.packet.subarray(12, 20), d.packet.subarray(20)]).toEqual([packet.subarray(12, 20), packet.subarray(20)]);
          });
        }
      }
    });
  }
});

describe('sealWithSa refuses SAs that must not send', () => {
  it('throws for an inbound SA (its key and nonces belong to the peer) and for a removed SA', async () => {
    const { SaDatabase } = await import('../../src/sad/sad.js');
    const { createEspCipher } = await import('../../src/esp/cipher.js');
    const { sealWithSa } = await import('../../src/datapath/outbound.js');
    const transform = { encryption: 'aes-gcm', keyBits: 128, icvLength: 16, integrity: 'none' } as const;
    const keys = { encryptionKey: Buffer.alloc(20, 1), integrityKey: Buffer.alloc(0) };
    const base = { src: '192.0.2.1', dst: '192.0.2.2', mode: 'tunnel', encapsulation: null, transform, keys, cipher: createEspCipher(transform, keys), esn: false, replayWindow: 64 } as const;
    const sad = new SaDatabase();
    const inbound = sad.add({ ...base, spi: 0x1000, direction: 'inbound' }, 0);
    const outbound = sad.add({ ...base, spi: 0x1001, direction: 'outbound' }, 0);
    const packet = Buffer.from('450000140000000040110000c0000201c0000202', 'hex');
    expect(() => sealWithSa(inbound, packet, 1)).toThrow(/must be an outbound SA; 0x00001000 is inbound/);
    expect(sealWithSa(outbound, packet, 1).verdict).toBe('protected');
    sad.remove(outbound, 'deleted-locally', 2);
    expect(() => sealWithSa(outbound, packet, 3)).toThrow(/0x00001001 is not usable .*removed/);
  });
});
