// `ipsec-ts initiate|terminate|rekey <connection>`: start the IKE action in the daemon, then wait
// for its outcome by polling ike.events from the event just before the request (so nothing that
// happens in between is missed), printing what happened, like `swanctl --initiate` does.
// Exit status: 0 done, 1 refused or failed (the reason is printed), 2 usage error or no daemon.
import type { Command } from 'commander';
import type { ControlClient } from '../endpoint/control/client.js';
import { withControlSession } from '../endpoint/control/client-session.js';
import type { IkeEventRecord, IkeInitiateReply, IkeRekeyReply, IkeSaSummary, IkeTerminateReply } from '../endpoint/control/handlers.js';
import { SOCKET_OPTION_HELP, controlSocketPath } from '../endpoint/control/socket-path.js';
import { bareSpi, formatIkeEvent } from './ike-format.js';
import type { Output } from './output.js';
import type { ControlVerbOptions } from './status-command.js';

export interface IkeActionOptions extends ControlVerbOptions {
  /** Seconds to wait for the outcome (text from the command line); default 10. */
  readonly timeout?: string;
  /** initiate only: the child to start (default: the connection's first). */
  readonly child?: string;
}

const DEFAULT_TIMEOUT_S = 10;
const MAX_TIMEOUT_S = 3600;
const POLL_MS = 100;

type Parsed<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly message: string };

/** --timeout: seconds, 0 < t <= 3600 (fractions allowed). */
export function parseTimeout(text: string | undefined): Parsed<number> {
  if (text === undefined) return { ok: true, value: DEFAULT_TIMEOUT_S * 1000 };
  const n = /^\d+(\.\d+)?$/.test(text.trim()) ? Number(text.trim()) : NaN;
  if (n > 0 && n <= MAX_TIMEOUT_S) return { ok: true, value: Math.round(n * 1000) };
  return { ok: false, message: `--timeout '${text}' must be a number of seconds above 0 and at most ${MAX_TIMEOUT_S}` };
}

/** What one event means for the action: keep waiting (null), or the exit status. */
type Verdict = 0 | 1 | null;

interface Waiter {
  /** Prints what the event says and decides. */
  on(r: IkeEventRecord): Promise<Verdict>;
  /** Why nothing decided in time. */
  timedOut(): Promise<string>;
}

interface ActionRun {
  readonly client: ControlClient;
  readonly out: Output;
  readonly verb: string;
  readonly json: boolean;
  readonly events: IkeEventRecord[];
}

async function waitForOutcome(run: ActionRun, connection: string, after: number, timeoutMs: number, waiter: Waiter): Promise<0 | 1> {
  const deadline = Date.now() + timeoutMs;
  let cursor = after;
  for (;;) {
    const records = (await run.client.call('ike.events', { after: cursor, connection })) as IkeEventRecord[];
    for (const r of records) {
      cursor = r.id;
      run.events.push(r);
      const verdict = await waiter.on(r);
      if (verdict !== null) return verdict;
    }
    const left = deadline - Date.now();
    if (left <= 0) break;
    await new Promise((resolve) => setTimeout(resolve, Math.min(POLL_MS, left)));
  }
  const why = await waiter.timedOut();
  fail(run, `no outcome within ${timeoutMs / 1000} s: ${why}`);
  return 1;
}

function say(run: ActionRun, line: string): void {
  if (!run.json) run.out.stdout(`${line}\n`);
}

function fail(run: ActionRun, line: string): void {
  run.out.stderr(`ipsec-ts ${run.verb}: ${line}\n`);
}

async function ikeSas(client: ControlClient): Promise<IkeSaSummary[]> {
  return (await client.call('ike.list')) as IkeSaSummary[];
}

async function stateOf(client: ControlClient, label: string): Promise<string> {
  const sa = (await ikeSas(client)).find((s) => s.label === label);
  return sa === undefined ? `IKE_SA ${label} is gone` : `IKE_SA ${label} is ${sa.state}`;
}

function initiateWaiter(run: ActionRun, reply: IkeInitiateReply): Waiter {
  return {
    on: async (r) => {
      if (!('ikeSa' in r) || r.ikeSa !== reply.ikeSa) return null;
      switch (r.type) {
        case 'ike-established':
          say(run, formatIkeEvent(r));
          return null;
        case 'child-installed': {
          if (r.child !== reply.child || r.rekeyOf !== null) return null;
          const child = (await ikeSas(run.client)).flatMap((s) => s.children).find((c) => c.spiIn === r.spiIn);
          const ts = child === undefined ? '' : `, ${child.localTs.join(' ')} === ${child.remoteTs.join(' ')}`;
          say(run, `CHILD_SA ${child?.label ?? r.child} established with SPIs ${bareSpi(r.spiIn)}_i ${bareSpi(r.spiOut)}_o (${r.proposal})${ts}`);
          return 0;
        }
        case 'child-failed':
        case 'ike-failed':
        case 'ike-closed':
          fail(run, formatIkeEvent(r));
          return 1;
        default:
          return null;
      }
    },
    timedOut: async () => `${await stateOf(run.client, reply.ikeSa)}; the peer may still answer (see \`ipsec-ts sa list\` and the daemon's log)`,
  };
}

