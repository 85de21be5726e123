// Not part of the benchmark: a helper for finding the daemon's hot spots. Brings up the ipsec-ts
// tunnel with every daemon started under --cpu-prof (profiles land in --dir), runs one iperf3
// test, stops the daemons cleanly (so the profiles are written) and prints where they went.
//   node dist/bench/tunnel/profile.js --dir /tmp/prof [--rate 200M] [--seconds 10] [--tcp]
import { parseArgs } from 'node:util';
import { mkdirSync, mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ipsecTsTunnel } from './ipsec-ts-tunnel.js';
import { runIperf3, parseRate } from './iperf3-run.js';
import { execInNetns } from '../../test/support/netns.js';

const { values } = parseArgs({ options: {
  dir: { type: 'string', default: '/tmp/prof' }, rate: { type: 'string', default: '200M' },
  seconds: { type: 'string', default: '10' }, tcp: { type: 'boolean', default: false },
} });
const dir = values.dir ?? '/tmp/prof';
mkdirSync(dir, { recursive: true });
const before = new Set(readdirSync(dir));
process.env['IPSEC_TS_BENCH_NODE_ARGS'] = `--cpu-prof --cpu-prof-dir=${dir}`;
const runDir = mkdtempSync(join(tmpdir(), 'its-prof-'));
const tunnel = await ipsecTsTunnel.up(runDir, { keepLogs: false });
delete process.env['IPSEC_TS_BENCH_NODE_ARGS'];
const seconds = Number(values.seconds);
const result = await runIperf3(tunnel.ends, values.tcp === true ? { protocol: 'tcp', seconds }
  : { protocol: 'udp', rateBps: parseRate(values.rate ?? '200M') ?? 2e8, datagramBytes: 1300, seconds }, runDir, 'prof');
console.log(JSON.stringify(result));
for (const ns of [tunnel.ends.nsA, tunnel.ends.nsB]) {
  const counters = await execInNetns(ns, 'nstat', ['-az'], { timeoutMs: 5000 });
  console.log(`== ${ns}`, counters.stdout.split('\n').filter((l) => /Udp|Drop|Err|Ovf/i.test(l) && !/\s0\s/.test(l)).join('\n'));
  console.log((await execInNetns(ns, 'ip', ['-s', 'link'], { timeoutMs: 5000 })).stdout);
}
// The namespace teardown kills with SIGKILL, and Node writes --cpu-prof only on a clean exit:
// stop the daemons with SIGTERM first, and wait until both profiles are on disk.
const profiles = (): string[] => readdirSync(dir).filter((f) => f.endsWith('.cpuprofile') && !before.has(f));
// Only this run's daemons: their command lines name their configs, which live under runDir.
await execInNetns(tunnel.ends.nsA, 'pkill', ['-TERM', '-f', `ipsec-ts.js up -c ${runDir}/`], { timeoutMs: 5000 });
for (let waited = 0; waited < 30_000 && profiles().length < 2; waited += 250) await new Promise((resolve) => setTimeout(resolve, 250));
await tunnel.down();
console.log(`profiles in ${dir}: ${profiles().join(', ') || 'none written'}`);
