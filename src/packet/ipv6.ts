// IPv6 header codec (RFC 8200 3) with a bounded walk over the extension header chain
// (RFC 8200 4). The walk stops at ESP, No Next Header, an upper-layer protocol, or the data of a
// non-first fragment; it never throws on network input and never loops more than
// IPV6_MAX_EXTENSION_HEADERS times.
import { formatIpv6 } from '../wire/address.js';
import { u16, u32, writeU16, writeU32 } from '../wire/bytes.js';
import { addressBytes, checkBytes, checkByte, checkInt, checkU32 } from './args.js';
import { IPPROTO } from './protocols.js';
import type { ParseFailure } from './result.js';
import { checkOffset, fail } from './result.js';

export const IPV6_HEADER_LENGTH = 40;
/**
 * Cap on the extension headers walked. RFC 8200 4.1 recommends each header at most once
 * (Destination Options at most twice), so a legitimate chain is about ten long; the cap keeps
 * a hostile chain of hundreds of 8-byte headers from costing more than a few steps.
 */
export const IPV6_MAX_EXTENSION_HEADERS = 16;

export type Ipv6ParseReason =
  | 'truncated'
  | 'bad-version'
  | 'bad-extension-header'
  | 'incomplete-header-chain'
  | 'too-many-extension-headers';

export interface Ipv6Fragment {
  readonly identification: number;
  /** Fragment offset in bytes (the 13-bit field times 8). */
  readonly offset: number;
  readonly moreFragments: boolean;
  /** Next Header field of the Fragment header: the first header of the fragmentable part. */
  readonly nextHeader: number;
  /** Absolute offset of the Fragment header. */
  readonly headerOffset: number;
  /** Absolute offset of the fragmentable part (right after the Fragment header). */
  readonly fragmentableOffset: number;
  /** Absolute offset of the Next Header byte that names the Fragment header (44). */
  readonly previousNextHeaderOffset: number;
}

export interface Ipv6Header {
  readonly ok: true;
  readonly version: 6;
  readonly trafficClass: number;
  readonly flowLabel: number;
  readonly payloadLength: number;
  /** Next Header of the fixed header (the first extension header, if any). */
  readonly nextHeader: number;
  readonly hopLimit: number;
  readonly src: string;
  readonly dst: string;
  readonly srcOffset: number;
  readonly dstOffset: number;
  /** The final next header: ESP (50), No Next Header (59) or an upper-layer protocol. */
  readonly protocol: number;
  /** Absolute offset of that header (for a non-first fragment: of the fragment data). */
  readonly protocolOffset: number;
  /** Absolute end of the packet: off + 40 + payload length (link padding excluded). */
  readonly payloadEnd: number;
  readonly extensionHeaderCount: number;
  /**
   * Absolute end of the unfragmentable part (RFC 8200 4.5): the Fragment header's offset when
   * there is one, otherwise the end of the last Hop-by-Hop or Routing header (or of the fixed
   * header when there is neither).
   */
  readonly unfragmentableEnd: number;
  readonly fragment: Ipv6Fragment | null;
}

export type Ipv6ParseResult = Ipv6Header | ParseFailure<Ipv6ParseReason>;

/** Next header values that are walked as extension headers (RFC 8200 4, RFC 7045 IANA list). */
export function isIpv6ExtensionHeader(nextHeader: number): boolean {
  switch (nextHeader) {
    case IPPROTO.HOPOPTS: case IPPROTO.ROUTING: case IPPROTO.FRAGMENT: case IPPROTO.DSTOPTS:
    case IPPROTO.AH: case IPPROTO.MOBILITY: case IPPROTO.HIP: case IPPROTO.SHIM6:
    case IPPROTO.EXPERIMENT1: case IPPROTO.EXPERIMENT2:
      return true;
    default:
      return false;
  }
}

