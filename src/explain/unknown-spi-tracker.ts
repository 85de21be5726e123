// Counts packets on SPIs that match nothing, so a never-established diagnosis can say
// how often and since when an SPI has been seen. Bounded: at most `capacity` SPIs are
// tracked; when full, the least recently seen is forgotten (Map insertion order as LRU).

export interface UnknownSpiSighting {
  readonly spi: number;
  count: number;
  firstSeen: number;
  lastSeen: number;
  /** Most recent source address the SPI arrived from. */
  lastSrc: string;
}

export class UnknownSpiTracker {
  private readonly seen = new Map<number, UnknownSpiSighting>();

  constructor(private readonly capacity = 4096) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError(`capacity must be a positive integer, got ${capacity}`);
  }

  /** Records one packet and returns the updated sighting. */
  note(spi: number, src: string, now: number): UnknownSpiSighting {
    let s = this.seen.get(spi);
    if (s === undefined) {
      if (this.seen.size >= this.capacity) this.evictOldest();
      s = { spi, count: 0, firstSeen: now, lastSeen: now, lastSrc: src };
    } else {
      this.seen.delete(spi); // re-insert below: most recently seen last
    }
    s.count++;
    s.lastSeen = now;
    s.lastSrc = src;
    this.seen.set(spi, s);
    return s;
  }

  get size(): number {
    return this.seen.size;
  }

  private evictOldest(): void {
    const oldest = this.seen.keys().next();
    if (oldest.done !== true) this.seen.delete(oldest.value);
  }
}
