// One iperf3 test through a tunnel: a one-shot server in namespace B bound to B's inner address
// (never -D: a daemonised iperf3 outlives its namespace), the client in A bound to A's inner
// address, so the traffic takes the tunnel and nothing else.
import { execInNetns, startInNetns } from '../../test/support/netns.js';
import type { Iperf3Result } from './iperf3-result.js';
import { parseIperf3Json } from './iperf3-result.js';

export interface TunnelEnds {
  readonly nsA: string;
  readonly nsB: string;
  readonly innerA: string;
  readonly innerB: string;
}

export type ThroughputTest =
  | { readonly protocol: 'udp'; readonly rateBps: number; readonly datagramBytes: number; readonly seconds: number; readonly socketBufferBytes?: number }
  | { readonly protocol: 'tcp'; readonly seconds: number };

const PORT = 5201;

/** "UDP 400M" / "TCP": the row label of a test. */
export function testLabel(test: ThroughputTest): string {
  return test.protocol === 'tcp' ? 'TCP' : `UDP ${formatRate(test.rateBps)}`;
}

/** 200e6 -> "200M", 2e9 -> "2G" (iperf3's own -b spelling). */
export function formatRate(bps: number): string {
  if (bps >= 1e9 && bps % 1e8 === 0) return `${bps / 1e9}G`;
  if (bps >= 1e6) return `${Math.round(bps / 1e6)}M`;
  return `${Math.round(bps / 1e3)}K`;
}

/** "200M", "2G", "1.5G", "800k" -> bit/s; null when it is not a rate. */
export function parseRate(text: string): number | null {
  const m = /^(\d+(?:\.\d+)?)([KkMmGg])?$/.exec(text.trim());
  if (m === null) return null;
  const unit = { k: 1e3, m: 1e6, g: 1e9 }[(m[2] ?? '').toLowerCase()] ?? 1;
  const bps = Number(m[1]) * unit;
  return bps > 0 ? bps : null;
}

async function waitForListener(ns: string, deadline: number): Promise<boolean> {
  while (Date.now() < deadline) {
    const r = await execInNetns(ns, 'ss', ['-Hltn', `sport = :${PORT}`], { timeoutMs: 5000 });
    if (r.code === 0 && r.stdout.trim() !== '') return true;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return false;
}

function clientArgs(ends: TunnelEnds, test: ThroughputTest): string[] {
  const args = ['-c', ends.innerB, '-B', ends.innerA, '-p', String(PORT), '--json', '--connect-timeout', '5000', '-t', String(test.seconds)];
  if (test.protocol === 'udp') args.push('-u', '-l', String(test.datagramBytes), '-b', String(test.rateBps));
  // iperf3 -w: the socket buffer of both iperf3 ends (the client sends it to the server).
  if (test.protocol === 'udp' && test.socketBufferBytes !== undefined) args.push('-w', String(test.socketBufferBytes));
  return args;
}

/** Runs one test; a failure (no server, no answer, bad output) comes back as a typed result. */
export async function runIperf3(ends: TunnelEnds, test: ThroughputTest, logDir: string, name: string): Promise<Iperf3Result> {
  const server = startInNetns(ends.nsB, logDir, 'iperf3', ['-s', '-1', '-B', ends.innerB, '-p', String(PORT)], { name: `${name}.server` });
  try {
    if (!(await waitForListener(ends.nsB, Date.now() + 10_000))) {
      return { ok: false, reason: 'iperf3-error', detail: `the iperf3 server in ${ends.nsB} did not listen within 10 s (see ${server.stderrPath})` };
    }
    const client = await execInNetns(ends.nsA, 'iperf3', clientArgs(ends, test), { timeoutMs: (test.seconds + 30) * 1000 });
    if (client.code === null) {
      return { ok: false, reason: 'iperf3-error', detail: `the iperf3 client did not finish within ${test.seconds + 30} s: the tunnel may have stalled` };
    }
    return parseIperf3Json(client.stdout);
  } finally {
    await server.stop(1000);
  }
}
