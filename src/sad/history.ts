// The memory of removed SAs (tombstones), so a packet on a vanished SPI can be explained
// from evidence (DESIGN.md "Diagnosis of BAD_SPI"): when the SA went, why, its successor,
// its final counters, and how many packets still arrived on it afterwards.
//
// Bounded in count (the oldest go first) and in age (pruned by prune(now); the age bound
// assumes removal times arrive in non-decreasing order, as they do when time is a clock or
// a capture's timestamps).
import type { DropKindId } from '../verdict/drop-kinds.js';
import type { ExpiryEvidence, SecurityAssociation } from './sa.js';

export type RemovalReason =
  | 'expired'
  | 'rekeyed'
  | 'deleted-by-peer'
  | 'deleted-locally'
  | 'ike-closed'
  | 'peer-dead'
  | 'flushed';

export interface FinalCounters {
  readonly packets: number;
  readonly bytes: number;
  readonly drops: Readonly<Partial<Record<DropKindId, number>>>;
}

export interface Tombstone {
  readonly spi: number;
  readonly saId: number;
  readonly direction: 'inbound' | 'outbound';
  readonly src: string | null;
  readonly dst: string | null;
  readonly label: string | null;
  readonly addedAt: number;
  readonly removedAt: number;
  readonly reason: RemovalReason;
  /** Which hard limit ran out, when reason is 'expired'. */
  readonly expiry: ExpiryEvidence | null;
  /** The SPI of the SA that replaced this one in a rekey. */
  readonly successorSpi: number | null;
  readonly final: FinalCounters;
  /** Packets that arrived on this SPI after removal (the diagnosis updates these). */
  packetsSinceRemoval: number;
  firstSeenAfterRemoval: number | null;
  lastSeenAfterRemoval: number | null;
}

export interface SaHistoryOptions {
  /** At most this many tombstones (default 100,000). */
  readonly maxEntries?: number;
  /** Tombstones older than this are forgotten (default 1 hour). */
  readonly maxAgeMs?: number;
}

/** Shared answer for SPIs with no history: the miss path allocates nothing. */
const NO_TOMBSTONES: readonly Tombstone[] = Object.freeze([]);

export const DEFAULT_HISTORY_MAX_ENTRIES = 100_000;
export const DEFAULT_HISTORY_MAX_AGE_MS = 3_600_000;

/** Builds the tombstone of an SA leaving the database. */
export function tombstoneOf(
  sa: SecurityAssociation,
  reason: RemovalReason,
  now: number,
  extra: { readonly successorSpi?: number | undefined; readonly expiry?: ExpiryEvidence | null | undefined } = {},
): Tombstone {
  const c = sa.config;
  return {
    spi: c.spi,
    saId: sa.id,
    direction: c.direction,
    src: c.src,
    dst: c.dst,
    label: c.label ?? null,
    addedAt: sa.addedAt,
    removedAt: now,
    reason,
    expiry: extra.expiry ?? null,
    successorSpi: extra.successorSpi ?? null,
    final: { packets: sa.packets, bytes: sa.bytes, drops: sa.dropSummary() },
    packetsSinceRemoval: 0,
    firstSeenAfterRemoval: null,
    lastSeenAfterRemoval: null,
  };
}

export class SaHistory {
  readonly maxEntries: number;
  readonly maxAgeMs: number;
  /** Insertion (= removal) order; entries before `head` are gone. */
  private queue: Tombstone[] = [];
  private head = 0;
  /** Per SPI (as int32 key), oldest first. */
  private readonly bySpi = new Map<number, Tombstone[]>();

  constructor(options: SaHistoryOptions = {}) {
    const maxEntries = options.maxEntries ?? DEFAULT_HISTORY_MAX_ENTRIES;
    const maxAgeMs = options.maxAgeMs ?? DEFAULT_HISTORY_MAX_AGE_MS;
    if (!Number.isInteger(maxEntries) || maxEntries < 0) {
      throw new RangeError(`maxEntries must be an integer >= 0, got ${maxEntries}`);
    }
    if (typeof maxAgeMs !== 'number' || Number.isNaN(maxAgeMs) || maxAgeMs < 0) {
      throw new RangeError(`maxAgeMs must be a number >= 0, got ${maxAgeMs}`);
    }
    this.maxEntries = maxEntries;
    this.maxAgeMs = maxAgeMs;
  }

  get size(): number {
    return this.queue.length - this.head;
  }

  /** Remembers a tombstone, forgetting the oldest beyond the count bound and the age bound. */
  add(tombstone: Tombstone, now: number): void {
    if (this.maxEntries === 0) return;
    this.queue.push(tombstone);
    const key = tombstone.spi | 0;
    const list = this.bySpi.get(key);
    if (list === undefined) this.bySpi.set(key, [tombstone]);
    else list.push(tombstone);
    while (this.size > this.maxEntries) this.evictOldest();
    this.prune(now);
  }

  /** Tombstones for spi, most recent first. */
  lookup(spi: number): readonly Tombstone[] {
    const list = this.bySpi.get(spi | 0);
    return list === undefined ? NO_TOMBSTONES : [...list].reverse();
  }

  /** Whether any tombstone remembers spi (its SPI is then not handed out again). */
  has(spi: number): boolean {
    return this.bySpi.has(spi | 0);
  }

  /** Records a packet that arrived on a removed SA. */
  notePacket(tombstone: Tombstone, now: number): void {
    tombstone.packetsSinceRemoval++;
    tombstone.firstSeenAfterRemoval ??= now;
    tombstone.lastSeenAfterRemoval = now;
  }

  /** Forgets tombstones removed more than maxAgeMs before now; returns how many. */
  prune(now: number): number {
    let n = 0;
    while (this.size > 0 && now - this.queue[this.head]!.removedAt > this.maxAgeMs) {
      this.evictOldest();
      n++;
    }
    return n;
  }

  /** All tombstones, oldest first (allocates). */
  entries(): readonly Tombstone[] {
    return this.queue.slice(this.head);
  }

  private evictOldest(): void {
    const oldest = this.queue[this.head]!;
    this.queue[this.head] = undefined as unknown as Tombstone; // let it be collected
    this.head++;
    const key = oldest.spi | 0;
    const list = this.bySpi.get(key)!;
    list.splice(list.indexOf(oldest), 1);
    if (list.length === 0) this.bySpi.delete(key);
    if (this.head > 1024 && this.head * 2 > this.queue.length) {
      this.queue = this.queue.slice(this.head);
      this.head = 0;
    }
  }
}
