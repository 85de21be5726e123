// A deliberately plain reference model of the RFC 4303 anti-replay window, written from the
// RFC's words with BigInt and a Set, sharing no code with src/replay/window.ts:
//
// - T is the highest 64-bit number accepted so far (0 before any), W the window size.
// - 3.4.3: a number left of the window (T - seq >= W) is rejected, one inside it is
//   rejected if it was accepted before, one right of it passes.
// - A2.2 said differently: seq-hi is chosen so that the full number lies in
//   [T - W + 1, T - W + 2^32], the 2^32 numbers starting at the window's bottom (the
//   subspace boundary is where Case A / Case B switch). A number that would be negative is
//   taken in subspace 0 (there is no subspace -1) and one past 2^64 - 1 in T's subspace.
// - Size 0: nothing is rejected; for ESN the bottom is T - 2^31 + 1 (see window.ts).

export const DUPLICATE = -1;
export const TOO_OLD = -2;
export const ZERO = -3;

const TWO_32 = 1n << 32n;
const TWO_64 = 1n << 64n;

export class ModelWindow {
  top = 0n;
  readonly accepted = new Set<bigint>();

  constructor(readonly size: number, readonly esn: boolean) {}

  /** The full 64-bit number the receiver assumes for seqLo. */
  full(seqLo: number): bigint {
    const lo = BigInt(seqLo);
    if (!this.esn) return lo;
    const width = this.size === 0 ? 1n << 31n : BigInt(this.size);
    const bottom = this.top - width + 1n;
    let seq = bottom + ((((lo - bottom) % TWO_32) + TWO_32) % TWO_32);
    if (seq < 0n) seq += TWO_32;
    if (seq >= TWO_64) seq -= TWO_32;
    return seq;
  }

  check(seqLo: number): number {
    const seq = this.full(seqLo);
    const hi = Number(seq >> 32n);
    if (this.size === 0) return hi;
    if (seq === 0n) return ZERO;
    if (seq > this.top) return hi;
    if (this.top - seq >= BigInt(this.size)) return TOO_OLD;
    if (this.accepted.has(seq)) return DUPLICATE;
    return hi;
  }

  commit(seqHi: number, seqLo: number): void {
    const seq = (BigInt(seqHi) << 32n) | BigInt(seqLo);
    this.accepted.add(seq);
    if (seq > this.top) this.top = seq;
  }

  /** Forgets accepted numbers left of the window: they can never be asked about again (memory only). */
  prune(): void {
    const bottom = this.top - BigInt(this.size);
    for (const seq of this.accepted) if (seq <= bottom) this.accepted.delete(seq);
  }

  topParts(): [number, number] {
    return [Number(this.top >> 32n), Number(this.top & 0xffffffffn)];
  }
}
