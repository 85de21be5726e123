// Keeps one outbound SA's (key, sequence number) pairs unique across crashes. Before number n
// leaves, a reservation >= n is durable in the store; a restart resumes above the reservation,
// skipping whatever the previous run may have used. Reservations go in blocks so the hot path
// writes about once per `block` packets and otherwise costs one comparison.
//
// Reserving early (at half a block) would not shorten any stall: better-sqlite3 is synchronous,
// so the write blocks the event loop whenever it happens. It would only add writes.
import type { SequenceGuard } from '../ports.js';
import { MAX_SEQUENCE, checkSequence, checkSpi } from './sequence-number.js';
import { isKeyFingerprint } from './key-fingerprint.js';

/** The durable part: what StateStore offers (and a test double can). */
export interface SequenceLedger {
  /** The reserved-through value recorded for the SA (0 if none). */
  resumePoint(spi: number, keyFp: string): number;
  /** Durably records `through` (never lowers the recorded value). */
  reserve(spi: number, keyFp: string, through: number): void;
}

export class SequenceReservation implements SequenceGuard {
  private through = 0;
  private started = false;

  constructor(
    private readonly ledger: SequenceLedger,
    readonly spi: number,
    readonly keyFp: string,
    readonly block: number,
  ) {
    checkSpi(spi);
    if (!isKeyFingerprint(keyFp)) throw new TypeError('keyFp must be 64 lower-case hex digits (keyFingerprint())');
    if (!Number.isSafeInteger(block) || block < 1) throw new RangeError(`block must be a positive integer, got ${block}`);
  }

  /** Everything up to here may be used without another write. */
  get reservedThrough(): number {
    return this.through;
  }

  /** The first sequence number to use: above every earlier reservation; its block is durable on return. */
  start(): number {
    const resume = this.ledger.resumePoint(this.spi, this.keyFp);
    if (resume >= MAX_SEQUENCE) {
      throw new RangeError(`SPI ${this.spi}: these keys have reserved every sequence number up to 2^53-1; give the SA new keys`);
    }
    this.started = true;
    this.through = resume;
    this.extend(resume + 1);
    return resume + 1;
  }

  /** Call before `nextSeq` leaves; writes only when it passes the reservation. */
  ensure(nextSeq: number): void {
    // `!(a <= b)` rather than `a > b`: NaN must take the checked path, not slip through.
    if (!(nextSeq <= this.through)) this.extend(nextSeq);
  }

  private extend(nextSeq: number): void {
    if (!this.started) throw new Error('SequenceReservation.start() must run before ensure()');
    checkSequence('nextSeq', nextSeq);
    if (nextSeq < 1) throw new RangeError('nextSeq starts at 1 (RFC 4303 3.3.3)');
    const through = Math.min(MAX_SEQUENCE, nextSeq - 1 + this.block);
    this.ledger.reserve(this.spi, this.keyFp, through);
    this.through = through;
  }
}
