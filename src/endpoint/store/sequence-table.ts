// The seq_reservation table: one row per (SPI, key fingerprint) with the highest sequence
// number reserved. Rows outlive their SAs: if the same keys come back, the counter continues.
import type { Database, Statement } from 'better-sqlite3';
import { checkSequence, checkSpi } from './sequence-number.js';
import { isKeyFingerprint } from './key-fingerprint.js';
import { corruptStore } from './store-error.js';
import type { SequenceLedger } from './sequence-reservation.js';

function checkFingerprint(fp: string): void {
  if (!isKeyFingerprint(fp)) throw new TypeError('keyFp must be 64 lower-case hex digits (keyFingerprint())');
}

const rowKey = (spi: number, fp: string): string => `${spi}:${fp}`;

export class SequenceTable implements SequenceLedger {
  private readonly select: Statement<[number, string], { reserved_through: bigint }>;
  private readonly upsert: Statement<[number, string, number, number, number]>;
  /** SAs this process has used: never pruned, whatever their age. */
  private readonly active = new Set<string>();

  constructor(private readonly db: Database, private readonly dbPath: string, private readonly clock: () => number) {
    this.select = db.prepare<[number, string], { reserved_through: bigint }>(
      'SELECT reserved_through FROM seq_reservation WHERE spi = ? AND key_fp = ?').safeIntegers(true);
    this.upsert = db.prepare<[number, string, number, number, number]>(`
      INSERT INTO seq_reservation (spi, key_fp, reserved_through, created_at, updated_at) VALUES (?, ?, ?, ?, ?)
      ON CONFLICT (spi, key_fp) DO UPDATE SET
        reserved_through = max(reserved_through, excluded.reserved_through), updated_at = excluded.updated_at`);
  }

  resumePoint(spi: number, keyFp: string): number {
    checkSpi(spi);
    checkFingerprint(keyFp);
    this.active.add(rowKey(spi, keyFp));
    const row = this.select.get(spi, keyFp);
    if (row === undefined) return 0;
    const v = row.reserved_through;
    if (v < 0n || v > BigInt(Number.MAX_SAFE_INTEGER)) {
      throw corruptStore(this.dbPath, `the sequence reservation of SPI ${spi} is ${v}, outside 0..2^53-1`);
    }
    return Number(v);
  }

  reserve(spi: number, keyFp: string, through: number): void {
    checkSpi(spi);
    checkFingerprint(keyFp);
    checkSequence('through', through);
    this.active.add(rowKey(spi, keyFp));
    const now = this.clock();
    this.upsert.run(spi, keyFp, through, now, now);
  }

  /** Deletes rows not written for `ms` milliseconds, except those of SAs used by this process. */
  pruneOlderThan(ms: number): number {
    const cutoff = this.clock() - ms;
    const old = this.db.prepare<[number], { spi: number; key_fp: string }>(
      'SELECT spi, key_fp FROM seq_reservation WHERE updated_at < ?').all(cutoff);
    const remove = this.db.prepare<[number, string]>('DELETE FROM seq_reservation WHERE spi = ? AND key_fp = ?');
    let removed = 0;
    this.db.transaction(() => {
      for (const r of old) {
        if (this.active.has(rowKey(r.spi, r.key_fp))) continue;
        removed += remove.run(r.spi, r.key_fp).changes;
      }
    })();
    return removed;
  }
}
