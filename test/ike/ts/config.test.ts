// Configured traffic selectors in swanctl.conf spelling (local_ts / remote_ts).
import { describe, expect, it } from 'vitest';
import { parseConfiguredSelectors, resolveConfigured } from '../../../src/ike/ts/config.js';
import type { ConfiguredSelector } from '../../../src/ike/ts/config.js';

function parsed(text: string): readonly ConfiguredSelector[] {
  const r = parseConfiguredSelectors(text);
  if (!r.ok) throw new Error(r.message);
  return r.selectors;
}

function message(text: string): string {
  const r = parseConfiguredSelectors(text);
  if (r.ok) throw new Error(`expected '${text}' to be refused`);
  return r.message;
}

const ANY = { startPort: 0, endPort: 65535 };

describe('parseConfiguredSelectors', () => {
  it('reads a prefix as its address range, any protocol and port', () => {
    expect(parsed('10.1.0.0/24')).toEqual([{ kind: 'static', selector: { protocol: 0, ...ANY, startAddress: '10.1.0.0', endAddress: '10.1.0.255' } }]);
  });

  it('reads [tcp/443] as protocol 6, port 443', () => {
    expect(parsed('10.1.0.0/24[tcp/443]')).toEqual([{ kind: 'static', selector: { protocol: 6, startPort: 443, endPort: 443, startAddress: '10.1.0.0', endAddress: '10.1.0.255' } }]);
  });

  it('reads a port range, a protocol number and a protocol without ports', () => {
    expect(parsed('192.0.2.0/24[udp/1000-2000]')[0]).toMatchObject({ selector: { protocol: 17, startPort: 1000, endPort: 2000 } });
    expect(parsed('192.0.2.0/24[47]')[0]).toMatchObject({ selector: { protocol: 47, ...ANY } });
    expect(parsed('192.0.2.0/24[tcp/%any]')[0]).toMatchObject({ selector: { protocol: 6, ...ANY } });
  });

  it('reads 0.0.0.0/0 and ::/0 as the whole IPv4 and IPv6 spaces', () => {
    expect(parsed('0.0.0.0/0, ::/0').map((c) => c.kind === 'static' && [c.selector.startAddress, c.selector.endAddress])).toEqual([
      ['0.0.0.0', '255.255.255.255'], ['::', 'ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff'],
    ]);
  });

  it('reads an address range and a single address', () => {
    expect(parsed('10.0.0.1-10.0.0.9')[0]).toMatchObject({ selector: { startAddress: '10.0.0.1', endAddress: '10.0.0.9' } });
    expect(parsed('2001:DB8::1')[0]).toMatchObject({ selector: { startAddress: '2001:db8::1', endAddress: '2001:db8::1' } });
  });

  it('keeps dynamic as a placeholder, with or without protocol and port', () => {
    expect(parsed('dynamic')).toEqual([{ kind: 'dynamic', protocol: 0, ...ANY }]);
    expect(parsed('dynamic[tcp/22]')).toEqual([{ kind: 'dynamic', protocol: 6, startPort: 22, endPort: 22 }]);
  });

  it.each<[string, RegExp]>([
    ['', /empty selector/],
    ['10.0.0.0/24,', /empty selector/],
    ['10.1.0.1/24', /did you mean 10\.1\.0\.0\/24/],
    ['10.1.0.0/33', /prefix length/],
    ['foo', /expected an address/],
    ['10.0.0.9-10.0.0.1', /not above/],
    ['10.0.0.1-::1', /same IP version/],
    ['10.0.0.0/24[tcp/70000]', /port 0\.\.65535/],
    ['10.0.0.0/24[tcp/80-79]', /port 0\.\.65535/],
    ['10.0.0.0/24[bogus]', /protocol/],
    ['10.0.0.0/24[icmp/8]', /no ports here/],
    ['10.0.0.0/24[tcp/80/1]', /\[protocol\/port\]/],
    ['10.0.0.0/24[tcp', /expected a prefix/],
  ])('refuses %j with a message', (text, pattern) => {
    expect(message(text)).toMatch(pattern);
  });
});

describe('resolveConfigured', () => {
  it('turns dynamic into the given address and keeps static selectors', () => {
    const list = parsed('dynamic[udp/53], 10.9.0.0/16');
    expect(resolveConfigured(list, '2001:DB8::7')).toEqual([
      { protocol: 17, startPort: 53, endPort: 53, startAddress: '2001:db8::7', endAddress: '2001:db8::7' },
      { protocol: 0, ...ANY, startAddress: '10.9.0.0', endAddress: '10.9.255.255' },
    ]);
  });

  it('throws RangeError for an address that is not one (API misuse)', () => {
    expect(() => resolveConfigured(parsed('dynamic'), 'host.example')).toThrow(RangeError);
  });
});
