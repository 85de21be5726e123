// The anti-replay window of RFC 4303 3.4.3, with extended sequence numbers (ESN) as
// RFC 4303 Appendix A describes them. The check is split in two, as 3.4.3 demands:
//
//   check(seqLo)        before the ICV: cheap, changes nothing, infers seq-hi (A2.2);
//   commit(seqHi, lo)   after the ICV verified: "The receive window is updated only if
//                       the integrity verification succeeds" (3.4.3).
//
// Sequence numbers stay plain u32 numbers (hi, lo); the hot path never allocates. The
// bitmap is a ring of 32-bit words (the layout of RFC 6479) allocated on the first commit,
// so an SA that never receives a packet costs no bitmap at all. The words live in a plain
// array of int32 values, not a Uint32Array: V8 spends ~216 bytes of heap on even a 16-byte
// typed array and ~80 on a 4-element array, and a million SAs each hold one (bench/sad.ts).
//
// What this module does NOT do: the re-synchronisation of RFC 4303 A3 (retrying the ICV
// with larger seq-hi after many consecutive ICV failures). It needs the ICV, which lives
// in esp/; commit() accepts any (hi, lo) to the right of the window, so a caller that
// finds the right seq-hi by A3.2 can commit it here.

/** check(): the sequence number is inside the window and already marked (a duplicate). */
export const REPLAY_DUPLICATE = -1;
/** check(): the sequence number is left of the window (older than top - size + 1). */
export const REPLAY_TOO_OLD = -2;
/** check(): sequence number 0 is never sent (RFC 4303 3.3.3: the first packet carries 1). */
export const REPLAY_ZERO = -3;

export type ReplayFailure = typeof REPLAY_DUPLICATE | typeof REPLAY_TOO_OLD | typeof REPLAY_ZERO;
export type ReplayFailureReason = 'duplicate' | 'too-old' | 'zero';

/** Largest window this module accepts (bitmap of 16 KiB at this size). */
export const MAX_REPLAY_WINDOW = 65536;

const TWO_32 = 4294967296;
/** 2^27: how many 32-bit bitmap words one seq-hi step spans (2^32 / 32). */
const WORDS_PER_SUBSPACE = 134217728;
/**
 * With anti-replay off (size 0) an ESN SA still needs seq-hi for the ICV (RFC 4303 3.3.3
 * note: ESN "creates a need for the receiver to manage the anti-replay window (in order to
 * determine the correct value for the high-order bits)"). We infer with the widest window
 * Appendix A2 allows ("assumes that the window is no greater than 2^31 packets"): a late
 * packet up to 2^31 - 1 behind the top keeps the top's seq-hi, since nothing else rejects it.
 */
const INFERENCE_WIDTH_WHEN_OFF = 2 ** 31;

/** The reason name of a negative check() result. */
export function replayFailureReason(code: ReplayFailure): ReplayFailureReason {
  if (code === REPLAY_DUPLICATE) return 'duplicate';
  if (code === REPLAY_TOO_OLD) return 'too-old';
  return 'zero';
}

/** Evidence for a verdict (plain data, serialisable as it is). */
export type ReplayEvidence = {
  readonly windowSize: number;
  readonly esn: boolean;
  /** Highest authenticated sequence number (T), as 64-bit decimal text and as (hi, lo). */
  readonly top: string;
  readonly topHi: number;
  readonly topLo: number;
  /** The packet's sequence number with the inferred seq-hi, as 64-bit decimal text and as (hi, lo). */
  readonly seq: string;
  readonly seqHi: number;
  readonly seqLo: number;
  /** top - seq: how far behind the top the packet was (negative: ahead of it). */
  readonly behind: number;
  /** What check() says about it now. */
  readonly result: 'accept' | ReplayFailureReason;
  /**
   * ESN only: how far behind the top seqLo would be if it belonged to the top's subspace
   * (null when it would be ahead). A2.2 infers the next subspace for a number left of the
   * window, so a late packet on an ESN SA fails the ICV instead of the replay check; this
   * lets a diagnosis say "late or replayed" rather than "wrong key".
   */
  readonly behindInTopSubspace: number | null;
};

