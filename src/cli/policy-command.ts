// `ipsec-ts policy list|add|delete`: the daemon's security policies (RFC 4301 SPD), like
// `ip xfrm policy`. Exit status: 0 done, 1 the daemon refused, 2 usage error or no daemon.
import type { Command } from 'commander';
import type { PolicySummary } from '../endpoint/control/handlers.js';
import { withControlSession } from '../endpoint/control/client-session.js';
import { SOCKET_OPTION_HELP, controlSocketPath } from '../endpoint/control/socket-path.js';
import type { Output } from './output.js';
import { loadEntry, textTable } from './sa-command.js';
import type { ControlVerbOptions } from './status-command.js';

export function formatPolicyList(policies: readonly PolicySummary[]): string {
  if (policies.length === 0) return 'No policy is installed (add one with `ipsec-ts policy add <file.yaml>`, or in the config).\n';
  const rows = policies.map((p) => [
    p.id, p.direction, p.action, p.local.join(', ') || 'any', p.remote.join(', ') || 'any',
    p.mode ?? '-', p.reqid === null ? '-' : String(p.reqid), p.peer ?? '-',
  ]);
  return textTable(['ID', 'DIR', 'ACTION', 'LOCAL', 'REMOTE', 'MODE', 'REQID', 'PEER'], rows);
}

const policyLine = (verb: string, p: PolicySummary): string =>
  `${verb} policy ${p.id} (${p.direction} ${p.action}, ${p.local.join(', ') || 'any'} <-> ${p.remote.join(', ') || 'any'})\n`;

const socketOf = (opts: ControlVerbOptions): string => controlSocketPath(opts.socket, process.env);

export async function runPolicyList(opts: ControlVerbOptions, out: Output): Promise<number> {
  return withControlSession(socketOf(opts), out, async (client) => {
    const r = (await client.call('policy.list')) as PolicySummary[];
    out.stdout(opts.json === true ? `${JSON.stringify(r, null, 2)}\n` : formatPolicyList(r));
    return 0;
  });
}

export async function runPolicyAdd(source: string, opts: ControlVerbOptions, out: Output): Promise<number> {
  const entry = await loadEntry(source, 'policies', 'policy add', out);
  if (entry === null) return 2;
  return withControlSession(socketOf(opts), out, async (client) => {
    const r = (await client.call('policy.add', { entry })) as PolicySummary;
    out.stdout(opts.json === true ? `${JSON.stringify(r, null, 2)}\n` : policyLine('added', r));
    return 0;
  });
}

export async function runPolicyDelete(id: string, opts: ControlVerbOptions, out: Output): Promise<number> {
  return withControlSession(socketOf(opts), out, async (client) => {
    const r = (await client.call('policy.delete', { id })) as PolicySummary;
    out.stdout(opts.json === true ? `${JSON.stringify(r, null, 2)}\n` : policyLine('deleted', r));
    return 0;
  });
}

export function registerPolicyCommand(program: Command, out: Output, setExit: (code: number) => void): void {
  const policy = program.command('policy').description("the running daemon's security policies: list, add, delete");
  const common = (c: Command): Command => c.option('--socket <path>', SOCKET_OPTION_HELP).option('--json', 'print the reply as JSON');
  common(policy.command('list').description('the policies in the order they are matched (like `ip xfrm policy`)'))
    .action(async (opts: ControlVerbOptions) => { setExit(await runPolicyList(opts, out)); });
  common(policy.command('add').description('install one policy, given like one `policies:` item of the config').argument('<file>', "YAML or JSON file, or '-' for stdin"))
    .action(async (file: string, opts: ControlVerbOptions) => { setExit(await runPolicyAdd(file, opts, out)); });
  common(policy.command('delete').description('remove one policy').argument('<id>', 'the policy id (see `ipsec-ts policy list`)'))
    .action(async (id: string, opts: ControlVerbOptions) => { setExit(await runPolicyDelete(id, opts, out)); });
}
