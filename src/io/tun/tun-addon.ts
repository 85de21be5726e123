// Finds the ipsec-ts-tun N-API addon (native/tun). It is an optional dependency: without it
// the product still runs, with the library API instead of a TUN device.
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The addon's functions (native/tun/src/tun.c). Failures are negative errno values. */
export interface TunAddon {
  open(name: string, multiQueue: boolean): { readonly fd: number; readonly name: string } | { readonly errno: number };
  close(fd: number): number;
  /** Bytes written, or -errno. */
  write(fd: number, packet: Uint8Array): number;
  /** How many packets were written. */
  writeBatch(fd: number, packets: readonly Uint8Array[]): number;
  lastWriteErrno(): number;
  /**
   * Starts the reader. onBatch gets a slab (uint32 offsets[count + 1], then the packets) and
   * count, or (undefined, 0, errno) for a fatal read error. onLoop: read on this thread's event
   * loop when the fd is readable (no thread; queueBatches and waitWhenFull unused). Otherwise a
   * reader thread: with waitWhenFull it stops reading while queueBatches batches wait for JS,
   * else it drops batches and counts them.
   */
  startReader(fd: number, onBatch: (slab: ArrayBuffer | undefined, count: number, errno: number) => void,
    maxBatch: number, readSize: number, queueBatches: number, waitWhenFull: boolean, onLoop?: boolean): TunReaderHandle;
  stopReader(handle: TunReaderHandle): void;
  readerStats(handle: TunReaderHandle): TunReaderStats;
}

/** Opaque: the native reader. */
export interface TunReaderHandle { readonly __brand?: 'TunReaderHandle' }

export interface TunReaderStats {
  readonly packets: number;
  readonly batches: number;
  readonly drops: number;
  readonly truncated: number;
  readonly readErrors: number;
}

export interface TunUnavailable {
  readonly ok: false;
  readonly reason: 'addon-missing';
  readonly detail: string;
  readonly nextStep: string;
}

export type TunAddonLoad = { readonly ok: true; readonly addon: TunAddon; readonly from: string } | TunUnavailable;

/** Loads a module by specifier or path (createRequire's require, replaceable in tests). */
export type ModuleLoader = (specifier: string) => unknown;

export const ADDON_NEXT_STEP =
  'npm rebuild ipsec-ts-tun (needs python3, make and g++); or run without a tun: section and use the library API';

const ADDON_PACKAGE = 'ipsec-ts-tun';
const ADDON_FILE = join('native', 'tun', 'build', 'Release', 'ipsec_ts_tun.node');
const FUNCTIONS = ['open', 'close', 'write', 'writeBatch', 'lastWriteErrno', 'startReader', 'stopReader', 'readerStats'];

/**
 * The addon from the installed package, else from a local build (native/tun/build/Release)
 * in a folder above this module. Never throws.
 */
export function loadTunAddon(load: ModuleLoader = createRequire(import.meta.url), candidates = addonCandidates()): TunAddonLoad {
  const failures: string[] = [];
  for (const candidate of candidates) {
    let loaded: unknown;
    try {
      loaded = load(candidate);
    } catch (err) {
      failures.push(`${candidate}: ${firstLine(err)}`);
      continue;
    }
    if (isTunAddon(loaded)) return { ok: true, addon: loaded, from: candidate };
    failures.push(`${candidate}: not the ipsec-ts-tun addon (missing functions)`);
  }
  return { ok: false, reason: 'addon-missing', detail: `the TUN addon is not available (${failures.join('; ')})`, nextStep: ADDON_NEXT_STEP };
}

/** The package name, then every native/tun build found walking up from this file. */
export function addonCandidates(from = dirname(fileURLToPath(import.meta.url))): string[] {
  const found: string[] = [ADDON_PACKAGE];
  let dir = from;
  for (let depth = 0; depth < 6; depth++) {
    const path = join(dir, ADDON_FILE);
    if (existsSync(path)) found.push(path);
    const parent = dirname(dir);
    if (parent === dir) break;
    dir = parent;
  }
  return found;
}

function isTunAddon(value: unknown): value is TunAddon {
  if (typeof value !== 'object' || value === null) return false;
  const record = value as Record<string, unknown>;
  return FUNCTIONS.every((name) => typeof record[name] === 'function');
}

function firstLine(err: unknown): string {
  const text = err instanceof Error ? err.message : String(err);
  return text.split('\n')[0] ?? text;
}
