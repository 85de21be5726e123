// Opening the state store: what it creates, and each way it refuses to open with the reason
// and a message that names the path and says what to do.
import { chmodSync, existsSync, mkdirSync, openSync, readFileSync, statSync, writeFileSync, writeSync, closeSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { StateStore } from '../../src/endpoint/store/state-store.js';
import { StoreError } from '../../src/endpoint/store/store-error.js';
import type { StoreErrorReason } from '../../src/endpoint/store/store-error.js';
import { SCHEMA_VERSION } from '../../src/endpoint/store/schema.js';
import { cleanUpStores, tempDir } from './store-support.js';

afterEach(cleanUpStores);


function openFailure(dir: string): StoreError {
  try {
    StateStore.open(dir).close();
  } catch (err) {
    if (err instanceof StoreError) return err;
    throw err;
  }
  throw new Error('the store opened');
}

function expectFailure(dir: string, reason: StoreErrorReason, ...inMessage: string[]): StoreError {
  const err = openFailure(dir);
  expect(err.reason).toBe(reason);
  for (const text of inMessage) expect(err.message).toContain(text);
  return err;
}

describe('StateStore.open', () => {
  it('creates a missing state directory (mode 0700) with state.db and daemon.pid, removed at close', () => {
    const dir = join(tempDir(), 'a', 'state');
    const store = StateStore.open(dir);
    expect(statSync(dir).mode & 0o777).toBe(0o700);
    expect(store.path).toBe(join(dir, 'state.db'));
    expect(existsSync(store.path)).toBe(true);
    expect(readFileSync(join(dir, 'daemon.pid'), 'utf8')).toBe(`${process.pid}\n`);
    store.close();
    store.close(); // idempotent
    expect(existsSync(join(dir, 'daemon.pid'))).toBe(false);
    expect(() => store.queryDrops({})).toThrow(/closed/);
  });

  it('uses write-ahead logging and keeps the schema version', () => {
    const dir = tempDir();
    StateStore.open(dir).close();
    const db = new Database(join(dir, 'state.db'));
    try {
      expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
      expect(db.prepare('SELECT max(version) AS v FROM schema_version').get()).toEqual({ v: SCHEMA_VERSION });
    } finally {
      db.close();
    }
  });

  it("says 'corrupt' for a file that is not SQLite, with the path and how to start over", () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'state.db'), 'this is not a database, just some garbage '.repeat(100));
    expectFailure(dir, 'corrupt', join(dir, 'state.db'), `mv ${join(dir, 'state.db')} ${join(dir, 'state.db')}.broken`, 'new keys or SPIs');
  });

  it("says 'corrupt' when the pages inside a real store are damaged", () => {
    const dir = tempDir();
    const store = StateStore.open(dir, { dropRowsPerSecond: 1000 });
    for (let i = 0; i < 2000; i++) {
      store.appendDrop({
        id: 0, at: i, direction: 'inbound', kind: 'replay', windowsName: 'ERROR_IPSEC_REPLAY_CHECK_FAILED', windowsCode: 13913,
        linuxCounter: 'XfrmInStateSeqError', stage: 'replay', spi: '0x00001000', sa: 'west', peer: null, cause: 'duplicate',
        reason: `duplicate-${i}`, summary: 'x'.repeat(200), evidence: { i }, nextStep: 'y', repeats: 1,
      });
    }
    store.close();
    const size = statSync(join(dir, 'state.db')).size;
    expect(size).toBeGreaterThan(64 * 4096);
    const fd = openSync(join(dir, 'state.db'), 'r+');
    writeSync(fd, Buffer.alloc(16 * 4096, 0xa5), 0, 16 * 4096, 8 * 4096);
    closeSync(fd);
    expectFailure(dir, 'corrupt', join(dir, 'state.db'));
  });

  it("says 'corrupt' for an SQLite file that is not ours", () => {
    const dir = tempDir();
    const db = new Database(join(dir, 'state.db'));
    db.exec('CREATE TABLE photos (id INTEGER PRIMARY KEY)');
    db.close();
    expectFailure(dir, 'corrupt', 'not an ipsec-ts state store', 'photos');
  });

  it("says 'newer-schema' for a store written by a newer version, and leaves it untouched", () => {
    const dir = tempDir();
    StateStore.open(dir).close();
    const db = new Database(join(dir, 'state.db'));
    db.prepare('INSERT INTO schema_version (version, applied_at) VALUES (?, 0)').run(SCHEMA_VERSION + 98);
    db.close();
    expectFailure(dir, 'newer-schema', join(dir, 'state.db'), `schema ${SCHEMA_VERSION + 98}`, `up to ${SCHEMA_VERSION}`);
    const again = new Database(join(dir, 'state.db'));
    expect(again.prepare('SELECT max(version) AS v FROM schema_version').get()).toEqual({ v: SCHEMA_VERSION + 98 });
    again.close();
  });

  it("says 'locked' with our pid when the directory is already open, and opens after close", () => {
    const dir = tempDir();
    const first = StateStore.open(dir);
    const err = expectFailure(dir, 'locked', dir, `pid ${process.pid}`, 'another stateDir');
    expect(err.otherPid).toBe(process.pid);
    // The refused open must not have taken the pid file away from the holder.
    expect(readFileSync(join(dir, 'daemon.pid'), 'utf8').trim()).toBe(String(process.pid));
    first.reserve(1, 'a'.repeat(64), 9);
    first.close();
    const second = StateStore.open(dir);
    expect(second.resumePoint(1, 'a'.repeat(64))).toBe(9);
    second.close();
  });

  it("says 'locked' without blaming a dead pid when another program holds state.db", () => {
    const dir = tempDir();
    StateStore.open(dir).close();
    const gone = spawnSync(process.execPath, ['-e', '0']).pid!; // exited: its pid names no process now
    writeFileSync(join(dir, 'daemon.pid'), `${gone}\n`);
    const other = new Database(join(dir, 'state.db'));
    try {
      other.pragma('locking_mode = EXCLUSIVE');
      other.exec('BEGIN EXCLUSIVE; COMMIT');
      const err = expectFailure(dir, 'locked', `pid ${gone}, which is not running`, 'fuser');
      expect(err.otherPid).toBeNull();
    } finally {
      other.close();
    }
    StateStore.open(dir).close();
  });

  it("says 'unwritable' for a state directory under a regular file", () => {
    const file = join(tempDir(), 'plain-file');
    writeFileSync(file, '');
    expectFailure(join(file, 'state'), 'unwritable', join(file, 'state'), 'writable directory');
  });

  it("says 'unwritable' for a state directory without write permission", () => {
    const parent = tempDir();
    const dir = join(parent, 'state');
    mkdirSync(dir);
    chmodSync(dir, 0o500);
    // Permissions do not stop root: take an unprivileged effective uid for the attempt.
    const asRoot = process.getuid?.() === 0;
    if (asRoot) {
      chmodSync(parent, 0o755);
      process.seteuid!(65534);
    }
    let err: StoreError;
    try {
      err = openFailure(dir);
    } finally {
      if (asRoot) process.seteuid!(0);
    }
    expect(err.reason).toBe('unwritable');
    expect(err.message).toContain(dir);
    expect(existsSync(join(dir, 'state.db'))).toBe(false);
  });
});
