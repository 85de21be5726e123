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

/** "0x" followed by exactly 8 lower-case hex digits: the way SPIs are printed everywhere. */
export function spiHex(spi: number): string {
  return '0x' + (spi >>> 0).toString(16).padStart(8, '0');
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
