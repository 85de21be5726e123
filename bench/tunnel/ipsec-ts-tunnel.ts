// ipsec-ts's half: two daemons (`ipsec-ts up -c <config>`) in the harness namespaces, manual SAs
// with AES-GCM-128 both ways, each daemon's TUN device carrying its inner address and the route
// to the other side. Ready when `ipsec-ts status --socket` answers and a ping goes through.
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { NetnsPair } from '../../test/support/netns.js';
import { createNetnsPair, run } from '../../test/support/netns.js';
import type { BenchSide } from './daemon-config.js';
import { controlSocketOf, daemonConfigYaml, freshTunnelKeys, stateDirOf } from './daemon-config.js';
import { repoRoot } from './repo-root.js';
import type { Tunnel, TunnelKind } from './tunnel.js';
import { cpuSecondsOf, residentKibOf, sumOver } from './tunnel.js';
import { DAEMON_NODE_FLAGS } from '../../src/endpoint/node-flags.js';

const READY_TIMEOUT_MS = 20_000;

function launcher(): string {
  return join(repoRoot(), 'bin', 'ipsec-ts.js');
}

function sides(pair: NetnsPair): [BenchSide, BenchSide] {
  return [
    { name: 'a', outer: pair.a.outer, inner: pair.a.inner, innerNet: pair.a.innerNet },
    { name: 'b', outer: pair.b.outer, inner: pair.b.inner, innerNet: pair.b.innerNet },
  ];
}

/** Polls `ipsec-ts status` until it exits 0; fails early if the daemon has exited. */
async function waitReady(socket: string, daemon: { running(): boolean; output(): { stderr: string } }): Promise<void> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  let last = '';
  while (Date.now() < deadline) {
    if (!daemon.running()) {
      throw new Error(`the ipsec-ts daemon exited during start: ${daemon.output().stderr.trim().split('\n').slice(-5).join(' | ')}`);
    }
    const r = await run(process.execPath, [launcher(), 'status', '--socket', socket], { timeoutMs: 5000 });
    if (r.code === 0) return;
    last = (r.stderr || r.stdout).trim().split('\n').slice(-1)[0] ?? '';
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`ipsec-ts status --socket ${socket} did not answer within ${READY_TIMEOUT_MS / 1000} s (last: ${last})`);
}

/** Node flags for the daemons (profile.ts sets --cpu-prof here; NODE_OPTIONS refuses it). */
function extraNodeArgs(): string[] {
  const text = process.env['IPSEC_TS_BENCH_NODE_ARGS'] ?? '';
  return text.split(' ').filter((a) => a !== '');
}

async function startDaemons(pair: NetnsPair, runDir: string): Promise<number[]> {
  const [a, b] = sides(pair);
  const keys = freshTunnelKeys();
  const pids: number[] = [];
  for (const [me, peer, host] of [[a, b, pair.a], [b, a, pair.b]] as const) {
    mkdirSync(stateDirOf(runDir, me), { recursive: true });
    const config = join(runDir, `${me.name}.yaml`);
    writeFileSync(config, daemonConfigYaml(runDir, me, peer, keys), { mode: 0o600 });
    const daemon = host.start(process.execPath, [...DAEMON_NODE_FLAGS, ...extraNodeArgs(), launcher(), 'up', '-c', config], { name: `daemon-${me.name}` });
    await waitReady(controlSocketOf(runDir, me), daemon);
    pids.push(daemon.pid);
  }
  return pids;
}

export const ipsecTsTunnel: TunnelKind = {
  implementation: 'ipsec-ts',
  unavailableReason() {
    if (!existsSync(join(repoRoot(), 'dist', 'src', 'cli', 'main.js'))) return 'the CLI is not built (run npm run build, which npm run bench:tunnel does)';
    return null;
  },
  async up(runDir, options) {
    // The inner addresses belong to the daemons' TUN devices, not to lo.
    const pair = await createNetnsPair({ inner: 'none', parentDir: runDir });
    let pids: number[];
    try {
      // A fresh folder per start: nothing (sequence numbers, replay windows) carries over.
      pids = await startDaemons(pair, pair.dir);
      if (!(await pair.a.ping(pair.b.inner, { count: 3, source: pair.a.inner }))) {
        throw new Error(`no ping from ${pair.a.inner} to ${pair.b.inner} through the ipsec-ts tunnel: check the SAs and policies with ipsec-ts status / drops`);
      }
    } catch (err) {
      await pair.teardown({ keepDir: true });
      throw new Error(`${(err as Error).message} (daemon logs and configs kept in ${pair.dir})`);
    }
    return {
      ends: { nsA: pair.a.ns, nsB: pair.b.ns, innerA: pair.a.inner, innerB: pair.b.inner },
      logDir: pair.dir,
      residentKib() {
        const kib = pids.map(residentKibOf);
        return kib.includes(null) ? null : kib.reduce<number>((sum, k) => sum + (k ?? 0), 0);
      },
      cpuSeconds: () => sumOver(pids, cpuSecondsOf),
      down: () => pair.teardown({ keepDir: options.keepLogs }),
    } satisfies Tunnel;
  },
};
