// Address and SPI patterns of Wireshark's esp_sa table (epan/dissectors/packet-ipsec.c):
//
//   address  '*' (any), IPv4 with per-octet '*' ('192.168.*.*'), IPv6 with per-hex-digit '*'
//            (Wireshark expands the address to 32 hex digits and compares digit by digit, so
//            '2001:db8::*' leaves only the last digit free; '****' frees a whole group),
//            optionally '/prefix' (but see AddressPattern.prefixLength).
//   SPI      '*' (any), '0x' hex or decimal (strtoul base 0), or '0x' + 8 hex digits with '*'
//            for free digits ('0x1234****').
//
// Patterns are kept as value/mask pairs; matching is exact on the bits the mask keeps.
import { parseIp } from '../../wire/address.js';
import type { IpVersion } from '../../wire/address.js';

export interface AddressPattern {
  /** The text as written in the file. */
  readonly text: string;
  /** 4 or 6; null for a pattern that matches any address of either family. */
  readonly family: IpVersion | null;
  /** 4 or 16 bytes, already masked. */
  readonly value: Uint8Array;
  /** 1 bits are compared, 0 bits are free. */
  readonly mask: Uint8Array;
  /**
   * The '/n' of the text, or null. matchesAddress applies it as a true prefix. Wireshark
   * (4.0 and the newest source read) does not: get_full_ipv4_addr/get_full_ipv6_addr cut
   * the '/n' off the stored text the first time a packet is checked against the line, so
   * later packets must equal the address before the '/' (measured with tshark 4.0.17).
   * And a length that is not a multiple of 4 is applied per hex digit, also requiring the
   * free low bits of the packet's digit to be 0.
   */
  readonly prefixLength: number | null;
}

export interface SpiPattern {
  readonly text: string;
  readonly value: number;
  /** 0xffffffff for an exact SPI, 0 for '*'. */
  readonly mask: number;
  /** A decimal with a leading zero, which strtoul reads as octal as Wireshark does. */
  readonly octal: boolean;
}

export type PatternResult<T> = { readonly ok: true; readonly pattern: T } | { readonly ok: false; readonly expected: string };

export const ANY_ADDRESS: AddressPattern = Object.freeze({
  text: '*', family: null, value: new Uint8Array(0), mask: new Uint8Array(0), prefixLength: null,
});

const IPV4_EXPECTED = "an IPv4 address, '*', octets as '*' (192.168.*.*) and an optional /0..32 prefix";
const IPV6_EXPECTED = "an IPv6 address, '*', hex digits as '*' (2001:db8::****) and an optional /0..128 prefix";

/** Parses an address pattern for a line of the given family. */
export function parseAddressPattern(text: string, family: IpVersion): PatternResult<AddressPattern> {
  const [body, prefixText, extra] = text.split('/');
  const expected = family === 4 ? IPV4_EXPECTED : IPV6_EXPECTED;
  if (extra !== undefined || body === undefined) return { ok: false, expected };
  const size = family === 4 ? 4 : 16;
  let prefix = size * 8;
  if (prefixText !== undefined) {
    if (!/^\d{1,3}$/.test(prefixText) || Number(prefixText) > size * 8) return { ok: false, expected };
    prefix = Number(prefixText);
  }
  const parsed = body === '*' ? { value: new Uint8Array(size), mask: new Uint8Array(size) }
    : family === 4 ? parseIpv4Wild(body) : parseIpv6Wild(body);
  if (parsed === null) return { ok: false, expected };
  applyPrefix(parsed.mask, prefix);
  for (let i = 0; i < size; i++) parsed.value[i] = parsed.value[i]! & parsed.mask[i]!;
  return {
    ok: true,
    pattern: Object.freeze({ text, family, value: parsed.value, mask: parsed.mask, prefixLength: prefixText === undefined ? null : prefix }),
  };
}

interface ValueMask {
  value: Uint8Array;
  mask: Uint8Array;
}

function parseIpv4Wild(body: string): ValueMask | null {
  const octets = body.split('.');
  if (octets.length !== 4) return null;
  const value = new Uint8Array(4);
  const mask = new Uint8Array(4);
  for (let i = 0; i < 4; i++) {
    const o = octets[i]!;
    if (o === '*') continue;
    if (!/^\d{1,3}$/.test(o) || Number(o) > 255) return null;
    value[i] = Number(o);
    mask[i] = 0xff;
  }
  return { value, mask };
}