/** Parses the IPv6 header at buf[off] and walks its extension headers. */
export function parseIpv6(buf: Uint8Array, off = 0): Ipv6ParseResult {
  checkOffset(buf, off);
  const avail = buf.length - off;
  if (avail < 1) return fail('truncated', 'no bytes for an IPv6 header');
  const version = buf[off]! >> 4;
  if (version !== 6) return fail('bad-version', `version field is ${version}, not 6`);
  if (avail < IPV6_HEADER_LENGTH) return fail('truncated', `${avail} bytes available, the IPv6 header needs 40`);
  const payloadLength = u16(buf, off + 4);
  if (avail < IPV6_HEADER_LENGTH + payloadLength) {
    return fail('truncated', `${avail} bytes available, header and payload length need ${IPV6_HEADER_LENGTH + payloadLength}`);
  }
  const end = off + IPV6_HEADER_LENGTH + payloadLength;
  const c = walkChain(buf, off, end);
  if ('ok' in c) return c;
  const first = u32(buf, off);
  return {
    ok: true,
    version: 6,
    trafficClass: (first >>> 20) & 0xff,
    flowLabel: first & 0xfffff,
    payloadLength,
    nextHeader: buf[off + 6]!,
    hopLimit: buf[off + 7]!,
    src: formatIpv6(buf, off + 8),
    dst: formatIpv6(buf, off + 24),
    srcOffset: off + 8,
    dstOffset: off + 24,
    protocol: c.nextHeader,
    protocolOffset: c.pos,
    payloadEnd: end,
    extensionHeaderCount: c.count,
    unfragmentableEnd: c.fragment ? c.fragment.headerOffset : c.unfragmentableEnd,
    fragment: c.fragment,
  };
}

/** Mutable cursor of the walk, kept in one object so each step is a small function. */
interface Cursor {
  nextHeader: number;
  pos: number;
  nextHeaderOffset: number;
  count: number;
  unfragmentableEnd: number;
  fragment: Ipv6Fragment | null;
}

/** Walks the chain; returns the final cursor, or a failure. */
function walkChain(buf: Uint8Array, off: number, end: number): Cursor | ParseFailure<Ipv6ParseReason> {
  const c: Cursor = {
    nextHeader: buf[off + 6]!, pos: off + IPV6_HEADER_LENGTH, nextHeaderOffset: off + 6,
    count: 0, unfragmentableEnd: off + IPV6_HEADER_LENGTH, fragment: null,
  };
  while (isIpv6ExtensionHeader(c.nextHeader)) {
    // RFC 8200 4.5: after the Fragment header of a non-first fragment comes fragment data.
    if (c.fragment !== null && c.fragment.offset !== 0) break;
    if (++c.count > IPV6_MAX_EXTENSION_HEADERS) {
      return fail('too-many-extension-headers', `more than ${IPV6_MAX_EXTENSION_HEADERS} extension headers`);
    }
    const failure = c.nextHeader === IPPROTO.FRAGMENT ? stepFragment(buf, c, end) : stepGeneric(buf, off, c, end);
    if (failure) return failure;
  }
  return c;
}

/** RFC 8200 4.5: Fragment header, 8 bytes: next header, reserved, offset/res/M, identification. */
function stepFragment(buf: Uint8Array, c: Cursor, end: number): ParseFailure<Ipv6ParseReason> | null {
  if (c.fragment !== null) return fail('bad-extension-header', `second Fragment header at offset ${c.pos}`);
  if (c.pos + 8 > end) return fail('bad-extension-header', `Fragment header at offset ${c.pos} runs past the payload end ${end}`);
  const offsetAndFlags = u16(buf, c.pos + 2);
  c.fragment = {
    identification: u32(buf, c.pos + 4),
    offset: (offsetAndFlags >>> 3) * 8,
    moreFragments: (offsetAndFlags & 1) === 1,
    nextHeader: buf[c.pos]!,
    headerOffset: c.pos,
    fragmentableOffset: c.pos + 8,
    previousNextHeaderOffset: c.nextHeaderOffset,
  };
  c.nextHeaderOffset = c.pos;
  c.nextHeader = buf[c.pos]!;
  c.pos += 8;
  return null;
}

/**
 * Every other extension header starts with Next Header and a length byte (RFC 6564 uniform
 * format): (len + 1) * 8 bytes, except AH whose length is in 4-byte units minus 2 (RFC 4302 2.2).
 */
function stepGeneric(buf: Uint8Array, off: number, c: Cursor, end: number): ParseFailure<Ipv6ParseReason> | null {
  const type = c.nextHeader;
  if (type === IPPROTO.HOPOPTS && c.pos !== off + IPV6_HEADER_LENGTH) {
    // RFC 8200 4.3: Hop-by-Hop Options only immediately after the IPv6 header.
    return fail('bad-extension-header', `Hop-by-Hop Options header at offset ${c.pos} is not first`);
  }
  const length = c.pos + 2 <= end ? extensionLength(type, buf[c.pos + 1]!) : Infinity;
  if (c.pos + length > end) {
    // RFC 8200 4.5 and RFC 7112: a first fragment must hold the whole header chain.
    if (c.fragment !== null) return fail('incomplete-header-chain', `first fragment ends inside header ${type} at offset ${c.pos}`);
    return fail('bad-extension-header', `extension header ${type} at offset ${c.pos} runs past the payload end ${end}`);
  }
  if ((type === IPPROTO.HOPOPTS || type === IPPROTO.ROUTING) && c.fragment === null) c.unfragmentableEnd = c.pos + length;
  c.nextHeaderOffset = c.pos;
  c.nextHeader = buf[c.pos]!;
  c.pos += length;
  return null;
}

