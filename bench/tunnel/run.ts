// `npm run bench:tunnel`: tunnel throughput, ipsec-ts against strongSwan on the same machine in
// the same run. Each implementation gets two peers in two network namespaces joined by a veth,
// AES-GCM-128 ESP in UDP 4500 both ways, and iperf3 through the tunnel between the inner
// addresses: TCP, then UDP with 1300-byte datagrams at rising offered rates. Rounds alternate
// which implementation goes first; the report gives medians over the rounds and the ratios.
//
//   node dist/bench/tunnel/run.js [--quick] [--rounds N] [--seconds S] [--rates 200M,400M,...] [--udp-buffer 4M]
//                                 [--only strongswan|ipsec-ts] [--keep]
// The same knobs as environment variables: BENCH_TUNNEL_ROUNDS, BENCH_TUNNEL_SECONDS,
// BENCH_TUNNEL_RATES, BENCH_TUNNEL_ONLY. Needs root (namespaces); without it, it says so and
// exits 0. Each implementation's peers are restarted after a UDP run that lost >= 1%: strongSwan's
// libipsec queues without bound under overload, and the next run must not inherit the backlog.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { netnsUnavailableReason, run } from '../../test/support/netns.js';
import type { ThroughputTest } from './iperf3-run.js';
import { formatRate, parseRate, runIperf3, testLabel } from './iperf3-run.js';
import { ipsecTsTunnel } from './ipsec-ts-tunnel.js';
import { strongswanTunnel } from './strongswan-tunnel.js';
import type { Measurement } from './summary.js';
import { CLEAN_LOSS_PERCENT, formatSummary, summarize } from './summary.js';
import type { Tunnel, TunnelKind } from './tunnel.js';

const DATAGRAM_BYTES = 1300;
const DEFAULT_RATES = '100M,150M,200M,250M,300M,400M,2G';

interface BenchOptions {
  readonly rounds: number;
  readonly seconds: number;
  readonly ratesBps: readonly number[];
  readonly only: 'strongswan' | 'ipsec-ts' | null;
  readonly keep: boolean;
  /** iperf3 -w for the UDP tests (both ends' socket buffers); null: the system default. */
  readonly udpBufferBytes: number | null;
}

function positiveInt(text: string, what: string): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1) throw new RangeError(`${what} must be a whole number >= 1, got '${text}'`);
  return n;
}

function bufferBytes(text: string): number {
  const m = /^(\d+)([KkMm]?)$/.exec(text.trim());
  if (m === null) throw new RangeError(`--udp-buffer takes a size like 4M or 512K, got '${text}'`);
  return Number(m[1]) * ({ k: 1024, m: 1024 * 1024 }[m[2]!.toLowerCase()] ?? 1);
}

function readOptions(argv: readonly string[]): BenchOptions {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      quick: { type: 'boolean', default: false }, keep: { type: 'boolean', default: false },
      rounds: { type: 'string' }, seconds: { type: 'string' }, rates: { type: 'string' }, only: { type: 'string' }, 'udp-buffer': { type: 'string' },
    },
  });
  const env = process.env;
  const quick = values.quick === true;
  const ratesText = values.rates ?? env.BENCH_TUNNEL_RATES ?? (quick ? '200M,800M' : DEFAULT_RATES);
  const ratesBps = ratesText.split(',').map((t) => {
    const bps = parseRate(t);
    if (bps === null) throw new RangeError(`--rates takes rates like 200M,400M,2G; '${t}' is not one`);
    return bps;
  }).sort((x, y) => x - y);
  const only = values.only ?? env.BENCH_TUNNEL_ONLY ?? null;
  if (only !== null && only !== 'strongswan' && only !== 'ipsec-ts') throw new RangeError(`--only takes strongswan or ipsec-ts, got '${only}'`);
  return {
    rounds: positiveInt(values.rounds ?? env.BENCH_TUNNEL_ROUNDS ?? (quick ? '1' : '3'), '--rounds'),
    seconds: positiveInt(values.seconds ?? env.BENCH_TUNNEL_SECONDS ?? (quick ? '2' : '5'), '--seconds'),
    ratesBps,
    only,
    keep: values.keep === true,
    udpBufferBytes: values['udp-buffer'] === undefined ? null : bufferBytes(values['udp-buffer']),
  };
}

function testsOf(options: BenchOptions): ThroughputTest[] {
  return [
    { protocol: 'tcp', seconds: options.seconds },
    ...options.ratesBps.map((rateBps): ThroughputTest => ({
      protocol: 'udp', rateBps, datagramBytes: DATAGRAM_BYTES, seconds: options.seconds,
      ...(options.udpBufferBytes === null ? {} : { socketBufferBytes: options.udpBufferBytes }),
    })),
  ];
}

function progress(text: string): void {
  process.stderr.write(`[bench:tunnel] ${text}\n`);
}

function describeResult(m: Measurement, rssKib: number | null): string {
  const r = m.result;
  const memory = rssKib === null ? '' : `, IPsec processes ${(rssKib / 1024).toFixed(0)} MiB resident`;
  if (!r.ok) return `failed: ${r.detail}`;
  const cpu = m.cpuSeconds === undefined || m.cpuSeconds === null ? '' : `, IPsec CPU ${m.cpuSeconds.toFixed(2)} s`;
  const rate = `${(r.receivedBps / 1e6).toFixed(1)} Mbit/s received${cpu}`;
  return r.protocol === 'udp' ? `${rate}, ${r.lostPercent.toFixed(2)}% lost${memory}` : `${rate}, ${r.retransmits} retransmits${memory}`;
}

