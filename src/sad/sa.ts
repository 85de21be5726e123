// The Security Association record (RFC 4301 4.4.2): what one SA protects with, its
// lifecycle state, its sequence counters and its per-SA counters.
//
// Memory matters: a gateway holds up to a million of these. Fields are plain numbers and
// references; the replay bitmap and the drop counters are allocated on first use; the
// SaRef is built on first request and cached; there are no per-SA closures or Maps.
import type { EspCipher } from '../esp/cipher.js';
import type { KeyMaterial, TransformSpec } from '../esp/transform-spec.js';
import { ReplayWindow } from '../replay/window.js';
import type { SelectorPair } from '../spd/selector.js';
import type { TimerHandle } from '../clock/timer-wheel.js';
import type { DropKindId } from '../verdict/drop-kinds.js';
import { DROP_KINDS } from '../verdict/drop-kinds.js';
import type { SaRef } from '../verdict/verdict.js';

/**
 * larval: SPI allocated, SA not installed yet. mature: usable. dying: soft lifetime passed,
 * still usable, a rekey is wanted. expired: hard lifetime passed, unusable.
 */
export type SaState = 'larval' | 'mature' | 'dying' | 'expired';

/** The only legal moves (the guarded transition below refuses all others). */
const LEGAL: Readonly<Record<SaState, readonly SaState[]>> = {
  larval: ['mature', 'expired'],
  mature: ['dying', 'expired'],
  dying: ['expired'],
  expired: [],
};

/** Limits as IKEv2 implementations configure them; undefined means no limit. */
export interface LifetimeLimits {
  /** Seconds since the SA was added. */
  readonly addSeconds?: number;
  /** Seconds since the SA was first used (first packet accounted). */
  readonly useSeconds?: number;
  readonly bytes?: number;
  readonly packets?: number;
}

export interface SaConfig {
  readonly spi: number;
  readonly direction: 'inbound' | 'outbound';
  /** Canonical address text (wire/address.ts); null = any. */
  readonly src: string | null;
  readonly dst: string | null;
  readonly mode: 'tunnel' | 'transport';
  /** RFC 3948 UDP encapsulation ports, or null for plain ESP. */
  readonly encapsulation: { readonly srcPort: number; readonly dstPort: number } | null;
  readonly transform: TransformSpec;
  readonly keys: KeyMaterial;
  readonly cipher: EspCipher;
  readonly esn: boolean;
  /** Anti-replay window size in packets; 0 turns anti-replay off (inbound only). */
  readonly replayWindow: number;
  readonly soft?: LifetimeLimits;
  readonly hard?: LifetimeLimits;
  readonly selectors?: SelectorPair | null;
  readonly label?: string | null;
  /** Links the SA to the PROTECT policies whose template names the same reqid (as Linux XFRM does). */
  readonly reqid?: number;
  /** ESN only: the subspace (high 32 bits) the peer's sequence numbers are in already. */
  readonly initialSeqHi?: number;
}

/** Which limit ran out: time since added, time since first use, bytes or packets. */
export type LimitKind = 'add-time' | 'use-time' | 'bytes' | 'packets';

/**
 * Evidence that a lifetime limit was reached: the limit, its configured value, the value
 * reached when the product acted (seconds for time limits), and when that was.
 */
export interface ExpiryEvidence {
  readonly limit: LimitKind;
  readonly configured: number;
  readonly reached: number;
  readonly at: number;
}

/** Thrown when code asks for a state change the lifecycle does not allow: a bug, not input. */
export class IllegalTransitionError extends Error {
  readonly code = 'ERR_SA_ILLEGAL_TRANSITION';

  constructor(readonly saId: number, readonly from: SaState, readonly to: SaState, readonly expected: readonly SaState[]) {
    super(`assertion failed: SA ${saId} cannot go ${from} -> ${to} (expected to be ${expected.join(' or ')})`);
    this.name = 'IllegalTransitionError';
  }
}

/** nextSequence(): the counter would cycle (RFC 4303 3.3.3); the SA must be rekeyed. */
export const SEQUENCE_EXHAUSTED = -1;

const MAX_U32 = 0xffffffff;

/** Stable order of drop kinds, so per-SA drop counters are one small typed array. */
const DROP_KIND_IDS = Object.keys(DROP_KINDS) as DropKindId[];
const DROP_INDEX: Readonly<Record<string, number>> = Object.fromEntries(DROP_KIND_IDS.map((id, i) => [id, i]));

export class SecurityAssociation {
  readonly id: number;
  readonly config: SaConfig;
  /** config.dst, kept on the record itself: the lookup reads it without a second hop. */
  readonly dst: string | null;
  readonly addedAt: number;
  /** The inbound anti-replay window (also tracks seq-hi for ESN); null for outbound SAs. */
  readonly replay: ReplayWindow | null;
  /** The database's lifetime timer for this SA (owned by SaDatabase; nobody else touches it). */
  timer: TimerHandle | null = null;
  private firstUse: number | null = null;
  private packetCount = 0;
  private byteCount = 0;
  private removed: number | null = null;
  private expiryEvidence: ExpiryEvidence | null = null;
  private currentState: SaState = 'larval';
  private outHi = 0;
  private outLo = 0;
  private dropCounts: Float64Array | null = null;
  private cachedRef: SaRef | null = null;