function isU32(value: number): boolean {
  return (value >>> 0) === value;
}

function nextPowerOfTwo(n: number): number {
  let p = 1;
  while (p < n) p *= 2;
  return p;
}

export class ReplayWindow {
  /** Window size W in packets; 0 means anti-replay is off. */
  readonly size: number;
  readonly esn: boolean;
  private readonly inferWidth: number;
  private hi = 0;
  private lo = 0;
  /** Ring of ceil(W / 32) + 1 int32 words rounded up to a power of two; null until the first commit. */
  private bits: number[] | null = null;

  constructor(size: number, esn: boolean) {
    if (!Number.isInteger(size) || size < 0 || size > MAX_REPLAY_WINDOW) {
      throw new RangeError(`size must be an integer from 0 to ${MAX_REPLAY_WINDOW}, got ${size}`);
    }
    if (typeof esn !== 'boolean') throw new TypeError('esn must be a boolean');
    this.size = size;
    this.esn = esn;
    this.inferWidth = size === 0 ? INFERENCE_WIDTH_WHEN_OFF : size;
  }

  /** High half of the highest authenticated sequence number (0 before the first commit). */
  get topHi(): number {
    return this.hi;
  }

  /** Low half of the highest authenticated sequence number (0 before the first commit). */
  get topLo(): number {
    return this.lo;
  }

  /**
   * The preliminary check of RFC 4303 3.4.3, done before the ICV. Returns the inferred
   * seq-hi (>= 0; always 0 without ESN) when the packet may proceed to the ICV, or
   * REPLAY_DUPLICATE / REPLAY_TOO_OLD / REPLAY_ZERO. Changes nothing.
   */
  check(seqLo: number): number {
    if (!isU32(seqLo)) throw new RangeError(`seqLo must be a u32 integer, got ${seqLo}`);
    const hi = this.esn ? this.inferHi(seqLo) : 0;
    // RFC 4303 3.4.3: "If the receiver does not enable anti-replay for an SA, no inbound
    // checks are performed on the Sequence Number" (and 3.3.3 lets such a sender wrap to 0).
    if (this.size === 0) return hi;
    if (hi === 0 && seqLo === 0) return REPLAY_ZERO;
    const behind = (this.hi - hi) * TWO_32 + (this.lo - seqLo);
    if (behind < 0) return hi; // right of the window: new
    if (behind >= this.size) return REPLAY_TOO_OLD;
    if (this.bits !== null && this.isMarked(seqLo)) return REPLAY_DUPLICATE;
    return hi;
  }

  /**
   * Records a sequence number whose ICV verified (RFC 4303 3.4.3, A2.1). Returns true when
   * it was new; false when it was already marked, fell left of the window, or is zero:
   * a duplicate that passed check() while its twin was still in flight; drop it.
   */
  commit(seqHi: number, seqLo: number): boolean {
    if (!isU32(seqHi)) throw new RangeError(`seqHi must be a u32 integer, got ${seqHi}`);
    if (!isU32(seqLo)) throw new RangeError(`seqLo must be a u32 integer, got ${seqLo}`);
    if (!this.esn && seqHi !== 0) throw new RangeError(`seqHi must be 0 without ESN, got ${seqHi}`);
    const diff = (seqHi - this.hi) * TWO_32 + (seqLo - this.lo);
    if (this.size === 0) {
      if (diff > 0) this.setTop(seqHi, seqLo); // still tracked: ESN inference needs T
      return true;
    }
    if (seqHi === 0 && seqLo === 0) return false;
    if (diff > 0) {
      this.advance(seqHi, seqLo);
      return true;
    }
    if (-diff >= this.size) return false;
    const bits = this.bits ?? this.allocate();
    const word = (seqLo >>> 5) & (bits.length - 1);
    const mask = 1 << (seqLo & 31);
    if ((bits[word]! & mask) !== 0) return false;
    bits[word] = bits[word]! | mask;
    return true;
  }

