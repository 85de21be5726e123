// Traffic selectors as data: one selector is what an IKEv2 TS (RFC 7296 3.13.1) carries.
// Matching and policies are built on top of these types.

/**
 * One traffic selector: a protocol, a port range and an address range.
 * protocol 0 means any. For ICMP (1) and ICMPv6 (58) the port range carries type and code
 * as (type << 8) | code, as RFC 4301 4.4.1.3 and RFC 7296 3.13.1 do.
 */
export interface TrafficSelector {
  readonly protocol: number;
  readonly startPort: number;
  readonly endPort: number;
  /** Canonical address text (see wire/address.ts), inclusive range. */
  readonly startAddress: string;
  readonly endAddress: string;
}

/** The selectors an SA protects: local (our side) and remote (peer side) lists. */
export interface SelectorPair {
  readonly local: readonly TrafficSelector[];
  readonly remote: readonly TrafficSelector[];
}

/**
 * RFC 4301 4.4.1.2 and RFC 7296 3.13.1: the port range that means ANY (every value, and also
 * "no value", e.g. the ports of a non-first fragment).
 */
export const PORTS_ANY = Object.freeze({ startPort: 0, endPort: 65535 });

/**
 * RFC 4301 4.4.1.2 and RFC 7296 3.13.1: start 65535 / end 0 means OPAQUE, which (4.4.1)
 * matches only packets whose ports (or ICMP type/code) are not available.
 */
export const PORTS_OPAQUE = Object.freeze({ startPort: 65535, endPort: 0 });

export function isOpaquePorts(ts: { readonly startPort: number; readonly endPort: number }): boolean {
  return ts.startPort === 65535 && ts.endPort === 0;
}

/** Which way a packet crosses the IPsec boundary. */
export type TrafficDirection = 'in' | 'out';

/**
 * What the SPD reads from one IP packet. The packet layer adapts its own parse to this shape:
 * canonical address text (wire/address.ts), the protocol after IPv6 extension headers
 * (RFC 4301 4.4.1.1), ports for protocols that have them, ICMP type and code for ICMP and
 * ICMPv6, and whether the packet is a non-first fragment (RFC 4301 7: no next-layer header,
 * so ports and ICMP type/code are OPAQUE for it).
 */
export interface SpdPacketFields {
  readonly src: string;
  readonly dst: string;
  readonly protocol: number;
  readonly srcPort: number | null;
  readonly dstPort: number | null;
  readonly icmpType: number | null;
  readonly icmpCode: number | null;
  readonly isNonFirstFragment: boolean;
}
