// ESP header layout (RFC 4303 2): SPI (4 bytes), sequence number (4 bytes), then the payload
// (IV, ciphertext, padding, pad length, next header) and the ICV. Only the clear header is
// read here; lengths that depend on the SA (IV, ICV) are the transform's business.
import { u32 } from '../wire/bytes.js';
import type { ParseFailure } from './result.js';
import { checkOffset, fail } from './result.js';

export const ESP_HEADER_LENGTH = 8;
/** Pad Length and Next Header after the padding (RFC 4303 2.4, 2.6). */
export const ESP_TRAILER_LENGTH = 2;
/** UDP port of IKE and of ESP-in-UDP after NAT detection (RFC 3948 1, RFC 7296 2.23). */
export const NAT_T_PORT = 4500;
export const IKE_PORT = 500;
/** RFC 4303 2.1: SPI 0 is reserved for local use and never sent; 1-255 are reserved by IANA. */
export const ESP_MAX_RESERVED_SPI = 255;

/** SPI at buf[off]; the caller has checked off + 4 <= buf.length. */
export function espSpi(buf: Uint8Array, off: number): number {
  return u32(buf, off);
}

/** Low 32 bits of the sequence number at buf[off + 4]; the caller has checked the length. */
export function espSequence(buf: Uint8Array, off: number): number {
  return u32(buf, off + 4);
}

export interface EspHeader {
  readonly ok: true;
  readonly spi: number;
  readonly sequence: number;
  /** Absolute offset of the bytes after the header (IV or payload). */
  readonly payloadOffset: number;
  readonly payloadLength: number;
}

export type EspParseResult = EspHeader | ParseFailure<'truncated'>;

/**
 * Reads the ESP header of the packet [off, end). A reserved SPI is not a parse failure: the SA
 * lookup refuses it with a diagnosis of its own.
 */
export function parseEspHeader(buf: Uint8Array, off = 0, end = buf.length): EspParseResult {
  checkOffset(buf, off);
  checkOffset(buf, end, 'end');
  const avail = end - off;
  if (avail < ESP_HEADER_LENGTH) return fail('truncated', `${Math.max(avail, 0)} bytes available, the ESP header needs 8`);
  return {
    ok: true,
    spi: u32(buf, off),
    sequence: u32(buf, off + 4),
    payloadOffset: off + ESP_HEADER_LENGTH,
    payloadLength: avail - ESP_HEADER_LENGTH,
  };
}
