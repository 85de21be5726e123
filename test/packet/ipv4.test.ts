// IPv4 header parsing and building (RFC 791 3.1), checked against hand-laid bytes and scapy.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { buildIpv4, parseIpv4 } from '../../src/packet/ipv4.js';
import { hasOracle } from '../support/oracle.js';
import { embedded, hex, offsetView } from './helpers.js';
import { scapy } from './scapy.js';

// Laid out field by field from RFC 791 3.1: version 4, IHL 5, TOS 0x10, total length 32,
// identification 0x1c46, flags DF, offset 0, TTL 64, protocol 17, checksum, 10.0.0.1 -> 192.0.2.200,
// then 12 payload bytes. The checksum 0x51ae was computed by scapy 2.5 for these fields.
const SAMPLE = hex('45 10 0020 1c46 4000 40 11 51ae 0a000001 c00002c8 000102030405060708090a0b');

describe('parseIpv4', () => {
  it('reads every field of a hand-laid header', () => {
    const h = parseIpv4(SAMPLE);
    expect(h).toMatchObject({
      ok: true, version: 4, headerLength: 20, tos: 0x10, totalLength: 32, identification: 0x1c46,
      dontFragment: true, moreFragments: false, fragmentOffset: 0, ttl: 64, protocol: 17,
      headerChecksum: 0x51ae, checksumValid: true, src: '10.0.0.1', dst: '192.0.2.200',
      payloadOffset: 20, payloadLength: 12,
    });
  });

  it('reports a wrong header checksum without refusing the packet', () => {
    const bad = Buffer.from(SAMPLE); bad[11] ^= 1;
    expect(parseIpv4(bad)).toMatchObject({ ok: true, checksumValid: false });
  });

  it('reads MF and the offset in bytes (13-bit field times 8)', () => {
    const frag = buildIpv4({ src: '1.1.1.1', dst: '2.2.2.2', protocol: 17, moreFragments: true, fragmentOffset: 8 * 1234 }, new Uint8Array(16));
    expect(parseIpv4(frag)).toMatchObject({ ok: true, moreFragments: true, dontFragment: false, fragmentOffset: 9872 });
  });

  it('parses the same header at a non-zero offset and in a plain Uint8Array view', () => {
    const { buf, off } = embedded(SAMPLE);
    expect(parseIpv4(buf, off)).toMatchObject({ ok: true, payloadOffset: off + 20, src: '10.0.0.1', checksumValid: true });
    expect(parseIpv4(offsetView(SAMPLE))).toMatchObject({ ok: true, payloadLength: 12 });
  });

  it('clips the payload to the total length when a capture adds Ethernet padding', () => {
    const padded = Buffer.concat([SAMPLE, Buffer.alloc(14)]);
    expect(parseIpv4(padded)).toMatchObject({ ok: true, payloadLength: 12 });
  });

  it('reports truncated at every length shorter than the total length', () => {
    for (let n = 0; n < SAMPLE.length; n++) {
      const r = parseIpv4(SAMPLE.subarray(0, n));
      expect(r.ok, `length ${n}`).toBe(false);
      if (!r.ok) expect(r.reason, `length ${n}`).toBe('truncated');
    }
  });

  it('refuses a wrong version, an IHL below 5 and a total length below the header', () => {
    const v6 = Buffer.from(SAMPLE); v6[0] = 0x65;
    expect(parseIpv4(v6)).toMatchObject({ ok: false, reason: 'bad-version' });
    for (const ihl of [0, 1, 4]) {
      const b = Buffer.from(SAMPLE); b[0] = 0x40 | ihl;
      expect(parseIpv4(b)).toMatchObject({ ok: false, reason: 'bad-header-length' });
    }
    const short = Buffer.from(SAMPLE); short.writeUInt16BE(19, 2);
    expect(parseIpv4(short)).toMatchObject({ ok: false, reason: 'bad-total-length' });
    const ihl6 = Buffer.from(SAMPLE); ihl6[0] = 0x46; ihl6.writeUInt16BE(22, 2);
    expect(parseIpv4(ihl6)).toMatchObject({ ok: false, reason: 'bad-total-length' });
  });

  it('never throws on random bytes at random offsets', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 80 }), fc.nat(), (bytes, o) => {
      const off = bytes.length === 0 ? 0 : o % (bytes.length + 1);
      const r = parseIpv4(bytes, off);
      expect(typeof r.ok).toBe('boolean');
    }), { numRuns: 2000 });
  });

  it('throws RangeError for an offset outside the buffer (API misuse)', () => {
    expect(() => parseIpv4(SAMPLE, SAMPLE.length + 1)).toThrow(RangeError);
    expect(() => parseIpv4(SAMPLE, -1)).toThrow(RangeError);
  });
});

