// Selector fields of IP packets (RFC 4301 4.4.1.1), including OPAQUE ports of non-first
// fragments (RFC 4301 4.4.1.3), on packets built by hand and by scapy.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { packetFields } from '../../src/packet/fields.js';
import { buildIpv4 } from '../../src/packet/ipv4.js';
import { buildIpv6 } from '../../src/packet/ipv6.js';
import { hasOracle } from '../support/oracle.js';
import { hex } from './helpers.js';
import { scapy } from './scapy.js';

const ports = hex('04d2 1194 0000 0000 00000000 00000000 0000 0000');

describe('packetFields', () => {
  it('reads ports for TCP, UDP, SCTP and UDP-Lite over IPv4 and IPv6', () => {
    for (const protocol of [6, 17, 132, 136]) {
      const v4 = packetFields(buildIpv4({ src: '10.1.1.1', dst: '10.2.2.2', protocol }, ports));
      expect(v4).toMatchObject({ ok: true, version: 4, src: '10.1.1.1', dst: '10.2.2.2', protocol, srcPort: 1234, dstPort: 4500, icmpType: null, fragment: null, opaque: false });
      const v6 = packetFields(buildIpv6({ src: '2001:db8::1', dst: '2001:db8::2', protocol, extensions: [{ type: 0 }, { type: 60 }] }, ports));
      expect(v6).toMatchObject({ ok: true, version: 6, protocol, srcPort: 1234, dstPort: 4500, opaque: false });
    }
  });

  it('reads ICMP and ICMPv6 type and code, and no ports', () => {
    expect(packetFields(buildIpv4({ src: '10.1.1.1', dst: '10.2.2.2', protocol: 1 }, hex('0800 0000 00010001'))))
      .toMatchObject({ ok: true, protocol: 1, icmpType: 8, icmpCode: 0, srcPort: null, dstPort: null });
    expect(packetFields(buildIpv6({ src: '::1', dst: '::2', protocol: 58 }, hex('8100 0000 00010001'))))
      .toMatchObject({ ok: true, protocol: 58, icmpType: 129, icmpCode: 0 });
  });

  it('has neither ports nor type for ESP or other protocols', () => {
    expect(packetFields(buildIpv4({ src: '10.1.1.1', dst: '10.2.2.2', protocol: 50 }, hex('00001001 00000001'))))
      .toMatchObject({ ok: true, protocol: 50, srcPort: null, icmpType: null, opaque: false });
  });

  it('marks non-first fragments OPAQUE and keeps the ports of first fragments', () => {
    const first = packetFields(buildIpv4({ src: '10.1.1.1', dst: '10.2.2.2', protocol: 17, identification: 9, moreFragments: true }, ports));
    expect(first).toMatchObject({ ok: true, srcPort: 1234, opaque: false, fragment: { identification: 9, offset: 0, moreFragments: true } });
    const later = packetFields(buildIpv4({ src: '10.1.1.1', dst: '10.2.2.2', protocol: 17, identification: 9, fragmentOffset: 24 }, ports));
    expect(later).toMatchObject({ ok: true, srcPort: null, dstPort: null, opaque: true, fragment: { offset: 24, moreFragments: false } });
    const later6 = packetFields(buildIpv6({ src: '::1', dst: '::2', protocol: 6, extensions: [{ type: 44, offset: 1448, moreFragments: true, identification: 3 }] }, ports));
    expect(later6).toMatchObject({ ok: true, protocol: 6, srcPort: null, opaque: true, fragment: { offset: 1448, identification: 3 } });
  });

  it('refuses an unfragmented packet too short for its ports, but calls a tiny first fragment OPAQUE', () => {
    expect(packetFields(buildIpv4({ src: '10.1.1.1', dst: '10.2.2.2', protocol: 6 }, hex('04d2'))))
      .toMatchObject({ ok: false, reason: 'truncated-transport' });
    expect(packetFields(buildIpv4({ src: '10.1.1.1', dst: '10.2.2.2', protocol: 6, moreFragments: true }, hex('04d2'))))
      .toMatchObject({ ok: true, opaque: true, srcPort: null });
  });

  it('passes the IP parsers\' failures through and refuses other versions', () => {
    expect(packetFields(new Uint8Array(0))).toMatchObject({ ok: false, reason: 'truncated' });
    expect(packetFields(hex('55'))).toMatchObject({ ok: false, reason: 'bad-version' });
    expect(packetFields(hex('4500'))).toMatchObject({ ok: false, reason: 'truncated' });
  });

  it('never throws on random bytes starting with either version nibble', () => {
    fc.assert(fc.property(fc.constantFrom(0x45, 0x60, 0x4f), fc.uint8Array({ maxLength: 120 }), (first, rest) => {
      expect(typeof packetFields(Uint8Array.of(first, ...rest)).ok).toBe('boolean');
    }), { numRuns: 3000 });
  });
});

describe.skipIf(!hasOracle('scapy'))('packetFields against scapy', () => {
  it('reads the addresses, protocol and ports scapy put into random TCP/UDP/ICMP packets', () => {
    const cases = fc.sample(fc.record({ v6: fc.boolean(), kind: fc.constantFrom('tcp', 'udp', 'icmp'), sp: fc.nat(0xffff), dp: fc.nat(0xffff), t: fc.nat(255), c: fc.nat(255) }), 60);
    const built = scapy<{ hex: string; src: string; dst: string }[]>(`
out = []
for c in data:
    ip = IPv6(src='2001:db8::5', dst='2001:db8:1::6') / IPv6ExtHdrDestOpt() if c['v6'] else IP(src='203.0.113.5', dst='203.0.113.6')
    if c['kind'] == 'tcp': l4 = TCP(sport=c['sp'], dport=c['dp'])
    elif c['kind'] == 'udp': l4 = UDP(sport=c['sp'], dport=c['dp'])
    else: l4 = ICMPv6Unknown(type=c['t'], code=c['c']) if c['v6'] else ICMP(type=c['t'], code=c['c'])
    p = ip / l4
    out.append({'hex': bytes(p).hex(), 'src': p.src, 'dst': p.dst})
print(json.dumps(out))`, cases);
    cases.forEach((c, i) => {
      const f = packetFields(Buffer.from(built[i]!.hex, 'hex'));
      const protocol = c.kind === 'tcp' ? 6 : c.kind === 'udp' ? 17 : c.v6 ? 58 : 1;
      const expected = c.kind === 'icmp' ? { icmpType: c.t, icmpCode: c.c, srcPort: null } : { srcPort: c.sp, dstPort: c.dp, icmpType: null };
      expect(f).toMatchObject({ ok: true, version: c.v6 ? 6 : 4, protocol, src: built[i]!.src, dst: built[i]!.dst, ...expected });
    });
  });
});
