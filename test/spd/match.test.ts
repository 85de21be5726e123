import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compileSelectorPair, selectorsContain } from '../../src/spd/match.js';
import { parseSelector } from '../../src/spd/parse.js';
import type { SelectorPair, SpdPacketFields, TrafficSelector } from '../../src/spd/selector.js';
import { packetFields, packetWithNearPair, selectorPair } from './arbitraries.js';
import { naivePairMatches } from './naive-model.js';

function packet(over: Partial<SpdPacketFields>): SpdPacketFields {
  return {
    src: '10.0.0.1', dst: '10.0.0.2', protocol: 6, srcPort: 40000, dstPort: 80,
    icmpType: null, icmpCode: null, isNonFirstFragment: false, ...over,
  };
}

function pair(local: string, remote: string): SelectorPair {
  return { local: parseSelector(local), remote: parseSelector(remote) };
}

describe('compiled selector matching against the naive reference model', () => {
  it('agrees with the BigInt model on random selectors and packets, in both directions', () => {
    let matched = 0;
    let missed = 0;
    fc.assert(fc.property(packetWithNearPair(), fc.constantFrom<'in' | 'out'>('in', 'out'), ({ fields, pair: p }, dir) => {
      // Inbound the local side is the destination: swap so the near selectors still meet.
      const f = dir === 'out' ? fields : { ...fields, src: fields.dst, dst: fields.src, srcPort: fields.dstPort, dstPort: fields.srcPort };
      const expected = naivePairMatches(p, f, dir);
      if (expected) matched++; else missed++;
      expect(selectorsContain(p, f, dir)).toBe(expected);
    }), { numRuns: 20000 });
    // The generators must exercise both outcomes, or the agreement above proves little.
    expect(matched).toBeGreaterThan(2000);
    expect(missed).toBeGreaterThan(2000);
  });

  it('agrees with the model on unrelated random selectors and packets (mostly misses)', () => {
    fc.assert(fc.property(selectorPair(), packetFields(), fc.constantFrom<'in' | 'out'>('in', 'out'), (p, f, dir) => {
      expect(selectorsContain(p, f, dir)).toBe(naivePairMatches(p, f, dir));
    }), { numRuns: 10000 });
  });

  it('agrees with the model when a packet sits exactly on a range edge', () => {
    fc.assert(fc.property(selectorPair(), packetFields(), fc.boolean(), (p, f, useEnd) => {
      const local = p.local[0]!;
      const edge = useEnd ? local.endAddress : local.startAddress;
      const onEdge = { ...f, src: edge, dst: edge };
      expect(selectorsContain(p, onEdge, 'out')).toBe(naivePairMatches(p, onEdge, 'out'));
    }), { numRuns: 5000 });
  });
});

describe('IPv6 ranges across word boundaries', () => {
  const range = pair('::ffff:ffff:ffff:fffe-0:0:0:1::1', 'any');
  it.each([
    ['::ffff:ffff:ffff:fffd', false],
    ['::ffff:ffff:ffff:fffe', true],
    ['::ffff:ffff:ffff:ffff', true], // last address below 2^64
    ['0:0:0:1::', true], // 2^64
    ['0:0:0:1::1', true],
    ['0:0:0:1::2', false],
    ['ffff::', false],
  ])('a range spanning 2^64 contains %s: %s', (address, inside) => {
    expect(selectorsContain(range, packet({ src: address, dst: '2001:db8::1' }), 'out')).toBe(inside);
  });

  it.each([
    ['2001:db8:0:0::/63', '2001:db8:0:1:ffff:ffff:ffff:ffff', true],
    ['2001:db8:0:0::/63', '2001:db8:0:2::', false],
    ['2001:db8::/64', '2001:db8::ffff:ffff:ffff:ffff', true],
    ['2001:db8::/64', '2001:db8:0:1::', false],
    ['2001:db8::/65', '2001:db8::7fff:ffff:ffff:ffff', true],
    ['2001:db8::/65', '2001:db8::8000:0:0:0', false],
    ['2001:db8::/96', '2001:db8::ffff:ffff', true],
    ['2001:db8::/96', '2001:db8::1:0:0', false],
    ['::/0', 'ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff', true],
  ])('prefix %s contains %s: %s', (prefix, address, inside) => {
    const p = pair(prefix, 'any');
    expect(selectorsContain(p, packet({ src: address, dst: '::1' }), 'out')).toBe(inside);
  });

  it('never matches an IPv4 packet against an IPv6 selector or the reverse', () => {
    expect(selectorsContain(pair('::/0', '::/0'), packet({}), 'out')).toBe(false);
    expect(selectorsContain(pair('0.0.0.0/0', '0.0.0.0/0'), packet({ src: '::1', dst: '::2' }), 'out')).toBe(false);
  });
});