/** Expands IPv6 text with '*' hex digits to 32 digits, as get_full_ipv6_addr() does. */
function parseIpv6Wild(body: string): ValueMask | null {
  if (!/^[0-9A-Fa-f*:]+$/.test(body)) return null;
  const halves = body.split('::');
  if (halves.length > 2) return null;
  const groupsOf = (s: string): string[] | null => {
    if (s === '') return [];
    const g = s.split(':');
    return g.every((x) => x.length >= 1 && x.length <= 4) ? g : null;
  };
  const head = groupsOf(halves[0]!);
  const tail = halves.length === 2 ? groupsOf(halves[1]!) : [];
  if (head === null || tail === null) return null;
  const missing = 8 - head.length - tail.length;
  if (halves.length === 2 ? missing < 1 : missing !== 0) return null;
  const digits = [...head, ...Array<string>(missing).fill('0'), ...tail].map((g) => g.padStart(4, '0')).join('');
  const value = new Uint8Array(16);
  const mask = new Uint8Array(16);
  for (let d = 0; d < 32; d++) {
    if (digits[d] === '*') continue;
    const shift = d % 2 === 0 ? 4 : 0;
    value[d >> 1] = value[d >> 1]! | (parseInt(digits[d]!, 16) << shift);
    mask[d >> 1] = mask[d >> 1]! | (0xf << shift);
  }
  return { value, mask };
}

function applyPrefix(mask: Uint8Array, prefix: number): void {
  for (let bit = prefix; bit < mask.length * 8; bit++) mask[bit >> 3] = mask[bit >> 3]! & ~(0x80 >> (bit & 7));
}

/** True when the address (text) lies in the pattern. Invalid address text matches nothing. */
export function matchesAddress(pattern: AddressPattern, address: string): boolean {
  const bytes = parseIp(address);
  if (!bytes) return false;
  if (pattern.family === null) return true;
  if (bytes.length !== (pattern.family === 4 ? 4 : 16)) return false;
  for (let i = 0; i < bytes.length; i++) {
    if ((bytes[i]! & pattern.mask[i]!) !== pattern.value[i]) return false;
  }
  return true;
}

const SPI_EXPECTED = "'*', a hex SPI like 0x1234abcd, a decimal SPI, or 0x + 8 hex digits with '*' for free digits";

/** Parses an SPI pattern as filter_spi_match() reads it. */
export function parseSpiPattern(text: string): PatternResult<SpiPattern> {
  if (text === '*') return { ok: true, pattern: Object.freeze({ text, value: 0, mask: 0, octal: false }) };
  if (text.includes('*')) return parseWildSpi(text);
  let value: number;
  let octal = false;
  if (/^0[xX][0-9A-Fa-f]{1,8}$/.test(text)) value = parseInt(text.slice(2), 16);
  else if (/^0[0-7]+$/.test(text)) { value = parseInt(text, 8); octal = true; }
  else if (/^(0|[1-9]\d{0,9})$/.test(text)) value = Number(text);
  else return { ok: false, expected: SPI_EXPECTED };
  if (value > 0xffffffff) return { ok: false, expected: SPI_EXPECTED };
  return { ok: true, pattern: Object.freeze({ text, value, mask: 0xffffffff, octal }) };
}

function parseWildSpi(text: string): PatternResult<SpiPattern> {
  // Wireshark compares the pattern with sprintf("0x%08x", spi) digit by digit, so the
  // pattern must be exactly 0x plus 8 characters.
  if (!/^0[xX][0-9A-Fa-f*]{8}$/.test(text)) return { ok: false, expected: SPI_EXPECTED };
  let value = 0;
  let mask = 0;
  for (let d = 0; d < 8; d++) {
    const c = text[2 + d]!;
    value = value * 16 + (c === '*' ? 0 : parseInt(c, 16));
    mask = mask * 16 + (c === '*' ? 0 : 0xf);
  }
  return { ok: true, pattern: Object.freeze({ text, value, mask, octal: false }) };
}

/** True when the SPI matches the pattern. */
export function matchesSpi(pattern: SpiPattern, spi: number): boolean {
  return (((spi ^ pattern.value) & pattern.mask) >>> 0) === 0;
}
