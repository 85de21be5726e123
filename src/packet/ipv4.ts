// IPv4 header codec (RFC 791 3.1). The parser reads a header at any offset of a buffer and
// never throws on network input; the builder is for tests, captures and the datapath.
import { formatIpv4 } from '../wire/address.js';
import { u16, writeU16 } from '../wire/bytes.js';
import { addressBytes, checkByte, checkBytes, checkU16 } from './args.js';
import { internetChecksum } from './checksum.js';
import type { ParseFailure } from './result.js';
import { checkOffset, fail } from './result.js';

export const IPV4_MIN_HEADER_LENGTH = 20;
/** IHL is 4 bits of 32-bit words: at most 15 * 4 = 60 bytes (RFC 791 3.1). */
export const IPV4_MAX_HEADER_LENGTH = 60;
export const IPV4_MAX_TOTAL_LENGTH = 0xffff;

export type Ipv4ParseReason = 'truncated' | 'bad-version' | 'bad-header-length' | 'bad-total-length';

export interface Ipv4Header {
  readonly ok: true;
  readonly version: 4;
  /** Header length in bytes (IHL * 4). */
  readonly headerLength: number;
  /** The whole former TOS byte: DSCP (6 bits) and ECN (2 bits), RFC 2474 / RFC 3168. */
  readonly tos: number;
  readonly totalLength: number;
  readonly identification: number;
  readonly dontFragment: boolean;
  readonly moreFragments: boolean;
  /** Fragment offset in bytes (the 13-bit field times 8). */
  readonly fragmentOffset: number;
  readonly ttl: number;
  readonly protocol: number;
  readonly headerChecksum: number;
  readonly checksumValid: boolean;
  readonly src: string;
  readonly dst: string;
  /** Absolute offsets into the parsed buffer. */
  readonly srcOffset: number;
  readonly dstOffset: number;
  readonly payloadOffset: number;
  /** Total length minus header length: trailing link-layer padding is not payload. */
  readonly payloadLength: number;
}

export type Ipv4ParseResult = Ipv4Header | ParseFailure<Ipv4ParseReason>;

/** Parses the IPv4 header at buf[off]. The packet must be whole (total length present). */
export function parseIpv4(buf: Uint8Array, off = 0): Ipv4ParseResult {
  checkOffset(buf, off);
  const avail = buf.length - off;
  if (avail < 1) return fail('truncated', 'no bytes for an IPv4 header');
  const version = buf[off]! >> 4;
  if (version !== 4) return fail('bad-version', `version field is ${version}, not 4`);
  const headerLength = (buf[off]! & 0x0f) * 4;
  if (headerLength < IPV4_MIN_HEADER_LENGTH) {
    return fail('bad-header-length', `IHL gives ${headerLength} bytes, below the minimum of 20`);
  }
  if (avail < headerLength) return fail('truncated', `${avail} bytes available, header needs ${headerLength}`);
  const totalLength = u16(buf, off + 2);
  if (totalLength < headerLength) {
    return fail('bad-total-length', `total length ${totalLength} is less than the header length ${headerLength}`);
  }
  if (avail < totalLength) return fail('truncated', `${avail} bytes available, total length is ${totalLength}`);
  return readHeader(buf, off, headerLength, totalLength);
}

function readHeader(buf: Uint8Array, off: number, headerLength: number, totalLength: number): Ipv4Header {
  const flagsAndOffset = u16(buf, off + 6);
  return {
    ok: true,
    version: 4,
    headerLength,
    tos: buf[off + 1]!,
    totalLength,
    identification: u16(buf, off + 4),
    // RFC 791 3.1: bit 0 reserved, bit 1 DF, bit 2 MF, then 13 bits of offset in 8-byte units.
    dontFragment: (flagsAndOffset & 0x4000) !== 0,
    moreFragments: (flagsAndOffset & 0x2000) !== 0,
    fragmentOffset: (flagsAndOffset & 0x1fff) * 8,
    ttl: buf[off + 8]!,
    protocol: buf[off + 9]!,
    headerChecksum: u16(buf, off + 10),
    checksumValid: internetChecksum(buf, off, headerLength) === 0,
    src: formatIpv4(buf, off + 12),
    dst: formatIpv4(buf, off + 16),
    srcOffset: off + 12,
    dstOffset: off + 16,
    payloadOffset: off + headerLength,
    payloadLength: totalLength - headerLength,
  };
}

export interface Ipv4BuildOptions {
  readonly src: string;
  readonly dst: string;
  readonly protocol: number;
  readonly ttl?: number;
  readonly identification?: number;
  readonly tos?: number;
  readonly dontFragment?: boolean;
  readonly moreFragments?: boolean;
  /** In bytes; a multiple of 8 (RFC 791 3.1). */
  readonly fragmentOffset?: number;
  /** Raw option bytes, a multiple of 4 and at most 40 bytes. */
  readonly options?: Uint8Array;
}

/** Builds an IPv4 packet around `payload` with a correct header checksum. Throws on misuse. */
export function buildIpv4(opts: Ipv4BuildOptions, payload: Uint8Array): Buffer {
  checkBytes(payload, 'payload');
  const options = checkBytes(opts.options ?? new Uint8Array(0), 'options');
  if (options.length % 4 !== 0 || options.length > IPV4_MAX_HEADER_LENGTH - IPV4_MIN_HEADER_LENGTH) {
    throw new RangeError(`options must be a multiple of 4 bytes and at most 40, got ${options.length}`);
  }
  const headerLength = IPV4_MIN_HEADER_LENGTH + options.length;
  const totalLength = headerLength + payload.length;
  if (totalLength > IPV4_MAX_TOTAL_LENGTH) throw new RangeError(`payload too long: total length ${totalLength} > 65535`);
  const out = Buffer.alloc(totalLength);
  writeFixedFields(out, opts, headerLength, totalLength);
  out.set(addressBytes(opts.src, 4, 'src'), 12);
  out.set(addressBytes(opts.dst, 4, 'dst'), 16);
  out.set(options, IPV4_MIN_HEADER_LENGTH);
  writeU16(out, 10, internetChecksum(out, 0, headerLength));
  out.set(payload, headerLength);
  return out;
}

function writeFixedFields(out: Buffer, opts: Ipv4BuildOptions, headerLength: number, totalLength: number): void {
  const fragmentOffset = opts.fragmentOffset ?? 0;
  if (!Number.isInteger(fragmentOffset) || fragmentOffset < 0 || fragmentOffset % 8 !== 0 || fragmentOffset > 0x1fff * 8) {
    throw new RangeError(`fragmentOffset must be a multiple of 8 in [0, 65528], got ${fragmentOffset}`);
  }
  out[0] = 0x40 | (headerLength / 4);
  out[1] = checkByte(opts.tos ?? 0, 'tos');
  writeU16(out, 2, totalLength);
  writeU16(out, 4, checkU16(opts.identification ?? 0, 'identification'));
  const flags = (opts.dontFragment ? 0x4000 : 0) | (opts.moreFragments ? 0x2000 : 0);
  writeU16(out, 6, flags | (fragmentOffset / 8));
  out[8] = checkByte(opts.ttl ?? 64, 'ttl');
  out[9] = checkByte(opts.protocol, 'protocol');
}
