// Text fields: addresses, prefixes, names, interface names and fixed word lists.
import { canonicalIp, formatIpv4, formatIpv6, parseIp } from '../wire/address.js';
import { editDistance } from '../verdict/edit-distance.js';
import type { FieldParser, Parsed } from './field.js';
import { accept, expectedGot, reject } from './field.js';
import { describeValue } from './issue.js';

const ADDRESS_EXPECTED = 'an IPv4 or IPv6 address (like 198.51.100.1 or 2001:db8::1)';

/** An IP address in any valid spelling, returned as canonical text (wire/address.ts). */
export const IP_ADDRESS: FieldParser<string> = {
  expected: ADDRESS_EXPECTED,
  parse(value) {
    const canonical = typeof value === 'string' ? canonicalIp(value.trim()) : null;
    return canonical === null ? expectedGot(ADDRESS_EXPECTED, value) : accept(canonical);
  },
};

/** The closest of `known` to `word`, if it is close enough to be a likely typo. */
export function nearest(word: string, known: readonly string[]): string | null {
  let best: string | null = null;
  let bestDistance = Infinity;
  const lower = word.toLowerCase();
  for (const k of known) {
    const d = editDistance(lower, k.toLowerCase());
    if (d < bestDistance) {
      best = k;
      bestDistance = d;
    }
  }
  return best !== null && bestDistance <= Math.max(2, Math.floor(word.length / 3)) ? best : null;
}

/** ` (did you mean 'x'?)` or ''. */
export function didYouMean(word: string, known: readonly string[]): string {
  const near = nearest(word, known);
  return near === null ? '' : ` (did you mean '${near}'?)`;
}

/** One of a fixed list of words; `aliases` map other spellings to a word of the list. */
export function oneOf<T extends string>(words: readonly T[], aliases: Readonly<Record<string, T>> = {}): FieldParser<T> {
  const expected = words.map((w) => `'${w}'`).join(', ').replace(/, ([^,]*)$/, ' or $1');
  return {
    expected,
    parse(value) {
      if (typeof value !== 'string') return expectedGot(expected, value);
      const word = value.trim().toLowerCase();
      const found = words.find((w) => w === word) ?? aliases[word];
      if (found !== undefined) return accept(found);
      return expectedGot(expected, value, didYouMean(word, [...words, ...Object.keys(aliases)]));
    },
  };
}

const NAME_EXPECTED = "a name of letters, digits, '.', '_' or '-' that starts with a letter (at most 64 characters)";

/**
 * Names of SAs and policies: shown in logs and `sa list`, typed in `sa delete <name>`. Starting
 * with a letter keeps them apart from SPIs (0x1001, 4097) on the command line.
 */
export const ENTRY_NAME: FieldParser<string> = {
  expected: NAME_EXPECTED,
  parse(value) {
    if (typeof value !== 'string' || !/^[A-Za-z][A-Za-z0-9._-]{0,63}$/.test(value)) return expectedGot(NAME_EXPECTED, value);
    return accept(value);
  },
};

const IFNAME_EXPECTED = "an interface name of 1 to 15 bytes without '/', ':' or spaces (like ipsec0)";

/** Linux dev_valid_name(): 1..15 bytes (IFNAMSIZ 16 with the NUL), not '.' or '..', no '/', ':' or space. */
export const INTERFACE_NAME: FieldParser<string> = {
  expected: IFNAME_EXPECTED,
  parse(value) {
    if (typeof value !== 'string' || value === '' || value === '.' || value === '..') return expectedGot(IFNAME_EXPECTED, value);
    const bytes = Buffer.byteLength(value, 'utf8');
    if (bytes > 15) return expectedGot(IFNAME_EXPECTED, value, ` (${bytes} bytes)`);
    if (/[/:\s]/.test(value)) return expectedGot(IFNAME_EXPECTED, value);
    return accept(value);
  },
};

interface Prefix {
  readonly bytes: Buffer;
  readonly length: number;
}

