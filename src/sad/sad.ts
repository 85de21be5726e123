// The Security Association Database (RFC 4301 4.4.2): installed SAs keyed by SPI, larval
// SPI reservations, lifetimes driven by one coarse timer wheel, and the history of removed
// SAs that the BAD_SPI diagnosis reads.
//
// Lookup (the hot path): one Map per direction keyed by the SPI as an int32 (always a small
// integer to V8), holding the SA itself or, for the rare SPI shared by several destinations,
// an array. RFC 4303 2.1 "longest match": an SA for the exact destination wins over one for
// any destination (dst null).
//
// Events: every SA that enters emits 'added'; every SA that leaves emits exactly one of
// 'hard-expired' (a hard lifetime ran out) or 'removed' (remove() or flush()). A soft limit
// emits 'soft-expired' once, unless a hard limit is reached at the same moment.
import { randomBytes } from 'node:crypto';
import { TimerWheel } from '../clock/timer-wheel.js';
import { spiHex } from '../wire/bytes.js';
import type { SaRef } from '../verdict/verdict.js';
import type { RemovalReason, Tombstone } from './history.js';
import { SaHistory, tombstoneOf } from './history.js';
import { countLimitReached, nextTimeDeadline, timeLimitReached } from './lifetime.js';
import type { ExpiryEvidence, SaConfig } from './sa.js';
import { SecurityAssociation } from './sa.js';
import { validateSaConfig } from './sa-config.js';
import type { RandomSource } from './spi-allocator.js';
import { SpiAllocator } from './spi-allocator.js';

export type SaEvent =
  | { readonly type: 'added'; readonly sa: SaRef; readonly at: number }
  | { readonly type: 'soft-expired'; readonly sa: SaRef; readonly at: number; readonly expiry: ExpiryEvidence }
  | { readonly type: 'hard-expired'; readonly sa: SaRef; readonly at: number; readonly expiry: ExpiryEvidence }
  | {
      readonly type: 'removed';
      readonly sa: SaRef;
      readonly at: number;
      readonly reason: RemovalReason;
      readonly successorSpi: number | null;
    };

export type SaEventListener = (event: SaEvent) => void;

/** An SPI handed out for a negotiation that has not installed its SA yet. */
export interface LarvalReservation {
  readonly spi: number;
  readonly peer: string | null;
  readonly label: string | null;
  readonly allocatedAt: number;
  readonly expiresAt: number;
}

export interface SaDatabaseOptions {
  readonly historyMaxEntries?: number;
  readonly historyMaxAgeMs?: number;
  /** How long an allocated SPI stays reserved without an SA (default 30 s). */
  readonly larvalTimeoutMs?: number;
  /** Random bytes for SPIs (default crypto.randomBytes); injectable for tests. */
  readonly random?: RandomSource;
  /** Width of one timer-wheel tick (default 1000 ms); lifetimes stay exact, see timer-wheel.ts. */
  readonly timerTickMs?: number;
}

type Slot = SecurityAssociation | SecurityAssociation[];

function checkNow(now: number): void {
  if (typeof now !== 'number' || !Number.isFinite(now)) throw new RangeError(`now must be a finite number, got ${String(now)}`);
}

/** The SA for dst in a shared slot: exact destination first, then any-destination. */
function pickByDst(list: readonly SecurityAssociation[], dst: string): SecurityAssociation | undefined {
  let wildcard: SecurityAssociation | undefined;
  for (const sa of list) {
    const d = sa.dst;
    if (d === dst) return sa;
    if (d === null) wildcard = sa;
  }
  return wildcard;
}

function slotMembers(slot: Slot | undefined): readonly SecurityAssociation[] {
  if (slot === undefined) return [];
  return Array.isArray(slot) ? slot : [slot];
}

export class SaDatabase {
  readonly history: SaHistory;
  readonly larvalTimeoutMs: number;
  private readonly inbound = new Map<number, Slot>();
  private readonly outbound = new Map<number, Slot>();
  private readonly larvalBySpi = new Map<number, LarvalReservation>();
  /** Reservations in expiry order (one timeout for all); stale ones are skipped lazily. */
  private larvalQueue: LarvalReservation[] = [];
  private larvalHead = 0;
  private readonly wheel: TimerWheel<SecurityAssociation>;
  private readonly allocator: SpiAllocator;
  private readonly listeners: SaEventListener[] = [];
  private nextId = 1;
  private count = 0;

