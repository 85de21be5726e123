// Mode decapsulation (RFC 4303 3.1): what the decrypted payload becomes.
// Tunnel mode: the payload is an inner IP packet, possibly followed by TFC padding
// (RFC 4303 2.7), which the inner header's length field lets us cut off.
// Transport mode: the payload is an upper-layer segment; we rebuild the IP packet around it.
import { u16 } from '../wire/bytes.js';
import { rebuildTransport } from '../packet/transport.js';

export const NEXT_HEADER_IPV4 = 4;
export const NEXT_HEADER_IPV6 = 41;
/** RFC 4303 2.6: next header 59 marks a dummy packet, discarded by the receiver. */
export const NEXT_HEADER_DUMMY = 59;

export type InnerResult =
  | { readonly ok: true; readonly packet: Buffer }
  | { readonly ok: false; readonly reason: 'malformed-inner-packet' | 'bad-transport-segment'; readonly detail: string };

/** Tunnel mode: validates the inner IP header against the next header and cuts TFC padding. */
export function tunnelInner(payload: Buffer, nextHeader: number): InnerResult {
  if (nextHeader === NEXT_HEADER_IPV4) return innerIpv4(payload);
  return innerIpv6(payload);
}

function innerIpv4(p: Buffer): InnerResult {
  if (p.length < 20 || p[0]! >> 4 !== 4) return malformed(`next header 4 (IPv4) but the payload ${p.length < 20 ? `is only ${p.length} bytes` : `starts with IP version ${p[0]! >> 4}`}`);
  const headerLength = (p[0]! & 0x0f) * 4;
  const total = u16(p, 2);
  if (headerLength < 20 || total < headerLength || total > p.length) {
    return malformed(`inner IPv4 header length ${headerLength} / total length ${total} do not fit the ${p.length}-byte payload`);
  }
  return { ok: true, packet: total === p.length ? p : p.subarray(0, total) };
}

function innerIpv6(p: Buffer): InnerResult {
  if (p.length < 40 || p[0]! >> 4 !== 6) return malformed(`next header 41 (IPv6) but the payload ${p.length < 40 ? `is only ${p.length} bytes` : `starts with IP version ${p[0]! >> 4}`}`);
  const total = 40 + u16(p, 4);
  if (total > p.length) return malformed(`inner IPv6 payload length ${total - 40} exceeds the ${p.length - 40} bytes carried`);
  return { ok: true, packet: total === p.length ? p : p.subarray(0, total) };
}

function malformed(detail: string): InnerResult {
  return { ok: false, reason: 'malformed-inner-packet', detail };
}

/**
 * Transport mode: rebuild an IP packet from the outer addresses. RFC 3948 3.1.2: behind NAT
 * the checksum the peer computed covers addresses we do not see, so it is recomputed.
 */
export function transportInner(payload: Buffer, nextHeader: number, src: string, dst: string): InnerResult {
  const rebuilt = rebuildTransport({ src, dst, protocol: nextHeader }, payload);
  return rebuilt.ok ? { ok: true, packet: rebuilt.packet } : { ok: false, reason: 'bad-transport-segment', detail: rebuilt.detail };
}

/**
 * Next header values that cannot carry a transport-mode payload: unassigned protocol
 * numbers (IANA: 146-252) and the reserved 255. 253/254 are for experiments and allowed.
 */
export function isUnknownNextHeader(nextHeader: number): boolean {
  return (nextHeader >= 146 && nextHeader <= 252) || nextHeader === 255;
}
