// Scratch state directories and stores for the store tests: each is closed and removed after
// every test (afterEach(cleanUpStores)), even when the test made a directory unwritable.
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { StateStore } from '../../src/endpoint/store/state-store.js';
import type { StateStoreOptions } from '../../src/endpoint/store/state-store.js';

const dirs: string[] = [];
const stores: StateStore[] = [];

export function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'ipsec-ts-'));
  dirs.push(dir);
  return dir;
}

export function openStore(dir: string, opts: StateStoreOptions = {}): StateStore {
  const s = StateStore.open(dir, opts);
  stores.push(s);
  return s;
}

export function cleanUpStores(): void {
  for (const s of stores.splice(0)) s.close();
  for (const d of dirs.splice(0)) {
    try {
      chmodSync(d, 0o700); // a test may have made it unwritable
    } catch {
      // already gone
    }
    rmSync(d, { recursive: true, force: true });
  }
}
