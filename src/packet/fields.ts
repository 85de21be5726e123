// What security policy selectors match on (RFC 4301 4.4.1.1), extracted from an IP packet of
// either version: addresses, the protocol after IPv6 extension headers, ports or ICMP
// type/code, and whether the packet is a fragment.
import { u16 } from '../wire/bytes.js';
import type { Ipv4Header, Ipv4ParseReason } from './ipv4.js';
import { parseIpv4 } from './ipv4.js';
import type { Ipv6Header, Ipv6ParseReason } from './ipv6.js';
import { parseIpv6 } from './ipv6.js';
import { IPPROTO, hasPorts } from './protocols.js';
import type { ParseFailure } from './result.js';
import { fail } from './result.js';

export interface FragmentInfo {
  readonly identification: number;
  /** In bytes. */
  readonly offset: number;
  readonly moreFragments: boolean;
}

export interface PacketFields {
  readonly ok: true;
  readonly version: 4 | 6;
  readonly src: string;
  readonly dst: string;
  /** Upper-layer protocol (after IPv6 extension headers), or ESP / No Next Header. */
  readonly protocol: number;
  /** TCP / UDP / SCTP / UDP-Lite ports; null when the protocol has none or they are OPAQUE. */
  readonly srcPort: number | null;
  readonly dstPort: number | null;
  /** ICMP / ICMPv6 type and code; null otherwise or when OPAQUE. */
  readonly icmpType: number | null;
  readonly icmpCode: number | null;
  /** Null when the packet is not a fragment. */
  readonly fragment: FragmentInfo | null;
  /**
   * RFC 4301 4.4.1.3: a non-first fragment carries no ports or ICMP type/code, so those
   * selectors are OPAQUE for it.
   */
  readonly opaque: boolean;
}

export type PacketFieldsReason = Ipv4ParseReason | Ipv6ParseReason | 'truncated-transport';

export type PacketFieldsResult = PacketFields | ParseFailure<PacketFieldsReason>;

/** Extracts selector fields from the IP packet that starts at ip[0]. Never throws on bad bytes. */
export function packetFields(ip: Uint8Array): PacketFieldsResult {
  if (ip.length === 0) return fail('truncated', 'empty packet');
  const version = ip[0]! >> 4;
  if (version === 4) {
    const h = parseIpv4(ip, 0);
    return h.ok ? fieldsOfIpv4(ip, h) : h;
  }
  if (version === 6) {
    const h = parseIpv6(ip, 0);
    return h.ok ? fieldsOfIpv6(ip, h) : h;
  }
  return fail('bad-version', `version field is ${version}, neither 4 nor 6`);
}

function fieldsOfIpv4(ip: Uint8Array, h: Ipv4Header): PacketFieldsResult {
  const isFragment = h.moreFragments || h.fragmentOffset !== 0;
  const fragment = isFragment ? { identification: h.identification, offset: h.fragmentOffset, moreFragments: h.moreFragments } : null;
  return withTransport(ip, 4, h.src, h.dst, h.protocol, fragment, h.payloadOffset, h.payloadOffset + h.payloadLength);
}

function fieldsOfIpv6(ip: Uint8Array, h: Ipv6Header): PacketFieldsResult {
  const f = h.fragment;
  const fragment = f ? { identification: f.identification, offset: f.offset, moreFragments: f.moreFragments } : null;
  return withTransport(ip, 6, h.src, h.dst, h.protocol, fragment, h.protocolOffset, h.payloadEnd);
}

/** Reads ports or ICMP type/code at [off, end) and builds the result in one object literal. */
function withTransport(
  ip: Uint8Array, version: 4 | 6, src: string, dst: string, protocol: number, fragment: FragmentInfo | null, off: number, end: number,
): PacketFieldsResult {
  const isIcmp = protocol === IPPROTO.ICMP || protocol === IPPROTO.ICMPV6;
  const wantsFields = isIcmp || hasPorts(protocol);
  // RFC 4301 4.4.1.3: a non-first fragment has no ports; neither does a first fragment too short for them.
  const opaque = wantsFields && fragment !== null && (fragment.offset !== 0 || end - off < 4);
  const present = wantsFields && !opaque;
  if (present && end - off < 4) {
    return fail('truncated-transport', `protocol ${protocol} needs 4 bytes for ports or type/code, ${end - off} present`);
  }
  return {
    ok: true, version, src, dst, protocol,
    srcPort: present && !isIcmp ? u16(ip, off) : null,
    dstPort: present && !isIcmp ? u16(ip, off + 2) : null,
    icmpType: present && isIcmp ? ip[off]! : null,
    icmpCode: present && isIcmp ? ip[off + 1]! : null,
    fragment,
    opaque: opaque || (fragment !== null && fragment.offset !== 0),
  };
}
