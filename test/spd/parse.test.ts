import { describe, expect, it } from 'vitest';
import { parseAddressRanges, parsePortRange, parseProtocol, parseSelector } from '../../src/spd/parse.js';

describe('parseSelector builds traffic selectors from text', () => {
  it('reads a prefix as its first and last address, any protocol, any port', () => {
    expect(parseSelector('10.1.0.0/24')).toEqual([
      { protocol: 0, startPort: 0, endPort: 65535, startAddress: '10.1.0.0', endAddress: '10.1.0.255' },
    ]);
  });

  it('reads an address range and a TCP port', () => {
    expect(parseSelector('10.0.0.1-10.0.0.9 tcp 80')).toEqual([
      { protocol: 6, startPort: 80, endPort: 80, startAddress: '10.0.0.1', endAddress: '10.0.0.9' },
    ]);
  });

  it('reads an IPv6 prefix with a UDP port range and prints canonical addresses', () => {
    expect(parseSelector('2001:DB8::/32 udp 1000-2000')).toEqual([
      { protocol: 17, startPort: 1000, endPort: 2000, startAddress: '2001:db8::', endAddress: '2001:db8:ffff:ffff:ffff:ffff:ffff:ffff' },
    ]);
  });

  it("expands 'any' into one IPv4 and one IPv6 selector", () => {
    expect(parseSelector('any')).toEqual([
      { protocol: 0, startPort: 0, endPort: 65535, startAddress: '0.0.0.0', endAddress: '255.255.255.255' },
      { protocol: 0, startPort: 0, endPort: 65535, startAddress: '::', endAddress: 'ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff' },
    ]);
  });

  it('reads a comma-separated address list into one selector each', () => {
    expect(parseSelector('10.0.0.0/8,192.0.2.7 sctp opaque').map((s) => [s.startAddress, s.endAddress, s.startPort, s.endPort]))
      .toEqual([['10.0.0.0', '10.255.255.255', 65535, 0], ['192.0.2.7', '192.0.2.7', 65535, 0]]);
  });

  it('carries ICMP type and code as (type << 8) | code (RFC 4301 4.4.1.1)', () => {
    const [echo] = parseSelector('any4 icmp type 8 code 0');
    expect([echo!.startPort, echo!.endPort]).toEqual([0x0800, 0x0800]);
    const [anyCode] = parseSelector('any4 icmp type 8');
    expect([anyCode!.startPort, anyCode!.endPort]).toEqual([0x0800, 0x08ff]);
    const [codes] = parseSelector('any6 ipv6-icmp type 1 code 0-4');
    expect([codes!.protocol, codes!.startPort, codes!.endPort]).toEqual([58, 0x0100, 0x0104]);
  });

  it('reads /0 and /32 and /128 prefixes', () => {
    expect(parseAddressRanges('0.0.0.0/0')).toEqual([{ startAddress: '0.0.0.0', endAddress: '255.255.255.255' }]);
    expect(parseAddressRanges('192.0.2.1/32')).toEqual([{ startAddress: '192.0.2.1', endAddress: '192.0.2.1' }]);
    expect(parseAddressRanges('::1/128')).toEqual([{ startAddress: '::1', endAddress: '::1' }]);
  });
});

describe('parseProtocol', () => {
  it.each([['tcp', 6], ['UDP', 17], ['icmp', 1], ['ipv6-icmp', 58], ['icmpv6', 58], ['sctp', 132], ['any', 0], ['47', 47], ['0', 0]])(
    'reads %s as %i', (text, n) => expect(parseProtocol(text)).toBe(n));
});

describe('invalid selector text throws RangeError naming the field and what is expected', () => {
  it.each<[string, RegExp]>([
    ['10.0.0.300/24', /selector address: expected an address, a prefix .* got '10\.0\.0\.300\/24'/],
    ['10.1.0.5/24', /did you mean 10\.1\.0\.0\/24\?/],
    ['10.0.0.0/33', /selector address prefix length: expected 0\.\.32 for IPv4/],
    ['2001:db8::/129', /expected 0\.\.128 for IPv6/],
    ['10.0.0.9-10.0.0.1', /selector address range: expected the first address not above the second/],
    ['10.0.0.1-::1', /selector address range: expected both ends of the same IP version/],
    ['10.0.0.0/8,,10.1.0.0/16', /selector address: expected/],
    ['', /selector address: expected/],
    ['10.0.0.0/8 tcpp', /selector protocol: expected a number 0\.\.255 or one of any, icmp, tcp/],
    ['10.0.0.0/8 300', /selector protocol/],
    ['10.0.0.0/8 tcp 70000', /selector ports: expected 'any', 'opaque', a port 0\.\.65535 or a range/],
    ['10.0.0.0/8 tcp 90-80', /selector ports/],
    ['10.0.0.0/8 any 80', /selector ports: expected 'any' or 'opaque': protocol 0 has no ports/],
    ['10.0.0.0/8 gre 80', /protocol 47 has no ports/],
    ['10.0.0.0/8 icmp 8', /selector icmp type\/code: expected 'any', 'opaque', 'type T'/],
    ['10.0.0.0/8 icmp type 256', /selector icmp type\/code/],
    ['10.0.0.0/8 icmp type 3-4 code 1', /a single type when a code is given/],
  ])('%j', (text, message) => {
    expect(() => parseSelector(text)).toThrow(RangeError);
    expect(() => parseSelector(text)).toThrow(message);
  });

  it('throws TypeError for a value that is not a string', () => {
    expect(() => parseSelector(42 as unknown as string)).toThrow(TypeError);
    expect(() => parsePortRange(80 as unknown as string, 6)).toThrow(TypeError);
  });
});
