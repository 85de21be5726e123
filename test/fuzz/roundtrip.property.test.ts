// Property: whatever IP packet a PROTECT policy sends out (processOutbound), the peer's inbound
// pipeline (processUdpDatagram) delivers it: tunnel mode byte for byte, transport mode with the
// same addresses, protocol and upper-layer bytes. Every transform, ESN on and off, packets of
// random size and content, including sequence numbers that cross 2^32 with ESN.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { processUdpDatagram } from '../../src/datapath/inbound.js';
import { processOutbound } from '../../src/datapath/outbound.js';
import { buildIpv4 } from '../../src/packet/ipv4.js';
import { buildIpv6 } from '../../src/packet/ipv6.js';
import { buildUdp } from '../../src/packet/udp.js';
import { SecurityPolicyDatabase } from '../../src/spd/spd.js';
import { allSpecs, specName } from '../esp/support.js';
import { PEER, US, makeLink, naiveChecksum } from '../datapath/support.js';

const SPECS = allSpecs();

/** The peer protects everything it sends to us (IPv4 and IPv6, any protocol). */
function protectAll(mode: 'tunnel' | 'transport'): SecurityPolicyDatabase {
  const spd = new SecurityPolicyDatabase();
  spd.add({ id: 'all', action: 'protect', selectors: { local: 'any', remote: 'any' }, template: { mode, peer: US, reqid: 1, label: null } });
  return spd;
}

const ipPacket = fc.record({
  v6: fc.boolean(),
  protocol: fc.constantFrom(17, 6, 1, 253),
  body: fc.uint8Array({ maxLength: 1400 }),
  srcPort: fc.integer({ min: 1, max: 65535 }),
  dstPort: fc.integer({ min: 1, max: 65535 }),
});

type PacketSpec = { v6: boolean; protocol: number; body: Uint8Array; srcPort: number; dstPort: number };

/**
 * Tunnel: a packet between inner hosts; transport: between the two outer hosts (no NAT).
 * ICMP is ICMPv6 over IPv6; 253 (experimental) is IPv4 only, since IPv6 reads it as an
 * extension header (RFC 4727). UDP and TCP carry correct checksums, as a sender's stack writes them.
 */
function build(p: PacketSpec, mode: 'tunnel' | 'transport'): Buffer {
  const v6 = mode === 'tunnel' && p.v6;
  const [src, dst] = mode === 'transport' ? [PEER, US] : v6 ? ['2001:db8:2::9', '2001:db8:1::5'] : ['10.2.0.9', '10.1.0.5'];
  const protocol = p.protocol === 1 && v6 ? 58 : p.protocol === 253 && v6 ? 17 : p.protocol;
  const upper = protocol === 17 ? buildUdp({ srcPort: p.srcPort, dstPort: p.dstPort, src, dst }, p.body)
    : protocol === 6 ? tcpSegment(p)
      : protocol === 253 ? Buffer.from(p.body)
        : Buffer.concat([Buffer.from([v6 ? 128 : 8, 0, 0, 0]), p.body]); // echo request
  const packet = v6 ? buildIpv6({ src, dst, protocol }, upper) : buildIpv4({ src, dst, protocol }, upper);
  if (protocol === 6) writeTcpChecksum(packet, v6);
  return packet;
}

function tcpSegment(p: PacketSpec): Buffer {
  const header = Buffer.alloc(20);
  header.writeUInt16BE(p.srcPort, 0);
  header.writeUInt16BE(p.dstPort, 2);
  header[12] = 0x50; // data offset: 5 words
  return Buffer.concat([header, p.body]);
}

/** RFC 9293 3.1 / RFC 8200 8.1: the checksum over the pseudo-header, as the sender's stack writes it. */
function writeTcpChecksum(packet: Buffer, v6: boolean): void {
  const off = v6 ? 40 : 20;
  const len = packet.length - off;
  const pseudo = v6
    ? [...packet.subarray(8, 40), 0, 0, len >> 8, len & 255, 0, 0, 0, 6]
    : [...packet.subarray(12, 20), 0, 6, len >> 8, len & 255];
  packet.writeUInt16BE(0, off + 16);
  packet.writeUInt16BE(naiveChecksum([...pseudo, ...packet.subarray(off)]), off + 16);
}

describe('processOutbound -> processUdpDatagram', () => {
  it('delivers what was sent, for random packets over random SAs', () => {
    fc.assert(fc.property(
      fc.integer({ min: 0, max: SPECS.length - 1 }), fc.constantFrom('tunnel' as const, 'transport' as const), fc.boolean(),
      fc.option(fc.integer({ min: 0xfffffff0, max: 0xfffffffe }), { nil: undefined }),
      fc.array(ipPacket, { minLength: 1, maxLength: 4 }),
      (specIndex, mode, esn, startNear2to32, packets) => {
        const spec = SPECS[specIndex]!;
        const link = makeLink({ spec, mode, esn });
        if (startNear2to32 !== undefined && esn) link.outbound.restoreOutboundSequence(0, startNear2to32);
        const ctx = { sad: link.peerSad, spd: protectAll(mode), saForPolicy: () => link.outbound };
        for (const p of packets) {
          const packet = build(p, mode);
          const out = processOutbound(ctx, packet, 0);
          if (out.verdict !== 'protected') throw new Error(`${specName(spec)}: ${out.verdict}`);
          const v = processUdpDatagram(link.ctx, out.esp, link.meta, 0);
          expect(v.verdict, v.verdict === 'dropped' ? `${specName(spec)} ${mode}: ${v.diagnosis.summary}` : '').toBe('delivered');
          if (v.verdict !== 'delivered') return;
          expect([v.seqHi, v.seqLo]).toEqual([out.seqHi, out.seqLo]);
          if (mode === 'tunnel') {
            expect(v.packet).toEqual(packet);
          } else {
            const headerLength = 20;
            expect({ protocol: v.packet[9], addresses: v.packet.subarray(12, 20), upper: v.packet.subarray(headerLength) })
              .toEqual({ protocol: packet[9], addresses: packet.subarray(12, 20), upper: packet.subarray(headerLength) });
          }
        }
      },
    ), { numRuns: 300 });
  });
});
