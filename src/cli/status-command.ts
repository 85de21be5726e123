// `ipsec-ts status`: the running daemon on one screen: who it is, where it listens, its SAs and
// policies, its IKE SAs, and what happened to the traffic. Exit status: 0 shown, 1 daemon error, 2 no daemon.
import type { Command } from 'commander';
import type { IkeStatus, StatusReply } from '../endpoint/control/handlers.js';
import { withControlSession } from '../endpoint/control/client-session.js';
import { SOCKET_OPTION_HELP, controlSocketPath } from '../endpoint/control/socket-path.js';
import { isoTime } from '../explain/time-text.js';
import type { Output } from './output.js';

export interface ControlVerbOptions {
  readonly socket?: string;
  readonly json?: boolean;
}

/** 93784 -> "1d 2h 03m 04s". */
export function uptimeText(seconds: number): string {
  const s = Math.max(0, Math.floor(seconds));
  const d = Math.floor(s / 86_400);
  const h = Math.floor((s % 86_400) / 3600);
  const m = Math.floor((s % 3600) / 60);
  const pad = (n: number): string => String(n).padStart(2, '0');
  if (d > 0) return `${d}d ${h}h ${pad(m)}m ${pad(s % 60)}s`;
  if (h > 0) return `${h}h ${pad(m)}m ${pad(s % 60)}s`;
  return m > 0 ? `${m}m ${pad(s % 60)}s` : `${s}s`;
}

const plural = (n: number, word: string): string => `${n} ${word}${n === 1 ? '' : 's'}`;

/** "2 connections; IKE SAs: 1 established, 1 init-sent; 1 CHILD_SA". */
export function ikeStatusText(ike: IkeStatus | null): string {
  if (ike === null) return 'none (no connections configured)';
  const states = Object.entries(ike.ikeSas).filter(([, n]) => n > 0).map(([state, n]) => `${n} ${state}`);
  return `${plural(ike.connections, 'connection')}; IKE SAs: ${states.length === 0 ? 'none' : states.join(', ')}; ${plural(ike.childSas, 'CHILD_SA')}`;
}

export function formatStatus(s: StatusReply): string {
  const c = s.counters;
  const topDrops = Object.entries(c.byWindowsName).sort((a, b) => b[1] - a[1]).map(([name, n]) => `${name} ${n}`).join(', ');
  const lines = [
    `ipsec-ts ${s.version}, pid ${s.pid}, up ${uptimeText(s.uptimeSeconds)} (since ${isoTime(s.startedAt)})`,
    `config:     ${s.configFile ?? '(none: started from the library API)'}`,
    `state dir:  ${s.stateDir ?? '(none: nothing is kept across restarts)'}`,
    `listen:     ${s.listen.address}:${s.listen.port} UDP (ESP in UDP, RFC 3948)`,
    `tun:        ${s.tun === null ? '(none: inner traffic through the library API)' : `${s.tun.name}, mtu ${s.tun.mtu}`}`,
    `SAs:        ${s.sas.inbound} inbound, ${s.sas.outbound} outbound; ${s.sas.remembered} remembered (removed, kept to explain late packets)`,
    `policies:   ${s.policies}`,
    // A daemon older than the IKE support sends no ike field.
    `IKE:        ${ikeStatusText(s.ike ?? null)}`,
    `traffic:    ${c.delivered} delivered, ${c.dropped} dropped${c.keepalive > 0 ? `, ${c.keepalive} NAT-keepalives` : ''}${c.ike > 0 ? `, ${c.ike} IKE` : ''}`,
  ];
  if (c.dropped > 0) lines.push(`drops:      ${topDrops}  (\`ipsec-ts drops\` says why)`);
  return `${lines.join('\n')}\n`;
}

export async function runStatus(opts: ControlVerbOptions, out: Output): Promise<number> {
  return withControlSession(controlSocketPath(opts.socket, process.env), out, async (client) => {
    const s = (await client.call('status')) as StatusReply;
    out.stdout(opts.json === true ? `${JSON.stringify(s, null, 2)}\n` : formatStatus(s));
    return 0;
  });
}

export function registerStatusCommand(program: Command, out: Output, setExit: (code: number) => void): void {
  program
    .command('status')
    .description('show the running daemon: pid, uptime, listen address, TUN device, SAs, policies, IKE SAs, delivered and dropped packets')
    .option('--socket <path>', SOCKET_OPTION_HELP)
    .option('--json', 'print the status as JSON')
    .action(async (opts: ControlVerbOptions) => {
      setExit(await runStatus(opts, out));
    });
}
