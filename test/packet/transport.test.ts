// ESP transport-mode split and rebuild (RFC 4303 3.1.1, RFC 3948 3.1.2): the rebuilt packet's
// TCP/UDP checksum must be what scapy computes for the new addresses.
import { describe, expect, it } from 'vitest';
import { buildIpv4, parseIpv4 } from '../../src/packet/ipv4.js';
import { buildIpv6 } from '../../src/packet/ipv6.js';
import { rebuildTransport, splitTransport } from '../../src/packet/transport.js';
import { buildUdp, udpChecksumStatus } from '../../src/packet/udp.js';
import { hasOracle } from '../support/oracle.js';
import { hex } from './helpers.js';
import { scapy } from './scapy.js';

const tcp = hex('04d2 0050 00000001 00000000 5002 ffff 0000 0000 474554'); // 20-byte header + "GET"

describe('splitTransport', () => {
  it('splits IPv4 into header facts and a view of the upper-layer bytes, padding excluded', () => {
    const ip = Buffer.concat([buildIpv4({ src: '10.0.0.1', dst: '10.0.0.2', protocol: 6, ttl: 33 }, tcp), Buffer.alloc(6)]);
    const s = splitTransport(ip);
    expect(s).toMatchObject({ ok: true, version: 4, src: '10.0.0.1', dst: '10.0.0.2', protocol: 6, ttl: 33, headerLength: 20 });
    if (s.ok) {
      expect(s.upper.equals(tcp)).toBe(true);
      expect(s.upper.buffer).toBe(ip.buffer); // a view, not a copy
    }
  });

  it('splits IPv6 after its extension headers', () => {
    const ip = buildIpv6({ src: '2001:db8::1', dst: '2001:db8::2', protocol: 6, extensions: [{ type: 0 }, { type: 60 }] }, tcp);
    expect(splitTransport(ip)).toMatchObject({ ok: true, version: 6, protocol: 6, headerLength: 56 });
  });

  it('refuses fragments and passes parse failures through', () => {
    expect(splitTransport(buildIpv4({ src: '10.0.0.1', dst: '10.0.0.2', protocol: 6, moreFragments: true }, tcp))).toMatchObject({ ok: false, reason: 'fragment' });
    expect(splitTransport(buildIpv6({ src: '::1', dst: '::2', protocol: 6, extensions: [{ type: 44, offset: 0, moreFragments: true, identification: 1 }] }, tcp)))
      .toMatchObject({ ok: false, reason: 'fragment' });
    expect(splitTransport(hex('45'))).toMatchObject({ ok: false, reason: 'truncated' });
    expect(splitTransport(hex('75'))).toMatchObject({ ok: false, reason: 'bad-version' });
  });
});