const ipv4Address = fc.tuple(fc.nat(255), fc.nat(255), fc.nat(255), fc.nat(255)).map((p) => p.join('.'));

describe('buildIpv4', () => {
  it('builds headers that parse back to the options given', () => {
    fc.assert(fc.property(
      ipv4Address, ipv4Address, fc.nat(255), fc.nat(255), fc.nat(0xffff), fc.boolean(), fc.boolean(), fc.nat(0x1fff),
      fc.uint8Array({ maxLength: 100 }), fc.nat(10),
      (src, dst, protocol, ttl, identification, dontFragment, moreFragments, off8, payload, optWords) => {
        const options = new Uint8Array(optWords * 4).fill(1); // NOP options (RFC 791 3.1)
        const p = buildIpv4({ src, dst, protocol, ttl, identification, dontFragment, moreFragments, fragmentOffset: off8 * 8, options }, payload);
        expect(parseIpv4(p)).toMatchObject({
          ok: true, src, dst, protocol, ttl, identification, dontFragment, moreFragments, fragmentOffset: off8 * 8,
          checksumValid: true, headerLength: 20 + optWords * 4, payloadLength: payload.length,
        });
      }));
  });

  it('throws on misuse, naming the parameter', () => {
    expect(() => buildIpv4({ src: '::1', dst: '1.2.3.4', protocol: 17 }, new Uint8Array(0))).toThrow(/src/);
    expect(() => buildIpv4({ src: '1.2.3.4', dst: 'x', protocol: 17 }, new Uint8Array(0))).toThrow(/dst/);
    expect(() => buildIpv4({ src: '1.2.3.4', dst: '1.2.3.4', protocol: 256 }, new Uint8Array(0))).toThrow(/protocol/);
    expect(() => buildIpv4({ src: '1.2.3.4', dst: '1.2.3.4', protocol: 6, fragmentOffset: 3 }, new Uint8Array(0))).toThrow(/fragmentOffset/);
    expect(() => buildIpv4({ src: '1.2.3.4', dst: '1.2.3.4', protocol: 6 }, new Uint8Array(65516))).toThrow(RangeError);
    expect(() => buildIpv4({ src: '1.2.3.4', dst: '1.2.3.4', protocol: 6 }, 'x' as unknown as Uint8Array)).toThrow(TypeError);
  });
});

describe.skipIf(!hasOracle('scapy'))('IPv4 against scapy', () => {
  it('builds the same bytes as scapy IP() and parses what scapy builds', () => {
    const cases = fc.sample(fc.record({
      src: ipv4Address, dst: ipv4Address, proto: fc.nat(255), ttl: fc.nat(255), id: fc.nat(0xffff),
      tos: fc.nat(255), df: fc.boolean(), mf: fc.boolean(), frag: fc.nat(0x1fff), payload: fc.uint8Array({ maxLength: 64 }),
    }), 80).map((c) => ({ ...c, payload: Buffer.from(c.payload).toString('hex') }));
    const theirs = scapy<string[]>(`
out = []
for c in data:
    flags = (2 if c['df'] else 0) | (1 if c['mf'] else 0)
    p = IP(src=c['src'], dst=c['dst'], proto=c['proto'], ttl=c['ttl'], id=c['id'], tos=c['tos'], flags=flags, frag=c['frag'])/Raw(bytes.fromhex(c['payload']))
    out.append(bytes(p).hex())
print(json.dumps(out))`, cases);
    cases.forEach((c, i) => {
      const ours = buildIpv4({
        src: c.src, dst: c.dst, protocol: c.proto, ttl: c.ttl, identification: c.id, tos: c.tos,
        dontFragment: c.df, moreFragments: c.mf, fragmentOffset: c.frag * 8,
      }, Buffer.from(c.payload, 'hex'));
      expect(ours.toString('hex')).toBe(theirs[i]);
      expect(parseIpv4(Buffer.from(theirs[i]!, 'hex'))).toMatchObject({ ok: true, checksumValid: true, src: c.src, dst: c.dst, identification: c.id });
    });
  });
});
