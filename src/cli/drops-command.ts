// `ipsec-ts drops`: the drops the daemon recorded, each with its diagnosis; --follow keeps
// printing new ones as they happen until Ctrl-C. Exit status: 0 listed (even when there are
// drops), 1 the daemon refused the query, 2 usage error or no daemon.
import type { Command } from 'commander';
import type { DropRecord } from '../endpoint/drop-record.js';
import { connectControl } from '../endpoint/control/client.js';
import type { ControlClient } from '../endpoint/control/client.js';
import { sessionFailure, withControlSession } from '../endpoint/control/client-session.js';
import { MAX_DROPS_LIMIT, spiValue } from '../endpoint/control/params.js';
import { SOCKET_OPTION_HELP, controlSocketPath } from '../endpoint/control/socket-path.js';
import { winErrorByCode, winErrorByName } from '../verdict/winerror-catalog.js';
import { formatDropRecord, lostNoticeText } from './drop-format.js';
import type { Output } from './output.js';

export interface DropsOptions {
  readonly socket?: string;
  readonly json?: boolean;
  readonly follow?: boolean;
  readonly spi?: string;
  readonly code?: string;
  readonly since?: string;
  readonly limit?: string;
  /** Only drops with this cause id (or reason), e.g. expired, icv-mismatch. Filtered here. */
  readonly cause?: string;
  /** Only drops counted under this Linux xfrm_stat counter, e.g. XfrmInNoStates. Filtered here. */
  readonly counter?: string;
}

/** --cause and --counter are applied by the CLI to what the daemon returns. */
function localFilter(opts: DropsOptions): (r: DropRecord) => boolean {
  const cause = opts.cause?.trim().toLowerCase();
  const counter = opts.counter?.trim().toLowerCase();
  return (r) => (cause === undefined || r.cause === cause || r.reason === cause) &&
    (counter === undefined || r.linuxCounter.toLowerCase() === counter);
}

export interface DropsQueryParams {
  since?: number;
  spi?: number;
  code?: number;
  limit?: number;
}

type Parsed<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly message: string };

const UNIT_MS: Readonly<Record<string, number>> = { ms: 1, s: 1000, m: 60_000, min: 60_000, h: 3_600_000, d: 86_400_000 };

/** --since: an ISO 8601 time, or a duration (30s, 10m, 2h, 1d) meaning that long before now. */
export function parseSince(text: string, now: number): Parsed<number> {
  const t = text.trim();
  const rel = /^(\d+(?:\.\d+)?)\s*(ms|s|min|m|h|d)$/i.exec(t);
  if (rel !== null) return { ok: true, value: now - Number(rel[1]) * UNIT_MS[rel[2]!.toLowerCase()]! };
  if (/^\d{4}-\d{2}-\d{2}/.test(t)) {
    const at = Date.parse(t);
    if (!Number.isNaN(at)) return { ok: true, value: at };
  }
  return { ok: false, message: `--since '${text}' is neither a duration (30s, 10m, 2h, 1d: that long ago) nor an ISO time (2026-11-27T09:00:00Z)` };
}

/** --spi: 0x-prefixed hex or decimal. */
export function parseSpiOption(text: string): Parsed<number> {
  const spi = spiValue(text);
  return spi === null ? { ok: false, message: `--spi '${text}' is not an SPI: give it as 0x and up to 8 hex digits (0x0a0b0001) or in decimal` } : { ok: true, value: spi };
}

/** --code: 13910, 0x3656 or a name (ERROR_IPSEC_BAD_SPI, IPSEC_BAD_SPI, BAD_SPI). */
export function parseCodeOption(text: string): Parsed<number> {
  const t = text.trim();
  const n = /^0x[0-9a-f]+$/i.test(t) ? Number.parseInt(t.slice(2), 16) : /^\d+$/.test(t) ? Number(t) : null;
  const entry = n !== null ? winErrorByCode(n) : winErrorByName(t);
  if (entry !== undefined) return { ok: true, value: entry.code };
  return { ok: false, message: `--code '${text}' is not a Windows IPsec error: give 13910, 0x3656 or a name like ERROR_IPSEC_BAD_SPI (\`ipsec-ts explain\` lists them)` };
}

export function parseLimitOption(text: string): Parsed<number> {
  const n = /^\d+$/.test(text.trim()) ? Number(text.trim()) : NaN;
  if (Number.isInteger(n) && n >= 1 && n <= MAX_DROPS_LIMIT) return { ok: true, value: n };
  return { ok: false, message: `--limit '${text}' must be a whole number from 1 to ${MAX_DROPS_LIMIT}` };
}

/** The options to the params of drops / drops.follow, or the first usage error. */
export function dropsQueryOf(opts: DropsOptions, now: number): Parsed<DropsQueryParams> {
  const q: DropsQueryParams = {};
  const steps: [string | undefined, (t: string) => Parsed<number>, (v: number) => void][] = [
    [opts.since, (t) => parseSince(t, now), (v) => { q.since = v; }],
    [opts.spi, parseSpiOption, (v) => { q.spi = v; }],
    [opts.code, parseCodeOption, (v) => { q.code = v; }],
    [opts.limit, parseLimitOption, (v) => { q.limit = v; }],
  ];
  for (const [text, parse, set] of steps) {
    if (text === undefined) continue;
    const r = parse(text);
    if (!r.ok) return r;
    set(r.value);
  }
  return { ok: true, value: q };
}

