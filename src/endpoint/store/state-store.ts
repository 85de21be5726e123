// The daemon's durable state in <stateDir>/state.db (SQLite, WAL, synchronous=FULL):
// outbound sequence reservations (so no key and sequence number pair is ever used twice, even
// across a crash: AES-GCM nonce reuse gives away the key stream) and the drop log.
//
// One process per state directory. The lock is SQLite's own: in EXCLUSIVE locking mode the
// connection takes the file's exclusive lock at open and keeps it until close, and the kernel
// drops it when the process dies, so a crash never leaves a stale lock. (A pid file alone
// would: pid reuse, a daemon that is pid 1 in a container every time.) daemon.pid only names
// the holder for the 'locked' message.
import { accessSync, constants, mkdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import Database from 'better-sqlite3';
import type { Database as SqliteDatabase } from 'better-sqlite3';
import type { KeyMaterial } from '../../esp/transform-spec.js';
import type { DropQuery, DropRecord } from '../drop-record.js';
import type { EndpointPersistence } from '../ports.js';
import { DropLog } from './drop-log.js';
import { keyFingerprint } from './key-fingerprint.js';
import { isRunning, pidFilePath, readPidFile, removePidFile, writePidFile } from './pid-file.js';
import { migrate } from './schema.js';
import { SequenceReservation } from './sequence-reservation.js';
import { SequenceTable } from './sequence-table.js';
import { StoreError, corruptStore, lockedStore, otherStoreFailure, storeErrorOf, unwritableStore } from './store-error.js';

export interface StateStoreOptions {
  /** Sequence numbers reserved per durable write (default 65,536). */
  readonly reserveBlock?: number;
  /** Drop log cap; the oldest rows go first (default 1,000,000). */
  readonly dropLogMaxRows?: number;
  /** Rows per second for one (kind, SPI, reason); more fold into `repeats` (default 20). */
  readonly dropRowsPerSecond?: number;
  /** Milliseconds since the epoch (default Date.now); drives the rate limit and row times. */
  readonly clock?: () => number;
  /** A timer flush of the drop log failed (default: process.emitWarning). */
  readonly onBackgroundError?: (err: StoreError) => void;
}

export const DEFAULT_RESERVE_BLOCK = 65_536;

function prepareDirectory(dir: string): void {
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
  } catch (err) {
    throw storeErrorOf(err, dir) ?? otherStoreFailure(dir, String(err), err);
  }
  if (!statSync(dir).isDirectory()) throw unwritableStore(dir, 'it is not a directory');
  try {
    accessSync(dir, constants.W_OK | constants.X_OK);
  } catch (err) {
    throw unwritableStore(dir, 'no write permission', err);
  }
}

function openLocked(dbPath: string, stateDir: string, now: number): SqliteDatabase {
  let db: SqliteDatabase;
  try {
    // timeout 0: a held lock means another daemon, not a moment to wait for.
    db = new Database(dbPath, { timeout: 0 });
  } catch (err) {
    throw storeErrorOf(err, dbPath) ?? otherStoreFailure(dbPath, String(err), err);
  }
  try {
    db.pragma('locking_mode = EXCLUSIVE');
    const mode = db.pragma('journal_mode = WAL', { simple: true });
    if (mode !== 'wal') throw otherStoreFailure(dbPath, `SQLite refused write-ahead logging (journal_mode is ${String(mode)})`);
    // Reservations must be on disk before the numbers they cover leave: fsync every commit.
    db.pragma('synchronous = FULL');
    db.exec('BEGIN EXCLUSIVE');
    const problems = (db.pragma('quick_check') as { quick_check: string }[]).flatMap((r) => r.quick_check.split('\n'));
    if (problems.length !== 1 || problems[0] !== 'ok') {
      const shown = problems.filter((p) => !p.startsWith('***')).slice(0, 3);
      throw corruptStore(dbPath, `integrity check: ${shown.join('; ')}${problems.length > shown.length + 1 ? `; and ${problems.length - shown.length - 1} more` : ''}`);
    }
    migrate(db, dbPath, now);
    db.exec('COMMIT');
    return db;
  } catch (err) {
    if (db.inTransaction) db.exec('ROLLBACK');
    db.close();
    const classified = storeErrorOf(err, dbPath);
    if (classified !== null) throw classified;
    const pidPath = pidFilePath(stateDir);
    const pid = readPidFile(pidPath);
    throw lockedStore(stateDir, pid, pid !== null && isRunning(pid), pidPath, err);
  }
}

