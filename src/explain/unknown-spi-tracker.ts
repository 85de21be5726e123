// Counts packets on SPIs that match nothing, so a never-established diagnosis can say how
// often and since when an SPI has been seen. Bounded: at most `capacity` SPIs are tracked.
// When full, one is forgotten by the CLOCK (second chance) rule: a hand sweeps the slots;
// an SPI seen again since the hand last passed keeps its slot once more.
//
// This sits on the path of an unknown-SPI flood, so it allocates nothing per packet: slots
// are typed arrays, and the SPI -> slot index is an open-addressing table of u32 keys
// (a Map would box half of all SPIs, those >= 2^30, and its entries would die in old space).

const EMPTY = -1;

function powerOfTwoAtLeast(n: number): number {
  let p = 1;
  while (p < n) p *= 2;
  return p;
}

/** Fibonacci hashing of a u32 into `bits` bits. */
function hashSpi(spi: number, mask: number): number {
  return (Math.imul(spi, 0x9e3779b1) >>> 0) & mask;
}

export class UnknownSpiTracker {
  private readonly spis: Uint32Array;
  private readonly counts: Float64Array;
  private readonly firstSeen: Float64Array;
  private readonly lastSeen: Float64Array;
  private readonly referenced: Uint8Array;
  private readonly lastSrc: string[];
  /** Open-addressing index: table[i] is a slot number or EMPTY; linear probing. */
  private readonly table: Int32Array;
  private readonly tableMask: number;
  private used = 0;
  private hand = 0;

  constructor(readonly capacity = 4096) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError(`capacity must be a positive integer, got ${capacity}`);
    this.spis = new Uint32Array(capacity);
    this.counts = new Float64Array(capacity);
    this.firstSeen = new Float64Array(capacity);
    this.lastSeen = new Float64Array(capacity);
    this.referenced = new Uint8Array(capacity);
    this.lastSrc = new Array<string>(capacity).fill('');
    const size = powerOfTwoAtLeast(capacity * 2); // load factor <= 1/2
    this.table = new Int32Array(size).fill(EMPTY);
    this.tableMask = size - 1;
  }

  get size(): number {
    return this.used;
  }

  /** Records one packet on `spi`; returns its slot for count() / firstSeenAt(). */
  note(spi: number, src: string, now: number): number {
    const found = this.find(spi);
    if (found !== EMPTY) {
      this.counts[found]! += 1;
      this.lastSeen[found] = now;
      this.lastSrc[found] = src;
      this.referenced[found] = 1;
      return found;
    }
    const slot = this.freeSlot();
    this.spis[slot] = spi;
    this.counts[slot] = 1;
    this.firstSeen[slot] = now;
    this.lastSeen[slot] = now;
    this.lastSrc[slot] = src;
    this.referenced[slot] = 0;
    this.insert(spi, slot);
    return slot;
  }

  count(slot: number): number {
    return this.counts[slot]!;
  }

  firstSeenAt(slot: number): number {
    return this.firstSeen[slot]!;
  }

  lastSeenAt(slot: number): number {
    return this.lastSeen[slot]!;
  }

  /** Times seen, or 0 when the SPI is not tracked (now). */
  timesSeen(spi: number): number {
    const slot = this.find(spi >>> 0);
    return slot === EMPTY ? 0 : this.counts[slot]!;
  }

  private find(spi: number): number {
    const table = this.table;
    for (let i = hashSpi(spi, this.tableMask); ; i = (i + 1) & this.tableMask) {
      const slot = table[i]!;
      if (slot === EMPTY || this.spis[slot] === spi) return slot;
    }
  }

  private insert(spi: number, slot: number): void {
    let i = hashSpi(spi, this.tableMask);
    while (this.table[i] !== EMPTY) i = (i + 1) & this.tableMask;
    this.table[i] = slot;
  }

  /** A slot for a new SPI: an unused one, or the CLOCK victim (removed from the index). */
  private freeSlot(): number {
    if (this.used < this.capacity) return this.used++;
    for (;;) {
      const slot = this.hand;
      this.hand = (this.hand + 1) % this.capacity;
      if (this.referenced[slot] === 1) {
        this.referenced[slot] = 0;
        continue;
      }
      this.unindex(this.spis[slot]!);
      return slot;
    }
  }

  /** Linear-probing deletion with backward shift, so lookups never need tombstones. */
  private unindex(spi: number): void {
    const t = this.table;
    const mask = this.tableMask;
    let i = hashSpi(spi, mask);
    while (this.spis[t[i]!] !== spi) i = (i + 1) & mask;
    for (let j = (i + 1) & mask; t[j] !== EMPTY; j = (j + 1) & mask) {
      const home = hashSpi(this.spis[t[j]!]!, mask);
      // Move entry j back to the hole at i when its home is not cyclically in (i, j].
      if (((j - home) & mask) >= ((j - i) & mask)) {
        t[i] = t[j]!;
        i = j;
      }
    }
    t[i] = EMPTY;
  }
}
