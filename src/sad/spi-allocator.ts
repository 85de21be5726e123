// Random inbound SPIs. Random (not sequential) so an SPI says nothing about how many SAs
// exist and a stale packet is unlikely to land on a new SA. Never 0-255 (RFC 4303 2.1:
// 0 is reserved for local use and MUST NOT be sent, 1-255 are reserved by IANA), never one
// in use, never one the history still remembers (so a late packet is explained, not misread).
import { u32 } from '../wire/bytes.js';
import { MIN_WIRE_SPI } from './sa-config.js';

export type RandomSource = (n: number) => Uint8Array;

/** How many candidates one call to the random source yields. */
const BATCH = 64;
/** Give up after this many rejected candidates: the random source repeats itself. */
export const MAX_SPI_ATTEMPTS = 1024;

export class SpiExhaustedError extends Error {
  readonly code = 'ERR_SPI_EXHAUSTED';

  constructor(attempts: number) {
    super(`no free SPI after ${attempts} random candidates: the random source repeats itself or the SPI space is full`);
    this.name = 'SpiExhaustedError';
  }
}

export class SpiAllocator {
  private buffer: Uint8Array = new Uint8Array(0);
  private offset = 0;

  constructor(
    private readonly random: RandomSource,
    private readonly isTaken: (spi: number) => boolean,
  ) {
    if (typeof random !== 'function') throw new TypeError('random must be a function');
    if (typeof isTaken !== 'function') throw new TypeError('isTaken must be a function');
  }

  /** A free SPI from 256 to 2^32 - 1. Throws SpiExhaustedError when none turns up. */
  next(): number {
    for (let attempt = 0; attempt < MAX_SPI_ATTEMPTS; attempt++) {
      const spi = this.candidate();
      if (spi >= MIN_WIRE_SPI && !this.isTaken(spi)) return spi;
    }
    throw new SpiExhaustedError(MAX_SPI_ATTEMPTS);
  }

  /** The next 4 random bytes as a big-endian u32, refilling in batches (one call per 64 SPIs). */
  private candidate(): number {
    if (this.offset + 4 > this.buffer.length) {
      const bytes = this.random(4 * BATCH);
      if (!(bytes instanceof Uint8Array) || bytes.length < 4) {
        throw new TypeError('random must return a Uint8Array of the requested length');
      }
      this.buffer = bytes;
      this.offset = 0;
    }
    const spi = u32(this.buffer, this.offset);
    this.offset += 4;
    return spi;
  }
}
