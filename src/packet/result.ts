// The shape every packet parser returns on bad network input (CONTRIBUTING.md: parsers never
// throw). Each parser declares its own string-literal union of reasons.

export interface ParseFailure<R extends string> {
  readonly ok: false;
  readonly reason: R;
  /** One sentence with the numbers that made the input bad. */
  readonly detail: string;
}

export function fail<R extends string>(reason: R, detail: string): ParseFailure<R> {
  return { ok: false, reason, detail };
}

/**
 * Validates a caller-supplied offset into a buffer. Offsets come from our own code, not from
 * the network, so a bad one is API misuse and throws.
 */
export function checkOffset(buf: Uint8Array, off: number, name = 'off'): void {
  if (!(buf instanceof Uint8Array)) throw new TypeError('buf must be a Uint8Array');
  if (!Number.isInteger(off) || off < 0 || off > buf.length) {
    throw new RangeError(`${name} must be an integer in [0, ${buf.length}], got ${off}`);
  }
}
