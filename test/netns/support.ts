// Helpers for the end-to-end tests of the live daemon: two `ipsec-ts up` daemons in the two
// namespaces of test/support/netns.ts, configured by generated YAML and driven through the CLI.
import { randomBytes } from 'node:crypto';
import { existsSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { ExecResult, NetnsHost, NetnsProcess } from '../support/netns.js';
import { run } from '../support/netns.js';
import { DAEMON_NODE_FLAGS } from '../../src/endpoint/node-flags.js';

export const BIN = fileURLToPath(new URL('../../bin/ipsec-ts.js', import.meta.url));
const DIST_MAIN = fileURLToPath(new URL('../../dist/src/cli/main.js', import.meta.url));

/** Why the CLI cannot run (dist/ not built), or null. */
export function cliMissingReason(): string | null {
  return existsSync(DIST_MAIN) ? null : 'the compiled CLI is missing: run `npx tsc -p tsconfig.build.json` (or `npm run build`) first';
}

/** One side of an SA pair: SPI and AES-GCM-128 key (16 bytes + 4 bytes salt) as hex, no 0x. */
export interface SaKeying {
  readonly spi: number;
  readonly key: string;
}

export function newKeying(spi: number): SaKeying {
  return { spi, key: randomBytes(20).toString('hex') };
}

export const spiText = (spi: number): string => `0x${spi.toString(16).padStart(8, '0')}`;

export interface SaEntry {
  readonly name: string;
  readonly direction: 'in' | 'out';
  readonly keying: SaKeying;
  readonly src: string;
  readonly dst: string;
  readonly reqid?: number;
}

/** One `sas:` item as a YAML flow mapping (key quoted: see the report on `sa add`). */
export function saYaml(sa: SaEntry): string {
  return `{ name: ${sa.name}, direction: ${sa.direction}, spi: ${spiText(sa.keying.spi)}, src: ${sa.src}, dst: ${sa.dst}, ` +
    `transform: aes128gcm16, enc_key: "0x${sa.keying.key}", reqid: ${sa.reqid ?? 1} }`;
}

export interface PolicyEntry {
  readonly name: string;
  readonly local: string;
  readonly remote: string;
  readonly peer: string;
  readonly reqid?: number;
}

export function policyYaml(p: PolicyEntry): string {
  return `{ name: ${p.name}, local: ${p.local}, remote: ${p.remote}, direction: both, action: protect, mode: tunnel, peer: ${p.peer}, reqid: ${p.reqid ?? 1} }`;
}

export interface DaemonConfig {
  readonly stateDir: string;
  readonly tunAddresses: readonly string[];
  readonly routes: readonly string[];
  readonly sas: readonly SaEntry[];
  readonly policies: readonly PolicyEntry[];
}

export function daemonYaml(c: DaemonConfig): string {
  return [
    'listen: { address: 0.0.0.0, port: 4500 }',
    `state_dir: ${c.stateDir}`,
    'log: { level: debug }',
    'nat_keepalive: off',
    'sequence_reserve: 1024',
    `tun: { name: ipsec0, addresses: [${c.tunAddresses.map((a) => `${a}/32`).join(', ')}], mtu: 1400, routes: [${c.routes.join(', ')}] }`,
    'sas:',
    ...c.sas.map((s) => `  - ${saYaml(s)}`),
    'policies:',
    ...c.policies.map((p) => `  - ${policyYaml(p)}`),
    '',
  ].join('\n');
}

/** Writes text to path with mode 0600 (the daemon warns about key files others can read). */
export function writePrivate(path: string, text: string): string {
  writeFileSync(path, text, { mode: 0o600 });
  return path;
}

/** `ipsec-ts <args>` (outside the namespaces: the control socket is a file path). */
export function cli(args: readonly string[], timeoutMs = 15_000): Promise<ExecResult> {
  return run(process.execPath, [BIN, ...args], { timeoutMs });
}

/** `ipsec-ts <args> --json --socket <socket>`, parsed; throws with the CLI's output when it fails. */
export async function cliJson<T>(socket: string, args: readonly string[]): Promise<T> {
  const r = await cli([...args, '--json', '--socket', socket]);
  if (r.code !== 0) throw new Error(`ipsec-ts ${args.join(' ')} exited ${r.code}: ${r.stderr.trim()}`);
  return JSON.parse(r.stdout) as T;
}

/** JSON-lines output (`drops --json`). */
export async function cliJsonLines<T>(socket: string, args: readonly string[]): Promise<T[]> {
  const r = await cli([...args, '--json', '--socket', socket]);
  if (r.code !== 0) throw new Error(`ipsec-ts ${args.join(' ')} exited ${r.code}: ${r.stderr.trim()}`);
  return r.stdout.split('\n').filter((l) => l.trim() !== '').map((l) => JSON.parse(l) as T);
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls check until it returns true; throws `expected` (with the last detail) after timeoutMs. */
export async function waitFor(check: () => boolean | Promise<boolean>, timeoutMs: number, expected: string, detail: () => string = () => ''): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for: ${expected}\n${detail()}`);
    await sleep(100);
  }
}

export interface Daemon {
  readonly proc: NetnsProcess;
  readonly socket: string;
}

/** Starts `ipsec-ts up -c config` in host's namespace and waits until `ipsec-ts status` answers. */
export async function startDaemon(host: NetnsHost, config: string, socket: string, name: string): Promise<Daemon> {
  const proc = host.start(process.execPath, [...DAEMON_NODE_FLAGS, BIN, 'up', '-c', config], { name });
  await waitFor(async () => {
    if (!proc.running()) return true;
    return (await cli(['status', '--socket', socket], 5000)).code === 0;
  }, 15_000, `daemon ${name} to be up (ipsec-ts status --socket ${socket} exiting 0)`, () => JSON.stringify(proc.output()));
  if (!proc.running()) throw new Error(`daemon ${name} exited early: ${JSON.stringify(proc.output())}`);
  return { proc, socket };
}

/** Starts dumpcap on the host's veth, writing path; resolves once it captures. */
export async function startCapture(host: NetnsHost, path: string, name: string): Promise<NetnsProcess> {
  const proc = host.start('dumpcap', ['-q', '-i', host.veth, '-w', path], { name });
  await waitFor(() => !proc.running() || /Capturing on/.test(proc.output().stderr), 10_000,
    `dumpcap on ${host.veth} to print "Capturing on"`, () => proc.output().stderr);
  if (!proc.running()) throw new Error(`dumpcap on ${host.veth} exited: ${proc.output().stderr}`);
  return proc;
}

/** Sends one UDP datagram from host (an ephemeral port) to dst:port, through node's dgram. */
export async function sendUdp(host: NetnsHost, dst: string, port: number, payload: Buffer): Promise<void> {
  const script = "const d=require('node:dgram').createSocket('udp4');" +
    `d.send(Buffer.from(process.argv[1],'hex'),${port},'${dst}',(e)=>{d.close();if(e){console.error(String(e));process.exit(1);}});`;
  const r = await host.exec(process.execPath, ['-e', script, payload.toString('hex')], { timeoutMs: 10_000 });
  if (r.code !== 0) throw new Error(`sending UDP from ${host.ns} failed: ${r.stderr}`);
}

/** The ESP frames of a capture as tshark decodes them (UDP 4500 is ESP in UDP by default). */
export interface EspFrame {
  readonly time: number;
  readonly src: string;
  readonly spi: number;
  readonly sequence: number;
  readonly payload: Buffer;
}

export async function espFrames(capture: string): Promise<EspFrame[]> {
  const r = await run('tshark', ['-r', capture, '-Y', 'esp', '-T', 'fields', '-E', 'separator=/t',
    '-e', 'frame.time_epoch', '-e', 'ip.src', '-e', 'esp.spi', '-e', 'esp.sequence', '-e', 'udp.payload'], { timeoutMs: 30_000 });
  if (r.code !== 0) throw new Error(`tshark -r ${capture} failed (${r.code}): ${r.stderr}`);
  return r.stdout.split('\n').filter((l) => l.trim() !== '').map((line) => {
    const [time, src, spi, sequence, payload] = line.split('\t');
    return { time: Number(time) * 1000, src: src ?? '', spi: Number(spi), sequence: Number(sequence), payload: Buffer.from(payload ?? '', 'hex') };
  });
}
