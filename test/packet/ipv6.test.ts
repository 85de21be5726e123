// IPv6 header parsing, the bounded extension header walk (RFC 8200 4) and building, checked
// against hand-laid bytes and against scapy's own layering of extension headers.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Ipv6ExtensionSpec } from '../../src/packet/ipv6.js';
import { IPV6_MAX_EXTENSION_HEADERS, buildIpv6, parseIpv6 } from '../../src/packet/ipv6.js';
import { hasOracle } from '../support/oracle.js';
import { embedded, hex, offsetView } from './helpers.js';
import { scapy } from './scapy.js';

// RFC 8200 3 field by field: version 6, traffic class 0xb8, flow label 0x12345, payload length
// 12, next header 17, hop limit 255, 2001:db8::1 -> fe80::2, then a 12-byte UDP-shaped payload.
const FIXED = hex(`6b812345 000c 11 ff
  20010db8000000000000000000000001 fe800000000000000000000000000002
  1234 1194 000c 0000 61626364`);

function fixedHeader(nextHeader: number, payload: Buffer): Buffer {
  const h = Buffer.from(FIXED.subarray(0, 40));
  h.writeUInt16BE(payload.length, 4);
  h[6] = nextHeader;
  return Buffer.concat([h, payload]);
}

describe('parseIpv6 fixed header', () => {
  it('reads every field of a hand-laid header', () => {
    expect(parseIpv6(FIXED)).toMatchObject({
      ok: true, version: 6, trafficClass: 0xb8, flowLabel: 0x12345, payloadLength: 12, nextHeader: 17,
      hopLimit: 255, src: '2001:db8::1', dst: 'fe80::2', protocol: 17, protocolOffset: 40, payloadEnd: 52,
      extensionHeaderCount: 0, unfragmentableEnd: 40, fragment: null,
    });
  });

  it('parses at a non-zero offset and in a plain Uint8Array view', () => {
    const { buf, off } = embedded(FIXED, 11);
    expect(parseIpv6(buf, off)).toMatchObject({ ok: true, protocolOffset: off + 40, payloadEnd: off + 52, src: '2001:db8::1' });
    expect(parseIpv6(offsetView(FIXED))).toMatchObject({ ok: true, protocolOffset: 40 });
  });

  it('ignores bytes after the payload length (link padding)', () => {
    expect(parseIpv6(Buffer.concat([FIXED, Buffer.alloc(9, 0xee)]))).toMatchObject({ ok: true, payloadEnd: 52 });
  });

  it('reports truncated at every length shorter than header plus payload', () => {
    for (let n = 0; n < FIXED.length; n++) {
      expect(parseIpv6(FIXED.subarray(0, n)), `length ${n}`).toMatchObject({ ok: false, reason: 'truncated' });
    }
  });

  it('refuses a version other than 6', () => {
    const b = Buffer.from(FIXED); b[0] = 0x45;
    expect(parseIpv6(b)).toMatchObject({ ok: false, reason: 'bad-version' });
  });
});