function splitCidr(value: unknown): Prefix | null {
  if (typeof value !== 'string') return null;
  const m = /^([^/\s]+)\/(\d{1,3})$/.exec(value.trim());
  const bytes = m ? parseIp(m[1]!) : null;
  if (!m || !bytes) return null;
  const length = Number(m[2]);
  return length <= bytes.length * 8 ? { bytes, length } : null;
}

const formatBytes = (b: Uint8Array): string => (b.length === 4 ? formatIpv4(b, 0) : formatIpv6(b, 0));

/** An interface address with its prefix length (10.1.0.1/24, fd00::1/64), canonical text. */
const IFADDR_EXPECTED = 'an address with its prefix length (like 10.1.0.1/32 or fd00::1/128)';

export const INTERFACE_ADDRESS: FieldParser<string> = {
  expected: IFADDR_EXPECTED,
  parse(value) {
    const p = splitCidr(value);
    return p === null ? expectedGot(IFADDR_EXPECTED, value) : accept(`${formatBytes(p.bytes)}/${p.length}`);
  },
};

/** A routed prefix (10.2.0.0/24): host bits must be zero, as `ip route` demands. */
const ROUTE_EXPECTED = 'a prefix (like 10.2.0.0/24 or 2001:db8::/32)';

export const ROUTE_PREFIX: FieldParser<string> = {
  expected: ROUTE_EXPECTED,
  parse(value): Parsed<string> {
    const p = splitCidr(value);
    if (p === null) return expectedGot(ROUTE_EXPECTED, value);
    const network = Buffer.from(p.bytes);
    for (let bit = p.length; bit < network.length * 8; bit++) network[bit >> 3] = network[bit >> 3]! & ~(0x80 >> (bit & 7));
    const text = `${formatBytes(network)}/${p.length}`;
    if (!network.equals(p.bytes)) {
      return reject(`expected ${ROUTE_EXPECTED} without host bits, got ${describeValue(value)} (did you mean ${text}?)`);
    }
    return accept(text);
  },
};

const HOST_PORT_EXPECTED = 'address:port (like 127.0.0.1:9790 or [::1]:9790; port 0 picks a free one)';

/** `127.0.0.1:9790` or `[::1]:9790`. */
export const HOST_PORT: FieldParser<{ readonly address: string; readonly port: number }> = {
  expected: HOST_PORT_EXPECTED,
  parse(value) {
    const m = typeof value === 'string' ? /^(?:\[([^\]]+)\]|([^:[\]]+)):(\d{1,5})$/.exec(value.trim()) : null;
    const address = m ? canonicalIp(m[1] ?? m[2]!) : null;
    const port = m ? Number(m[3]) : NaN;
    if (address === null || !(port <= 65535)) return expectedGot(HOST_PORT_EXPECTED, value);
    return accept({ address, port });
  },
};

/** True for 127.0.0.0/8, ::1 and IPv4-mapped loopback. */
export function isLoopback(address: string): boolean {
  return address === '::1' || address.startsWith('127.') || address.startsWith('::ffff:127.');
}

/** A non-empty path. */
const PATH_EXPECTED = 'a file system path';

export const PATH: FieldParser<string> = {
  expected: PATH_EXPECTED,
  parse(value) {
    return typeof value === 'string' && value.trim() !== '' && !value.includes('\0') ? accept(value) : expectedGot(PATH_EXPECTED, value);
  },
};

/** true or false; YAML 1.1 words (yes, on) are text in YAML 1.2, so say how to write them. */
export const BOOLEAN: FieldParser<boolean> = {
  expected: 'true or false',
  parse(value) {
    if (typeof value === 'boolean') return accept(value);
    const hint = typeof value === 'string' && /^(yes|no|on|off|y|n)$/i.test(value.trim()) ? ' (YAML 1.2 reads this as text; write true or false)' : '';
    return expectedGot('true or false', value, hint);
  },
};
