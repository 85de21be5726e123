// A bounded DER (X.690) reader and writer: just what distinguished names and RFC 7427
// AlgorithmIdentifiers need. The reader never throws and never reads outside the range it is
// given; it refuses indefinite lengths, long-form lengths that DER forbids (X.690 10.1: the
// shortest form), high-tag-number tags and lengths beyond 4 octets, so hostile input costs at
// most one pass over its bytes.

export const DER_TAG = {
  INTEGER: 0x02,
  BIT_STRING: 0x03,
  OCTET_STRING: 0x04,
  NULL: 0x05,
  OID: 0x06,
  UTF8_STRING: 0x0c,
  PRINTABLE_STRING: 0x13,
  T61_STRING: 0x14,
  IA5_STRING: 0x16,
  UTC_TIME: 0x17,
  GENERALIZED_TIME: 0x18,
  BMP_STRING: 0x1e,
  SEQUENCE: 0x30,
  SET: 0x31,
} as const;

/** One element: `start` is where its tag is, `contentStart..end` its value, `end` the next element. */
export interface DerElement {
  readonly tag: number;
  readonly start: number;
  readonly contentStart: number;
  readonly end: number;
}

export type DerRead = { readonly ok: true; readonly element: DerElement } | { readonly ok: false; readonly detail: string };

/** Reads the element at `off`, which must end at or before `limit`. */
export function readElement(buf: Uint8Array, off: number, limit: number = buf.length): DerRead {
  if (off + 2 > limit) return bad(`element at ${off} needs 2 octets, ${Math.max(0, limit - off)} left`);
  const tag = buf[off]!;
  // X.690 8.1.2.4: tag number 31 means more tag octets follow; nothing we read uses them.
  if ((tag & 0x1f) === 0x1f) return bad(`multi-octet tag at ${off}`);
  const first = buf[off + 1]!;
  let length = first;
  let contentStart = off + 2;
  if (first & 0x80) {
    const count = first & 0x7f;
    if (count === 0) return bad(`indefinite length at ${off + 1} (not DER)`);
    if (count > 4) return bad(`length of ${count} octets at ${off + 1}`);
    if (contentStart + count > limit) return bad(`length octets at ${off + 1} run past the end`);
    length = 0;
    for (let i = 0; i < count; i++) length = length * 256 + buf[contentStart + i]!;
    // X.690 10.1: DER uses the short form below 128 and no leading zero octets.
    if (length < 0x80 || buf[contentStart] === 0) return bad(`non-minimal length at ${off + 1}`);
    contentStart += count;
  }
  const end = contentStart + length;
  if (end > limit) return bad(`element at ${off} claims ${length} octets, ${limit - contentStart} left`);
  return { ok: true, element: { tag, start: off, contentStart, end } };
}

/** Reads every element in [off, limit): the children of a constructed element. */
export function readChildren(buf: Uint8Array, off: number, limit: number, maxCount: number): { readonly ok: true; readonly children: DerElement[] } | { readonly ok: false; readonly detail: string } {
  const children: DerElement[] = [];
  let at = off;
  while (at < limit) {
    if (children.length >= maxCount) return bad(`more than ${maxCount} elements at ${off}`);
    const r = readElement(buf, at, limit);
    if (!r.ok) return r;
    children.push(r.element);
    at = r.element.end;
  }
  return { ok: true, children };
}

function bad(detail: string): { readonly ok: false; readonly detail: string } {
  return { ok: false, detail };
}

/** Encodes a DER length (X.690 8.1.3, shortest form). */
function encodeLength(length: number): Buffer {
  if (length < 0x80) return Buffer.from([length]);
  const octets: number[] = [];
  for (let n = length; n > 0; n = Math.floor(n / 256)) octets.unshift(n & 0xff);
  return Buffer.from([0x80 | octets.length, ...octets]);
}

/** One element: tag, length, content. */
export function derTlv(tag: number, ...content: Uint8Array[]): Buffer {
  const body = Buffer.concat(content);
  return Buffer.concat([Buffer.from([tag]), encodeLength(body.length), body]);
}

/** Encodes dotted OID text ("2.5.4.3") as OID content octets (X.690 8.19); null when malformed. */
export function encodeOidContent(text: string): Buffer | null {
  if (!/^[0-2](\.(0|[1-9][0-9]{0,15}))+$/.test(text)) return null;
  const arcs = text.split('.').map((a) => Number(a));
  if (arcs.some((a) => !Number.isSafeInteger(a))) return null;
  const [a0, a1, ...rest] = arcs as [number, number, ...number[]];
  if (a0 < 2 && a1 > 39) return null;
  const out: number[] = [];
  for (const arc of [a0 * 40 + a1, ...rest]) {
    const groups: number[] = [];
    for (let n = arc; ; n = Math.floor(n / 128)) {
      groups.unshift(n % 128);
      if (n < 128) break;
    }
    groups.forEach((g, i) => out.push(i < groups.length - 1 ? g | 0x80 : g));
  }
  return Buffer.from(out);
}

/** Decodes OID content octets to dotted text; null when malformed (empty, truncated, padded). */
export function decodeOidContent(content: Uint8Array): string | null {
  if (content.length === 0 || content.length > 64) return null;
  const arcs: number[] = [];
  let value = 0;
  let started = false;
  for (const octet of content) {
    // X.690 8.19.2: no leading 0x80 octet in a subidentifier.
    if (!started && octet === 0x80) return null;
    started = true;
    value = value * 128 + (octet & 0x7f);
    if (!Number.isSafeInteger(value)) return null;
    if (octet & 0x80) continue;
    arcs.push(value);
    value = 0;
    started = false;
  }
  if (started) return null;
  const first = arcs[0]!;
  const head = first < 80 ? [Math.floor(first / 40), first % 40] : [2, first - 80];
  return [...head, ...arcs.slice(1)].join('.');
}

/** An OID element from dotted text; the text comes from our own tables, so a bad one throws. */
export function derOid(text: string): Buffer {
  const content = encodeOidContent(text);
  if (!content) throw new RangeError(`not an OID: ${text}`);
  return derTlv(DER_TAG.OID, content);
}