function extensionLength(type: number, lengthField: number): number {
  return type === IPPROTO.AH ? (lengthField + 2) * 4 : (lengthField + 1) * 8;
}

export type Ipv6ExtensionSpec =
  | {
    readonly type: 0 | 43 | 51 | 60 | 135 | 139 | 140 | 253 | 254;
    /** Bytes after Next Header and the length byte; 2 + data.length a multiple of 8. Default: 6 zero bytes. */
    readonly data?: Uint8Array;
  }
  | {
    readonly type: 44;
    /** In bytes, a multiple of 8. */
    readonly offset: number;
    readonly moreFragments: boolean;
    readonly identification: number;
  };

export interface Ipv6BuildOptions {
  readonly src: string;
  readonly dst: string;
  /** The protocol after the last extension header (e.g. 17, 50, 59). */
  readonly protocol: number;
  readonly hopLimit?: number;
  readonly trafficClass?: number;
  readonly flowLabel?: number;
  readonly extensions?: readonly Ipv6ExtensionSpec[];
}

/** Builds an IPv6 packet: fixed header, the given extension headers chained in order, payload. */
export function buildIpv6(opts: Ipv6BuildOptions, payload: Uint8Array): Buffer {
  checkBytes(payload, 'payload');
  const extensions = opts.extensions ?? [];
  const encoded = extensions.map((spec, i) => encodeExtension(spec, i + 1 < extensions.length ? extensions[i + 1]!.type : opts.protocol, i));
  const extLength = encoded.reduce((n, e) => n + e.length, 0);
  const payloadLength = extLength + payload.length;
  if (payloadLength > 0xffff) throw new RangeError(`payload too long: payload length ${payloadLength} > 65535 (jumbograms are not built)`);
  const out = Buffer.alloc(IPV6_HEADER_LENGTH + payloadLength);
  const trafficClass = checkByte(opts.trafficClass ?? 0, 'trafficClass');
  const flowLabel = checkInt(opts.flowLabel ?? 0, 'flowLabel', 0, 0xfffff);
  writeU32(out, 0, ((6 << 28) | (trafficClass << 20) | flowLabel) >>> 0);
  writeU16(out, 4, payloadLength);
  out[6] = checkByte(extensions.length > 0 ? extensions[0]!.type : opts.protocol, 'protocol');
  out[7] = checkByte(opts.hopLimit ?? 64, 'hopLimit');
  out.set(addressBytes(opts.src, 6, 'src'), 8);
  out.set(addressBytes(opts.dst, 6, 'dst'), 24);
  let pos = IPV6_HEADER_LENGTH;
  for (const e of encoded) { out.set(e, pos); pos += e.length; }
  out.set(payload, pos);
  return out;
}

function encodeExtension(spec: Ipv6ExtensionSpec, next: number, index: number): Buffer {
  const name = `extensions[${index}]`;
  checkByte(next, 'protocol');
  if (spec.type === IPPROTO.FRAGMENT) {
    const offset = checkInt(spec.offset, `${name}.offset`, 0, 0x1fff * 8);
    if (offset % 8 !== 0) throw new RangeError(`${name}.offset must be a multiple of 8, got ${offset}`);
    const out = Buffer.alloc(8);
    out[0] = next;
    writeU16(out, 2, (offset / 8) << 3 | (spec.moreFragments ? 1 : 0));
    writeU32(out, 4, checkU32(spec.identification, `${name}.identification`));
    return out;
  }
  if (!isIpv6ExtensionHeader(spec.type)) throw new RangeError(`${name}.type ${String(spec.type)} is not an extension header`);
  const data = checkBytes(spec.data ?? new Uint8Array(6), `${name}.data`);
  const total = 2 + data.length;
  if (total % 8 !== 0) throw new RangeError(`${name}: 2 + data.length must be a multiple of 8, got ${total}`);
  const lengthField = spec.type === IPPROTO.AH ? total / 4 - 2 : total / 8 - 1;
  if (lengthField > 0xff) throw new RangeError(`${name}.data is too long for the length byte`);
  const out = Buffer.alloc(total);
  out[0] = next;
  out[1] = lengthField;
  out.set(data, 2);
  return out;
}
