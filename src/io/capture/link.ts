// Link-layer decoding of captured frames down to the IP packet, by LINKTYPE value
// (draft-ietf-opsawg-pcaplinktype; tcpdump.org link-layer header types). Frames are network
// input: failures are values, never exceptions.
import { u16, u32 } from '../../wire/bytes.js';
import type { ParseFailure } from '../../packet/result.js';
import { fail } from '../../packet/result.js';

export const LINKTYPE = Object.freeze({
  /** BSD loopback: 4-byte address family in the capturing host's byte order. */
  NULL: 0,
  ETHERNET: 1,
  /** DLT_RAW as most BSDs and Linux number it in files written by old libpcap. */
  RAW_DLT12: 12,
  /** DLT_RAW as OpenBSD numbers it. */
  RAW_DLT14: 14,
  /** LINKTYPE_RAW: the frame is an IPv4 or IPv6 packet. */
  RAW: 101,
  /** OpenBSD loopback: like NULL, address family in network byte order. */
  LOOP: 108,
  /** Linux cooked capture v1, 16-byte header. */
  LINUX_SLL: 113,
  IPV4: 228,
  IPV6: 229,
  /** Linux cooked capture v2, 20-byte header. */
  LINUX_SLL2: 276,
});

const SUPPORTED: ReadonlySet<number> = new Set(Object.values(LINKTYPE));

export function isSupportedLinkType(linkType: number): boolean {
  return SUPPORTED.has(linkType);
}

export const ETHERTYPE = Object.freeze({
  IPV4: 0x0800,
  IPV6: 0x86dd,
  /** IEEE 802.1Q customer VLAN tag. */
  VLAN: 0x8100,
  /** IEEE 802.1ad service VLAN tag (Q-in-Q outer tag). */
  QINQ: 0x88a8,
  /** Pre-standard Q-in-Q outer tag still seen on some switches. */
  QINQ_OLD: 0x9100,
});

/** BSD AF_INET is 2 everywhere; AF_INET6 is 24 (NetBSD, OpenBSD), 28 (FreeBSD), 30 (Darwin). */
const AF_INET = 2;
const AF_INET6_VALUES: ReadonlySet<number> = new Set([24, 28, 30]);

/** More VLAN tags than this in one frame is not a real network. */
const MAX_VLAN_TAGS = 8;

export type LinkDecodeReason = 'truncated' | 'not-ip' | 'bad-ip-version' | 'too-many-vlan-tags' | 'unsupported-link-type';

export type LinkDecodeResult =
  | { readonly ok: true; readonly ip: Buffer; readonly version: 4 | 6; readonly offset: number }
  | ParseFailure<LinkDecodeReason>;

/**
 * Finds the IP packet in a frame of the given link type. `fcsLength` bytes of frame check
 * sequence at the end (pcap link-type FCS bits) are cut off. The packet is a view of `frame`,
 * possibly followed by link padding, which the IP parsers ignore by their length fields.
 */
export function decodeLink(linkType: number, frame: Uint8Array, fcsLength = 0): LinkDecodeResult {
  const data = fcsLength > 0 ? frame.subarray(0, Math.max(0, frame.length - fcsLength)) : frame;
  switch (linkType) {
    case LINKTYPE.ETHERNET: return decodeEthernet(data);
    case LINKTYPE.RAW: case LINKTYPE.RAW_DLT12: case LINKTYPE.RAW_DLT14: return ipAt(data, 0, null);
    case LINKTYPE.IPV4: return ipAt(data, 0, 4);
    case LINKTYPE.IPV6: return ipAt(data, 0, 6);
    case LINKTYPE.NULL: return decodeNull(data, true);
    case LINKTYPE.LOOP: return decodeNull(data, false);
    case LINKTYPE.LINUX_SLL: return decodeSll(data);
    case LINKTYPE.LINUX_SLL2: return decodeSll2(data);
    default: return fail('unsupported-link-type', `link type ${linkType} is not decoded`);
  }
}