function terminateWaiter(run: ActionRun, reply: IkeTerminateReply): Waiter {
  const open = new Set(reply.ikeSas);
  return {
    on: async (r) => {
      if (r.type !== 'ike-closed' || !open.has(r.ikeSa)) return null;
      open.delete(r.ikeSa);
      say(run, formatIkeEvent(r));
      return open.size === 0 ? 0 : null;
    },
    timedOut: async () => `still open: ${[...open].join(', ')} (the DELETE is retransmitted until the peer answers or gives up)`,
  };
}

function rekeyWaiter(run: ActionRun, reply: IkeRekeyReply): Waiter {
  const pending = new Map(reply.children.map((c) => [c.spiIn, c]));
  const sas = new Set(reply.children.map((c) => c.ikeSa));
  return {
    on: async (r) => {
      if (r.type === 'child-installed' && r.rekeyOf !== null && pending.has(r.rekeyOf)) {
        const old = pending.get(r.rekeyOf)!;
        pending.delete(r.rekeyOf);
        say(run, `CHILD_SA ${old.child} rekeyed: new SPIs ${bareSpi(r.spiIn)}_i ${bareSpi(r.spiOut)}_o (${r.proposal}), replaces ${bareSpi(old.spiIn)}`);
        return pending.size === 0 ? 0 : null;
      }
      if (r.type === 'simultaneous-rekey' && sas.has(r.ikeSa)) say(run, formatIkeEvent(r));
      if ((r.type === 'child-failed' || r.type === 'ike-failed' || r.type === 'ike-closed') && sas.has(r.ikeSa)) {
        fail(run, formatIkeEvent(r));
        return 1;
      }
      return null;
    },
    timedOut: async () => `not rekeyed yet: ${[...pending.values()].map((c) => `${c.child} (${bareSpi(c.spiIn)})`).join(', ')}`,
  };
}

type Action = 'initiate' | 'terminate' | 'rekey';

async function runAction(action: Action, connection: string, opts: IkeActionOptions, out: Output): Promise<number> {
  const timeout = parseTimeout(opts.timeout);
  if (!timeout.ok) {
    out.stderr(`ipsec-ts ${action}: ${timeout.message}\n`);
    return 2;
  }
  return withControlSession(controlSocketPath(opts.socket, process.env), out, async (client) => {
    const run: ActionRun = { client, out, verb: action, json: opts.json === true, events: [] };
    let reply: IkeInitiateReply | IkeTerminateReply | IkeRekeyReply;
    let waiter: Waiter;
    if (action === 'initiate') {
      const r = (await client.call('ike.initiate', { connection, child: opts.child ?? null })) as IkeInitiateReply;
      say(run, r.newIkeSa ? `initiating IKE_SA ${r.ikeSa} with CHILD_SA ${r.child}` : `initiating CHILD_SA ${r.child} on the established IKE_SA ${r.ikeSa}`);
      [reply, waiter] = [r, initiateWaiter(run, r)];
    } else if (action === 'terminate') {
      const r = (await client.call('ike.terminate', { connection })) as IkeTerminateReply;
      say(run, `deleting IKE_SA ${r.ikeSas.join(', ')}`);
      [reply, waiter] = [r, terminateWaiter(run, r)];
    } else {
      const r = (await client.call('ike.rekey', { connection })) as IkeRekeyReply;
      say(run, `rekeying CHILD_SA ${r.children.map((c) => c.child).join(', ')}`);
      [reply, waiter] = [r, rekeyWaiter(run, r)];
    }
    const code = await waitForOutcome(run, connection, reply.eventsAfter, timeout.value, waiter);
    if (run.json) out.stdout(`${JSON.stringify({ ...reply, ok: code === 0, events: run.events }, null, 2)}\n`);
    return code;
  });
}

export const runInitiate = (connection: string, opts: IkeActionOptions, out: Output): Promise<number> => runAction('initiate', connection, opts, out);
export const runTerminate = (connection: string, opts: IkeActionOptions, out: Output): Promise<number> => runAction('terminate', connection, opts, out);
export const runRekey = (connection: string, opts: IkeActionOptions, out: Output): Promise<number> => runAction('rekey', connection, opts, out);

export function registerIkeCommands(program: Command, out: Output, setExit: (code: number) => void): void {
  const common = (c: Command): Command => c
    .argument('<connection>', 'the name of a connection (connections: in the config)')
    .option('--timeout <seconds>', `how long to wait for the outcome (default ${DEFAULT_TIMEOUT_S})`)
    .option('--socket <path>', SOCKET_OPTION_HELP)
    .option('--json', 'print the request, the outcome and the IKE events as JSON');
  common(program.command('initiate').description('start an IKE SA with its first CHILD_SA (or another CHILD_SA on an established one) and wait until it is up'))
    .option('--child <name>', "the child to start (default: the connection's first)")
    .action(async (connection: string, opts: IkeActionOptions) => { setExit(await runInitiate(connection, opts, out)); });
  common(program.command('terminate').description("delete the connection's IKE SAs (and their CHILD_SAs) and wait until they are gone"))
    .action(async (connection: string, opts: IkeActionOptions) => { setExit(await runTerminate(connection, opts, out)); });
  common(program.command('rekey').description("rekey the connection's installed CHILD_SAs now and wait for the new SAs"))
    .action(async (connection: string, opts: IkeActionOptions) => { setExit(await runRekey(connection, opts, out)); });
}
