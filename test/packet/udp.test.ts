// UDP parsing, building and the pseudo-header checksum (RFC 768, RFC 8200 8.1), checked against
// hand-laid bytes and against scapy's checksums.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { buildIpv4, parseIpv4 } from '../../src/packet/ipv4.js';
import { buildIpv6, parseIpv6 } from '../../src/packet/ipv6.js';
import { buildUdp, parseUdp, udpChecksumStatus } from '../../src/packet/udp.js';
import { hasOracle } from '../support/oracle.js';
import { embedded, hex } from './helpers.js';
import { scapy } from './scapy.js';

// RFC 768: source port 4500, destination port 4500, length 13, checksum 0, payload "hello".
const SAMPLE = hex('1194 1194 000d 0000 68656c6c6f');

describe('parseUdp', () => {
  it('reads the four header fields and the payload range', () => {
    expect(parseUdp(SAMPLE)).toEqual({ ok: true, srcPort: 4500, dstPort: 4500, length: 13, checksum: 0, payloadOffset: 8, payloadLength: 5 });
  });

  it('parses at a non-zero offset and stops at the given end', () => {
    const { buf, off } = embedded(SAMPLE, 3);
    expect(parseUdp(buf, off)).toMatchObject({ ok: true, payloadOffset: off + 8, payloadLength: 5 });
    expect(parseUdp(Buffer.concat([SAMPLE, Buffer.alloc(6)]), 0, 13)).toMatchObject({ ok: true, payloadLength: 5 });
  });

  it('reports truncated at every length below the UDP length', () => {
    for (let n = 0; n < SAMPLE.length; n++) expect(parseUdp(SAMPLE.subarray(0, n)), `length ${n}`).toMatchObject({ ok: false, reason: 'truncated' });
  });

  it('refuses a length field below 8', () => {
    for (const len of [0, 1, 7]) {
      const b = Buffer.from(SAMPLE); b.writeUInt16BE(len, 4);
      expect(parseUdp(b)).toMatchObject({ ok: false, reason: 'bad-length' });
    }
  });

  it('never throws on random bytes', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 40 }), (b) => { expect(typeof parseUdp(b).ok).toBe('boolean'); }), { numRuns: 1000 });
  });
});

function inIpv4(udp: Buffer, src = '192.0.2.1', dst = '198.51.100.2'): { ip: Buffer; status: string } {
  const ip = buildIpv4({ src, dst, protocol: 17 }, udp);
  const h = parseIpv4(ip);
  if (!h.ok) throw new Error(h.detail);
  return { ip, status: udpChecksumStatus(ip, h, h.payloadOffset, h.payloadLength) };
}

function inIpv6(udp: Buffer, src = '2001:db8::1', dst = '2001:db8::2'): string {
  const ip = buildIpv6({ src, dst, protocol: 17 }, udp);
  const h = parseIpv6(ip);
  if (!h.ok) throw new Error(h.detail);
  return udpChecksumStatus(ip, h, h.protocolOffset, h.payloadEnd - h.protocolOffset);
}

describe('UDP checksum', () => {
  it('builds datagrams whose checksum verifies over IPv4 and IPv6', () => {
    fc.assert(fc.property(fc.nat(0xffff), fc.nat(0xffff), fc.uint8Array({ maxLength: 99 }), (sp, dp, payload) => {
      expect(inIpv4(buildUdp({ srcPort: sp, dstPort: dp, src: '192.0.2.1', dst: '198.51.100.2' }, payload)).status).toBe('valid');
      expect(inIpv6(buildUdp({ srcPort: sp, dstPort: dp, src: '2001:db8::1', dst: '2001:db8::2' }, payload))).toBe('valid');
    }));
  });

  it('detects any single flipped bit in the datagram', () => {
    fc.assert(fc.property(fc.uint8Array({ minLength: 1, maxLength: 40 }), fc.nat(), fc.nat(7), (payload, at, bit) => {
      const udp = buildUdp({ srcPort: 1, dstPort: 2, src: '192.0.2.1', dst: '198.51.100.2' }, payload);
      const i = at % udp.length;
      if (i === 6 || i === 7) return; // flipping the checksum itself to 0 would mean "none"
      udp[i] ^= 1 << bit;
      expect(inIpv4(udp).status).toBe('invalid');
    }));
  });

  it('treats checksum 0 as none over IPv4 and as a discard over IPv6 (RFC 8200 8.1)', () => {
    const udp = buildUdp({ srcPort: 1, dstPort: 2, src: '192.0.2.1', dst: '198.51.100.2', checksum: false }, Buffer.from('x'));
    expect(udp.readUInt16BE(6)).toBe(0);
    expect(inIpv4(udp).status).toBe('absent');
    expect(inIpv6(Buffer.from(SAMPLE))).toBe('zero-ipv6');
  });

  it('sends a checksum that computes to zero as 0xFFFF (RFC 768)', () => {
    // Search the 16-bit payload word that makes the sum come out zero, then check the field.
    const base = { srcPort: 1000, dstPort: 2000, src: '10.0.0.1', dst: '10.0.0.2' };
    const probe = buildUdp(base, Buffer.alloc(2));
    const needed = probe.readUInt16BE(6); // adding this word to the data zeroes the checksum
    const payload = Buffer.alloc(2); payload.writeUInt16BE(needed);
    const udp = buildUdp(base, payload);
    expect(udp.readUInt16BE(6)).toBe(0xffff);
    expect(inIpv4(udp, '10.0.0.1', '10.0.0.2').status).toBe('valid');
  });

  it('throws on misuse, naming the parameter', () => {
    expect(() => buildUdp({ srcPort: 70000, dstPort: 1, src: '1.1.1.1', dst: '1.1.1.2' }, new Uint8Array(0))).toThrow(/srcPort/);
    expect(() => buildUdp({ srcPort: 1, dstPort: 1, src: '1.1.1.1', dst: '::2' }, new Uint8Array(0))).toThrow(/family/);
  });
});

describe.skipIf(!hasOracle('scapy'))('UDP against scapy', () => {
  it('computes the same datagram and checksum as scapy over IPv4 and IPv6', () => {
    const cases = fc.sample(fc.record({ sp: fc.nat(0xffff), dp: fc.nat(0xffff), v6: fc.boolean(), payload: fc.uint8Array({ maxLength: 70 }) }), 80)
      .map((c) => ({ ...c, payload: Buffer.from(c.payload).toString('hex') }));
    const theirs = scapy<string[]>(`
out = []
for c in data:
    ip = IPv6(src='2001:db8::a', dst='2001:db8::b') if c['v6'] else IP(src='192.0.2.10', dst='192.0.2.20')
    p = ip / UDP(sport=c['sp'], dport=c['dp']) / Raw(bytes.fromhex(c['payload']))
    out.append(bytes(p[UDP]).hex())
print(json.dumps(out))`, cases);
    cases.forEach((c, i) => {
      const addrs = c.v6 ? { src: '2001:db8::a', dst: '2001:db8::b' } : { src: '192.0.2.10', dst: '192.0.2.20' };
      expect(buildUdp({ srcPort: c.sp, dstPort: c.dp, ...addrs }, Buffer.from(c.payload, 'hex')).toString('hex')).toBe(theirs[i]);
    });
  });
});
