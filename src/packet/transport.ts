// ESP transport mode helpers (RFC 4303 3.1.1): split an IP packet into its header and the
// upper-layer bytes that ESP protects, and rebuild an IP packet around decrypted upper-layer
// bytes. RFC 3948 3.1.2: with NAT in the path the addresses the peer used in the TCP/UDP
// pseudo-header are not the ones we see, so the rebuilt packet gets a fresh checksum.
import { u16 } from '../wire/bytes.js';
import { checkBytes, checkByte, familyOf } from './args.js';
import type { Ipv4ParseReason } from './ipv4.js';
import { buildIpv4, parseIpv4 } from './ipv4.js';
import type { Ipv6ParseReason } from './ipv6.js';
import { IPV6_HEADER_LENGTH, buildIpv6, parseIpv6 } from './ipv6.js';
import { IPPROTO } from './protocols.js';
import type { ParseFailure } from './result.js';
import { fail } from './result.js';
import { UDP_HEADER_LENGTH, writeTransportChecksum } from './udp.js';

/** The smallest TCP header (RFC 9293 3.1): the checksum field sits at offset 16. */
const TCP_MIN_HEADER_LENGTH = 20;
const TCP_CHECKSUM_OFFSET = 16;
const UDP_CHECKSUM_OFFSET = 6;

export interface TransportSplit {
  readonly ok: true;
  readonly version: 4 | 6;
  readonly src: string;
  readonly dst: string;
  /** The upper-layer protocol (after IPv6 extension headers). */
  readonly protocol: number;
  /** TTL or Hop Limit. */
  readonly ttl: number;
  /** Bytes before the upper-layer data: IPv4 header, or IPv6 header plus extension headers. */
  readonly headerLength: number;
  /** A view of the upper-layer bytes (no copy), link padding excluded. */
  readonly upper: Buffer;
}

export type TransportSplitReason = Ipv4ParseReason | Ipv6ParseReason | 'fragment';

export type TransportSplitResult = TransportSplit | ParseFailure<TransportSplitReason>;

/** Splits an IP packet for transport-mode protection. Fragments must be reassembled first. */
export function splitTransport(ip: Uint8Array): TransportSplitResult {
  const version = ip.length > 0 ? ip[0]! >> 4 : 0;
  if (version === 6) return splitIpv6(ip);
  if (version !== 4 && ip.length > 0) return fail('bad-version', `version field is ${version}, neither 4 nor 6`);
  const h = parseIpv4(ip, 0);
  if (!h.ok) return h;
  if (h.moreFragments || h.fragmentOffset !== 0) {
    return fail('fragment', `IPv4 fragment (offset ${h.fragmentOffset}, MF ${h.moreFragments ? 1 : 0}): reassemble before transport mode`);
  }
  return {
    ok: true, version: 4, src: h.src, dst: h.dst, protocol: h.protocol, ttl: h.ttl,
    headerLength: h.headerLength, upper: view(ip, h.payloadOffset, h.payloadLength),
  };
}

function splitIpv6(ip: Uint8Array): TransportSplitResult {
  const h = parseIpv6(ip, 0);
  if (!h.ok) return h;
  if (h.fragment !== null) return fail('fragment', `IPv6 fragment (offset ${h.fragment.offset}): reassemble before transport mode`);
  return {
    ok: true, version: 6, src: h.src, dst: h.dst, protocol: h.protocol, ttl: h.hopLimit,
    headerLength: h.protocolOffset, upper: view(ip, h.protocolOffset, h.payloadEnd - h.protocolOffset),
  };
}

function view(buf: Uint8Array, off: number, len: number): Buffer {
  return Buffer.from(buf.buffer, buf.byteOffset + off, len);
}

export interface TransportRebuildOptions {
  readonly src: string;
  readonly dst: string;
  readonly protocol: number;
  /** TTL (IPv4) or Hop Limit (IPv6); default 64. */
  readonly ttl?: number;
}

export type TransportRebuildReason = 'truncated-upper-layer' | 'bad-udp-length' | 'too-big';

export type TransportRebuildResult =
  | { readonly ok: true; readonly packet: Buffer }
  | ParseFailure<TransportRebuildReason>;

/**
 * Builds an IP packet of the addresses' family around decrypted upper-layer bytes and
 * recomputes the TCP or UDP checksum. The bytes come from the network (after decryption), so
 * a malformed segment is a typed failure; wrong option types are misuse and throw.
 * A UDP checksum of 0 over IPv4 stays 0: the sender computed none (RFC 768).
 */
export function rebuildTransport(opts: TransportRebuildOptions, upper: Uint8Array): TransportRebuildResult {
  checkBytes(upper, 'upper');
  const family = familyOf(opts.src, 'src');
  if (familyOf(opts.dst, 'dst') !== family) throw new RangeError('src and dst must be of the same address family');
  checkByte(opts.protocol, 'protocol');
  const shape = checkUpper(opts.protocol, upper);
  if (shape) return shape;
  // RFC 4303 2.7: TFC padding may follow a transport payload whose header carries its length
  // (UDP); the UDP length says where the datagram ends.
  if (opts.protocol === IPPROTO.UDP) upper = upper.subarray(0, u16(upper, 4));
  const headerLength = family === 4 ? 20 : IPV6_HEADER_LENGTH;
  const max = family === 4 ? 0xffff - headerLength : 0xffff;
  if (upper.length > max) return fail('too-big', `${upper.length} upper-layer bytes do not fit an IPv${family} packet`);
  const packet = family === 4
    ? buildIpv4({ src: opts.src, dst: opts.dst, protocol: opts.protocol, ttl: opts.ttl ?? 64 }, upper)
    : buildIpv6({ src: opts.src, dst: opts.dst, protocol: opts.protocol, hopLimit: opts.ttl ?? 64 }, upper);
  fixChecksum(packet, family, opts.protocol, headerLength, upper.length);
  return { ok: true, packet };
}

function checkUpper(protocol: number, upper: Uint8Array): ParseFailure<TransportRebuildReason> | null {
  if (protocol === IPPROTO.TCP && upper.length < TCP_MIN_HEADER_LENGTH) {
    return fail('truncated-upper-layer', `TCP segment of ${upper.length} bytes is shorter than a TCP header (20)`);
  }
  if (protocol !== IPPROTO.UDP) return null;
  if (upper.length < UDP_HEADER_LENGTH) {
    return fail('truncated-upper-layer', `UDP datagram of ${upper.length} bytes is shorter than a UDP header (8)`);
  }
  const length = u16(upper, 4);
  if (length < UDP_HEADER_LENGTH || length > upper.length) {
    return fail('bad-udp-length', `UDP length field ${length} does not fit the ${upper.length} bytes carried (at least 8, at most all of them)`);
  }
  return null;
}

function fixChecksum(packet: Buffer, family: 4 | 6, protocol: number, off: number, len: number): void {
  const ip = family === 4
    ? { version: 4 as const, srcOffset: 12, dstOffset: 16 }
    : { version: 6 as const, srcOffset: 8, dstOffset: 24 };
  if (protocol === IPPROTO.TCP) writeTransportChecksum(packet, ip, protocol, off, len, TCP_CHECKSUM_OFFSET);
  if (protocol !== IPPROTO.UDP) return;
  if (family === 4 && u16(packet, off + UDP_CHECKSUM_OFFSET) === 0) return;
  writeTransportChecksum(packet, ip, protocol, off, len, UDP_CHECKSUM_OFFSET);
}
