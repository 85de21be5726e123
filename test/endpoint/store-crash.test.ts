// The state store across real process deaths: a child process (the store from dist/) is
// SIGKILLed mid-run, and what it durably promised must hold in the next run.
import { spawn, spawnSync } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { StateStore } from '../../src/endpoint/store/state-store.js';
import { StoreError } from '../../src/endpoint/store/store-error.js';
import { keyFingerprint } from '../../src/endpoint/store/key-fingerprint.js';
import { cleanUpStores, tempDir } from './store-support.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const fixture = join(root, 'test/endpoint/fixtures/store-child.mjs');
const children: ChildProcess[] = [];

afterEach(() => {
  for (const c of children.splice(0)) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  cleanUpStores();
});

/** The child runs the built store; rebuild dist/ when the store's sources are newer. */
beforeAll(() => {
  const srcDir = join(root, 'src/endpoint/store');
  const stale = readdirSync(srcDir).filter((f) => f.endsWith('.ts')).some((f) => {
    const built = join(root, 'dist/src/endpoint/store', f.replace(/\.ts$/, '.js'));
    return !existsSync(built) || statSync(built).mtimeMs < statSync(join(srcDir, f)).mtimeMs;
  });
  if (!stale) return;
  // Errors in files other parts are editing do not stop tsc from emitting ours.
  spawnSync(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-p', join(root, 'tsconfig.build.json')], { cwd: root, stdio: 'ignore' });
  if (!existsSync(join(root, 'dist/src/endpoint/store/state-store.js'))) throw new Error('dist/ is missing the store; run `npx tsc -p tsconfig.build.json`');
}, 120_000);

interface Child {
  readonly proc: ChildProcess;
  readonly lines: string[];
  /** Resolves when `predicate` holds for the lines read so far. */
  until(predicate: (lines: readonly string[]) => boolean): Promise<void>;
  killed(): Promise<void>;
}

function child(...args: string[]): Child {
  const proc = spawn(process.execPath, [fixture, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(proc);
  const lines: string[] = [];
  let stderr = '';
  proc.stderr!.on('data', (d: Buffer) => { stderr += d.toString(); });
  const waiters: { predicate: (l: readonly string[]) => boolean; resolve: () => void }[] = [];
  const rl = createInterface({ input: proc.stdout! });
  // Every line is read once the pipe closes, which happens when the process is gone.
  const closed = new Promise<void>((res) => rl.once('close', () => res()));
  rl.on('line', (line) => {
    lines.push(line);
    for (const w of waiters.splice(0)) if (w.predicate(lines)) w.resolve(); else waiters.push(w);
  });
  return {
    proc, lines,
    until: (predicate) => predicate(lines) ? Promise.resolve() : new Promise<void>((res, rej) => {
      waiters.push({ predicate, resolve: res });
      void closed.then(() => rej(new Error(`child exited early: ${stderr}`)));
    }),
    killed: async () => {
      proc.kill('SIGKILL');
      await closed;
    },
  };
}

const KEYS = { encryptionKey: Buffer.alloc(20, 0x5a), integrityKey: new Uint8Array(0) };

describe('state store across SIGKILL', () => {
  it('resumes strictly above every sequence number a killed process used, run after run', async () => {
    const dir = tempDir();
    const spi = 0x0a0b0001;
    let highestUsed = 0;
    for (const killAfter of [40, 1337, 5000]) {
      const c = child('sequence', dir, String(spi), '37');
      await c.until((l) => l.length >= killAfter);
      await c.killed();
      const used = c.lines.map(Number);
      expect(used[0]).toBeGreaterThan(highestUsed); // this run started above the last one
      highestUsed = Math.max(...used);
      const store = StateStore.open(dir);
      try {
        const resume = store.resumePoint(spi, keyFingerprint(KEYS));
        expect(highestUsed).toBeLessThanOrEqual(resume);
        expect(resume - highestUsed).toBeLessThanOrEqual(37); // at most one block skipped
      } finally {
        store.close();
      }
    }
  });

  it("reports 'locked' with the other process's pid, and opens once that process is killed", async () => {
    const dir = tempDir();
    const c = child('hold', dir);
    await c.until((l) => l.includes('open'));
    let err: unknown;
    try {
      StateStore.open(dir).close();
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(StoreError);
    expect((err as StoreError).reason).toBe('locked');
    expect((err as StoreError).otherPid).toBe(c.proc.pid);
    expect((err as StoreError).message).toContain(`pid ${c.proc.pid}`);
    await c.killed();
    // The kernel dropped the lock with the process; its daemon.pid is stale and gets replaced.
    const store = StateStore.open(dir);
    expect(readFileSync(join(dir, 'daemon.pid'), 'utf8').trim()).toBe(String(process.pid));
    store.close();
  });

  it('a full batch of 500 drops is on disk without a flush call', async () => {
    const dir = tempDir();
    const c = child('drops', dir, '500');
    await c.until((l) => l.includes('appended'));
    await c.killed();
    const store = StateStore.open(dir);
    try {
      const drops = store.queryDrops({});
      expect(drops).toHaveLength(500);
      expect(drops.map((d) => d.id)).toEqual(Array.from({ length: 500 }, (_, i) => i + 1));
    } finally {
      store.close();
    }
  });

  it('a few drops reach the disk within the flush interval', async () => {
    const dir = tempDir();
    const c = child('drops', dir, '3');
    await c.until((l) => l.includes('appended'));
    await new Promise((r) => setTimeout(r, 1000)); // flushes run every 250 ms
    await c.killed();
    const store = StateStore.open(dir);
    try {
      expect(store.queryDrops({}).map((d) => d.summary)).toEqual(['drop 0', 'drop 1', 'drop 2']);
    } finally {
      store.close();
    }
  });
});