  constructor(options: SaDatabaseOptions = {}) {
    this.history = new SaHistory({ maxEntries: options.historyMaxEntries, maxAgeMs: options.historyMaxAgeMs });
    const larvalTimeoutMs = options.larvalTimeoutMs ?? 30_000;
    if (!Number.isFinite(larvalTimeoutMs) || larvalTimeoutMs <= 0) {
      throw new RangeError(`options.larvalTimeoutMs must be a finite number > 0, got ${larvalTimeoutMs}`);
    }
    this.larvalTimeoutMs = larvalTimeoutMs;
    this.wheel = new TimerWheel<SecurityAssociation>({ tickMs: options.timerTickMs ?? 1000 });
    this.allocator = new SpiAllocator(options.random ?? randomBytes, (spi) => this.spiTaken(spi));
  }

  /** Installed SAs (both directions). */
  get size(): number {
    return this.count;
  }

  /**
   * Subscribes to every event; returns the unsubscribe function. Listeners run after the
   * database has finished the change; one that throws stops the delivery and the error
   * reaches the caller of the method that caused the event (the database stays consistent).
   */
  onEvent(listener: SaEventListener): () => void {
    if (typeof listener !== 'function') throw new TypeError('listener must be a function');
    this.listeners.push(listener);
    return () => {
      const i = this.listeners.indexOf(listener);
      if (i >= 0) this.listeners.splice(i, 1);
    };
  }

  // ---- SPIs ---------------------------------------------------------------------------

  /**
   * Reserves a fresh inbound SPI for a negotiation. Until add() installs it (or the
   * reservation times out), a packet on it is explained as 'not-yet-installed'.
   */
  allocateSpi(now: number, info: { readonly peer?: string | null; readonly label?: string | null } = {}): number {
    checkNow(now);
    const spi = this.allocator.next();
    const reservation: LarvalReservation = {
      spi,
      peer: info.peer ?? null,
      label: info.label ?? null,
      allocatedAt: now,
      expiresAt: now + this.larvalTimeoutMs,
    };
    this.larvalBySpi.set(spi | 0, reservation);
    this.larvalQueue.push(reservation);
    return spi;
  }

  /** The live reservation for spi, or undefined. */
  larval(spi: number): LarvalReservation | undefined {
    return this.larvalBySpi.get(spi | 0);
  }

  /** Every SA with this SPI, any direction and destination (for diagnosis). */
  findBySpi(spi: number): readonly SecurityAssociation[] {
    const key = spi | 0;
    return [...slotMembers(this.inbound.get(key)), ...slotMembers(this.outbound.get(key))];
  }

  /** The hot path: the inbound SA for (spi, dst), or undefined. */
  lookupInbound(spi: number, dst: string): SecurityAssociation | undefined {
    const slot = this.inbound.get(spi | 0);
    if (slot === undefined) return undefined;
    if (!Array.isArray(slot)) {
      const d = slot.dst;
      return d === null || d === dst ? slot : undefined;
    }
    return pickByDst(slot, dst);
  }

  /** All installed SAs (allocates). */
  list(): SecurityAssociation[] {
    const out: SecurityAssociation[] = [];
    for (const map of [this.inbound, this.outbound]) {
      for (const slot of map.values()) out.push(...slotMembers(slot));
    }
    return out;
  }

  // ---- installing and removing --------------------------------------------------------

  /**
   * Installs an SA. An inbound SA may take a reserved (larval) SPI, which then stops being
   * larval. Throws RangeError when the SPI is installed for the same direction and
   * destination already; the same SPI for another destination is allowed.
   */
  add(config: SaConfig, now: number): SecurityAssociation {
    validateSaConfig(config);
    checkNow(now);
    const map = this.mapFor(config.direction);
    const key = config.spi | 0;
    const slot = map.get(key);
    if (slot !== undefined && slotMembers(slot).some((sa) => sa.dst === config.dst)) {
      throw new RangeError(
        `config.spi ${spiHex(config.spi)} is already installed for ${config.direction} traffic to ${config.dst ?? 'any destination'}`,
      );
    }
    const sa = new SecurityAssociation(this.nextId++, config, now);
    sa.transition(['larval'], 'mature');
    map.set(key, slot === undefined ? sa : Array.isArray(slot) ? [...slot, sa] : [slot, sa]);
    if (config.direction === 'inbound') this.larvalBySpi.delete(key);
    this.count++;
    this.reschedule(sa);
    // Built only when someone listens: the event would make every SA build its SaRef.
    if (this.listeners.length > 0) this.emit([{ type: 'added', sa: sa.ref(), at: now }]);
    return sa;
  }

