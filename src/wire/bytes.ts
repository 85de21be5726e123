// Byte-level helpers shared by every codec. Callers check lengths before they read:
// these functions never look outside [off, off + width) and never allocate.

/** Big-endian unsigned 16-bit read; the caller has checked off + 2 <= buf.length. */
export function u16(buf: Uint8Array, off: number): number {
  return (buf[off]! << 8) | buf[off + 1]!;
}

/** Big-endian unsigned 32-bit read; the caller has checked off + 4 <= buf.length. */
export function u32(buf: Uint8Array, off: number): number {
  return ((buf[off]! << 24) | (buf[off + 1]! << 16) | (buf[off + 2]! << 8) | buf[off + 3]!) >>> 0;
}

export function writeU16(buf: Uint8Array, off: number, value: number): void {
  buf[off] = (value >>> 8) & 0xff;
  buf[off + 1] = value & 0xff;
}

export function writeU32(buf: Uint8Array, off: number, value: number): void {
  buf[off] = (value >>> 24) & 0xff;
  buf[off + 1] = (value >>> 16) & 0xff;
  buf[off + 2] = (value >>> 8) & 0xff;
  buf[off + 3] = value & 0xff;
}

const BYTE_HEX: readonly string[] = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

/**
 * "0x" followed by exactly 8 lower-case hex digits: the way SPIs are printed everywhere.
 * A table lookup per byte: Number#toString(16) was half the cost of refusing an unknown SPI.
 */
export function spiHex(spi: number): string {
  return '0x' + BYTE_HEX[(spi >>> 24) & 0xff]! + BYTE_HEX[(spi >>> 16) & 0xff]! + BYTE_HEX[(spi >>> 8) & 0xff]! + BYTE_HEX[spi & 0xff]!;
}

/** Lower-case hex of a byte range, without prefix. */
export function toHex(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex');
}

/**
 * Parses hex text ("0x" prefix, spaces and colons allowed) into bytes.
 * Returns null when the text is not an even number of hex digits.
 */
export function fromHex(text: string): Buffer | null {
  let t = text.trim();
  if (t.startsWith('0x') || t.startsWith('0X')) t = t.slice(2);
  t = t.replace(/[\s:]/g, '');
  if (t.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(t)) return null;
  return Buffer.from(t, 'hex');
}