/** JSON: one record per line; text: records separated by a blank line. */
function printer(opts: DropsOptions, out: Output): (r: DropRecord) => void {
  const keep = localFilter(opts);
  if (opts.json === true) return (r) => { if (keep(r)) out.stdout(`${JSON.stringify(r)}\n`); };
  let first = true;
  return (r) => {
    if (!keep(r)) return;
    out.stdout(first ? formatDropRecord(r) : `\n${formatDropRecord(r)}`);
    first = false;
  };
}

/** Runs `ipsec-ts drops`; with --follow it returns when stop is aborted or the daemon goes away. */
export async function runDrops(opts: DropsOptions, out: Output, stop?: AbortSignal): Promise<number> {
  const query = dropsQueryOf(opts, Date.now());
  if (!query.ok) {
    out.stderr(`ipsec-ts drops: ${query.message}\n`);
    return 2;
  }
  const path = controlSocketPath(opts.socket, process.env);
  if (opts.follow === true) return followDrops(path, query.value, opts, out, stop);
  return withControlSession(path, out, async (client) => {
    // With a local filter, ask for as much as the daemon gives unless --limit says otherwise.
    const filtered = opts.cause !== undefined || opts.counter !== undefined;
    const params = filtered && query.value.limit === undefined ? { ...query.value, limit: MAX_DROPS_LIMIT } : { ...query.value };
    const records = ((await client.call('drops', params)) as DropRecord[]).filter(localFilter(opts));
    const print = printer(opts, out);
    for (const r of records) print(r);
    if (records.length === 0 && opts.json !== true) out.stderr('ipsec-ts drops: no recorded drop matches\n');
    return 0;
  });
}

const dropKey = (r: DropRecord): string => `${r.at}|${r.kind}|${r.spi}|${r.reason}|${r.peer}`;

async function followDrops(path: string, query: DropsQueryParams, opts: DropsOptions, out: Output, stop?: AbortSignal): Promise<number> {
  const print = printer(opts, out);
  // Subscribe first and hold live events while the past is listed, so none falls in between.
  let held: DropRecord[] | null = [];
  const onEvent = (e: unknown): void => {
    const lost = (e as { lost?: unknown }).lost;
    if (typeof lost === 'number') out.stderr(`ipsec-ts drops: ${lostNoticeText(lost)}\n`);
    else if (held !== null) held.push(e as DropRecord);
    else print(e as DropRecord);
  };
  let client: ControlClient | null = null;
  try {
    client = await connectControl(path);
    const { limit: _limit, ...live } = query;
    const stream = await client.follow('drops.follow', live, onEvent);
    stop?.addEventListener('abort', () => { stream.close(); }, { once: true });
    if (stop?.aborted === true) stream.close();
    const past = query.since === undefined ? [] : await listPast(path, query);
    const seen = new Set(past.map(dropKey));
    for (const r of past) print(r);
    const pending: DropRecord[] = held;
    held = null;
    for (const r of pending) if (!seen.has(dropKey(r))) print(r);
    await stream.ended;
  } catch (err) {
    return sessionFailure(err, out);
  } finally {
    client?.close();
  }
  if (stop?.aborted === true) return 0;
  out.stderr(`ipsec-ts drops: the daemon on ${path} closed the connection (it may have stopped)\n`);
  return 2;
}

async function listPast(path: string, query: DropsQueryParams): Promise<DropRecord[]> {
  const c = await connectControl(path);
  try {
    return (await c.call('drops', { ...query })) as DropRecord[];
  } finally {
    c.close();
  }
}

export function registerDropsCommand(program: Command, out: Output, setExit: (code: number) => void): void {
  program
    .command('drops')
    .description('list the drops the daemon recorded, each with its Windows error, Linux counter, cause, evidence and next step')
    .option('--follow', 'keep printing new drops as they happen, until Ctrl-C (with --since, past ones first)')
    .option('--spi <spi>', 'only this SPI (0x0a0b0001 or decimal)')
    .option('--code <code>', 'only this Windows error: 13910, 0x3656 or ERROR_IPSEC_BAD_SPI')
    .option('--since <time>', 'only drops since then: an ISO time, or a duration like 30s, 10m, 2h (that long ago)')
    .option('--cause <id>', 'only this cause or reason: never-established, expired, deleted, our-outbound-spi, duplicate, icv-mismatch, ...')
    .option('--counter <name>', 'only drops under this Linux xfrm_stat counter, e.g. XfrmInNoStates')
    .option('--limit <n>', 'at most the newest n (default: the daemon\'s, 1000)')
    .option('--socket <path>', SOCKET_OPTION_HELP)
    .option('--json', 'one DropRecord JSON object per line')
    .action(async (opts: DropsOptions) => {
      const ctrl = new AbortController();
      const onSigint = (): void => { ctrl.abort(); };
      if (opts.follow === true) process.once('SIGINT', onSigint);
      try {
        setExit(await runDrops(opts, out, ctrl.signal));
      } finally {
        process.off('SIGINT', onSigint);
      }
    });
}
