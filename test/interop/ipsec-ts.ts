// The ipsec-ts side of the interop tests: a daemon config with one IKEv2 connection (docs/CONFIG.md,
// `ike:` and `connections:`), calls on its control socket (ike.list, ike.rekey, ike.terminate,
// ike.events) and the traffic the cases send through the tunnel.
import { connectControl } from '../../src/endpoint/control/client.js';
import type { ControlMethod, ControlParams } from '../../src/endpoint/control/protocol.js';
import type { IkeEventRecord, IkeSaSummary } from '../../src/endpoint/control/handlers.js';
import type { NetnsHost, NetnsProcess } from '../support/netns.js';
import type { Daemon } from '../netns/support.js';
import { BIN, cli, cliJsonLines, waitFor } from '../netns/support.js';
import { DAEMON_NODE_FLAGS } from '../../src/endpoint/node-flags.js';

/**
 * The daemon's launcher: bin/ipsec-ts.js of this checkout, or IPSEC_TS_INTEROP_BIN (another build
 * of it, to run these cases against a candidate without rebuilding dist/).
 */
export const DAEMON_BIN = process.env.IPSEC_TS_INTEROP_BIN ?? BIN;

/** Starts `ipsec-ts up -c config` in host's namespace; resolves once `ipsec-ts status` answers. */
export async function startTsDaemon(host: NetnsHost, config: string, socket: string, name: string): Promise<Daemon> {
  const proc = host.start(process.execPath, [...DAEMON_NODE_FLAGS, DAEMON_BIN, 'up', '-c', config], { name });
  await waitFor(async () => !proc.running() || (await cli(['status', '--socket', socket], 5000)).code === 0,
    15_000, `daemon ${name} to answer \`ipsec-ts status --socket ${socket}\``, () => JSON.stringify(proc.output()));
  if (!proc.running()) throw new Error(`daemon ${name} exited early: ${JSON.stringify(proc.output())}`);
  return { proc, socket };
}

export interface TsChild {
  readonly name: string;
  readonly localTs: string;
  readonly remoteTs: string;
  readonly espProposal: string;
  readonly startAction: 'none' | 'trap' | 'start';
  readonly dpdAction?: 'clear' | 'trap' | 'restart';
  readonly closeAction?: 'none' | 'trap' | 'start';
}

export interface TsConnection {
  readonly name: string;
  readonly localAddress: string;
  readonly remoteAddress: string;
  readonly localId: string;
  readonly remoteId: string;
  /** psk text, or our certificate and key files (the CA goes to ike.ca_certs). */
  readonly auth: { readonly kind: 'psk'; readonly secret: string } | { readonly kind: 'pubkey'; readonly cert: string; readonly key: string; readonly ca: string };
  readonly proposal: string;
  readonly dpdDelay?: string;
  readonly child: TsChild;
}

export interface TsDaemonConfig {
  readonly stateDir: string;
  readonly tunAddress: string;
  readonly route: string;
  /** ike.retransmit: timeout, base, tries. */
  readonly retransmit?: { readonly timeout: string; readonly base: number; readonly tries: number };
  readonly connection: TsConnection;
}

export function tsDaemonYaml(c: TsDaemonConfig): string {
  const k = c.connection;
  const ch = k.child;
  const r = c.retransmit ?? { timeout: '2s', base: 1.4, tries: 3 };
  const psk = k.auth.kind === 'psk';
  const authKind = psk ? 'psk' : 'pubkey';
  const certLines = k.auth.kind === 'pubkey' ? `, cert: ${k.auth.cert}, key: ${k.auth.key}` : '';
  return [
    'listen: { address: 0.0.0.0, port: 4500 }',
    `state_dir: ${c.stateDir}`,
    'log: { level: debug }',
    'nat_keepalive: off',
    `tun: { name: ipsec0, addresses: [${c.tunAddress}/32], mtu: 1400, routes: [${c.route}] }`,
    'ike:',
    '  port: 500',
    `  retransmit: { timeout: ${r.timeout}, base: ${r.base}, tries: ${r.tries} }`,
    ...(k.auth.kind === 'pubkey' ? [`  ca_certs: [${k.auth.ca}]`] : []),
    'connections:',
    `  - name: ${k.name}`,
    `    local: { address: ${k.localAddress}, id: "${k.localId}", auth: ${authKind}${certLines} }`,
    `    remote: { address: ${k.remoteAddress}, id: "${k.remoteId}", auth: ${authKind} }`,
    ...(k.auth.kind === 'psk' ? [`    psk: "${k.auth.secret}"`] : []),
    `    proposals: [${k.proposal}]`,
    `    dpd_delay: ${k.dpdDelay ?? '0'}`,
    '    children:',
    `      - name: ${ch.name}`,
    `        local_ts: [${ch.localTs}]`,
    `        remote_ts: [${ch.remoteTs}]`,
    `        esp_proposals: [${ch.espProposal}]`,
    `        start_action: ${ch.startAction}`,
    `        dpd_action: ${ch.dpdAction ?? 'clear'}`,
    `        close_action: ${ch.closeAction ?? 'none'}`,
    '',
  ].join('\n');
}

