// A hashed timer wheel: one coarse timer drives many deadlines (SA lifetimes, larval
// reservations), as undici does for its timeouts. Deadlines are bucketed by tick
// (tickMs wide) into a ring of slots; advance(now) visits only the slots whose ticks passed
// (all of them once when time jumps a whole revolution, e.g. a capture with a gap).
//
// Coarse inside, exact outside: advance(now) returns exactly the items whose deadline is
// <= now, in deadline order (ties in scheduling order), so callers can reason with exact
// times and tests can compare with a sorted list. schedule and cancel are O(1).

/** An opaque reference to a scheduled item; pass it back to cancel(). */
export interface TimerHandle {
  readonly deadline: number;
}

class Entry<T> implements TimerHandle {
  /** Index in its slot array; -1 once fired or cancelled. */
  index = -1;

  constructor(
    readonly deadline: number,
    readonly item: T,
    readonly seq: number,
    readonly slot: number,
  ) {}
}

export interface TimerWheelOptions {
  /** Width of one tick in milliseconds (default 1000: lifetimes are counted in seconds). */
  readonly tickMs?: number;
  /** Number of slots, a power of two (default 1024: one revolution is ~17 minutes at 1 s). */
  readonly slots?: number;
  /** The wheel's starting time (default 0). */
  readonly startMs?: number;
}

function byDeadline<T>(a: Entry<T>, b: Entry<T>): number {
  return a.deadline - b.deadline || a.seq - b.seq;
}

export class TimerWheel<T> {
  readonly tickMs: number;
  private readonly mask: number;
  private readonly slots: (Entry<T>[] | undefined)[];
  private tick: number;
  private time: number;
  private count = 0;
  private nextSeq = 0;

  constructor(options: TimerWheelOptions = {}) {
    const tickMs = options.tickMs ?? 1000;
    const slots = options.slots ?? 1024;
    const startMs = options.startMs ?? 0;
    if (!Number.isFinite(tickMs) || tickMs <= 0) throw new RangeError(`options.tickMs must be > 0, got ${tickMs}`);
    if (!Number.isInteger(slots) || slots < 1 || (slots & (slots - 1)) !== 0 || slots > 2 ** 24) {
      throw new RangeError(`options.slots must be a power of two up to 2^24, got ${slots}`);
    }
    if (!Number.isFinite(startMs)) throw new RangeError(`options.startMs must be finite, got ${startMs}`);
    this.tickMs = tickMs;
    this.mask = slots - 1;
    this.slots = new Array<Entry<T>[] | undefined>(slots).fill(undefined);
    this.time = startMs;
    this.tick = Math.floor(startMs / tickMs);
  }

  /** Items scheduled and not yet fired or cancelled. */
  get size(): number {
    return this.count;
  }

  /** The time of the last advance (or the start time). */
  get now(): number {
    return this.time;
  }

  /** Schedules item for deadlineMs; a deadline already past fires at the next advance. */
  schedule(deadlineMs: number, item: T): TimerHandle {
    if (!Number.isFinite(deadlineMs)) throw new RangeError(`deadlineMs must be a finite number, got ${deadlineMs}`);
    // A past deadline goes into the current tick's slot: earlier slots are not visited again
    // until the wheel comes round.
    const tick = Math.max(Math.floor(deadlineMs / this.tickMs), this.tick);
    const slot = tick & this.mask;
    const entry = new Entry(deadlineMs, item, this.nextSeq++, slot);
    const list = this.slots[slot] ?? (this.slots[slot] = []);
    entry.index = list.length;
    list.push(entry);
    this.count++;
    return entry;
  }

  /** Cancels a pending item; false when it already fired or was cancelled. */
  cancel(handle: TimerHandle): boolean {
    if (!(handle instanceof Entry)) throw new TypeError('handle must come from schedule()');
    const entry = handle as Entry<T>;
    if (entry.index < 0) return false;
    // No owner field (8 bytes per timer): a live entry is where its slot and index say.
    if (this.slots[entry.slot]?.[entry.index] !== entry) throw new TypeError('handle must come from this wheel\'s schedule()');
    this.unlink(entry);
    return true;
  }

  /**
   * Moves the wheel to nowMs and returns every item whose deadline is <= nowMs, in deadline
   * order. Time never goes backwards here: an earlier nowMs returns nothing and changes nothing.
   */
  advance(nowMs: number): T[] {
    if (!Number.isFinite(nowMs)) throw new RangeError(`nowMs must be a finite number, got ${nowMs}`);
    if (nowMs < this.time) return [];
    const toTick = Math.floor(nowMs / this.tickMs);
    const due: Entry<T>[] = [];
    if (toTick - this.tick + 1 >= this.slots.length) {
      for (let s = 0; s < this.slots.length; s++) this.collect(s, nowMs, due);
    } else {
      // The current tick's slot again too: it may hold deadlines later in that tick.
      for (let t = this.tick; t <= toTick; t++) this.collect(t & this.mask, nowMs, due);
    }
    this.tick = toTick;
    this.time = nowMs;
    due.sort(byDeadline);
    return due.map((e) => e.item);
  }

  private collect(slot: number, nowMs: number, due: Entry<T>[]): void {
    const list = this.slots[slot];
    if (list === undefined) return;
    for (let i = list.length - 1; i >= 0; i--) {
      const entry = list[i]!;
      if (entry.deadline <= nowMs) {
        this.unlink(entry);
        due.push(entry);
      }
    }
    if (list.length === 0) this.slots[slot] = undefined;
  }

  /** O(1) removal: the slot's last entry takes the removed one's place. */
  private unlink(entry: Entry<T>): void {
    const list = this.slots[entry.slot]!;
    const last = list.pop()!;
    if (last !== entry) {
      list[entry.index] = last;
      last.index = entry.index;
    }
    entry.index = -1;
    this.count--;
  }
}
