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