describe('parseIpv6 extension header walk', () => {
  it('walks Hop-by-Hop, Destination Options, Routing and Fragment headers to the upper layer', () => {
    // HBH (8 bytes, next 60) | DestOpts (16 bytes: len 1, next 43) | Routing (8, next 44) | Fragment (8, next 17) | UDP
    const chain = hex(`3c00 010400000000  2b01 0000000000000000000000000000  2c00 0000 0000 0000  1100 0000 deadbeef`);
    const udp = hex('1234 1194 000c 0000 61626364');
    const p = fixedHeader(0, Buffer.concat([chain, udp]));
    expect(parseIpv6(p)).toMatchObject({
      ok: true, protocol: 17, protocolOffset: 40 + 40, extensionHeaderCount: 4, unfragmentableEnd: 40 + 32,
      fragment: { identification: 0xdeadbeef, offset: 0, moreFragments: false, nextHeader: 17, headerOffset: 72, fragmentableOffset: 80, previousNextHeaderOffset: 64 },
    });
  });

  it('measures AH in 4-byte units minus 2 (RFC 4302 2.2) and the others in 8-byte units minus 1', () => {
    // AH with payload length 4: (4 + 2) * 4 = 24 bytes; then a Mobility header of (1 + 1) * 8 = 16 bytes; then ESP.
    const ah = Buffer.alloc(24); ah[0] = 135; ah[1] = 4;
    const mh = Buffer.alloc(16); mh[0] = 50; mh[1] = 1;
    const p = fixedHeader(51, Buffer.concat([ah, mh, Buffer.alloc(8, 0x11)]));
    expect(parseIpv6(p)).toMatchObject({ ok: true, protocol: 50, protocolOffset: 40 + 24 + 16, extensionHeaderCount: 2 });
  });

  it('walks HIP (139), shim6 (140) and the experimental values 253 and 254 as extension headers', () => {
    for (const type of [139, 140, 253, 254] as const) {
      const p = buildIpv6({ src: '::1', dst: '::2', protocol: 59, extensions: [{ type, data: new Uint8Array(14) }] }, new Uint8Array(0));
      expect(parseIpv6(p), `type ${type}`).toMatchObject({ ok: true, protocol: 59, protocolOffset: 56, extensionHeaderCount: 1 });
    }
  });

  it('stops at ESP and at No Next Header without reading what follows', () => {
    const esp = fixedHeader(50, Buffer.alloc(16, 0xff));
    expect(parseIpv6(esp)).toMatchObject({ ok: true, protocol: 50, protocolOffset: 40 });
    const none = fixedHeader(59, Buffer.alloc(3));
    expect(parseIpv6(none)).toMatchObject({ ok: true, protocol: 59, protocolOffset: 40 });
  });

  it('stops after the Fragment header of a non-first fragment: what follows is data', () => {
    // Offset 8 (field 1), M = 1, next header 0: the data would be a (bad) Hop-by-Hop header if walked.
    const p = fixedHeader(44, Buffer.concat([hex('0000 0009 00000001'), Buffer.alloc(8, 0)]));
    expect(parseIpv6(p)).toMatchObject({
      ok: true, protocol: 0, protocolOffset: 48, unfragmentableEnd: 40,
      fragment: { offset: 8, moreFragments: true, identification: 1, fragmentableOffset: 48 },
    });
  });

  it('refuses Hop-by-Hop anywhere but first (RFC 8200 4.3)', () => {
    const p = fixedHeader(60, hex('0000 000000000000  1100 000000000000'));
    expect(parseIpv6(p)).toMatchObject({ ok: false, reason: 'bad-extension-header' });
  });

  it('refuses a second Fragment header', () => {
    const p = fixedHeader(44, hex('2c00 0000 00000001  1100 0000 00000001'));
    expect(parseIpv6(p)).toMatchObject({ ok: false, reason: 'bad-extension-header' });
  });

  it('refuses a header that runs past the payload, and a first fragment cut inside the chain (RFC 7112)', () => {
    expect(parseIpv6(fixedHeader(60, hex('1101 000000000000')))).toMatchObject({ ok: false, reason: 'bad-extension-header' });
    expect(parseIpv6(fixedHeader(60, hex('11')))).toMatchObject({ ok: false, reason: 'bad-extension-header' });
    expect(parseIpv6(fixedHeader(44, hex('2c00 0000 00000000')))).toMatchObject({ ok: false, reason: 'bad-extension-header' });
    const firstFragment = fixedHeader(44, hex('3c00 0001 00000005  1102 0000'));
    expect(parseIpv6(firstFragment)).toMatchObject({ ok: false, reason: 'incomplete-header-chain' });
  });

  it('gives up on a chain of 1000 Destination Options headers after the cap, quickly', () => {
    const one = hex('3c00 000000000000');
    const chain = Buffer.concat(Array.from({ length: 1000 }, () => one));
    const p = fixedHeader(60, chain.subarray(0, 8 * 1000));
    const started = performance.now();
    expect(parseIpv6(p)).toMatchObject({ ok: false, reason: 'too-many-extension-headers' });
    expect(performance.now() - started).toBeLessThan(50);
  });

  it('accepts exactly the cap and refuses one more', () => {
    const ext = (n: number): Ipv6ExtensionSpec[] => Array.from({ length: n }, () => ({ type: 60 as const }));
    const at = buildIpv6({ src: '::1', dst: '::2', protocol: 17, extensions: ext(IPV6_MAX_EXTENSION_HEADERS) }, new Uint8Array(8));
    expect(parseIpv6(at)).toMatchObject({ ok: true, extensionHeaderCount: IPV6_MAX_EXTENSION_HEADERS });
    const over = buildIpv6({ src: '::1', dst: '::2', protocol: 17, extensions: ext(IPV6_MAX_EXTENSION_HEADERS + 1) }, new Uint8Array(8));
    expect(parseIpv6(over)).toMatchObject({ ok: false, reason: 'too-many-extension-headers' });
  });

  it('never throws on random bytes behind a valid fixed header, nor on random bytes alone', () => {
    fc.assert(fc.property(fc.integer({ min: 0, max: 255 }), fc.uint8Array({ maxLength: 300 }), (nh, body) => {
      expect(typeof parseIpv6(fixedHeader(nh, Buffer.from(body))).ok).toBe('boolean');
      expect(typeof parseIpv6(body).ok).toBe('boolean');
    }), { numRuns: 3000 });
  });
});

const ipv6Address = fc.ipV6().map((a) => a);
const extensionSpec: fc.Arbitrary<Ipv6ExtensionSpec> = fc.oneof(
  fc.record({ type: fc.constantFrom(43, 51, 60, 135, 139, 140, 253, 254), data: fc.nat(4).map((k) => new Uint8Array(6 + 8 * k)) }) as fc.Arbitrary<Ipv6ExtensionSpec>,
  fc.record({ type: fc.constant(44 as const), offset: fc.constant(0), moreFragments: fc.boolean(), identification: fc.nat() }),
);

