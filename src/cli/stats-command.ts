// `ipsec-ts stats`: the daemon's counters under both names an admin knows: the Windows IPsec
// errors and the Linux xfrm_stat counters (every one, zeros included, as /proc/net/xfrm_stat
// shows them), then UDP and TUN, then per SA. Exit status: 0, 1 daemon error, 2 no daemon.
import type { Command } from 'commander';
import type { StatsReply } from '../endpoint/control/handlers.js';
import { withControlSession } from '../endpoint/control/client-session.js';
import { SOCKET_OPTION_HELP, controlSocketPath } from '../endpoint/control/socket-path.js';
import { DROP_KINDS } from '../verdict/drop-kinds.js';
import type { Output } from './output.js';
import { textTable } from './sa-command.js';
import type { ControlVerbOptions } from './status-command.js';

const KINDS = Object.values(DROP_KINDS);
const WINDOWS_NAMES = [...new Map(KINDS.map((k) => [k.name, k.code])).entries()].sort((a, b) => a[1] - b[1]);
const LINUX_COUNTERS = [...new Set(KINDS.map((k) => k.linuxCounter).filter((c) => c !== 'none'))];

function counterSection(title: string, rows: readonly (readonly [string, number])[]): string {
  return `${title}\n${textTable(['COUNTER', 'VALUE'], rows.map(([n, v]) => [n, String(v)]), [1]).replace(/^(?=.)/gm, '  ')}`;
}

export function formatStats(s: StatsReply): string {
  const c = s.counters;
  const sections = [
    counterSection('Packets', [['delivered', c.delivered], ['dropped', c.dropped], ['dummy (next header 59)', c.dummy], ['NAT-keepalive', c.keepalive], ['IKE', c.ike]]),
    counterSection('Drops by Windows error', WINDOWS_NAMES.map(([name, code]) => [`${name} (${code})`, c.byWindowsName[name] ?? 0] as const)),
    counterSection('Drops by Linux xfrm_stat counter', LINUX_COUNTERS.map((n) => [n, c.byLinuxCounter[n] ?? 0] as const)),
    counterSection('UDP', [['received', s.udp.received], ['sent', s.udp.sent], ['send errors', s.udp.sendErrors]]),
    s.tun === null ? 'TUN\n  (no TUN device)\n'
      : counterSection('TUN', [['read', s.tun.read], ['written', s.tun.written], ['write errors', s.tun.writeErrors]]),
  ];
  const perSa = s.sas.length === 0 ? '  (no SA installed)\n'
    : textTable(['NAME', 'DIR', 'SPI', 'PACKETS', 'BYTES', 'DROPS'],
      s.sas.map((sa) => [sa.name ?? '-', sa.direction, sa.spi, String(sa.packets), String(sa.bytes), String(sa.drops)]), [3, 4, 5]).replace(/^(?=.)/gm, '  ');
  sections.push(`Per SA\n${perSa}`);
  return sections.join('\n');
}

export async function runStats(opts: ControlVerbOptions, out: Output): Promise<number> {
  return withControlSession(controlSocketPath(opts.socket, process.env), out, async (client) => {
    const s = (await client.call('stats')) as StatsReply;
    out.stdout(opts.json === true ? `${JSON.stringify(s, null, 2)}\n` : formatStats(s));
    return 0;
  });
}

export function registerStatsCommand(program: Command, out: Output, setExit: (code: number) => void): void {
  program
    .command('stats')
    .description('counters under the Windows error names and the Linux xfrm_stat names, UDP and TUN counters, per-SA packets, bytes and drops')
    .option('--socket <path>', SOCKET_OPTION_HELP)
    .option('--json', 'print the counters as JSON')
    .action(async (opts: ControlVerbOptions) => {
      setExit(await runStats(opts, out));
    });
}
