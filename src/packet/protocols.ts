// IANA "Assigned Internet Protocol Numbers" used by the codecs. One table so a number is
// written once; names follow the IANA keywords.

export const IPPROTO = Object.freeze({
  HOPOPTS: 0, // IPv6 Hop-by-Hop Options, RFC 8200 4.3
  ICMP: 1,
  IPV4: 4, // IPv4 encapsulation (tunnel-mode ESP next header)
  TCP: 6,
  UDP: 17,
  IPV6: 41, // IPv6 encapsulation (tunnel-mode ESP next header)
  ROUTING: 43, // RFC 8200 4.4
  FRAGMENT: 44, // RFC 8200 4.5
  ESP: 50, // RFC 4303
  AH: 51, // RFC 4302
  ICMPV6: 58,
  NONXT: 59, // No Next Header, RFC 8200 4.7
  DSTOPTS: 60, // RFC 8200 4.6
  SCTP: 132,
  MOBILITY: 135, // RFC 6275
  UDPLITE: 136, // RFC 3828
  HIP: 139, // RFC 7401
  SHIM6: 140, // RFC 5533
  EXPERIMENT1: 253, // RFC 3692, RFC 4727
  EXPERIMENT2: 254,
});

/** Protocols whose first four bytes are a source and destination port (RFC 4301 4.4.1.1). */
export function hasPorts(protocol: number): boolean {
  return protocol === IPPROTO.TCP || protocol === IPPROTO.UDP || protocol === IPPROTO.SCTP || protocol === IPPROTO.UDPLITE;
}
