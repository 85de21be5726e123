// Encoder-side guards: a value our caller built that cannot be written is misuse of our API, so
// it throws (STYLE.md point 4), unlike hostile input on the decode side.

/** A 16-bit length field's value, or a RangeError naming the field. */
export function checkedU16(value: number, field: string): number {
  if (!Number.isInteger(value) || value < 0 || value > 0xffff) throw new RangeError(`${field} ${value} does not fit 16 bits`);
  return value;
}

/** A one-octet count or size field's value, or a RangeError naming the field. */
export function checkedU8(value: number, field: string): number {
  if (!Number.isInteger(value) || value < 0 || value > 0xff) throw new RangeError(`${field} ${value} does not fit one octet`);
  return value;
}
