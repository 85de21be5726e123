// UDP header codec (RFC 768) with the pseudo-header checksum for IPv4 (RFC 768) and IPv6
// (RFC 8200 8.1).
import { u16, writeU16 } from '../wire/bytes.js';
import { addressBytes, checkBytes, checkU16, familyOf } from './args.js';
import { finishChecksum, pseudoHeaderSum, sumWords } from './checksum.js';
import { IPPROTO } from './protocols.js';
import type { ParseFailure } from './result.js';
import { checkOffset, fail } from './result.js';

export const UDP_HEADER_LENGTH = 8;

export type UdpParseReason = 'truncated' | 'bad-length';

export interface UdpHeader {
  readonly ok: true;
  readonly srcPort: number;
  readonly dstPort: number;
  /** The UDP length field: header plus payload. */
  readonly length: number;
  readonly checksum: number;
  readonly payloadOffset: number;
  readonly payloadLength: number;
}

export type UdpParseResult = UdpHeader | ParseFailure<UdpParseReason>;

/**
 * Parses the UDP header at buf[off]; `end` is the end of the IP payload (defaults to the end of
 * the buffer) so link-layer padding is never taken for UDP payload.
 */
export function parseUdp(buf: Uint8Array, off = 0, end = buf.length): UdpParseResult {
  checkOffset(buf, off);
  checkOffset(buf, end, 'end');
  const avail = end - off;
  if (avail < UDP_HEADER_LENGTH) return fail('truncated', `${Math.max(avail, 0)} bytes available, the UDP header needs 8`);
  const length = u16(buf, off + 4);
  if (length < UDP_HEADER_LENGTH) return fail('bad-length', `UDP length ${length} is below the header size 8`);
  if (length > avail) return fail('truncated', `UDP length ${length} exceeds the ${avail} bytes available`);
  return {
    ok: true,
    srcPort: u16(buf, off),
    dstPort: u16(buf, off + 2),
    length,
    checksum: u16(buf, off + 6),
    payloadOffset: off + UDP_HEADER_LENGTH,
    payloadLength: length - UDP_HEADER_LENGTH,
  };
}

/** Where the addresses of the enclosing IP header are, as parseIpv4 / parseIpv6 report them. */
export interface IpAddressOffsets {
  readonly version: 4 | 6;
  readonly srcOffset: number;
  readonly dstOffset: number;
}

/**
 * 'absent': IPv4 with checksum 0, meaning none was computed (RFC 768).
 * 'zero-ipv6': checksum 0 over IPv6, which RFC 8200 8.1 says receivers must discard.
 */
export type UdpChecksumStatus = 'valid' | 'invalid' | 'absent' | 'zero-ipv6';

/** Checks the UDP checksum of the datagram [udpOff, udpOff + udpLength) inside `buf`. */
export function udpChecksumStatus(buf: Uint8Array, ip: IpAddressOffsets, udpOff: number, udpLength: number): UdpChecksumStatus {
  if (u16(buf, udpOff + 6) === 0) return ip.version === 4 ? 'absent' : 'zero-ipv6';
  const sum = sumWords(buf, udpOff, udpLength, pseudoSum(buf, ip, IPPROTO.UDP, udpLength));
  return finishChecksum(sum) === 0 ? 'valid' : 'invalid';
}

/**
 * Computes and stores the checksum of a TCP or UDP segment at [off, off + len) inside an IP
 * packet `buf`; the checksum field sits at off + fieldOffset (UDP 6, TCP 16).
 * RFC 768: a UDP checksum that computes to zero is sent as all ones.
 */
export function writeTransportChecksum(
  buf: Uint8Array, ip: IpAddressOffsets, protocol: number, off: number, len: number, fieldOffset: number,
): void {
  writeU16(buf, off + fieldOffset, 0);
  const checksum = finishChecksum(sumWords(buf, off, len, pseudoSum(buf, ip, protocol, len)));
  writeU16(buf, off + fieldOffset, checksum === 0 && protocol === IPPROTO.UDP ? 0xffff : checksum);
}

function pseudoSum(buf: Uint8Array, ip: IpAddressOffsets, protocol: number, len: number): number {
  return pseudoHeaderSum(buf, ip.srcOffset, ip.dstOffset, ip.version === 4 ? 4 : 16, protocol, len);
}

export interface UdpBuildOptions {
  readonly srcPort: number;
  readonly dstPort: number;
  /** Addresses of the enclosing IP header, for the pseudo-header; both of one family. */
  readonly src: string;
  readonly dst: string;
  /** IPv4 only: false sends checksum 0 ("none", RFC 768). IPv6 always has one (RFC 8200 8.1). */
  readonly checksum?: boolean;
}

/** Builds a UDP datagram (header + payload) with its checksum over the pseudo-header. */
export function buildUdp(opts: UdpBuildOptions, payload: Uint8Array): Buffer {
  checkBytes(payload, 'payload');
  const family = familyOf(opts.src, 'src');
  if (familyOf(opts.dst, 'dst') !== family) throw new RangeError('src and dst must be of the same address family');
  const length = UDP_HEADER_LENGTH + payload.length;
  if (length > 0xffff) throw new RangeError(`payload too long: UDP length ${length} > 65535`);
  // Lay the pseudo-header addresses in front of the datagram so the sum reads one buffer.
  const addrLen = family === 4 ? 4 : 16;
  const scratch = Buffer.alloc(2 * addrLen + length);
  scratch.set(addressBytes(opts.src, family, 'src'), 0);
  scratch.set(addressBytes(opts.dst, family, 'dst'), addrLen);
  const off = 2 * addrLen;
  writeU16(scratch, off, checkU16(opts.srcPort, 'srcPort'));
  writeU16(scratch, off + 2, checkU16(opts.dstPort, 'dstPort'));
  writeU16(scratch, off + 4, length);
  scratch.set(payload, off + UDP_HEADER_LENGTH);
  if (family === 6 || opts.checksum !== false) {
    writeTransportChecksum(scratch, { version: family, srcOffset: 0, dstOffset: addrLen }, IPPROTO.UDP, off, length, 6);
  }
  return scratch.subarray(off);
}
