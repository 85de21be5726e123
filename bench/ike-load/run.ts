// `npm run bench:ike`: IKE handshakes per second as a responder, ipsec-ts against strongSwan on
// the same machine in the same run, loaded by the same client (client.ts, our own IKE code).
// Two namespaces joined by a veth (test/support/netns.ts): the client in A on its own addresses
// (one per worker), the responder in B at 198.51.100.2, ipsec-ts and strongSwan in turn. Rounds
// alternate which goes first; each round is a short warm-up, then the measured run. The report
// gives medians over the rounds, the ratio, and the responder's CPU time (responders.ts says how
// the two are configured alike).
//
//   node dist/bench/ike-load/run.js [--rounds 3] [--seconds 10] [--concurrency 64] [--workers 2]
//                                   [--warmup 2] [--only strongswan|ipsec-ts] [--keep]
// Needs root (namespaces); without it, it says so and exits 0.
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { NetnsPair } from '../../test/support/netns.js';
import { createNetnsPair, netnsUnavailableReason, OUTER_B, run } from '../../test/support/netns.js';
import { repoRoot } from '../tunnel/repo-root.js';
import type { LoadReport } from './report.js';
import type { Responder, ResponderKind, ResponderSetup } from './responders.js';
import { ipsecTsResponder, strongswanResponder } from './responders.js';
import type { RoundResult } from './summary.js';
import { formatSummary, summarizeRounds } from './summary.js';

interface BenchOptions {
  readonly rounds: number;
  readonly seconds: number;
  readonly warmup: number;
  readonly concurrency: number;
  readonly workers: number;
  readonly only: 'strongswan' | 'ipsec-ts' | null;
  readonly keep: boolean;
}

const CLIENT_ID = 'client@bench.test';
const RESPONDER_ID = 'responder@bench.test';

function positiveInt(text: string, what: string, min = 1): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < min) throw new RangeError(`${what} must be a whole number >= ${min}, got '${text}'`);
  return n;
}

function readOptions(argv: readonly string[]): BenchOptions {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      rounds: { type: 'string' }, seconds: { type: 'string' }, warmup: { type: 'string' }, concurrency: { type: 'string' },
      workers: { type: 'string' }, only: { type: 'string' }, keep: { type: 'boolean', default: false },
    },
  });
  const env = process.env;
  const only = values.only ?? env['BENCH_IKE_ONLY'] ?? null;
  if (only !== null && only !== 'strongswan' && only !== 'ipsec-ts') throw new RangeError(`--only takes strongswan or ipsec-ts, got '${only}'`);
  return {
    rounds: positiveInt(values.rounds ?? env['BENCH_IKE_ROUNDS'] ?? '3', '--rounds'),
    seconds: positiveInt(values.seconds ?? env['BENCH_IKE_SECONDS'] ?? '10', '--seconds'),
    warmup: positiveInt(values.warmup ?? '2', '--warmup', 0),
    concurrency: positiveInt(values.concurrency ?? env['BENCH_IKE_CONCURRENCY'] ?? '64', '--concurrency'),
    workers: positiveInt(values.workers ?? '2', '--workers'),
    only,
    keep: values.keep === true,
  };
}

function progress(text: string): void {
  process.stderr.write(`[bench:ike] ${text}\n`);
}

/** Client addresses in namespace A: 198.51.100.11, .12, ... (one per worker, each binds 4500). */
function clientAddresses(workers: number): string[] {
  return Array.from({ length: workers }, (_, i) => `198.51.100.${11 + i}`);
}

async function addClientAddresses(pair: NetnsPair, addresses: readonly string[]): Promise<void> {
  for (const a of addresses) {
    const r = await run('ip', ['-n', pair.a.ns, 'addr', 'add', `${a}/24`, 'dev', pair.a.veth]);
    if (r.code !== 0) throw new Error(`cannot add ${a} to ${pair.a.ns}: ${r.stderr.trim()}`);
  }
}

/**
 * Kills whatever still runs in the client namespace (only the client and its workers run there):
 * a worker left behind by a client killed at its timeout would hold NAT-T port 4500 on its address.
 */
function killStragglers(ns: string): void {
  const pids = spawnSync('ip', ['netns', 'pids', ns], { encoding: 'utf8' }).stdout ?? '';
  for (const pid of pids.split('\n').map(Number).filter((p) => Number.isInteger(p) && p > 0)) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // gone already
    }
  }
}

/** Runs the load client in namespace A and returns its JSON report. */
async function runClient(pair: NetnsPair, options: BenchOptions, setup: ResponderSetup, seconds: number): Promise<LoadReport> {
  const client = join(repoRoot(), 'dist', 'bench', 'ike-load', 'client.js');
  const args = [
    client, '--target', OUTER_B, '--port', '500', '--local', clientAddresses(options.workers).join(','), '--workers', String(options.workers),
    '--concurrency', String(options.concurrency), '--seconds', String(seconds), '--psk', `0x${setup.psk.toString('hex')}`,
    '--id', CLIENT_ID, '--remote-id', RESPONDER_ID, '--json',
  ];
  const r = await pair.a.exec(process.execPath, args, { timeoutMs: (seconds + 60) * 1000 });
  killStragglers(pair.a.ns);
  const line = r.stdout.trim().split('\n').pop() ?? '';
  try {
    return JSON.parse(line) as LoadReport;
  } catch {
    throw new Error(`the load client printed no report (exit ${r.code ?? r.signal}): ${(r.stderr || r.stdout).trim().split('\n').slice(-3).join(' | ')}`);
  }
}

