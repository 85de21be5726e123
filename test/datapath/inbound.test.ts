// The inbound pipeline, verdict by verdict (DESIGN.md "The verdict contract"): real SAs,
// packets sealed by the peer's outbound SA (or by the RFC-written reference sealer when the
// packet must be authentic but wrong inside), and the whole verdict checked against the
// DESIGN table and RFC 4303 / RFC 3948 rules written out here.
import { describe, expect, it } from 'vitest';
import { createInboundContext, processEsp, processUdpDatagram } from '../../src/datapath/inbound.js';
import { buildIpv4 } from '../../src/packet/ipv4.js';
import { buildUdp } from '../../src/packet/udp.js';
import type { TransformCase } from './support.js';
import {
  AES_GCM, NOW, OTHER_HOST, OUR_HOST, OUR_NET, PEER, PEER_HOST, PEER_NET, TRANSFORMS, US,
  expectDelivered, expectDrop, hex8, makeLink, naiveChecksum, receive, saEvidence, seal, sealAt, sealRaw, selectorsBetween, udp4, udp6,
} from './support.js';

const MODES = ['tunnel', 'transport'] as const;

/** Checks an IPv4 or IPv6 packet's TCP/UDP checksum over its own pseudo-header (RFC 768, RFC 8200 8.1). */
function transportChecksumOk(ip: Buffer): boolean {
  const v6 = ip[0]! >> 4 === 6;
  const headerLength = v6 ? 40 : (ip[0]! & 0x0f) * 4;
  const upper = [...ip.subarray(headerLength)];
  const protocol = v6 ? ip[6]! : ip[9]!;
  const len = upper.length;
  const pseudo = v6
    ? [...ip.subarray(8, 40), 0, 0, len >> 8, len & 0xff, 0, 0, 0, protocol]
    : [...ip.subarray(12, 20), 0, protocol, len >> 8, len & 0xff];
  return naiveChecksum([...pseudo, ...upper]) === 0;
}

/** The parts of a transport-mode packet the receiver must rebuild (RFC 4303 3.1.1, RFC 3948 3.1.2). */
function expectRebuiltIpv4(packet: Buffer, src: string, dst: string, protocol: number, upperWithoutChecksum: Buffer, checksumOffset: number): void {
  expect(packet[0]).toBe(0x45);
  expect(packet.readUInt16BE(2)).toBe(packet.length);
  expect(packet[9]).toBe(protocol);
  expect([...packet.subarray(12, 16)].join('.')).toBe(src);
  expect([...packet.subarray(16, 20)].join('.')).toBe(dst);
  expect(naiveChecksum([...packet.subarray(0, 20)])).toBe(0);
  const upper = Buffer.from(packet.subarray(20));
  upper.writeUInt16BE(0, checksumOffset);
  expect(upper).toEqual(upperWithoutChecksum);
  expect(transportChecksumOk(packet)).toBe(true);
}

function zeroChecksum(upper: Buffer, offset: number): Buffer {
  const copy = Buffer.from(upper);
  copy.writeUInt16BE(0, offset);
  return copy;
}