export class StateStore implements EndpointPersistence {
  private closed = false;

  private constructor(
    readonly stateDir: string,
    /** <stateDir>/state.db */
    readonly path: string,
    private readonly db: SqliteDatabase,
    private readonly sequences: SequenceTable,
    private readonly drops: DropLog,
    private readonly reserveBlock: number,
  ) {}

  /** Opens (creating if needed) the store in `stateDir`. Throws StoreError. */
  static open(stateDir: string, opts: StateStoreOptions = {}): StateStore {
    const reserveBlock = opts.reserveBlock ?? DEFAULT_RESERVE_BLOCK;
    if (!Number.isSafeInteger(reserveBlock) || reserveBlock < 1) throw new RangeError(`reserveBlock must be a positive integer, got ${reserveBlock}`);
    const clock = opts.clock ?? Date.now;
    const dir = resolve(stateDir);
    prepareDirectory(dir);
    const dbPath = join(dir, 'state.db');
    const db = openLocked(dbPath, dir, clock());
    try {
      const onBackgroundError = opts.onBackgroundError ?? ((err: StoreError) => process.emitWarning(err.message, 'StoreWarning'));
      const drops = new DropLog(db, dbPath, {
        maxRows: opts.dropLogMaxRows ?? 1_000_000, rowsPerSecond: opts.dropRowsPerSecond ?? 20, clock, onBackgroundError,
      });
      const store = new StateStore(dir, dbPath, db, new SequenceTable(db, dbPath, clock), drops, reserveBlock);
      writePidFile(pidFilePath(dir), process.pid);
      return store;
    } catch (err) {
      db.close();
      throw err instanceof RangeError ? err : storeErrorOf(err, dir) ?? otherStoreFailure(dir, String(err), err);
    }
  }

  /** The reserved-through value recorded for the SA (0 if none); resume at this + 1. */
  resumePoint(spi: number, keyFp: string): number {
    this.assertOpen();
    return this.guard(() => this.sequences.resumePoint(spi, keyFp));
  }

  /** Durably records `through` for the SA; never lowers the recorded value. */
  reserve(spi: number, keyFp: string, through: number): void {
    this.assertOpen();
    this.guard(() => this.sequences.reserve(spi, keyFp, through));
  }

  /** A SequenceReservation for the SA, with this store's block size (EndpointPersistence). */
  sequenceGuard(spi: number, keys: KeyMaterial): SequenceReservation {
    return new SequenceReservation(this, spi, keyFingerprint(keys), this.reserveBlock);
  }

  /**
   * Deletes reservations not written for `ms` milliseconds, except those of SAs this process
   * has used. Never called automatically: if those keys ever come back, they restart at 1.
   */
  pruneReservationsOlderThan(ms: number): number {
    this.assertOpen();
    return this.guard(() => this.sequences.pruneOlderThan(ms));
  }

  /** Buffers a drop: returns it with its id, or null when folded into an earlier row's repeats. */
  appendDrop(record: DropRecord): DropRecord | null {
    this.assertOpen();
    return this.drops.append(record);
  }

  /** Matching drops, newest `limit` (default 1000), oldest first; includes unflushed ones. */
  queryDrops(query: DropQuery): DropRecord[] {
    this.assertOpen();
    return this.guard(() => this.drops.query(query));
  }

  /** Writes buffered drops now. */
  flush(): void {
    this.assertOpen();
    this.drops.flush();
  }

  /** Drop records lost to failed writes since open. */
  get lostDropRecords(): number {
    return this.drops.lost;
  }

  /** Flushes and closes; releases the state directory. Safe to call twice. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    try {
      this.drops.close();
    } finally {
      this.db.close();
      removePidFile(pidFilePath(this.stateDir), process.pid);
    }
  }

  private assertOpen(): void {
    if (this.closed) throw new StoreError('other', this.path, `the state store ${this.path} is closed; open it again (StateStore.open)`);
  }

  private guard<T>(fn: () => T): T {
    try {
      return fn();
    } catch (err) {
      if (err instanceof RangeError || err instanceof TypeError || err instanceof StoreError) throw err;
      throw storeErrorOf(err, this.path) ?? otherStoreFailure(this.path, String(err), err);
    }
  }
}
