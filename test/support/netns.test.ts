// The namespace harness itself: the link works, the settings the other tests rely on are made,
// processes started in a namespace die with it, and leftovers of dead runs are removed.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { NetnsPair } from './netns.js';
import { cleanupStaleNamespaces, createNetnsPair, OUTER_A, OUTER_B, requireNetns, run } from './netns.js';

const canRun = requireNetns('test/support/netns.test.ts');

function namespaces(): string[] {
  return (spawnSync('ip', ['netns', 'list'], { encoding: 'utf8' }).stdout ?? '').split('\n').map((l) => l.split(' ')[0] ?? '');
}

async function waitFor(check: () => boolean, timeoutMs = 5000): Promise<boolean> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    if (check()) return true;
    await new Promise((r) => setTimeout(r, 50));
  }
  return check();
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe.skipIf(!canRun)('network namespace harness', () => {
  let pair: NetnsPair;
  beforeAll(async () => {
    pair = await createNetnsPair();
  });
  afterAll(async () => {
    await pair?.teardown();
  });

  it('joins the two namespaces with a veth on 198.51.100.0/24 and puts the inner addresses on lo', async () => {
    expect(await pair.a.ping(OUTER_B, { source: OUTER_A, count: 1 })).toBe(true);
    expect(await pair.b.ping(OUTER_A, { source: OUTER_B, count: 1 })).toBe(true);
    const lo = await pair.b.exec('ip', ['-br', '-4', 'addr', 'show', 'dev', 'lo']);
    expect(lo.stdout).toContain('10.2.0.1/32');
    // No tunnel yet: the inner networks do not reach each other.
    expect(await pair.a.ping(pair.b.inner, { count: 1, timeoutS: 1 })).toBe(false);
  });

  it('turns off IPv6 and TX checksum offload on the link', async () => {
    const v6 = await pair.a.exec('sysctl', ['-n', 'net.ipv6.conf.all.disable_ipv6']);
    expect(v6.stdout.trim()).toBe('1');
    const offload = await pair.a.exec('ethtool', ['-k', pair.a.veth]);
    expect(offload.stdout).toMatch(/^tx-checksumming: off/m);
  });

  it('runs a command in a namespace and reports its exit code and output', async () => {
    const r = await pair.b.exec('sh', ['-c', 'ip -br link show dev "$0"; exit 3', pair.b.veth]);
    expect(r.code).toBe(3);
    expect(r.stdout.startsWith(pair.b.veth)).toBe(true);
  });

  it('writes a started process\'s output to files and stops its whole process group', async () => {
    const p = pair.a.start('sh', ['-c', 'echo ready; echo oops >&2; sleep 600 & echo $! > "$0"; wait', `${pair.dir}/child.pid`], { name: 'sleeper' });
    expect(await waitFor(() => existsSync(`${pair.dir}/child.pid`) && readFileSync(`${pair.dir}/child.pid`, 'utf8').trim() !== '')).toBe(true);
    const grandchild = Number(readFileSync(`${pair.dir}/child.pid`, 'utf8'));
    expect(p.running()).toBe(true);
    expect(p.output()).toEqual({ stdout: 'ready\n', stderr: 'oops\n' });
    await p.stop();
    expect(p.running()).toBe(false);
    expect(await waitFor(() => !alive(grandchild))).toBe(true);
  });

  it('removes leftovers of a dead run, and leaves namespaces of live runs alone', async () => {
    const dead = spawnSync('true').pid; // a process id that has exited
    const stale = `its-${dead}-0a`;
    expect((await run('ip', ['netns', 'add', stale])).code).toBe(0);
    const removed = cleanupStaleNamespaces();
    expect(removed).toContain(stale);
    expect(namespaces()).not.toContain(stale);
    expect(namespaces()).toEqual(expect.arrayContaining([pair.a.ns, pair.b.ns]));
  });

  it('tears down everything it made, processes included, and can be called twice', async () => {
    const extra = await createNetnsPair();
    const p = extra.b.start('sleep', ['600'], { name: 'long' });
    await extra.teardown();
    await extra.teardown();
    expect(p.running()).toBe(false);
    expect(namespaces()).not.toContain(extra.a.ns);
    expect(namespaces()).not.toContain(extra.b.ns);
    expect(existsSync(extra.dir)).toBe(false);
  });
});
