// Why the state store could not be opened or written, with a message that says what to do.
// Every failure of the store reaches the caller as a StoreError with a stable `reason`.

export type StoreErrorReason = 'unwritable' | 'corrupt' | 'locked' | 'newer-schema' | 'other';

export class StoreError extends Error {
  override readonly name = 'StoreError';

  constructor(
    readonly reason: StoreErrorReason,
    /** The file or directory concerned. */
    readonly path: string,
    message: string,
    /** For 'locked': the process that holds the state directory, if known. */
    readonly otherPid: number | null = null,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

const LOST_SEQUENCES =
  'outbound SAs with manual keys must then get new keys or SPIs, because their sequence numbers cannot be recovered';

export function corruptStore(dbPath: string, detail: string, cause?: unknown): StoreError {
  return new StoreError('corrupt', dbPath,
    `the state store ${dbPath} is damaged (${detail}). Move it away (mv ${dbPath} ${dbPath}.broken) to start with an empty store; ${LOST_SEQUENCES}.`,
    null, { cause });
}

export function unwritableStore(path: string, detail: string, cause?: unknown): StoreError {
  return new StoreError('unwritable', path,
    `cannot write the state store at ${path} (${detail}). Give the daemon's user write access to that directory (it keeps state.db, state.db-wal and daemon.pid there), or set stateDir to a writable directory.`,
    null, { cause });
}

export function lockedStore(stateDir: string, pid: number | null, pidRunning: boolean, pidFile: string, cause?: unknown): StoreError {
  if (pid !== null && !pidRunning) {
    return new StoreError('locked', stateDir,
      `the state store in ${stateDir} is held open by another program (${pidFile} names pid ${pid}, which is not running; perhaps an sqlite3 shell). Close that program (\`fuser ${stateDir}/state.db\` shows it), then start again.`,
      null, { cause });
  }
  const who = pid === null ? 'another process (no readable daemon.pid)' : `another process (pid ${pid}, from ${pidFile})`;
  const stop = pid === null ? 'stop the other ipsec-ts daemon' : `stop it first (kill ${pid})`;
  return new StoreError('locked', stateDir,
    `the state directory ${stateDir} is in use by ${who}. Two daemons must not share one store: ${stop}, or give this one another stateDir.`,
    pid, { cause });
}

export function newerSchemaStore(dbPath: string, found: number, known: number): StoreError {
  return new StoreError('newer-schema', dbPath,
    `the state store ${dbPath} was written by a newer ipsec-ts (store schema ${found}; this version knows up to ${known}). Run the newer version again. Moving the file away instead starts an empty store, and then ${LOST_SEQUENCES}.`);
}

export function otherStoreFailure(path: string, detail: string, cause?: unknown): StoreError {
  return new StoreError('other', path,
    `the state store ${path} failed: ${detail}. Check the disk under it (free space, I/O errors in the kernel log), then restart.`,
    null, { cause });
}

function codeOf(err: unknown): string {
  if (typeof err === 'object' && err !== null && 'code' in err && typeof err.code === 'string') return err.code;
  return '';
}

function detailOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

const UNWRITABLE_FS = new Set(['EACCES', 'EPERM', 'EROFS', 'EISDIR']);

/**
 * Classifies an error from node:fs or SQLite. A lock conflict is not decided here: the
 * caller knows the pid file, so SQLITE_BUSY and SQLITE_LOCKED come back as null.
 */
export function storeErrorOf(err: unknown, path: string): StoreError | null {
  if (err instanceof StoreError) return err;
  const code = codeOf(err);
  const detail = detailOf(err);
  if (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED')) return null;
  if (code === 'SQLITE_NOTADB') return corruptStore(path, 'not an SQLite database', err);
  if (code.startsWith('SQLITE_CORRUPT')) return corruptStore(path, detail, err);
  if (code === 'ENOTDIR' || code === 'EEXIST') return unwritableStore(path, 'a part of the path is a file, not a directory', err);
  if (UNWRITABLE_FS.has(code) || code.startsWith('SQLITE_READONLY') || code === 'SQLITE_PERM' || code.startsWith('SQLITE_CANTOPEN')) {
    return unwritableStore(path, detail, err);
  }
  if (code === 'SQLITE_FULL' || code === 'ENOSPC') return otherStoreFailure(path, 'the disk is full', err);
  return otherStoreFailure(path, detail, err);
}
