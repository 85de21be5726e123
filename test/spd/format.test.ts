// selectorText must give back text that parseSelector reads as the same selector.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseSelector } from '../../src/spd/parse.js';
import { selectorText } from '../../src/spd/format.js';

describe('selectorText', () => {
  it.each([
    ['10.1.0.0/24', '10.1.0.0/24'],
    ['10.0.0.1-10.0.0.9 tcp 80', '10.0.0.1-10.0.0.9 tcp 80'],
    ['2001:db8::/32 udp 1000-2000', '2001:db8::/32 udp 1000-2000'],
    ['10.0.0.0/8 icmp type 8 code 0', '10.0.0.0/8 icmp type 8 code 0'],
    ['192.168.1.7', '192.168.1.7/32'],
    ['10.0.0.0/8 sctp opaque', '10.0.0.0/8 sctp opaque'],
  ])('%s -> %s', (input, text) => {
    const [ts] = parseSelector(input);
    expect(selectorText(ts!)).toBe(text);
  });

  it('round-trips random IPv4 prefixes and ranges through parseSelector', () => {
    fc.assert(fc.property(fc.integer({ min: 0, max: 0xffffffff }), fc.integer({ min: 1, max: 32 }), fc.constantFrom('', ' tcp 22', ' udp 1-1024', ' icmp type 3'), (n, len, rest) => {
      const net = (n & (len === 32 ? 0xffffffff : ~(0xffffffff >>> len))) >>> 0;
      const ip = [24, 16, 8, 0].map((s) => (net >>> s) & 0xff).join('.');
      const [ts] = parseSelector(`${ip}/${len}${rest}`);
      const [again] = parseSelector(selectorText(ts!));
      expect(again).toEqual(ts);
    }));
  });
});
