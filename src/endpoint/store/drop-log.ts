// The drop_log table: every diagnosed drop, kept across restarts for `ipsec-ts drops`.
// Appends are buffered and written in batches (one transaction per flush), rate limited per
// (kind, SPI, reason), and the table is capped by deleting the oldest rows.
import type { Database, Statement } from 'better-sqlite3';
import { spiHex } from '../../wire/bytes.js';
import type { DropQuery, DropRecord } from '../drop-record.js';
import { DROP_COLUMNS, recordOf, rowOf } from './drop-rows.js';
import type { DropRow } from './drop-rows.js';
import { DropRateLimit, dropKey } from './drop-rate-limit.js';
import { otherStoreFailure, storeErrorOf } from './store-error.js';
import type { StoreError } from './store-error.js';

export interface DropLogOptions {
  readonly maxRows: number;
  readonly rowsPerSecond: number;
  readonly clock: () => number;
  /** Where a failed timer flush is reported (there is no caller to throw to). */
  readonly onBackgroundError: (err: StoreError) => void;
  readonly flushMs?: number;
  readonly batchRows?: number;
}

const DEFAULT_LIMIT = 1000;

export class DropLog {
  private pending: DropRow[] = [];
  private readonly pendingById = new Map<number, DropRow>();
  /** Repeats to add to rows already on disk, by row id. */
  private readonly foldedIntoStored = new Map<number, number>();
  private timer: NodeJS.Timeout | null = null;
  private nextId: number;
  private rowCount: number;
  private lostRecords = 0;
  private readonly limit: DropRateLimit;
  private readonly insert: Statement<DropRow>;
  private readonly addRepeats: Statement<[number, number]>;
  private readonly trimOldest: Statement<[number]>;
  private readonly queries = new Map<string, Statement<unknown[], DropRow>>();
  private readonly flushMs: number;
  private readonly batchRows: number;

  constructor(private readonly db: Database, private readonly dbPath: string, private readonly options: DropLogOptions) {
    if (!Number.isSafeInteger(options.maxRows) || options.maxRows < 1) throw new RangeError(`dropLogMaxRows must be a positive integer, got ${options.maxRows}`);
    this.limit = new DropRateLimit(options.rowsPerSecond);
    this.flushMs = options.flushMs ?? 250;
    this.batchRows = options.batchRows ?? 500;
    this.insert = db.prepare<DropRow>(`INSERT INTO drop_log (${DROP_COLUMNS.join(', ')}) VALUES (${DROP_COLUMNS.map((c) => '@' + c).join(', ')})`);
    this.addRepeats = db.prepare<[number, number]>('UPDATE drop_log SET repeats = repeats + ? WHERE id = ?');
    this.trimOldest = db.prepare<[number]>('DELETE FROM drop_log WHERE id IN (SELECT id FROM drop_log ORDER BY id LIMIT ?)');
    const stats = db.prepare<[], { n: number; top: number | null }>('SELECT count(*) AS n, max(id) AS top FROM drop_log').get()!;
    this.rowCount = stats.n;
    this.nextId = (stats.top ?? 0) + 1;
  }

  /** Records that could not be written (a failed flush loses its batch rather than grow without bound). */
  get lost(): number {
    return this.lostRecords;
  }

  /** Buffers a drop; returns it with its id, or null when it was folded into an earlier row. */
  append(r: DropRecord): DropRecord | null {
    const id = this.nextId;
    const target = this.limit.admit(dropKey(r.kind, r.spi, r.reason), this.options.clock(), id);
    if (target !== id) {
      this.fold(target, r.repeats);
      this.arm();
      return null;
    }
    this.nextId++;
    const row = rowOf(r, id);
    this.pending.push(row);
    this.pendingById.set(id, row);
    if (this.pending.length >= this.batchRows) this.flush();
    else this.arm();
    return { ...r, id };
  }

  /** Writes everything buffered in one transaction. */
  flush(): void {
    if (this.timer !== null) {
      clearTimeout(this.timer);
      this.timer = null;
    }
    if (this.pending.length === 0 && this.foldedIntoStored.size === 0) return;
    const rows = this.pending;
    const folds = [...this.foldedIntoStored];
    this.pending = [];
    this.pendingById.clear();
    this.foldedIntoStored.clear();
    try {
      // Drops need not survive a power cut, only a crash of the process: skip the fsync at this
      // commit (WAL, synchronous=NORMAL). The next FULL commit (a reservation) syncs them too.
      this.db.pragma('synchronous = NORMAL');
      this.db.transaction(() => {
        for (const row of rows) this.insert.run(row);
        for (const [id, n] of folds) this.addRepeats.run(n, id);
        const excess = this.rowCount + rows.length - this.options.maxRows;
        const trimmed = excess > 0 ? this.trimOldest.run(excess).changes : 0;
        this.rowCount += rows.length - trimmed;
      })();
    } catch (err) {
      this.lostRecords += rows.length;
      throw storeErrorOf(err, this.dbPath) ?? otherStoreFailure(this.dbPath, String(err), err);
    } finally {
      this.db.pragma('synchronous = FULL');
    }
  }

  /** Matching drops, the newest `limit` (default 1000), oldest first; buffered ones included. */
  query(q: DropQuery): DropRecord[] {
    this.flush();
    const limit = q.limit ?? DEFAULT_LIMIT;
    if (!Number.isSafeInteger(limit) || limit < 0) throw new RangeError(`limit must be a non-negative integer, got ${limit}`);
    const where: string[] = [];
    const params: unknown[] = [];
    if (q.since !== undefined) { where.push('at >= ?'); params.push(q.since); }
    if (q.spi !== undefined) { where.push('spi = ?'); params.push(spiHex(q.spi)); }
    if (q.code !== undefined) { where.push('windows_code = ?'); params.push(q.code); }
    params.push(limit);
    const rows = this.statementFor(where).all(...params);
    return rows.reverse().map(recordOf);
  }

  close(): void {
    this.flush();
  }

  private statementFor(where: readonly string[]): Statement<unknown[], DropRow> {
    const sql = `SELECT * FROM drop_log${where.length > 0 ? ' WHERE ' + where.join(' AND ') : ''} ORDER BY id DESC LIMIT ?`;
    let stmt = this.queries.get(sql);
    if (stmt === undefined) {
      stmt = this.db.prepare<unknown[], DropRow>(sql);
      this.queries.set(sql, stmt);
    }
    return stmt;
  }

  private fold(id: number, repeats: number): void {
    const row = this.pendingById.get(id);
    if (row !== undefined) row.repeats += repeats;
    else this.foldedIntoStored.set(id, (this.foldedIntoStored.get(id) ?? 0) + repeats);
  }

  private arm(): void {
    if (this.timer !== null) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      try {
        this.flush();
      } catch (err) {
        this.options.onBackgroundError(storeErrorOf(err, this.dbPath) ?? otherStoreFailure(this.dbPath, String(err), err));
      }
    }, this.flushMs);
    this.timer.unref();
  }
}