  constructor(id: number, config: SaConfig, addedAt: number) {
    this.id = id;
    this.config = config;
    this.dst = config.dst;
    this.addedAt = addedAt;
    this.replay = config.direction === 'inbound' ? new ReplayWindow(config.replayWindow, config.esn) : null;
    if (this.replay !== null && (config.initialSeqHi ?? 0) !== 0) this.replay.startInSubspace(config.initialSeqHi!);
  }

  get state(): SaState {
    return this.currentState;
  }

  /** Time of the first accounted packet; null while unused. */
  get firstUsedAt(): number | null {
    return this.firstUse;
  }

  /** Good packets accounted on this SA. */
  get packets(): number {
    return this.packetCount;
  }

  /** Bytes of those packets. */
  get bytes(): number {
    return this.byteCount;
  }

  /** When the SA left its database (removed or expired); null while installed. */
  get removedAt(): number | null {
    return this.removed;
  }

  /** Which hard limit ran out, once the state is 'expired' (null if removed as expired without evidence). */
  get expiry(): ExpiryEvidence | null {
    return this.expiryEvidence;
  }

  /** Counts one good packet (SaDatabase.account calls this). Returns true on the first one. */
  recordPacket(bytes: number, now: number): boolean {
    this.packetCount++;
    this.byteCount += bytes;
    if (this.firstUse !== null) return false;
    this.firstUse = now;
    return true;
  }

  /** Marks the SA as gone from its database (SaDatabase calls this). */
  markRemoved(now: number, expiry: ExpiryEvidence | null): void {
    this.removed = now;
    if (expiry !== null) this.expiryEvidence = expiry;
  }

  get spi(): number {
    return this.config.spi;
  }

  /** True while packets may use the SA (mature or dying, and still installed). */
  get usable(): boolean {
    return (this.currentState === 'mature' || this.currentState === 'dying') && this.removed === null;
  }

  /**
   * The one place the state changes. `expected` is what the caller believes the state is;
   * anything else, or a move the lifecycle forbids, is a bug and throws.
   */
  transition(expected: readonly SaState[], to: SaState): void {
    const from = this.currentState;
    if (!expected.includes(from) || !LEGAL[from].includes(to)) {
      throw new IllegalTransitionError(this.id, from, to, expected);
    }
    this.currentState = to;
  }

  /** A small reference for verdicts and events, built once. */
  ref(): SaRef {
    return (this.cachedRef ??= Object.freeze({
      id: this.id,
      spi: this.config.spi,
      direction: this.config.direction,
      label: this.config.label ?? null,
    }));
  }

  /** High half of the last sequence number sent (0 without ESN). */
  get outSeqHi(): number {
    return this.outHi;
  }

  /** Low half of the last sequence number sent (0 before the first packet). */
  get outSeqLo(): number {
    return this.outLo;
  }

  /**
   * The next outbound sequence number (RFC 4303 3.3.3: the first is 1): returns its low
   * half (read outSeqHi for the high half with ESN), or SEQUENCE_EXHAUSTED when sending
   * would make the counter cycle: 2^32 - 1 packets without ESN, 2^64 - 1 with it.
   */
  nextSequence(): number {
    if (this.outLo !== MAX_U32) return ++this.outLo;
    if (!this.config.esn || this.outHi === MAX_U32) return SEQUENCE_EXHAUSTED;
    this.outHi++;
    this.outLo = 0;
    return 0;
  }

  /**
   * Restores the outbound counter (RFC 4303 3.3.3: with manual keys "the sequence number
   * counter at the sender MUST be correctly maintained across local reboots"). Only forward.
   */
  restoreOutboundSequence(hi: number, lo: number): void {
    if ((hi >>> 0) !== hi || (lo >>> 0) !== lo) throw new RangeError(`hi and lo must be u32 integers, got ${hi}, ${lo}`);
    if (!this.config.esn && hi !== 0) throw new RangeError(`hi must be 0 without ESN, got ${hi}`);
    if (hi < this.outHi || (hi === this.outHi && lo < this.outLo)) {
      throw new RangeError(`hi, lo must not move the counter back (now ${this.outHi}, ${this.outLo})`);
    }
    this.outHi = hi;
    this.outLo = lo;
  }

  /** Counts a packet dropped on this SA. */
  countDrop(kind: DropKindId): void {
    const counts = (this.dropCounts ??= new Float64Array(DROP_KIND_IDS.length));
    counts[DROP_INDEX[kind]!]! += 1;
  }

  /** Packets dropped on this SA for one reason. */
  drops(kind: DropKindId): number {
    return this.dropCounts === null ? 0 : this.dropCounts[DROP_INDEX[kind]!]!;
  }

  /** Non-zero drop counters by kind (allocates; for reports and tombstones). */
  dropSummary(): Partial<Record<DropKindId, number>> {
    const out: Partial<Record<DropKindId, number>> = {};
    if (this.dropCounts === null) return out;
    DROP_KIND_IDS.forEach((id, i) => {
      if (this.dropCounts![i]! > 0) out[id] = this.dropCounts![i]!;
    });
    return out;
  }
}
