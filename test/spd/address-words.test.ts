import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseIpWords } from '../../src/spd/address-words.js';
import { formatIpv4, formatIpv6, parseIp } from '../../src/wire/address.js';

/** Words the reference parser (wire/address.ts parseIp) gives, or null. */
function referenceWords(text: string): number[] | null {
  const bytes = parseIp(text);
  if (!bytes) return null;
  const words: number[] = [];
  for (let i = 0; i < bytes.length; i += 4) words.push(bytes.readUInt32BE(i));
  return words;
}

function ours(text: string): number[] | null {
  const out = new Uint32Array(4);
  const family = parseIpWords(text, out);
  if (family === 0) return null;
  return family === 4 ? [out[0]!] : [...out];
}

/** Spellings of the same IPv6 address: canonical, fully expanded, upper case, IPv4 tail. */
function spellings6(bytes: Uint8Array): string[] {
  const groups = Array.from({ length: 8 }, (_, i) => ((bytes[2 * i]! << 8) | bytes[2 * i + 1]!).toString(16));
  return [
    formatIpv6(bytes, 0),
    groups.join(':'),
    groups.map((g) => g.padStart(4, '0')).join(':').toUpperCase(),
    `${groups.slice(0, 6).join(':')}:${formatIpv4(bytes, 12)}`,
  ];
}

describe('parseIpWords agrees with wire/address.ts parseIp', () => {
  it('on every IPv4 address in dotted-quad form', () => {
    fc.assert(fc.property(fc.uint8Array({ minLength: 4, maxLength: 4 }), (bytes) => {
      const text = formatIpv4(bytes, 0);
      expect(ours(text)).toEqual(referenceWords(text));
    }), { numRuns: 5000 });
  });

  it('on every IPv6 address in canonical, expanded, upper-case and IPv4-tail spellings', () => {
    const sparse = fc.array(fc.constantFrom(0, 0, 0, 1, 0xff), { minLength: 16, maxLength: 16 }).map((a) => Uint8Array.from(a));
    fc.assert(fc.property(fc.oneof(fc.uint8Array({ minLength: 16, maxLength: 16 }), sparse), (bytes) => {
      for (const text of spellings6(bytes)) expect(ours(text)).toEqual(referenceWords(text));
    }), { numRuns: 5000 });
  });

  it('never accepts a string the reference refuses, and agrees on the value when both accept', () => {
    const alphabet = fc.constantFrom(...'0123456789abcdefABCDEF:.'.split(''));
    fc.assert(fc.property(fc.array(alphabet, { maxLength: 45 }).map((a) => a.join('')), (text) => {
      const mine = ours(text);
      if (mine !== null) expect(mine).toEqual(referenceWords(text));
    }), { numRuns: 20000 });
  });

  it.each([
    '', '1.2.3', '1.2.3.4.5', '256.1.1.1', '01.2.3.4', '1..2.3', ' 1.2.3.4', '1.2.3.4 ',
    ':', ':::', '1:2:3:4:5:6:7', '1:2:3:4:5:6:7:8:9', '1::2::3', '12345::', '1:2:3:4:5:6:7:8::',
    '1::2:3:4:5:6:7:8', '::1.2.3', '::1.2.3.4:5', 'g::1', '1:', ':1', 'fe80::1%eth0',
  ])('refuses %j', (text) => {
    expect(parseIpWords(text, new Uint32Array(4))).toBe(0);
  });

  it.each([
    ['::', [0, 0, 0, 0]],
    ['::1', [0, 0, 0, 1]],
    ['1::', [0x00010000, 0, 0, 0]],
    ['::ffff:192.0.2.1', [0, 0, 0xffff, 0xc0000201]],
    ['1:2:3:4:5:6:7::', [0x00010002, 0x00030004, 0x00050006, 0x00070000]],
    ['ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff', [0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff]],
  ])('reads %s as the words %j', (text, words) => {
    expect(ours(text)).toEqual(words);
  });
});
