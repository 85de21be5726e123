// Address text to 32-bit words without allocating: the SPD converts a packet's two addresses
// once per lookup and then compares plain numbers against every compiled selector.
// wire/address.ts parseIp is the reference (it allocates); tests check both agree.

const DOT = 0x2e;
const COLON = 0x3a;

/** Scratch for the eight IPv6 groups; lookups are synchronous, so one module copy is enough. */
const groups = new Uint16Array(8);

/**
 * Parses IPv4 or IPv6 text into out: IPv4 into out[0]; IPv6 into out[0..3], most
 * significant word first. Returns 4 or 6, or 0 when the text is not an address (out is then
 * unspecified). Accepts what node:net isIPv4/isIPv6 accept, without zone identifiers.
 */
export function parseIpWords(text: string, out: Uint32Array): 0 | 4 | 6 {
  if (text.indexOf(':') >= 0) return parseIpv6Words(text, out) ? 6 : 0;
  const v4 = parseIpv4Number(text, 0, text.length);
  if (v4 < 0) return 0;
  out[0] = v4;
  return 4;
}

function decimalDigit(code: number): number {
  return code >= 0x30 && code <= 0x39 ? code - 0x30 : -1;
}

function hexDigit(code: number): number {
  if (code >= 0x30 && code <= 0x39) return code - 0x30;
  const lower = code | 0x20;
  return lower >= 0x61 && lower <= 0x66 ? lower - 0x61 + 10 : -1;
}

/**
 * Dotted quad in text[start, end) as an unsigned number, or -1. Like node:net, an octet with
 * a leading zero ("01") is refused: some stacks read it as octal.
 */
export function parseIpv4Number(text: string, start: number, end: number): number {
  let value = 0;
  let i = start;
  for (let octet = 0; octet < 4; octet++) {
    if (octet > 0) {
      if (i >= end || text.charCodeAt(i) !== DOT) return -1;
      i++;
    }
    const first = i;
    let n = 0;
    while (i < end && i - first < 4) {
      const d = decimalDigit(text.charCodeAt(i));
      if (d < 0) break;
      n = n * 10 + d;
      i++;
    }
    const digits = i - first;
    if (digits === 0 || digits > 3 || n > 255) return -1;
    if (digits > 1 && text.charCodeAt(first) === 0x30) return -1;
    value = value * 256 + n;
  }
  return i === end ? value : -1;
}

function parseIpv6Words(text: string, out: Uint32Array): boolean {
  const count = parseIpv6Groups(text);
  if (count < 0) return false;
  for (let w = 0; w < 4; w++) out[w] = ((groups[2 * w]! << 16) | groups[2 * w + 1]!) >>> 0;
  return true;
}

/**
 * Fills groups[0..8) from IPv6 text (RFC 4291 2.2 forms 1-3). Returns 8, or -1 when the text
 * is not an IPv6 address.
 */
function parseIpv6Groups(text: string): number {
  const len = text.length;
  let n = 0;
  let gap = -1;
  let i = 0;
  if (len >= 2 && text.charCodeAt(0) === COLON) {
    if (text.charCodeAt(1) !== COLON) return -1;
    gap = 0;
    i = 2;
  }
  while (i < len) {
    const start = i;
    let value = 0;
    while (i < len && i - start < 5) {
      const h = hexDigit(text.charCodeAt(i));
      if (h < 0) break;
      value = value * 16 + h;
      i++;
    }
    if (i < len && text.charCodeAt(i) === DOT) {
      // RFC 4291 2.2 form 3: an IPv4 tail takes the last two groups.
      const v4 = parseIpv4Number(text, start, len);
      if (v4 < 0 || n > 6) return -1;
      groups[n++] = Math.floor(v4 / 65536);
      groups[n++] = v4 % 65536;
      i = len;
      break;
    }
    if (i === start || i - start > 4 || n === 8) return -1;
    groups[n++] = value;
    if (i === len) break;
    if (text.charCodeAt(i) !== COLON) return -1;
    i++;
    if (i < len && text.charCodeAt(i) === COLON) {
      if (gap >= 0) return -1;
      gap = n;
      i++;
    } else if (i === len) {
      return -1;
    }
  }
  return expandGap(n, gap);
}

/** Moves the groups after "::" to the end and zero-fills the gap; "::" stands for at least one group. */
function expandGap(n: number, gap: number): number {
  if (gap < 0) return n === 8 ? 8 : -1;
  if (n > 7) return -1;
  const tail = n - gap;
  for (let k = tail - 1; k >= 0; k--) groups[8 - tail + k] = groups[gap + k]!;
  for (let k = gap; k < 8 - tail; k++) groups[k] = 0;
  return 8;
}