describe('delivered: the inner packet is what the peer sealed', () => {
  describe.each(TRANSFORMS.map((t) => [t.name, t] as const))('%s', (_name, transform) => {
    for (const esn of [false, true]) {
      for (const encapsulated of [true, false]) {
        const shape = `${esn ? 'ESN' : 'no ESN'}, ${encapsulated ? 'ESP in UDP' : 'IP protocol 50'}`;

        it(`tunnel (${shape}): IPv4 and IPv6 inner packets come out whole, TFC padding cut off`, () => {
          const link = makeLink({ transform, esn, encapsulated });
          const v4 = udp4();
          const v6 = udp6();
          const first = seal(link, v4, NOW, v4.length + 37); // RFC 4303 2.7: TFC zeros after the packet
          const second = seal(link, v6, NOW);
          expect(expectDelivered(receive(link, first), link.inbound, 0, 1, 4).packet).toEqual(v4);
          expect(expectDelivered(receive(link, second), link.inbound, 0, 2, 41).packet).toEqual(v6);
          expect(link.ctx.counters.delivered).toBe(2);
        });

        it(`transport (${shape}): the IP header is rebuilt from the outer addresses with a correct checksum`, () => {
          const link = makeLink({ transform, esn, encapsulated, mode: 'transport' });
          const original = udp4(PEER, US, Buffer.from('transport payload!'));
          const d = expectDelivered(receive(link, seal(link, original)), link.inbound, 0, 1, 17);
          expectRebuiltIpv4(d.packet, PEER, US, 17, zeroChecksum(original.subarray(20), 6), 6);
        });
      }
    }
  });

  it('tunnel with selectors: a packet inside them is delivered', () => {
    const link = makeLink({ selectors: selectorsBetween(OUR_NET, PEER_NET) });
    const inner = udp4(PEER_HOST, OUR_HOST);
    expect(expectDelivered(receive(link, seal(link, inner)), link.inbound, 0, 1, 4).packet).toEqual(inner);
  });

  it('transport behind a NAT: the UDP checksum is recomputed for the addresses we see (RFC 3948 3.1.2)', () => {
    const link = makeLink({ mode: 'transport' });
    // The peer sealed a packet from its private address; the NAT rewrote only the outer header.
    const original = udp4('10.0.0.2', US, Buffer.from('through the NAT'));
    const d = expectDelivered(receive(link, seal(link, original)), link.inbound, 0, 1, 17);
    expectRebuiltIpv4(d.packet, PEER, US, 17, zeroChecksum(original.subarray(20), 6), 6);
    expect(transportChecksumOk(original)).toBe(true);
    expect(d.packet.readUInt16BE(26)).not.toBe(original.readUInt16BE(26));
  });

  it('transport: a UDP checksum of 0 over IPv4 ("none", RFC 768) stays 0', () => {
    const link = makeLink({ mode: 'transport' });
    const original = buildIpv4({ src: PEER, dst: US, protocol: 17 }, buildUdp({ srcPort: 1, dstPort: 2, src: PEER, dst: US, checksum: false }, Buffer.from('x')));
    const d = expectDelivered(receive(link, seal(link, original)), link.inbound, 0, 1, 17);
    expect(d.packet.readUInt16BE(26)).toBe(0);
  });

  it('transport: a TCP segment gets its checksum (RFC 9293 3.1, offset 16) over the outer addresses', () => {
    const link = makeLink({ mode: 'transport' });
    const tcp = Buffer.alloc(24);
    tcp.writeUInt16BE(443, 0);
    tcp.writeUInt16BE(50000, 2);
    tcp[12] = 0x50; // data offset 5 words
    tcp.write('data', 20);
    const original = buildIpv4({ src: '10.0.0.2', dst: US, protocol: 6 }, tcp);
    const d = expectDelivered(receive(link, seal(link, original)), link.inbound, 0, 1, 6);
    expectRebuiltIpv4(d.packet, PEER, US, 6, tcp, 16);
  });

  it('transport over IPv6 outer addresses: an IPv6 header is rebuilt (RFC 8200 8.1 pseudo-header)', () => {
    const local = '2001:db8:a::7';
    const remote = '2001:db8:b::1';
    const link = makeLink({ mode: 'transport', local, remote, encapsulated: false });
    const original = udp6(remote, local, Buffer.from('v6 transport'));
    const d = expectDelivered(receive(link, seal(link, original)), link.inbound, 0, 1, 17);
    expect(d.packet[0]! >> 4).toBe(6);
    expect(d.packet.readUInt16BE(4)).toBe(original.length - 40);
    expect(d.packet[6]).toBe(17);
    expect(d.packet.subarray(8, 40)).toEqual(original.subarray(8, 40));
    expect(zeroChecksum(d.packet.subarray(40), 6)).toEqual(zeroChecksum(original.subarray(40), 6));
    expect(transportChecksumOk(d.packet)).toBe(true);
  });
});

/** What a packet cut to `length` bytes must yield, from RFC 4303 2 and 2.4 and the DESIGN table. */
function expectTruncated(link: ReturnType<typeof makeLink>, t: TransformCase, whole: Buffer, length: number, via: 'udp' | 'esp'): void {
  const esp = Buffer.from(whole.subarray(0, length));
  const v = via === 'udp' ? processUdpDatagram(link.ctx, esp, link.meta, NOW) : processEsp(link.ctx, esp, link.meta, NOW);
  const spi = link.inbound.spi;
  const overhead = 8 + t.ivLength + t.icvLength;
  const ct = length - overhead;
  const lengths = { ...saEvidence(link.inbound), length, ivLength: t.ivLength, icvLength: t.icvLength, transform: t.transformName };
  if (length < 8) {
    expectDrop(v, { kind: 'invalid-packet', spi: null, sa: null, cause: null, reason: 'truncated-esp-header', evidence: { length } });
  } else if (ct < t.minCiphertext) {
    expectDrop(v, { kind: 'invalid-packet', spi, sa: link.inbound, cause: null, reason: 'truncated-esp', evidence: lengths });
  } else if (ct % t.alignment !== 0) {
    expectDrop(v, { kind: 'invalid-packet', spi, sa: link.inbound, cause: null, reason: 'misaligned-ciphertext', evidence: lengths });
  } else if (length < whole.length) {
    expectDrop(v, {
      kind: 'integrity', spi, sa: link.inbound, cause: null, reason: 'icv-mismatch',
      evidence: { ...saEvidence(link.inbound), seqHi: 0, seqLo: 1, esn: false, transform: t.transformName, icvLength: t.icvLength },
    });
  } else {
    expectDelivered(v, link.inbound, 0, 1, 4);
  }
}