describe('ports, OPAQUE and non-first fragments (RFC 4301 4.4.1.2, 7)', () => {
  const http = pair('10.0.0.0/24 tcp any', '10.0.0.0/24 tcp 80');
  const opaque = pair('10.0.0.0/24 tcp opaque', '10.0.0.0/24 tcp opaque');
  const any = pair('10.0.0.0/24 tcp', '10.0.0.0/24 tcp');

  it('a specific port range matches a first fragment that carries the port', () => {
    expect(selectorsContain(http, packet({}), 'out')).toBe(true);
    expect(selectorsContain(http, packet({ dstPort: 81 }), 'out')).toBe(false);
  });

  it('a specific port range never matches a non-first fragment, whose ports are unknown', () => {
    expect(selectorsContain(http, packet({ isNonFirstFragment: true }), 'out')).toBe(false);
  });

  it('ANY matches a non-first fragment and a packet with ports alike', () => {
    expect(selectorsContain(any, packet({ isNonFirstFragment: true }), 'out')).toBe(true);
    expect(selectorsContain(any, packet({}), 'out')).toBe(true);
  });

  it('OPAQUE matches only packets whose ports are unavailable', () => {
    expect(selectorsContain(opaque, packet({ isNonFirstFragment: true }), 'out')).toBe(true);
    expect(selectorsContain(opaque, packet({}), 'out')).toBe(false);
    expect(selectorsContain(opaque, packet({ srcPort: null, dstPort: null }), 'out')).toBe(true);
  });

  it('a protocol without ports matches only ANY or OPAQUE port selectors', () => {
    const gre = packet({ protocol: 47, srcPort: null, dstPort: null });
    expect(selectorsContain(pair('10.0.0.0/24 gre', '10.0.0.0/24 gre'), gre, 'out')).toBe(true);
    expect(selectorsContain(pair('10.0.0.0/24 gre opaque', '10.0.0.0/24 gre opaque'), gre, 'out')).toBe(true);
    expect(selectorsContain(pair('10.0.0.0/24', '10.0.0.0/24 tcp 80'), gre, 'out')).toBe(false);
  });
});

