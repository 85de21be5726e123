// RFC 3948 demultiplexing of the payload of a UDP datagram on the NAT-T port (4500).
// On the hot path: no allocation, a handful of byte reads.
import { ESP_HEADER_LENGTH } from './esp-header.js';

export type UdpEncapKind = 'keepalive' | 'ike' | 'esp' | 'invalid';

/** Why a payload is 'invalid'. */
export type UdpEncapInvalidReason = 'empty' | 'one-byte-not-keepalive' | 'too-short';

/** RFC 3948 2.2: the non-ESP marker is four zero bytes where an ESP packet has its SPI. */
export const NON_ESP_MARKER_LENGTH = 4;

/**
 * RFC 3948 2.3: exactly one byte 0xFF is a NAT-keepalive. RFC 3948 2.2: a zero first word is
 * the non-ESP marker in front of an IKE message. Anything else of at least an ESP header's
 * length is ESP (RFC 3948 2.1), whose SPI is therefore non-zero.
 */
export function classifyUdpEncap(payload: Uint8Array): UdpEncapKind {
  const n = payload.length;
  if (n === 1) return payload[0] === 0xff ? 'keepalive' : 'invalid';
  if (n < NON_ESP_MARKER_LENGTH) return 'invalid';
  if ((payload[0]! | payload[1]! | payload[2]! | payload[3]!) === 0) return 'ike';
  return n >= ESP_HEADER_LENGTH ? 'esp' : 'invalid';
}

/** The reason behind an 'invalid' classification; null when the payload is not invalid. */
export function udpEncapInvalidReason(payload: Uint8Array): UdpEncapInvalidReason | null {
  if (classifyUdpEncap(payload) !== 'invalid') return null;
  if (payload.length === 0) return 'empty';
  if (payload.length === 1) return 'one-byte-not-keepalive';
  return 'too-short';
}

/** A sentence for an 'invalid' payload, for diagnoses. */
export function describeUdpEncapInvalid(reason: UdpEncapInvalidReason, length: number): string {
  switch (reason) {
    case 'empty': return 'UDP payload on the NAT-T port is empty';
    case 'one-byte-not-keepalive': return 'one-byte UDP payload is not the 0xFF NAT-keepalive (RFC 3948 2.3)';
    case 'too-short': return `UDP payload of ${length} bytes is shorter than an ESP header (8) and has no non-ESP marker`;
  }
}