describe('buildIpv6', () => {
  it('builds chains that parse back to the same protocol, offsets and fragment fields', () => {
    fc.assert(fc.property(ipv6Address, ipv6Address, fc.nat(255), fc.boolean(), fc.array(extensionSpec, { maxLength: 6 }), fc.uint8Array({ maxLength: 40 }),
      (src, dst, protocol, hbh, rest, payload) => {
        const frags = rest.filter((e) => e.type === 44);
        const extensions = [...(hbh ? [{ type: 0 as const }] : []), ...rest.filter((e) => e.type !== 44), ...frags.slice(0, 1)];
        const upper = [0, 43, 44, 51, 60, 135, 139, 140, 253, 254].includes(protocol) ? 17 : protocol;
        const p = buildIpv6({ src, dst, protocol: upper, extensions }, payload);
        const h = parseIpv6(p);
        const extLength = p.length - 40 - payload.length;
        expect(h).toMatchObject({ ok: true, protocol: upper, protocolOffset: 40 + extLength, extensionHeaderCount: extensions.length, payloadEnd: p.length });
        if (h.ok) expect(h.fragment !== null).toBe(frags.length > 0);
      }));
  });

  it('throws on misuse, naming the parameter', () => {
    expect(() => buildIpv6({ src: '1.2.3.4', dst: '::1', protocol: 17 }, new Uint8Array(0))).toThrow(/src/);
    expect(() => buildIpv6({ src: '::1', dst: '::1', protocol: 17, flowLabel: 0x100000 }, new Uint8Array(0))).toThrow(/flowLabel/);
    expect(() => buildIpv6({ src: '::1', dst: '::1', protocol: 17, extensions: [{ type: 60, data: new Uint8Array(5) }] }, new Uint8Array(0))).toThrow(/extensions\[0\]/);
    expect(() => buildIpv6({ src: '::1', dst: '::1', protocol: 17, extensions: [{ type: 44, offset: 4, moreFragments: false, identification: 1 }] }, new Uint8Array(0))).toThrow(/offset/);
  });
});

describe.skipIf(!hasOracle('scapy'))('IPv6 extension headers against scapy', () => {
  it('finds the upper layer where scapy put it, for random scapy-built chains', () => {
    const chains = fc.sample(fc.array(fc.constantFrom('dst', 'rt', 'ah', 'dst2'), { maxLength: 4 }), 40);
    const built = scapy<{ hex: string; udpOffset: number; fragId: number }[]>(`
from scapy.layers.ipsec import AH
out = []
for chain in data:
    p = IPv6(src='2001:db8::1', dst='2001:db8::2') / IPv6ExtHdrHopByHop()
    for i, name in enumerate(chain):
        nxt = {'dst': 60, 'dst2': 60, 'rt': 43, 'ah': 51}[chain[i + 1]] if i + 1 < len(chain) else 44
        if name == 'dst': p = p / IPv6ExtHdrDestOpt()
        if name == 'dst2': p = p / IPv6ExtHdrDestOpt(options=[PadN(optdata=b'\\x00' * 10)])
        if name == 'rt': p = p / IPv6ExtHdrRouting(addresses=['2001:db8::9'])
        # scapy leaves AH's next header and length at 0 inside IPv6; RFC 4302 2.2: (4 + 2) * 4 = 24 bytes.
        if name == 'ah': p = p / AH(nh=nxt, payloadlen=4, spi=0x1001, seq=7, icv=b'\\x00' * 12)
    p = p / IPv6ExtHdrFragment(id=0xabcdef, m=0, offset=0) / UDP(sport=4500, dport=4500) / Raw(b'hello')
    raw = bytes(p)
    out.append({'hex': raw.hex(), 'udpOffset': len(raw) - len(bytes(p[UDP])), 'fragId': 0xabcdef})
print(json.dumps(out))`, chains);
    for (const b of built) {
      const h = parseIpv6(Buffer.from(b.hex, 'hex'));
      expect(h).toMatchObject({ ok: true, protocol: 17, protocolOffset: b.udpOffset, fragment: { identification: b.fragId, offset: 0, moreFragments: false } });
    }
  });

  it('builds the same bytes as scapy for a Hop-by-Hop + Fragment chain', () => {
    const theirs = scapy<string>(`
p = IPv6(src='2001:db8::1', dst='2001:db8::2', hlim=64, tc=0, fl=0) / IPv6ExtHdrHopByHop(options=[PadN(optdata=b'\\x00'*4)]) / IPv6ExtHdrFragment(id=77, m=1, offset=3, nh=17) / Raw(b'\\x01'*16)
print(json.dumps(bytes(p).hex()))`);
    const ours = buildIpv6({
      src: '2001:db8::1', dst: '2001:db8::2', protocol: 17,
      extensions: [{ type: 0, data: hex('0104 00000000') }, { type: 44, offset: 24, moreFragments: true, identification: 77 }],
    }, Buffer.alloc(16, 1));
    expect(ours.toString('hex')).toBe(theirs);
  });
});