  /**
   * Removes an SA and remembers it in the history. Returns the 'removed' event, or null if
   * the SA had already left (a peer's DELETE racing our own expiry or rekey is normal).
   */
  remove(
    sa: SecurityAssociation,
    reason: RemovalReason,
    now: number,
    extra: { readonly successorSpi?: number; readonly expiry?: ExpiryEvidence } = {},
  ): SaEvent | null {
    checkNow(now);
    if (sa.removedAt !== null) return null;
    this.assertInstalled(sa);
    const events: SaEvent[] = [];
    this.removeInternal(sa, reason, now, extra, events);
    this.emit(events);
    return events[0]!;
  }

  /** Removes every SA (reason 'flushed') and drops every larval reservation. */
  flush(now: number): SaEvent[] {
    checkNow(now);
    const events: SaEvent[] = [];
    for (const sa of this.list()) this.removeInternal(sa, 'flushed', now, {}, events);
    this.larvalBySpi.clear();
    this.larvalQueue = [];
    this.larvalHead = 0;
    this.emit(events);
    return events;
  }

  // ---- lifetimes ----------------------------------------------------------------------

  /**
   * Accounts one good packet of `bytes` on sa (after its ICV verified, or when sent):
   * first-use time, packet and byte counts and their limits. Returns the event it caused,
   * if any: 'hard-expired' (the SA is gone) or 'soft-expired' (the SA is now dying).
   */
  account(sa: SecurityAssociation, bytes: number, now: number): SaEvent | null {
    if (!Number.isInteger(bytes) || bytes < 0) throw new RangeError(`bytes must be an integer >= 0, got ${bytes}`);
    checkNow(now);
    if (!sa.usable) throw new RangeError(`sa: SA ${sa.id} is not usable (${sa.state}${sa.removedAt === null ? '' : ', removed'})`);
    const events: SaEvent[] = [];
    if (sa.recordPacket(bytes, now) && (sa.config.soft?.useSeconds !== undefined || sa.config.hard?.useSeconds !== undefined)) {
      this.reschedule(sa); // the use-time clock starts now
    }
    const hard = countLimitReached(sa, sa.config.hard, now);
    if (hard !== null) {
      this.expire(sa, hard, now, events);
    } else if (sa.state === 'mature') {
      const soft = countLimitReached(sa, sa.config.soft, now);
      if (soft !== null) this.soften(sa, soft, now, events);
    }
    this.emit(events);
    return events[0] ?? null;
  }

  /**
   * The SA-state stage of the inbound path: null when sa may be used; otherwise the
   * evidence of the hard limit that ran out (between timer ticks too: the check is exact).
   * An SA found expired here leaves the database at once. A soft time limit found passed
   * here makes the SA dying and emits 'soft-expired' to subscribers.
   */
  checkUsable(sa: SecurityAssociation, now: number): ExpiryEvidence | null {
    checkNow(now);
    if (sa.removedAt !== null) {
      if (sa.expiry !== null) return sa.expiry;
      throw new RangeError(`sa: SA ${sa.id} (${spiHex(sa.spi)}) was removed at ${sa.removedAt}`);
    }
    const events: SaEvent[] = [];
    this.applyTimeLimits(sa, now, events); // reschedules or unlinks as needed
    this.emit(events);
    return sa.expiry;
  }

  /**
   * Drives time: fires due lifetime timers (soft: 'soft-expired', the SA becomes dying;
   * hard: 'hard-expired', the SA goes to the history), ends stale larval reservations and
   * prunes the history by age. Returns the events it caused.
   */
  tick(now: number): SaEvent[] {
    checkNow(now);
    const events: SaEvent[] = [];
    for (const sa of this.wheel.advance(now)) {
      sa.timer = null;
      if (sa.removedAt !== null) continue;
      // Normally a limit is due; if none is (e.g. a use-time deadline moved), re-arm.
      if (!this.applyTimeLimits(sa, now, events)) this.reschedule(sa);
    }
    this.expireLarval(now);
    this.history.prune(now);
    this.emit(events);
    return events;
  }