/** Ethernet II: destination MAC, source MAC, EtherType (possibly VLAN tags first). */
function decodeEthernet(frame: Uint8Array): LinkDecodeResult {
  if (frame.length < 14) return fail('truncated', `${frame.length} bytes, an Ethernet header needs 14`);
  return afterEtherType(frame, 12);
}

/**
 * Reads the EtherType at typeOff, skipping 802.1Q / 802.1ad tags (each 4 bytes: TCI, then the
 * next EtherType), and hands the payload to ipAt.
 */
function afterEtherType(frame: Uint8Array, typeOff: number): LinkDecodeResult {
  let off = typeOff;
  for (let tags = 0; ; tags++) {
    const type = u16(frame, off);
    if (type !== ETHERTYPE.VLAN && type !== ETHERTYPE.QINQ && type !== ETHERTYPE.QINQ_OLD) {
      if (type === ETHERTYPE.IPV4) return ipAt(frame, off + 2, 4);
      if (type === ETHERTYPE.IPV6) return ipAt(frame, off + 2, 6);
      return fail('not-ip', `EtherType 0x${type.toString(16).padStart(4, '0')} is not IPv4 or IPv6`);
    }
    if (tags >= MAX_VLAN_TAGS) return fail('too-many-vlan-tags', `more than ${MAX_VLAN_TAGS} VLAN tags`);
    if (frame.length < off + 6) return fail('truncated', `VLAN tag at offset ${off} is cut off`);
    off += 4;
  }
}

/** BSD NULL (host byte order, either one accepted) and OpenBSD LOOP (network byte order). */
function decodeNull(frame: Uint8Array, eitherOrder: boolean): LinkDecodeResult {
  if (frame.length < 4) return fail('truncated', `${frame.length} bytes, the loopback header needs 4`);
  const big = u32(frame, 0);
  const little = ((frame[3]! << 24) | (frame[2]! << 16) | (frame[1]! << 8) | frame[0]!) >>> 0;
  // Address families are small: the byte order that gives a value below 2^16 is the writer's.
  const family = !eitherOrder || big <= 0xffff ? big : little;
  if (family === AF_INET) return ipAt(frame, 4, 4);
  if (AF_INET6_VALUES.has(family)) return ipAt(frame, 4, 6);
  return fail('not-ip', `address family ${family} is not AF_INET (2) or AF_INET6 (24, 28, 30)`);
}

/** Linux cooked v1: packet type, ARPHRD type, address length, 8 address bytes, protocol. */
function decodeSll(frame: Uint8Array): LinkDecodeResult {
  if (frame.length < 16) return fail('truncated', `${frame.length} bytes, the Linux cooked (SLL) header needs 16`);
  return afterEtherType(frame, 14);
}

/** Linux cooked v2: protocol, reserved, interface index, ARPHRD type, packet type, address length, 8 address bytes. */
function decodeSll2(frame: Uint8Array): LinkDecodeResult {
  if (frame.length < 20) return fail('truncated', `${frame.length} bytes, the Linux cooked v2 (SLL2) header needs 20`);
  const type = u16(frame, 0);
  if (type === ETHERTYPE.IPV4) return ipAt(frame, 20, 4);
  if (type === ETHERTYPE.IPV6) return ipAt(frame, 20, 6);
  return fail('not-ip', `SLL2 protocol 0x${type.toString(16).padStart(4, '0')} is not IPv4 or IPv6`);
}

/** The IP packet from `off`; `expected` null means take the version from the first nibble. */
function ipAt(frame: Uint8Array, off: number, expected: 4 | 6 | null): LinkDecodeResult {
  if (frame.length <= off) return fail('truncated', `no bytes of IP packet after the ${off}-byte link header`);
  const nibble = frame[off]! >> 4;
  if (nibble !== 4 && nibble !== 6) return fail('bad-ip-version', `IP version nibble is ${nibble}`);
  if (expected !== null && nibble !== expected) {
    return fail('bad-ip-version', `link layer says IPv${expected} but the version nibble is ${nibble}`);
  }
  const ip = Buffer.from(frame.buffer, frame.byteOffset + off, frame.length - off);
  return { ok: true, ip, version: nibble, offset: off };
}