describe('rebuildTransport', () => {
  it('rebuilds a UDP packet whose checksum verifies for the new addresses', () => {
    const udp = buildUdp({ srcPort: 500, dstPort: 4500, src: '192.168.1.10', dst: '192.0.2.1' }, Buffer.from('payload'));
    const r = rebuildTransport({ src: '198.51.100.7', dst: '192.0.2.1', protocol: 17 }, udp);
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    const h = parseIpv4(r.packet);
    if (!h.ok) throw new Error(h.detail);
    expect(h).toMatchObject({ src: '198.51.100.7', protocol: 17, checksumValid: true });
    expect(udpChecksumStatus(r.packet, h, 20, h.payloadLength)).toBe('valid');
  });

  it('keeps a zero UDP checksum over IPv4 at zero (none computed, RFC 768)', () => {
    const udp = buildUdp({ srcPort: 1, dstPort: 2, src: '10.0.0.1', dst: '10.0.0.2', checksum: false }, Buffer.from('x'));
    const r = rebuildTransport({ src: '10.9.9.9', dst: '10.0.0.2', protocol: 17 }, udp);
    expect(r.ok && r.packet.readUInt16BE(26)).toBe(0);
  });

  it('refuses segments too short for their checksum field and UDP lengths that disagree', () => {
    expect(rebuildTransport({ src: '10.0.0.1', dst: '10.0.0.2', protocol: 6 }, tcp.subarray(0, 19))).toMatchObject({ ok: false, reason: 'truncated-upper-layer' });
    expect(rebuildTransport({ src: '10.0.0.1', dst: '10.0.0.2', protocol: 17 }, hex('0001 0002 0009'))).toMatchObject({ ok: false, reason: 'truncated-upper-layer' });
    expect(rebuildTransport({ src: '10.0.0.1', dst: '10.0.0.2', protocol: 17 }, hex('0001 0002 0010 0000 00'))).toMatchObject({ ok: false, reason: 'bad-udp-length' });
    expect(rebuildTransport({ src: '10.0.0.1', dst: '10.0.0.2', protocol: 50 }, new Uint8Array(65516))).toMatchObject({ ok: false, reason: 'too-big' });
  });

  it('cuts TFC padding after a UDP datagram at its length field (RFC 4303 2.7)', () => {
    const udp = buildUdp({ srcPort: 1, dstPort: 2, src: '10.0.0.1', dst: '10.0.0.2' }, Buffer.from('hello'));
    const padded = Buffer.concat([udp, Buffer.alloc(187)]);
    const r = rebuildTransport({ src: '10.0.0.1', dst: '10.0.0.2', protocol: 17 }, padded);
    expect(r.ok && r.packet.length).toBe(20 + 13);
    expect(r.ok && r.packet.subarray(20).equals(udp)).toBe(true);
    expect(rebuildTransport({ src: '10.0.0.1', dst: '10.0.0.2', protocol: 17 }, hex('0001 0002 0007 0000'))).toMatchObject({ ok: false, reason: 'bad-udp-length' });
  });

  it('passes other protocols through untouched', () => {
    const r = rebuildTransport({ src: '::1', dst: '::2', protocol: 58 }, hex('8000 1234 0001 0001'));
    expect(r.ok && r.packet.subarray(40).toString('hex')).toBe('800012340001' + '0001');
  });

  it('throws on misuse, naming the parameter', () => {
    expect(() => rebuildTransport({ src: '10.0.0.1', dst: '::2', protocol: 6 }, tcp)).toThrow(/family/);
    expect(() => rebuildTransport({ src: 'nope', dst: '::2', protocol: 6 }, tcp)).toThrow(/src/);
  });
});

describe.skipIf(!hasOracle('scapy'))('rebuildTransport against scapy', () => {
  it('writes the TCP and UDP checksums scapy computes for the rebuilt packets (IPv4 and IPv6)', () => {
    const cases = [
      { src: '203.0.113.9', dst: '192.0.2.77', protocol: 6, upper: tcp },
      { src: '2001:db8::99', dst: '2001:db8::1', protocol: 6, upper: tcp },
      { src: '203.0.113.9', dst: '192.0.2.77', protocol: 17, upper: buildUdp({ srcPort: 9, dstPort: 7, src: '10.0.0.1', dst: '10.0.0.2' }, Buffer.from('abcde')) },
      { src: '2001:db8::99', dst: '2001:db8::1', protocol: 17, upper: buildUdp({ srcPort: 9, dstPort: 7, src: '10.0.0.1', dst: '10.0.0.2' }, Buffer.from('abcdef')) },
    ];
    const ours = cases.map((c) => {
      const r = rebuildTransport(c, c.upper);
      if (!r.ok) throw new Error(r.detail);
      return r.packet.toString('hex');
    });
    const theirs = scapy<string[]>(`
out = []
for h in data:
    raw = bytes.fromhex(h)
    p = IPv6(raw) if raw[0] >> 4 == 6 else IP(raw)
    l4 = p[TCP] if TCP in p else p[UDP]
    del l4.chksum
    out.append(bytes(p.__class__(bytes(p))).hex())
print(json.dumps(out))`, ours);
    expect(ours).toEqual(theirs);
  });
});
