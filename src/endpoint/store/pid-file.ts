// <stateDir>/daemon.pid: who holds the state directory, for the 'locked' message and for
// operators. The lock itself is SQLite's (see state-store.ts); this file only names the holder.
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export function pidFilePath(stateDir: string): string {
  return join(stateDir, 'daemon.pid');
}

/** The pid in the file, or null when it is missing or does not hold a pid. */
export function readPidFile(path: string): number | null {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    return null;
  }
  const m = /^\s*(\d{1,10})\s*$/.exec(text);
  return m === null ? null : Number(m[1]);
}

export function writePidFile(path: string, pid: number): void {
  writeFileSync(path, `${pid}\n`, { mode: 0o644 });
}

/** Removes the file if it still names `pid` (a newer holder's file is left alone). */
export function removePidFile(path: string, pid: number): void {
  if (readPidFile(path) !== pid) return;
  rmSync(path, { force: true });
}

/** Whether a process with this pid exists (EPERM: it does, owned by someone else). */
export function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return typeof err === 'object' && err !== null && 'code' in err && err.code === 'EPERM';
  }
}
