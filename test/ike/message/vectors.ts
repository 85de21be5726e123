// Hand-built byte vectors, written octet by octet from the RFC 7296 section 3 diagrams (not
// produced by our encoder). Each payload is its generic header then the body fields in diagram
// order; comments name the fields.

/** Hex with spaces and line breaks allowed. */
export function h(text: string): Buffer {
  return Buffer.from(text.replace(/\s+/g, ''), 'hex');
}

const fill = (byte: string, n: number): string => byte.repeat(n);

/**
 * RFC 7296 1.2 IKE_SA_INIT request: HDR, SA, KE, Ni, N(NAT_DETECTION_SOURCE_IP),
 * N(NAT_DETECTION_DESTINATION_IP). 240 octets.
 */
export const INIT_REQUEST = h(`
  0102030405060708 0000000000000000  21 20 22 08  00000000 000000f0
  22 00 0030
    00 00 002c  01 01 00 04
      03 00 000c  01 00 000c  800e 0100
      03 00 0008  02 00 0005
      03 00 0008  03 00 000c
      00 00 0008  04 00 0013
  28 00 0048  0013 0000 ${fill('aa', 64)}
  29 00 0024  ${fill('bb', 32)}
  29 00 001c  00 00 4004 ${fill('cc', 20)}
  00 00 001c  00 00 4005 ${fill('dd', 20)}
`);

/** Offsets inside INIT_REQUEST, for malformed-input tests. */
export const INIT_OFFSETS = { sa: 28, proposal: 32, transform1: 40, attribute: 48, ke: 76, nonce: 148, natdS: 184, natdD: 212, end: 240 } as const;

/** RFC 7296 3.14: an IKE_AUTH request whose only payload is SK (first inner payload IDi). */
export const AUTH_REQUEST_SEALED = h(`
  0102030405060708 1112131415161718  2e 20 23 08  00000001 00000034
  23 00 0018  ${fill('ee', 20)}
`);

/** RFC 7383 2.5: fragment 1 of 3 of an IKE_AUTH request (first inner payload IDi). */
export const AUTH_REQUEST_FRAGMENT = h(`
  0102030405060708 1112131415161718  35 20 23 08  00000001 00000030
  23 00 0014  0001 0003 ${fill('ef', 12)}
`);