  // ---- internals ----------------------------------------------------------------------

  private mapFor(direction: 'inbound' | 'outbound'): Map<number, Slot> {
    return direction === 'inbound' ? this.inbound : this.outbound;
  }

  private spiTaken(spi: number): boolean {
    const key = spi | 0;
    return this.inbound.has(key) || this.outbound.has(key) || this.larvalBySpi.has(key) || this.history.has(spi);
  }

  private assertInstalled(sa: SecurityAssociation): void {
    if (!slotMembers(this.mapFor(sa.config.direction).get(sa.spi | 0)).includes(sa)) {
      throw new RangeError(`sa: SA ${sa.id} (${spiHex(sa.spi)}) is not installed in this database`);
    }
  }

  /** Hard time limit first (the SA goes), else a soft one on a mature SA. True if anything changed. */
  private applyTimeLimits(sa: SecurityAssociation, now: number, events: SaEvent[]): boolean {
    const hard = timeLimitReached(sa, sa.config.hard, now);
    if (hard !== null) {
      this.expire(sa, hard, now, events);
      return true;
    }
    if (sa.state !== 'mature') return false;
    const soft = timeLimitReached(sa, sa.config.soft, now);
    if (soft === null) return false;
    this.soften(sa, soft, now, events);
    return true;
  }

  private soften(sa: SecurityAssociation, evidence: ExpiryEvidence, now: number, events: SaEvent[]): void {
    sa.transition(['mature'], 'dying');
    events.push({ type: 'soft-expired', sa: sa.ref(), at: now, expiry: evidence });
    this.reschedule(sa); // soft deadlines no longer count
  }

  private expire(sa: SecurityAssociation, evidence: ExpiryEvidence, now: number, events: SaEvent[]): void {
    this.assertInstalled(sa); // rare path: the per-packet calls skip this check
    sa.transition(['mature', 'dying'], 'expired');
    this.unlink(sa, now, evidence);
    this.history.add(tombstoneOf(sa, 'expired', now, { expiry: evidence }), now);
    events.push({ type: 'hard-expired', sa: sa.ref(), at: now, expiry: evidence });
  }

  private removeInternal(
    sa: SecurityAssociation,
    reason: RemovalReason,
    now: number,
    extra: { readonly successorSpi?: number; readonly expiry?: ExpiryEvidence },
    events: SaEvent[],
  ): void {
    if (reason === 'expired') sa.transition(['mature', 'dying'], 'expired');
    this.unlink(sa, now, extra.expiry ?? null);
    const tombstone: Tombstone = tombstoneOf(sa, reason, now, extra);
    this.history.add(tombstone, now);
    events.push({ type: 'removed', sa: sa.ref(), at: now, reason, successorSpi: tombstone.successorSpi });
  }

  /** Takes sa out of its map and off the wheel. */
  private unlink(sa: SecurityAssociation, now: number, expiry: ExpiryEvidence | null): void {
    const map = this.mapFor(sa.config.direction);
    const key = sa.spi | 0;
    const slot = map.get(key)!;
    if (!Array.isArray(slot)) {
      map.delete(key);
    } else {
      const rest = slot.filter((s) => s !== sa);
      map.set(key, rest.length === 1 ? rest[0]! : rest);
    }
    if (sa.timer !== null) this.wheel.cancel(sa.timer);
    sa.timer = null;
    sa.markRemoved(now, expiry);
    this.count--;
  }

  private reschedule(sa: SecurityAssociation): void {
    if (sa.timer !== null) this.wheel.cancel(sa.timer);
    const deadline = nextTimeDeadline(sa);
    sa.timer = deadline === Infinity ? null : this.wheel.schedule(deadline, sa);
  }

  private expireLarval(now: number): void {
    const q = this.larvalQueue;
    while (this.larvalHead < q.length && q[this.larvalHead]!.expiresAt <= now) {
      const r = q[this.larvalHead++]!;
      const key = r.spi | 0;
      if (this.larvalBySpi.get(key) === r) this.larvalBySpi.delete(key);
    }
    if (this.larvalHead > 1024 && this.larvalHead * 2 > q.length) {
      this.larvalQueue = q.slice(this.larvalHead);
      this.larvalHead = 0;
    }
  }

  private emit(events: readonly SaEvent[]): void {
    for (const event of events) for (const listener of this.listeners) listener(event);
  }
}