/** One control-socket call (the CLI has no IKE verbs yet: ike.rekey, ike.terminate, ike.list). */
export async function ctl<T>(socket: string, method: ControlMethod, params?: ControlParams): Promise<T> {
  const client = await connectControl(socket, { timeoutMs: 5000 });
  try {
    return (await client.call(method, params)) as T;
  } finally {
    client.close();
  }
}

export const ikeList = (socket: string): Promise<IkeSaSummary[]> => ctl<IkeSaSummary[]>(socket, 'ike.list');
export const ikeEvents = (socket: string): Promise<IkeEventRecord[]> => ctl<IkeEventRecord[]>(socket, 'ike.events', {});

/** SPIs as `0x` + 8 hex digits, the control socket's spelling. */
export const hex8 = (spi: number): string => `0x${spi.toString(16).padStart(8, '0')}`;

/** The installed children of established IKE SAs. */
export async function installedChildren(socket: string): Promise<{ ikeSa: IkeSaSummary; spiIn: string; spiOut: string; state: string; proposal: string }[]> {
  return (await ikeList(socket)).filter((sa) => sa.state === 'established')
    .flatMap((sa) => sa.children.filter((c) => c.state === 'installed').map((c) => ({ ikeSa: sa, spiIn: c.spiIn, spiOut: c.spiOut, state: c.state, proposal: c.proposal })));
}

export interface Drop {
  readonly windowsCode: number;
  readonly windowsName: string;
  readonly spi: string | null;
  readonly cause: string | null;
  readonly reason: string;
  readonly at: number;
  readonly direction: string;
}

/** `ipsec-ts drops --json [--code c]` records at or after `since` (ms). */
export async function dropsSince(socket: string, since: number, code?: number): Promise<Drop[]> {
  const args = ['drops', ...(code === undefined ? [] : ['--code', String(code)])];
  return (await cliJsonLines<Drop>(socket, args)).filter((d) => d.at >= since);
}

/** A ping from host's inner address every `intervalS`: what was sent and what came back. */
export interface PingRun {
  readonly proc: NetnsProcess;
  /** Ends the ping (SIGINT: it prints its summary) unless its deadline ended it already. */
  stop(): Promise<{ transmitted: number; received: number; output: string }>;
}

/** `ping -i intervalS -w deadlineS`: -w lets it end by itself and print its summary. */
export function startPing(host: NetnsHost, destination: string, deadlineS: number, intervalS = 0.05, name = 'ping'): PingRun {
  const proc = host.start('ping', ['-n', '-q', '-i', String(intervalS), '-w', String(deadlineS), '-W', '1', '-I', host.inner, destination], { name });
  return {
    proc,
    async stop() {
      // ip netns exec execs ping: the process we started is ping itself.
      if (proc.running()) process.kill(proc.pid, 'SIGINT');
      await proc.exited;
      const output = proc.output().stdout;
      const m = /(\d+) packets transmitted, (\d+) received/.exec(output);
      return { transmitted: Number(m?.[1] ?? 0), received: Number(m?.[2] ?? 0), output };
    },
  };
}

/** A TCP transfer of `bytes` random bytes from `from` to `to` (inner addresses), sha256 on both ends. */
export async function tcpTransfer(from: NetnsHost, to: NetnsHost, toAddress: string, fromAddress: string, bytes: number, port = 5001): Promise<{ sent: { n: number; sha: string }; received: { n: number; sha: string } }> {
  const server = to.start(process.execPath, ['-e', `
    const h = require('node:crypto').createHash('sha256'); let n = 0;
    const s = require('node:net').createServer((c) => {
      c.on('data', (d) => { h.update(d); n += d.length; });
      c.on('end', () => { console.log(JSON.stringify({ n, sha: h.digest('hex') })); c.end(); s.close(); });
    });
    s.listen(${port}, '${toAddress}', () => console.error('listening'));`], { name: `tcp-server-${port}` });
  await waitFor(() => server.output().stderr.includes('listening') || !server.running(), 10_000, 'the TCP server to listen', () => JSON.stringify(server.output()));
  const client = await from.exec(process.execPath, ['-e', `
    const data = require('node:crypto').randomBytes(${bytes});
    const c = require('node:net').connect({ host: '${toAddress}', port: ${port}, localAddress: '${fromAddress}' }, () => c.end(data));
    c.on('close', () => console.log(JSON.stringify({ n: data.length, sha: require('node:crypto').createHash('sha256').update(data).digest('hex') })));
    c.on('error', (e) => { console.error(String(e)); process.exit(1); });`], { timeoutMs: 60_000 });
  if (client.code !== 0) throw new Error(`TCP client failed (${client.code}): ${client.stderr}`);
  await waitFor(() => !server.running(), 15_000, 'the TCP server to report what it received', () => JSON.stringify(server.output()));
  return { sent: JSON.parse(client.stdout) as { n: number; sha: string }, received: JSON.parse(server.output().stdout) as { n: number; sha: string } };
}
