// Not part of the benchmark: repeats one UDP iperf3 test through one ipsec-ts tunnel and says
// where each lost datagram died, from the namespaces' own counters.
//   node dist/bench/tunnel/loss-probe.js [--rates 150M,200M] [--runs 3] [--seconds 5] [--impl strongswan] [--keep]
import { parseArgs } from 'node:util';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ipsecTsTunnel } from './ipsec-ts-tunnel.js';
import { strongswanTunnel } from './strongswan-tunnel.js';
import { runIperf3, parseRate } from './iperf3-run.js';
import { execInNetns } from '../../test/support/netns.js';

const { values } = parseArgs({ options: {
  rates: { type: 'string', default: '150M,200M' }, runs: { type: 'string', default: '3' }, seconds: { type: 'string', default: '5' }, impl: { type: 'string', default: 'ipsec-ts' }, keep: { type: 'boolean', default: false },
} });

async function counters(ns: string): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  const nstat = await execInNetns(ns, 'nstat', ['-az'], { timeoutMs: 5000 });
  for (const line of nstat.stdout.split('\n')) {
    const m = /^(\S+)\s+(\d+)/.exec(line);
    if (m) out.set(m[1]!, Number(m[2]));
  }
  const link = await execInNetns(ns, 'ip', ['-j', '-s', 'link'], { timeoutMs: 5000 });
  for (const dev of JSON.parse(link.stdout) as { ifname: string; stats64?: { rx: { packets: number; dropped: number }; tx: { packets: number; dropped: number } } }[]) {
    if (!dev.stats64) continue;
    out.set(`${dev.ifname}.rx`, dev.stats64.rx.packets);
    out.set(`${dev.ifname}.rxdrop`, dev.stats64.rx.dropped);
    out.set(`${dev.ifname}.tx`, dev.stats64.tx.packets);
    out.set(`${dev.ifname}.txdrop`, dev.stats64.tx.dropped);
  }
  return out;
}

function delta(after: Map<string, number>, before: Map<string, number>, key: string): number {
  return (after.get(key) ?? 0) - (before.get(key) ?? 0);
}

const runDir = mkdtempSync(join(tmpdir(), 'its-probe-'));
const tunnel = await (values.impl === 'strongswan' ? strongswanTunnel : ipsecTsTunnel).up(runDir, { keepLogs: values.keep === true });
try {
  const { nsA, nsB } = tunnel.ends;
  for (const rateText of (values.rates ?? '').split(',')) {
    const losses: number[] = [];
    for (let i = 0; i < Number(values.runs); i++) {
      const [a0, b0] = [await counters(nsA), await counters(nsB)];
      const cpu0 = tunnel.cpuSeconds();
      const r = await runIperf3(tunnel.ends, { protocol: 'udp', rateBps: parseRate(rateText) ?? 1.5e8, datagramBytes: 1300, seconds: Number(values.seconds) }, runDir, `p${i}`);
      const cpu1 = tunnel.cpuSeconds();
      const [a1, b1] = [await counters(nsA), await counters(nsB)];
      if (!r.ok) { console.log(rateText, 'failed', r.detail); continue; }
      const lostPct = r.protocol === 'udp' ? r.lostPercent : NaN;
      losses.push(lostPct);
      console.log(`${rateText} run ${i}: lost ${lostPct.toFixed(2)}% received ${(r.receivedBps / 1e6).toFixed(1)}M`
        + ` | A tun txdrop ${delta(a1, a0, 'ipsec0.txdrop')} | B UdpRcvbufErrors ${delta(b1, b0, 'UdpRcvbufErrors')}`
        + ` | B veth rx ${delta(b1, b0, `${nsB}.rx`)}, B TUN rx (written by the daemon) ${delta(b1, b0, 'ipsec0.rx')} | cpu ${cpu0 === null || cpu1 === null ? '?' : (cpu1 - cpu0).toFixed(2)} s`);
    }
    losses.sort((x, y) => x - y);
    console.log(`${rateText}: median loss ${losses[Math.floor(losses.length / 2)]?.toFixed(2)}% (${losses.map((l) => l.toFixed(2)).join(', ')})`);
  }
} finally {
  await tunnel.down();
}
