// Time is injected (STYLE.md 9): the core takes `now` as a number of milliseconds and never
// reads a clock. The edges hold a Clock: the system clock live, a manual clock in tests,
// capture timestamps offline.

export interface Clock {
  /** Milliseconds since the Unix epoch (or any fixed origin the caller chooses). */
  now(): number;
}

/** A clock that moves only when told to: for tests and for driving time from a capture. */
export class ManualClock implements Clock {
  private time: number;

  constructor(startMs = 0) {
    if (!Number.isFinite(startMs)) throw new RangeError(`startMs must be a finite number, got ${startMs}`);
    this.time = startMs;
  }

  now(): number {
    return this.time;
  }

  /** Moves the clock to ms (backwards too: a test may simulate a wall-clock step). */
  set(ms: number): void {
    if (!Number.isFinite(ms)) throw new RangeError(`ms must be a finite number, got ${ms}`);
    this.time = ms;
  }

  /** Moves the clock forward by ms and returns the new time. */
  advance(ms: number): number {
    if (!Number.isFinite(ms) || ms < 0) throw new RangeError(`ms must be a finite number >= 0, got ${ms}`);
    this.time += ms;
    return this.time;
  }
}

/**
 * Wall-clock milliseconds (Date.now, so times in evidence read as dates and match capture
 * timestamps) that never go backwards: a wall-clock step back (NTP, an operator) holds the
 * clock still until real time catches up, so no lifetime is lengthened by replaying time.
 */
export class SystemClock implements Clock {
  private last = -Infinity;

  now(): number {
    const t = Date.now();
    if (t > this.last) this.last = t;
    return this.last;
  }
}

export const systemClock: Clock = new SystemClock();
