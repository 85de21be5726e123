// The Internet checksum (RFC 1071): the 16-bit one's complement of the one's complement sum of
// the data taken as big-endian 16-bit words, an odd last byte padded with a zero on the right.
// Sums are kept unfolded in a plain number (exact up to 2^53) and folded once at the end.

/**
 * Adds the bytes [off, off + len) to `initial` as big-endian 16-bit words, unfolded.
 * An odd length pads the last byte with zero (RFC 1071 4.1), so only the last segment of a
 * multi-part sum may have an odd length.
 */
export function sumWords(buf: Uint8Array, off: number, len: number, initial = 0): number {
  let sum = initial;
  const end = off + len - 1;
  let i = off;
  for (; i < end; i += 2) sum += (buf[i]! << 8) | buf[i + 1]!;
  if (i === end) sum += buf[i]! << 8;
  return sum;
}

/** Folds an unfolded sum to 16 bits with end-around carry (RFC 1071 2.(1)). */
export function foldSum(sum: number): number {
  let s = sum;
  while (s > 0xffff) s = (s % 0x10000) + Math.floor(s / 0x10000);
  return s;
}

/** The checksum to store in a header: the complement of the folded sum. */
export function finishChecksum(sum: number): number {
  return ~foldSum(sum) & 0xffff;
}

/** Internet checksum of [off, off + len). Verifying data that includes its checksum yields 0. */
export function internetChecksum(buf: Uint8Array, off = 0, len = buf.length - off): number {
  return finishChecksum(sumWords(buf, off, len));
}

/**
 * Unfolded sum of the TCP/UDP/ICMPv6 pseudo-header. IPv4 (RFC 768, RFC 793 3.1): source,
 * destination, zero, protocol, upper-layer length (16 bits). IPv6 (RFC 8200 8.1): source,
 * destination, upper-layer length (32 bits), three zero bytes, next header. Both reduce to the
 * same word sum: addresses + protocol + length.
 * @param addrLen 4 for IPv4, 16 for IPv6; srcOff and dstOff index `buf`.
 */
export function pseudoHeaderSum(
  buf: Uint8Array, srcOff: number, dstOff: number, addrLen: 4 | 16, protocol: number, upperLength: number,
): number {
  let sum = sumWords(buf, srcOff, addrLen);
  sum = sumWords(buf, dstOff, addrLen, sum);
  return sum + protocol + Math.floor(upperLength / 0x10000) + (upperLength & 0xffff);
}

/**
 * RFC 1624 eqn. 3 incremental update: the new checksum after one 16-bit word of the covered
 * data changed from oldWord to newWord, HC' = ~(~HC + ~m + m').
 */
export function updateChecksum16(checksum: number, oldWord: number, newWord: number): number {
  const sum = (~checksum & 0xffff) + (~oldWord & 0xffff) + (newWord & 0xffff);
  return ~foldSum(sum) & 0xffff;
}