function describe(report: LoadReport, cpuSeconds: number | null): string {
  const latency = report.latency === null ? 'no latency' : `p50 ${report.latency.p50Ms.toFixed(1)} ms, p99 ${report.latency.p99Ms.toFixed(1)} ms`;
  const failures = (report.failed === 0 ? 'no failures' : `${report.failed} failed (${Object.entries(report.failures).map(([k, v]) => `${k} ${v}`).join(', ')})`)
    + (report.lostWorkers > 0 ? `, ${report.lostWorkers} client worker(s) LOST` : '');
  const cpu = `${cpuSeconds === null ? '' : `, responder CPU ${cpuSeconds.toFixed(2)} s`}, client CPU ${report.clientCpuSeconds.toFixed(2)} s`;
  return `${report.handshakesPerSecond.toFixed(1)} handshakes/s, ${failures}, ${latency}${cpu}`;
}

let current: Responder | null = null;

async function measure(kind: ResponderKind, round: number, pair: NetnsPair, dir: string, options: BenchOptions, setup: ResponderSetup): Promise<RoundResult> {
  current = await kind.up(pair.b, dir, setup);
  try {
    // Warm-up: JIT for the ipsec-ts daemon, caches and thread pools for charon; not counted.
    if (options.warmup > 0) await runClient(pair, options, setup, options.warmup);
    const before = current.cpuSeconds();
    const report = await runClient(pair, options, setup, options.seconds);
    const after = current.cpuSeconds();
    const cpuSeconds = before === null || after === null ? null : after - before;
    progress(`round ${round} ${kind.name}: ${describe(report, cpuSeconds)}`);
    return { responder: kind.name, round, report, cpuSeconds };
  } finally {
    const r = current;
    current = null;
    await r.down();
  }
}

function usableKinds(options: BenchOptions): ResponderKind[] {
  const kinds = [strongswanResponder, ipsecTsResponder].filter((k) => options.only === null || k.name.toLowerCase() === options.only);
  return kinds.filter((k) => {
    const reason = k.unavailableReason();
    if (reason !== null) console.log(`${k.name}: not measured: ${reason}`);
    return reason === null;
  });
}

async function main(): Promise<number> {
  let options: BenchOptions;
  try {
    options = readOptions(process.argv.slice(2));
  } catch (err) {
    console.error(`bench:ike: ${(err as Error).message}`);
    return 2;
  }
  console.log(`== IKE handshakes/s as a responder: ipsec-ts vs strongSwan (same machine, same run, same client), node ${process.version}, ${new Date().toISOString()} ==`);
  console.log(`IKE_SA_INIT + IKE_AUTH (PSK, one CHILD_SA) then DELETE; IKE aes128gcm16-prfsha256-x25519, ESP aes128gcm16; ${options.workers} client workers, ${options.concurrency} in flight, ${options.seconds} s per run after ${options.warmup} s warm-up, ${options.rounds} round(s)`);
  const reason = netnsUnavailableReason();
  if (reason !== null) {
    console.log(`IKE benchmark skipped: ${reason}`);
    return 0;
  }
  const kinds = usableKinds(options);
  if (kinds.length === 0) return 0;
  // Not /tmp/ipsec-ts-*: a test hook deletes those, even while a bench runs.
  const dir = mkdtempSync(join(tmpdir(), 'its-bench-ike-'));
  const pair = await createNetnsPair({ inner: 'lo', parentDir: dir, keepDir: true });
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      void (current?.down() ?? Promise.resolve()).then(() => pair.teardown()).finally(() => process.exit(130));
    });
  }
  const setup: ResponderSetup = { address: OUTER_B, psk: randomBytes(32), id: RESPONDER_ID, clientId: CLIENT_ID, localTs: '10.2.0.0/24', remoteTs: '10.1.0.0/24' };
  const results: RoundResult[] = [];
  const failed = new Map<string, string>();
  const failedBefore = new Set<string>();
  try {
    await addClientAddresses(pair, clientAddresses(options.workers));
    for (let round = 1; round <= options.rounds; round++) {
      const order = round % 2 === 1 ? kinds : [...kinds].reverse();
      for (const kind of order.filter((k) => !failed.has(k.name))) {
        try {
          results.push(await measure(kind, round, pair, dir, options, setup));
          failedBefore.delete(kind.name);
        } catch (err) {
          // One failed round is reported and skipped; a second in a row ends this responder's runs.
          const message = (err as Error).message;
          if (failedBefore.has(kind.name)) failed.set(kind.name, message);
          failedBefore.add(kind.name);
          progress(`round ${round} ${kind.name}: failed${failed.has(kind.name) ? ' again, not measured further' : ''}: ${message}`);
        }
      }
    }
  } finally {
    await pair.teardown({ keepDir: true });
  }
  if (results.length > 0) console.log(formatSummary(summarizeRounds(results, kinds.map((k) => k.name))));
  else console.log('nothing was measured');
  for (const [name, message] of failed) console.log(`${name} could not be (fully) measured: ${message}`);
  if (options.keep || failed.size > 0) console.log(`logs and configs kept in ${dir}`);
  else rmSync(dir, { recursive: true, force: true });
  return 0;
}

process.exitCode = await main();
