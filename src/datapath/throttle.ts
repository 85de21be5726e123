// The DoS guard of DESIGN.md: a flood of ESP on unknown SPIs costs a diagnosis per packet
// (cheap, but not free). Past a rate, such packets are refused as ERROR_IPSEC_THROTTLE_DROP
// without the SPI-history work; below it every packet gets its full BAD_SPI diagnosis.
// A token bucket: `ratePerSecond` tokens a second, at most `burst` saved up.

export interface ThrottleOptions {
  readonly ratePerSecond: number;
  readonly burst: number;
}

export class TokenBucket {
  private tokens: number;
  private last: number | null = null;
  /** Packets refused since the bucket last had a token, for evidence. */
  refusedInRow = 0;

  constructor(readonly options: ThrottleOptions) {
    if (!(options.ratePerSecond > 0)) throw new RangeError(`options.ratePerSecond must be > 0, got ${options.ratePerSecond}`);
    if (!Number.isInteger(options.burst) || options.burst < 1) throw new RangeError(`options.burst must be an integer >= 1, got ${options.burst}`);
    this.tokens = options.burst;
  }

  /** Takes one token at time `now` (ms); false when the bucket is empty. */
  take(now: number): boolean {
    if (this.last !== null && now > this.last) {
      this.tokens = Math.min(this.options.burst, this.tokens + ((now - this.last) * this.options.ratePerSecond) / 1000);
    }
    if (this.last === null || now > this.last) this.last = now;
    if (this.tokens >= 1) {
      this.tokens -= 1;
      this.refusedInRow = 0;
      return true;
    }
    this.refusedInRow++;
    return false;
  }
}