/** The tunnel that is up right now, so a signal can take it down. */
let current: Tunnel | null = null;

async function bringUp(kind: TunnelKind, runDir: string, keepLogs: boolean): Promise<Tunnel> {
  current = await kind.up(runDir, { keepLogs });
  return current;
}

async function takeDown(): Promise<void> {
  const t = current;
  current = null;
  await t?.down();
}

/** One round of one implementation into out; throws when its peers cannot come up. */
async function measureRound(kind: TunnelKind, round: number, tests: readonly ThroughputTest[], runDir: string, keepLogs: boolean, out: Measurement[]): Promise<void> {
  let tunnel = await bringUp(kind, runDir, keepLogs);
  try {
    for (const [i, test] of tests.entries()) {
      const name = `r${round}-${kind.implementation}-${testLabel(test).replace(' ', '-')}`;
      const cpuBefore = tunnel.cpuSeconds();
      const result = await runIperf3(tunnel.ends, test, tunnel.logDir, name);
      const cpuAfter = tunnel.cpuSeconds();
      const cpuSeconds = cpuBefore === null || cpuAfter === null ? null : cpuAfter - cpuBefore;
      const m: Measurement = { implementation: kind.implementation, round, test, result, cpuSeconds };
      out.push(m);
      progress(`round ${round} ${kind.implementation} ${testLabel(test)}: ${describeResult(m, tunnel.residentKib())}`);
      const overloaded = !result.ok || (result.protocol === 'udp' && result.lostPercent >= CLEAN_LOSS_PERCENT);
      if (overloaded && i < tests.length - 1) {
        await takeDown();
        tunnel = await bringUp(kind, runDir, keepLogs);
      }
    }
  } finally {
    await takeDown();
  }
}

function installSignalHandlers(runDir: string, keep: boolean): void {
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      progress(`${signal}: taking the peers down`);
      void takeDown().finally(() => {
        if (!keep) rmSync(runDir, { recursive: true, force: true });
        process.exit(130);
      });
    });
  }
}

async function usableKinds(options: BenchOptions): Promise<TunnelKind[]> {
  const kinds = [strongswanTunnel, ipsecTsTunnel].filter((k) => options.only === null || k.implementation.toLowerCase() === options.only);
  const usable: TunnelKind[] = [];
  for (const kind of kinds) {
    const reason = kind.unavailableReason();
    if (reason === null) usable.push(kind);
    else console.log(`${kind.implementation}: not measured: ${reason}`);
  }
  if ((await run('iperf3', ['--version'])).code !== 0) {
    console.log('tunnel benchmark skipped: iperf3 is missing (apt-get install iperf3)');
    return [];
  }
  return usable;
}

async function main(): Promise<number> {
  let options: BenchOptions;
  try {
    options = readOptions(process.argv.slice(2));
  } catch (err) {
    console.error(`bench:tunnel: ${(err as Error).message}`);
    return 2;
  }
  console.log(`== Tunnel throughput: ipsec-ts vs strongSwan (same machine, same run), node ${process.version}, ${new Date().toISOString()} ==`);
  console.log(`AES-GCM-128 ESP in UDP 4500, TUN MTU 1400; iperf3 between the inner addresses: TCP, UDP ${DATAGRAM_BYTES}-byte datagrams at ${options.ratesBps.map(formatRate).join(', ')}; ${options.seconds} s per test, ${options.rounds} round(s); iperf3 UDP socket buffers: ${options.udpBufferBytes === null ? 'system default' : `${options.udpBufferBytes} bytes (-w)`}`);
  const reason = netnsUnavailableReason();
  if (reason !== null) {
    console.log(`tunnel benchmark skipped: ${reason}`);
    return 0;
  }
  const kinds = await usableKinds(options);
  if (kinds.length === 0) return 0;
  // Not /tmp/ipsec-ts-*: a test hook deletes those, even while a bench runs.
  const runDir = mkdtempSync(join(tmpdir(), 'its-bench-'));
  installSignalHandlers(runDir, options.keep);
  const tests = testsOf(options);
  const measurements: Measurement[] = [];
  const failed = new Map<TunnelKind, string>();
  for (let round = 1; round <= options.rounds; round++) {
    // Alternate which goes first, so neither always runs on a warmer (or more tired) machine.
    const order = round % 2 === 1 ? kinds : [...kinds].reverse();
    for (const kind of order.filter((k) => !failed.has(k))) {
      try {
        await measureRound(kind, round, tests, runDir, options.keep, measurements);
      } catch (err) {
        failed.set(kind, (err as Error).message);
        progress(`${kind.implementation}: not measured further: ${(err as Error).message}`);
      }
    }
  }
  if (measurements.length > 0) console.log(formatSummary(summarize(measurements, kinds.map((k) => k.implementation))));
  else console.log('nothing was measured');
  for (const [kind, message] of failed) console.log(`${kind.implementation} could not be (fully) measured: ${message}`);
  if (options.keep || failed.size > 0) console.log(`logs and configs kept in ${runDir}`);
  else rmSync(runDir, { recursive: true, force: true });
  return 0;
}

process.exitCode = await main();
