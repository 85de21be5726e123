// Shared test helpers: views at non-zero offsets of a larger buffer, hex.

/** A view of `bytes` that starts `pad` bytes into a bigger buffer filled with junk around it. */
export function embedded(bytes: Uint8Array, pad = 7): { buf: Uint8Array; off: number } {
  const big = new Uint8Array(pad + bytes.length + pad).fill(0xa5);
  big.set(bytes, pad);
  return { buf: big.subarray(0, pad + bytes.length), off: pad };
}

/** A Uint8Array view (not a Buffer) of the same bytes starting at a non-zero byteOffset. */
export function offsetView(bytes: Uint8Array, pad = 5): Uint8Array {
  const big = new Uint8Array(pad + bytes.length);
  big.set(bytes, pad);
  return new Uint8Array(big.buffer, pad, bytes.length);
}

export function hex(text: string): Buffer {
  return Buffer.from(text.replace(/[\s:]/g, ''), 'hex');
}
