// The files a configuration names (PSK files, certificates, private keys, CA certificates),
// read through one small interface: the loader reads the disk, tests hand in a map. Reading
// never throws; a failure comes back as a reason the user can act on.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

export type FileRead =
  | { readonly ok: true; readonly bytes: Buffer; /** Permission bits, null where they mean nothing (Windows). */ readonly mode: number | null }
  | { readonly ok: false; readonly reason: string };

export type DirectoryList =
  | { readonly ok: true; /** Absolute paths of the regular files in it, sorted. */ readonly files: readonly string[] }
  | { readonly ok: false; readonly reason: string };

export interface ConfigFiles {
  /** Reads a file (absolute path). */
  read(path: string): FileRead;
  /** Lists a folder (absolute path). */
  list(path: string): DirectoryList;
}

/** The real file system, read synchronously (configuration is read once, at start). */
export const DISK_FILES: ConfigFiles = {
  read(path) {
    try {
      const bytes = readFileSync(path);
      const mode = process.platform === 'win32' ? null : statSync(path).mode & 0o777;
      return { ok: true, bytes, mode };
    } catch (e) {
      return { ok: false, reason: readFailure(e) };
    }
  },
  list(path) {
    try {
      const files = readdirSync(path, { withFileTypes: true }).filter((d) => d.isFile()).map((d) => join(path, d.name)).sort();
      return { ok: true, files };
    } catch (e) {
      return { ok: false, reason: readFailure(e) };
    }
  },
};

function readFailure(e: unknown): string {
  const code = (e as { code?: unknown } | null)?.code;
  switch (code) {
    case 'ENOENT': return 'no such file (ENOENT)';
    case 'EACCES':
    case 'EPERM': return `permission denied (${code})`;
    case 'EISDIR': return 'this is a directory (EISDIR)';
    case 'ENOTDIR': return 'not a directory (ENOTDIR)';
    default: return e instanceof Error ? e.message : String(e);
  }
}

/**
 * The chmod 600 warning for a file holding `what` (a pre-shared key, a private key) that its
 * group or other users may read; null when only the owner may.
 */
export function exposureText(path: string, what: string, mode: number | null): string | null {
  if (mode === null || (mode & 0o077) === 0) return null;
  const who = (mode & 0o007) !== 0 ? 'other users' : 'its group';
  return `${path}: holds ${what} and is readable by ${who} (mode 0${mode.toString(8)}); run chmod 600 ${path}`;
}

/** An in-memory twin for tests: absolute path -> content (and mode, default 0600). */
export function memoryFiles(entries: Readonly<Record<string, string | Buffer | { readonly content: string | Buffer; readonly mode: number }>>): ConfigFiles {
  const files = new Map(Object.entries(entries).map(([path, e]) => {
    const { content, mode } = typeof e === 'string' || Buffer.isBuffer(e) ? { content: e, mode: 0o600 } : e;
    return [path, { bytes: Buffer.from(content), mode }] as const;
  }));
  return {
    read(path) {
      const f = files.get(path);
      return f === undefined ? { ok: false, reason: 'no such file (ENOENT)' } : { ok: true, bytes: Buffer.from(f.bytes), mode: f.mode };
    },
    list(path) {
      const prefix = path.endsWith('/') ? path : `${path}/`;
      const inside = [...files.keys()].filter((p) => p.startsWith(prefix) && !p.slice(prefix.length).includes('/')).sort();
      return inside.length === 0 ? { ok: false, reason: 'no such file (ENOENT)' } : { ok: true, files: inside };
    },
  };
}