describe('malformed packets: exactly the right verdict for each class', () => {
  describe.each(TRANSFORMS.map((t) => [t.name, t] as const))('%s', (_name, t) => {
    it('every truncation from 0 bytes to the full length, as raw ESP: <8 parse, <min too-short, unaligned, else ICV', () => {
      const link = makeLink({ transform: t, encapsulated: false });
      const whole = sealAt(link, 0, 1, udp4());
      for (let length = 0; length <= whole.length; length++) {
        expectTruncated(link, t, whole, length, 'esp');
        expect(link.inbound.replay!.topLo).toBe(length < whole.length ? 0 : 1); // only the whole packet moves the window
      }
    });

    it('every truncation from 0 bytes to the full length, in UDP (RFC 3948 demux first)', () => {
      const link = makeLink({ transform: t });
      const whole = sealAt(link, 0, 1, udp4());
      for (let length = 0; length <= whole.length; length++) expectTruncated(link, t, whole, length, 'udp');
    });

    it('a ciphertext that is not a multiple of the alignment is refused before the ICV (RFC 4303 2.4)', () => {
      const link = makeLink({ transform: t });
      const esp = seal(link, udp4());
      for (let extra = 1; extra < t.alignment; extra++) {
        const longer = Buffer.concat([esp, Buffer.alloc(extra, 0xee)]);
        expectDrop(receive(link, longer), {
          kind: 'invalid-packet', spi: link.inbound.spi, sa: link.inbound, cause: null, reason: 'misaligned-ciphertext',
          evidence: { ...saEvidence(link.inbound), length: longer.length, ivLength: t.ivLength, icvLength: t.icvLength, transform: t.transformName },
        });
      }
    });

    /** payload || padding || pad length || next header, aligned: `payload` bytes are filled to fit. */
    const plaintext = (padding: readonly number[], padLength: number, nextHeader: number): Buffer => {
      let body = 20;
      while ((body + padding.length + 2) % t.alignment !== 0) body++;
      return Buffer.concat([Buffer.alloc(body, 0x33), Buffer.from(padding), Buffer.from([padLength, nextHeader])]);
    };

    it('an authentic packet whose pad length exceeds the bytes before it is a trailer drop (RFC 4303 2.4)', () => {
      const link = makeLink({ transform: t });
      const pt = plaintext([], 0, 4);
      pt[pt.length - 2] = pt.length - 1; // one more than the bytes before the trailer
      expectDrop(receive(link, sealRaw(link, 5, pt)), {
        kind: 'invalid-trailer', spi: link.inbound.spi, sa: link.inbound, cause: null, reason: 'bad-pad-length',
        evidence: { ...saEvidence(link.inbound), transform: t.transformName }, summaryHas: [`pad length ${pt.length - 1}`],
      });
    });

    it('an authentic packet whose padding is not 1, 2, 3, ... is a trailer drop, and its sequence number is used up', () => {
      const link = makeLink({ transform: t });
      expectDrop(receive(link, sealRaw(link, 5, plaintext([1, 2, 9, 4], 4, 4))), {
        kind: 'invalid-trailer', spi: link.inbound.spi, sa: link.inbound, cause: null, reason: 'bad-padding',
        evidence: { ...saEvidence(link.inbound), transform: t.transformName }, summaryHas: ['padding byte 3'],
      });
      // RFC 4303 3.4.3: the window moves once the ICV verified; the trailer is checked after.
      expect(link.inbound.replay!.topLo).toBe(5);
      expectDrop(receive(link, sealAt(link, 0, 5, udp4())), {
        kind: 'replay', spi: link.inbound.spi, sa: link.inbound, cause: 'duplicate', reason: 'duplicate', partialEvidence: true,
        evidence: { seqLo: 5, result: 'duplicate' },
      });
    });
  });

  describe('next header (RFC 4303 2.6)', () => {
    it('tunnel mode accepts only 4 and 41: anything else authentic is an unknown-next-header trailer drop', () => {
      const link = makeLink();
      let seq = 0;
      for (const nh of [0, 1, 6, 17, 50, 58, 60, 253, 255]) {
        expectDrop(receive(link, sealAt(link, 0, ++seq, udp4(), nh)), {
          kind: 'invalid-trailer', spi: link.inbound.spi, sa: link.inbound, cause: null, reason: 'unknown-next-header',
          evidence: { ...saEvidence(link.inbound), transform: AES_GCM.transformName, nextHeader: nh }, summaryHas: [`next header ${nh}`],
        });
      }
    });

    it('transport mode refuses the unassigned protocol numbers 146-252 and the reserved 255 (IANA)', () => {
      const link = makeLink({ mode: 'transport' });
      let seq = 0;
      for (const nh of [...Array.from({ length: 252 - 146 + 1 }, (_, i) => 146 + i), 255]) {
        expectDrop(receive(link, sealAt(link, 0, ++seq, Buffer.from('upper'), nh)), {
          kind: 'invalid-trailer', spi: link.inbound.spi, sa: link.inbound, cause: null, reason: 'unknown-next-header',
          evidence: { ...saEvidence(link.inbound), transform: AES_GCM.transformName, nextHeader: nh },
        });
      }
    });

    it('transport mode delivers the experimental protocols 253 and 254 (RFC 3692)', () => {
      const link = makeLink({ mode: 'transport' });
      for (const [i, nh] of [253, 254].entries()) {
        const d = expectDelivered(receive(link, sealAt(link, 0, i + 1, Buffer.from('experiment'), nh)), link.inbound, 0, i + 1, nh);
        expect(d.packet.subarray(20).toString()).toBe('experiment');
        expect(d.packet[9]).toBe(nh);
      }
    });

    for (const mode of MODES) {
      it(`next header 59 in ${mode} mode is a dummy packet: its own verdict, counted, and its sequence number used`, () => {
        const link = makeLink({ mode });
        const v = receive(link, sealAt(link, 0, 3, Buffer.alloc(40), 59));
        expect(v).toEqual({ verdict: 'dummy', spi: link.inbound.spi, sa: link.inbound.ref(), seqHi: 0, seqLo: 3 });
        expect(link.ctx.counters.snapshot()).toMatchObject({ dummy: 1, delivered: 0, dropped: 0 });
        expect(link.inbound.replay!.topLo).toBe(3);
      });
    }
  });

  describe('the inner packet must be what the next header says (RFC 4303 3.1.2)', () => {
    const cases = [
      ['next header 4 with an IPv6 packet inside', 4, udp6(), 'starts with IP version 6'],
      ['next header 41 with an IPv4 packet inside', 41, udp4(), 'starts with IP version 4'],
      ['next header 4 with 12 bytes inside', 4, Buffer.alloc(12, 0x45), 'is only 12 bytes'],
      ['next header 4 with an IPv4 total length beyond the payload', 4, (() => { const p = udp4(); p.writeUInt16BE(p.length + 8, 2); return p; })(), 'total length'],
      ['next header 4 with IHL 4 (16 bytes, below the minimum)', 4, (() => { const p = udp4(); p[0] = 0x44; return p; })(), 'header length 16'],
      ['next header 41 with an IPv6 payload length beyond the payload', 41, (() => { const p = udp6(); p.writeUInt16BE(p.length, 4); return p; })(), 'payload length'],
    ] as const;
    for (const [title, nh, inner, words] of cases) {
      it(`${title}: malformed-inner-packet`, () => {
        const link = makeLink();
        expectDrop(receive(link, sealAt(link, 0, 1, Buffer.from(inner), nh)), {
          kind: 'invalid-trailer', spi: link.inbound.spi, sa: link.inbound, cause: null, reason: 'malformed-inner-packet',
          evidence: { ...saEvidence(link.inbound), transform: AES_GCM.transformName, nextHeader: nh }, summaryHas: [words],
        });
      });
    }

    it('transport mode: a UDP length field that disagrees with the bytes carried is a bad segment', () => {
      const link = makeLink({ mode: 'transport' });
      const upper = buildUdp({ srcPort: 1, dstPort: 2, src: PEER, dst: US }, Buffer.from('abcd'));
      upper.writeUInt16BE(upper.length + 1, 4);
      expectDrop(receive(link, sealAt(link, 0, 1, upper, 17)), {
        kind: 'invalid-trailer', spi: link.inbound.spi, sa: link.inbound, cause: null, reason: 'bad-transport-segment',
        evidence: { ...saEvidence(link.inbound), transform: AES_GCM.transformName, nextHeader: 17 }, summaryHas: ['UDP length field 13'],
      });
    });
  });

  describe('SPI 0-255 are never valid on the wire (RFC 4303 2.1)', () => {
    it('SPI 0 as raw ESP is reserved (in UDP it would be the non-ESP marker)', () => {
      const link = makeLink({ encapsulated: false });
      const esp = seal(link, udp4());
      esp.writeUInt32BE(0, 0);
      expectDrop(receive(link, esp), {
        kind: 'bad-spi', spi: 0, sa: null, cause: 'reserved', reason: 'spi-reserved',
        evidence: { spi: '0x00000000', reservedRange: '0x00000000-0x000000ff' },
      });
    });

    it('SPI 1-255 are reserved, in UDP and as raw ESP', () => {
      for (const encapsulated of [true, false]) {
        const link = makeLink({ encapsulated });
        for (let spi = 1; spi <= 255; spi++) {
          const esp = seal(link, udp4());
          esp.writeUInt32BE(spi, 0);
          expectDrop(receive(link, esp), {
            kind: 'bad-spi', spi, sa: null, cause: 'reserved', reason: 'spi-reserved',
            evidence: { spi: hex8(spi), reservedRange: '0x00000000-0x000000ff' },
          });
        }
        expect(link.ctx.counters.drop('bad-spi')).toBe(255);
      }
    });
  });

  describe('UDP port 4500 demultiplexing (RFC 3948 2)', () => {
    const link = makeLink();
    const udp = (bytes: number[]): ReturnType<typeof processUdpDatagram> => processUdpDatagram(link.ctx, Buffer.from(bytes), link.meta, NOW);

    it('one byte 0xFF is a NAT-keepalive (2.3), counted', () => {
      expect(udp([0xff])).toEqual({ verdict: 'keepalive' });
      expect(link.ctx.counters.keepalive).toBe(1);
    });

    it('four zero bytes are the non-ESP marker (2.2): the IKE message is handed over without them', () => {
      const ike = [...Array.from({ length: 28 }, (_, i) => i + 1)];
      const v = udp([0, 0, 0, 0, ...ike]);
      expect(v.verdict).toBe('ike');
      expect(v.verdict === 'ike' && [...v.message]).toEqual(ike);
      expect(link.ctx.counters.ike).toBe(1);
    });

    it('an empty payload, one byte other than 0xFF, and 2-7 bytes without the marker are invalid', () => {
      for (const bytes of [[], [0x00], [0xfe], [0xff, 0xff], [1, 2, 3], [0, 0, 0], [0xff, 0, 0, 0], [1, 0, 0, 0, 0], [0, 0, 0, 1, 0, 0, 0]]) {
        expectDrop(udp(bytes), { kind: 'invalid-packet', spi: null, sa: null, cause: null, reason: 'truncated-esp-header', evidence: { length: bytes.length } });
      }
    });
  });

  describe('the SA must fit the packet (DESIGN: selectors stage, ERROR_IPSEC_WRONG_SA)', () => {
    const selectors = selectorsBetween(OUR_NET, PEER_NET);

    it('an inner packet outside the SA selectors is WRONG_SA / XfrmInTmplMismatch (RFC 4301 5.2 step 4)', () => {
      const link = makeLink({ selectors });
      expectDrop(receive(link, seal(link, udp4('10.9.9.9', OUR_HOST))), {
        kind: 'wrong-sa-selectors', spi: link.inbound.spi, sa: link.inbound, cause: null, reason: 'outside-selectors',
        evidence: { ...saEvidence(link.inbound), innerSrc: '10.9.9.9', innerDst: OUR_HOST, innerProtocol: 17 },
      });
    });

    it('an inner packet going the other way (our side to theirs) is outside too', () => {
      const link = makeLink({ selectors });
      expectDrop(receive(link, seal(link, udp4(OUR_HOST, PEER_HOST))), {
        kind: 'wrong-sa-selectors', spi: link.inbound.spi, sa: link.inbound, cause: null, reason: 'outside-selectors',
        evidence: { ...saEvidence(link.inbound), innerSrc: OUR_HOST, innerDst: PEER_HOST, innerProtocol: 17 },
      });
    });

    it('a port selector is enforced: UDP 53 only, so UDP 54 is outside', () => {
      const link = makeLink({ selectors: selectorsBetween(`${OUR_NET} udp 53`, PEER_NET) });
      expectDelivered(receive(link, seal(link, udp4())), link.inbound, 0, 1, 4);
      expectDrop(receive(link, seal(link, udp4(PEER_HOST, OUR_HOST, Buffer.from('x'), { srcPort: 5000, dstPort: 54 }))), {
        kind: 'wrong-sa-selectors', spi: link.inbound.spi, sa: link.inbound, cause: null, reason: 'outside-selectors', partialEvidence: true,
        evidence: { innerSrc: PEER_HOST, innerDst: OUR_HOST, innerProtocol: 17 },
      });
    });

    it('an inner IPv4 packet too short for its UDP ports is malformed, not "outside the selectors"', () => {
      const link = makeLink({ selectors });
      const inner = buildIpv4({ src: PEER_HOST, dst: OUR_HOST, protocol: 17 }, Buffer.from([0x13]));
      expectDrop(receive(link, seal(link, inner)), {
        kind: 'invalid-trailer', spi: link.inbound.spi, sa: link.inbound, cause: null, reason: 'malformed-inner-packet',
        evidence: { ...saEvidence(link.inbound), transform: AES_GCM.transformName, nextHeader: 4 },
      });
    });

    it('plain ESP on an SA negotiated with UDP encapsulation is WRONG_SA / XfrmInStateMismatch', () => {
      const link = makeLink({ encapsulated: true });
      expectDrop(processEsp(link.ctx, seal(link, udp4()), { src: PEER, dst: US, srcPort: null, dstPort: null, encapsulated: false }, NOW), {
        kind: 'wrong-sa-state', spi: link.inbound.spi, sa: link.inbound, cause: null, reason: 'wrong-encapsulation',
        evidence: { ...saEvidence(link.inbound), saEncapsulated: true, packetEncapsulated: false }, summaryHas: ['RFC 3948'],
      });
      expect(link.inbound.replay!.topLo).toBe(0);
    });

    it('ESP in UDP on an SA for plain ESP is WRONG_SA / XfrmInStateMismatch', () => {
      const link = makeLink({ encapsulated: false });
      expectDrop(processUdpDatagram(link.ctx, seal(link, udp4()), { src: PEER, dst: US, srcPort: 4500, dstPort: 4500, encapsulated: true }, NOW), {
        kind: 'wrong-sa-state', spi: link.inbound.spi, sa: link.inbound, cause: null, reason: 'wrong-encapsulation',
        evidence: { ...saEvidence(link.inbound), saEncapsulated: false, packetEncapsulated: true },
      });
    });
  });

  it('a packet to another of our addresses finds no SA for that destination (BAD_SPI, wrong-destination)', () => {
    const link = makeLink();
    expectDrop(receive(link, seal(link, udp4()), NOW, { ...link.meta, dst: OTHER_HOST }), {
      kind: 'bad-spi', spi: link.inbound.spi, sa: null, cause: 'wrong-destination', reason: 'spi-for-other-destination',
      evidence: {
        spi: hex8(link.inbound.spi), saId: link.inbound.id, label: 'b-to-a', saSrc: PEER, saDst: US, packetSrc: PEER, packetDst: OTHER_HOST,
      },
    });
  });
});

describe('capture replay (inferSaShape): key files say nothing about mode or encapsulation', () => {
  it('either encapsulation is accepted, and the mode follows the first delivered packet, then holds (RFC 4301 4.1)', () => {
    const link = makeLink({ mode: 'tunnel', encapsulated: true });
    const ctx = createInboundContext(link.sad, null, { inferSaShape: true });
    const upper = buildUdp({ srcPort: 1, dstPort: 2, src: PEER, dst: US }, Buffer.from('first'));
    const first = expectDelivered(processEsp(ctx, sealAt(link, 0, 1, upper, 17), { ...link.meta, encapsulated: false }, NOW), link.inbound, 0, 1, 17);
    expect(first.packet.subarray(20)).toEqual(upper);
    // Learned: transport. A later next header 4 is an IP-in-IP upper layer, not a tunnel.
    const inner = udp4();
    const second = expectDelivered(processUdpDatagram(ctx, sealAt(link, 0, 2, inner, 4), link.meta, NOW), link.inbound, 0, 2, 4);
    expect([second.packet[9], second.packet.subarray(20)]).toEqual([4, inner]);
  });
});