describe('ICMP type and code (RFC 4301 4.4.1.1, carried as (type << 8) | code)', () => {
  const echo = pair('10.0.0.0/24 icmp', '10.0.0.0/24 icmp type 8');
  const unreach = pair('10.0.0.0/24 icmp', '10.0.0.0/24 icmp type 3 code 1-3');
  const icmp = (type: number | null, code: number | null, extra: Partial<SpdPacketFields> = {}): SpdPacketFields =>
    packet({ protocol: 1, srcPort: null, dstPort: null, icmpType: type, icmpCode: code, ...extra });

  it.each([
    [8, 0, true], [8, 255, true], [0, 0, false], [9, 0, false], [7, 255, false],
  ])("'type 8' against type %i code %i: %s", (t, c, expected) => {
    expect(selectorsContain(echo, icmp(t, c), 'out')).toBe(expected);
  });

  it.each([
    [3, 0, false], [3, 1, true], [3, 3, true], [3, 4, false], [4, 1, false],
  ])("'type 3 code 1-3' against type %i code %i: %s", (t, c, expected) => {
    expect(selectorsContain(unreach, icmp(t, c), 'out')).toBe(expected);
  });

  it('follows the RFC 4301 4.4.1.1 test T-start*256+C-start <= t*256+c <= T-end*256+C-end', () => {
    fc.assert(fc.property(fc.integer({ min: 0, max: 255 }), fc.integer({ min: 0, max: 255 }), (t, c) => {
      const inRange = 3 * 256 + 1 <= t * 256 + c && t * 256 + c <= 3 * 256 + 3;
      expect(selectorsContain(unreach, icmp(t, c), 'out')).toBe(inRange);
    }));
  });

  it('treats the type/code selector as non-directional: the same value is checked inbound', () => {
    expect(selectorsContain(echo, icmp(8, 0, { src: '10.0.0.9', dst: '10.0.0.1' }), 'in')).toBe(true);
  });

  it('does not match a type/code range against an ICMP non-first fragment', () => {
    expect(selectorsContain(echo, icmp(8, 0, { isNonFirstFragment: true }), 'out')).toBe(false);
    expect(selectorsContain(pair('10.0.0.0/24 icmp', '10.0.0.0/24 icmp'), icmp(null, null, { isNonFirstFragment: true }), 'out')).toBe(true);
  });

  it('applies to ICMPv6 (protocol 58) the same way', () => {
    const v6 = pair('2001:db8::/64 ipv6-icmp', '2001:db8::/64 ipv6-icmp type 128');
    const ping = packet({ src: '2001:db8::1', dst: '2001:db8::2', protocol: 58, srcPort: null, dstPort: null, icmpType: 128, icmpCode: 0 });
    expect(selectorsContain(v6, ping, 'out')).toBe(true);
    expect(selectorsContain(v6, { ...ping, icmpType: 129 }, 'out')).toBe(false);
  });
});

describe('selectorsContain direction', () => {
  const sa = pair('10.1.0.0/16', '10.2.0.0/16');

  it('outbound: source in local, destination in remote', () => {
    expect(selectorsContain(sa, packet({ src: '10.1.0.5', dst: '10.2.0.5' }), 'out')).toBe(true);
    expect(selectorsContain(sa, packet({ src: '10.2.0.5', dst: '10.1.0.5' }), 'out')).toBe(false);
  });

  it('inbound: source in remote, destination in local', () => {
    expect(selectorsContain(sa, packet({ src: '10.2.0.5', dst: '10.1.0.5' }), 'in')).toBe(true);
    expect(selectorsContain(sa, packet({ src: '10.1.0.5', dst: '10.2.0.5' }), 'in')).toBe(false);
  });

  it('matches nothing for fields whose addresses are not valid text, without throwing', () => {
    expect(selectorsContain(sa, packet({ src: 'not-an-ip' }), 'out')).toBe(false);
    expect(selectorsContain(sa, packet({ dst: '::1' }), 'out')).toBe(false);
  });
});

describe('compileSelectorPair refuses malformed selectors', () => {
  const good: TrafficSelector = { protocol: 0, startPort: 0, endPort: 65535, startAddress: '10.0.0.0', endAddress: '10.0.0.9' };
  it.each<[string, Partial<TrafficSelector>, RegExp]>([
    ['a bad start address', { startAddress: '10.0.0' }, /selector\.startAddress/],
    ['mixed families', { endAddress: '::1' }, /selector\.endAddress: expected an IPv4/],
    ['a reversed range', { startAddress: '10.0.0.10' }, /not below startAddress/],
    ['a protocol above 255', { protocol: 256 }, /selector\.protocol/],
    ['a port above 65535', { endPort: 70000 }, /selector\.startPort\/endPort/],
    ['a reversed port range that is not OPAQUE', { startPort: 90, endPort: 80 }, /65535-0 for OPAQUE/],
  ])('throws RangeError for %s', (_name, change, message) => {
    expect(() => compileSelectorPair({ local: [{ ...good, ...change }], remote: [good] })).toThrow(message);
    expect(() => compileSelectorPair({ local: [{ ...good, ...change }], remote: [good] })).toThrow(RangeError);
  });

  it('throws TypeError when the pair is not a pair of lists', () => {
    expect(() => compileSelectorPair({ local: good } as unknown as SelectorPair)).toThrow(TypeError);
  });
});