  /**
   * Before any packet: the sender is known to be in ESN subspace `hi` already (a capture that
   * starts in the middle of an SA, with the high bits from the key file). RFC 4303 A2.2 then
   * infers seq-hi from (hi, 0) instead of (0, 0).
   */
  startInSubspace(hi: number): void {
    if (!isU32(hi)) throw new RangeError(`hi must be a u32 integer, got ${hi}`);
    if (!this.esn && hi !== 0) throw new RangeError(`hi must be 0 without ESN, got ${hi}`);
    if (this.hi !== 0 || this.lo !== 0) throw new RangeError('startInSubspace() must come before the first packet');
    this.setTop(hi, 0);
  }

  /** Evidence about seqLo against the current window, for a verdict. Allocates; not for the hot path. */
  describe(seqLo: number): ReplayEvidence {
    const code = this.check(seqLo);
    const seqHi = code >= 0 ? code : this.esn ? this.inferHi(seqLo) : 0;
    const behind = (this.hi - seqHi) * TWO_32 + (this.lo - seqLo);
    return {
      windowSize: this.size,
      esn: this.esn,
      top: u64Text(this.hi, this.lo),
      topHi: this.hi,
      topLo: this.lo,
      seq: u64Text(seqHi, seqLo),
      seqHi,
      seqLo,
      behind,
      result: code >= 0 ? 'accept' : replayFailureReason(code as ReplayFailure),
      behindInTopSubspace: this.esn && seqLo <= this.lo ? this.lo - seqLo : null,
    };
  }

  /**
   * RFC 4303 A2.2: seq-hi from where the window stands. Case A (Tl >= W - 1, the window
   * lies in one subspace): Seql >= Bl gives Th, else Th + 1. Case B (the window spans two
   * subspaces): Seql >= Bl gives Th - 1, else Th. Bl = Tl - W + 1 mod 2^32. One addition
   * of ours: in Case B with Th = 0 there is no subspace -1, so such a number is taken as
   * far ahead in subspace 0 (the ICV decides), never as a negative sequence number.
   */
  private inferHi(seqLo: number): number {
    const w = this.inferWidth;
    const th = this.hi;
    const tl = this.lo;
    const bl = (tl - w + 1) >>> 0;
    if (tl >= w - 1) return this.clampHi(seqLo >= bl ? th : th + 1);
    if (seqLo >= bl) return th === 0 ? 0 : th - 1;
    return th;
  }

  /** Th + 1 past 2^32 - 1 does not exist: the number can only be old, in Th's subspace. */
  private clampHi(hi: number): number {
    return hi === TWO_32 ? this.hi : hi;
  }

  private isMarked(seqLo: number): boolean {
    const bits = this.bits!;
    return ((bits[(seqLo >>> 5) & (bits.length - 1)]! >>> (seqLo & 31)) & 1) === 1;
  }

  /** A2.1: move the top to (hi, lo), clearing the words that now stand for new numbers. */
  private advance(hi: number, lo: number): void {
    const bits = this.bits ?? this.allocate();
    const words = bits.length;
    const mask = words - 1;
    const fromWord = this.lo >>> 5;
    const wordDiff = (hi - this.hi) * WORDS_PER_SUBSPACE + ((lo >>> 5) - fromWord);
    if (wordDiff >= words) {
      for (let i = 0; i < words; i++) bits[i] = 0;
    } else {
      for (let i = 1; i <= wordDiff; i++) bits[(fromWord + i) & mask] = 0;
    }
    this.setTop(hi, lo);
    const word = (lo >>> 5) & mask;
    bits[word] = bits[word]! | (1 << (lo & 31));
  }

  private setTop(hi: number, lo: number): void {
    this.hi = hi;
    this.lo = lo;
  }

  private allocate(): number[] {
    // One spare word beyond ceil(W / 32) so advancing clears whole words (RFC 6479),
    // rounded to a power of two so the word index is a mask of the low bits.
    const words = nextPowerOfTwo(Math.ceil(this.size / 32) + 1);
    const bits = new Array<number>(words).fill(0); // exact capacity (push would reserve 17)
    this.bits = bits;
    return bits;
  }
}

function u64Text(hi: number, lo: number): string {
  return ((BigInt(hi) << 32n) | BigInt(lo)).toString();
}
