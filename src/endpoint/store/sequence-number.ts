// Outbound sequence numbers in the store are JS numbers: exact up to 2^53 - 1. ESN counters go
// to 2^64 - 1, but 2^53 packets on one SA is about 28 years at 10 million packets a second, so
// values above MAX_SEQUENCE are refused rather than carried as bigint on the hot path.

export const MAX_SEQUENCE = Number.MAX_SAFE_INTEGER;

export function checkSequence(name: string, value: number): void {
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new RangeError(`${name} must be an integer from 0 to 2^53-1 (${MAX_SEQUENCE}), got ${value}`);
  }
}

export function checkSpi(spi: number): void {
  if (!Number.isInteger(spi) || spi < 0 || spi > 0xffff_ffff) {
    throw new RangeError(`spi must be an integer from 0 to 0xffffffff, got ${spi}`);
  }
}
