// `ipsec-ts sa list|show|add|delete|flush`: the daemon's SAs, like `ip xfrm state` or
// `swanctl --list-sas`, changed at run time. Exit status: 0 done, 1 the daemon refused
// (unknown SA, invalid entry, conflict), 2 usage error or no daemon.
import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { readYaml } from '../config/yaml-source.js';
import type { IkeSaSummary, RememberedSa, SaDetail, SaSummary } from '../endpoint/control/handlers.js';
import type { ControlClient } from '../endpoint/control/client.js';
import { ControlRemoteError } from '../endpoint/control/client.js';
import { withControlSession } from '../endpoint/control/client-session.js';
import { SOCKET_OPTION_HELP, controlSocketPath } from '../endpoint/control/socket-path.js';
import { isoTime } from '../explain/time-text.js';
import { formatIkeSaList } from './ike-format.js';
import type { Output } from './output.js';
import type { ControlVerbOptions } from './status-command.js';

/** Columns padded to their widest cell; numbers (right: true) aligned right. */
export function textTable(headers: readonly string[], rows: readonly (readonly string[])[], right: readonly number[] = []): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]): string => cells
    .map((c, i) => (right.includes(i) ? c.padStart(widths[i]!) : c.padEnd(widths[i]!)))
    .join('  ').trimEnd();
  return [line(headers), ...rows.map(line)].map((l) => `${l}\n`).join('');
}

export function formatSaList(installed: readonly SaSummary[], remembered: readonly RememberedSa[]): string {
  const rows = installed.map((s) => [
    s.name ?? '-', s.direction === 'inbound' ? 'in' : 'out', s.spi, `${s.src ?? '*'} -> ${s.dst ?? '*'}`, s.mode,
    `${s.transform}${s.esn ? ' esn' : ''}`, s.state, String(s.packets), String(s.bytes), String(s.drops),
  ]);
  let text = installed.length === 0
    ? 'No SA is installed (add one with `ipsec-ts sa add <file.yaml>`, or in the config).\n'
    : textTable(['NAME', 'DIR', 'SPI', 'SRC -> DST', 'MODE', 'TRANSFORM', 'STATE', 'PACKETS', 'BYTES', 'DROPS'], rows, [7, 8, 9]);
  if (remembered.length > 0) {
    text += `\nRemembered SAs (removed; their SPIs explain packets that still arrive):\n`;
    text += textTable(['SPI', 'NAME', 'CAUSE', 'AT', 'DETAIL'], remembered.map((r) => [r.spi, r.name ?? '-', r.cause, isoTime(r.at), r.detail]));
  }
  return text;
}

export function formatSaDetail(s: SaDetail): string {
  const limits = (l: Readonly<Record<string, number>> | null): string => (l === null ? 'none' : Object.entries(l).map(([k, v]) => `${k} ${v}`).join(', '));
  const rows: [string, string][] = [
    ['name', s.name ?? '-'], ['spi', s.spi], ['direction', s.direction], ['src -> dst', `${s.src ?? '*'} -> ${s.dst ?? '*'}`],
    ['encapsulation', s.encapsulation === null ? 'none (ESP)' : `UDP ${s.encapsulation.srcPort} -> ${s.encapsulation.dstPort}`],
    ['mode', s.mode], ['transform', s.transform], ['esn', s.esn ? 'yes' : 'no'], ['state', s.state], ['reqid', s.reqid === null ? '-' : String(s.reqid)],
    ['replay window', String(s.replayWindow)], ['replay', s.replay ?? '-'], ['sequence', s.sequence],
    ['reserved through', s.reservedThrough ?? '-'], ['soft limits', limits(s.soft)], ['hard limits', limits(s.hard)],
    ['packets', String(s.packets)], ['bytes', String(s.bytes)], ['drops', String(s.drops)],
    ['added', isoTime(s.addedAt)], ['first used', s.lastUsedAt === null ? 'never' : isoTime(s.lastUsedAt)],
  ];
  return rows.map(([k, v]) => `${`${k}:`.padEnd(18)}${v}\n`).join('');
}

type Parsed<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly message: string };

/**
 * The one entry in a YAML or JSON text: a mapping, or a `sas:` / `policies:` list (or a bare
 * list) that holds exactly one item, so a snippet copied from the config works too.
 */
export function singleEntryOf(text: string, source: string, listKey: 'sas' | 'policies'): Parsed<Record<string, unknown>> {
  // The config's own reader: keys, SPIs and modes keep their text as written (0x... stays hex).
  const yaml = readYaml(text);
  if (yaml.syntaxErrors.length > 0 || yaml.structureErrors.length > 0) {
    const p = [...yaml.syntaxErrors, ...yaml.structureErrors][0]!;
    return { ok: false, message: `${source}${p.position === null ? '' : `:${p.position.line}:${p.position.column}`}: not valid YAML or JSON: ${p.message}` };
  }
  const doc: unknown = yaml.value;
  const isMap = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
  let items: unknown = doc;
  if (isMap(doc) && Object.keys(doc).length === 1 && Array.isArray(doc[listKey])) items = doc[listKey];
  if (Array.isArray(items)) {
    if (items.length !== 1 || !isMap(items[0])) return { ok: false, message: `${source} holds ${items.length} entries; give exactly one (a mapping)` };
    return { ok: true, value: items[0] };
  }
  if (!isMap(items)) return { ok: false, message: `${source} must hold one entry as a YAML or JSON mapping, like one item of \`${listKey}:\` in the config` };
  return { ok: true, value: items };
}

/** A file, or stdin for '-'. */
export async function readEntrySource(source: string, readStdin: () => Promise<string> = readAllStdin): Promise<Parsed<string>> {
  if (source === '-') return { ok: true, value: await readStdin() };
  try {
    return { ok: true, value: await readFile(source, 'utf8') };
  } catch (err) {
    return { ok: false, message: `cannot read ${source}: ${(err as NodeJS.ErrnoException).code ?? String(err)}` };
  }
}

async function readAllStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk)));
  return Buffer.concat(chunks).toString('utf8');
}

/** Reads and parses the entry of `sa add` / `policy add`; prints a usage error and returns null on failure. */
export async function loadEntry(source: string, listKey: 'sas' | 'policies', verb: string, out: Output): Promise<Record<string, unknown> | null> {
  const text = await readEntrySource(source);
  const entry = text.ok ? singleEntryOf(text.value, source === '-' ? 'stdin' : source, listKey) : text;
  if (entry.ok) return entry.value;
  out.stderr(`ipsec-ts ${verb}: ${entry.message}\n`);
  return null;
}

const saLine = (verb: string, s: SaSummary): string => `${verb} SA ${s.name ?? s.spi} (${s.spi}, ${s.direction}, ${s.src ?? '*'} -> ${s.dst ?? '*'}, ${s.transform})\n`;

function socketOf(opts: ControlVerbOptions): string {
  return controlSocketPath(opts.socket, process.env);
}

/** The IKE SAs, or null when the daemon runs no IKE (it says 'unavailable'). */
async function ikeSasOrNull(client: ControlClient): Promise<IkeSaSummary[] | null> {
  try {
    return (await client.call('ike.list')) as IkeSaSummary[];
  } catch (err) {
    if (err instanceof ControlRemoteError && err.code === 'unavailable') return null;
    throw err;
  }
}

/** IKE SAs like `swanctl --list-sas` (when the daemon runs IKE), then every installed ESP SA. */
export async function runSaList(opts: ControlVerbOptions, out: Output): Promise<number> {
  return withControlSession(socketOf(opts), out, async (client) => {
    const ike = await ikeSasOrNull(client);
    const r = (await client.call('sa.list')) as { installed: SaSummary[]; remembered: RememberedSa[] };
    if (opts.json === true) {
      out.stdout(`${JSON.stringify({ ike, ...r }, null, 2)}\n`);
      return 0;
    }
    const ikeText = ike === null ? '' : `${formatIkeSaList(ike, Date.now())}\n`;
    out.stdout(`${ikeText}${formatSaList(r.installed, r.remembered)}`);
    return 0;
  });
}

export async function runSaShow(ref: string, opts: ControlVerbOptions, out: Output): Promise<number> {
  return withControlSession(socketOf(opts), out, async (client) => {
    const r = (await client.call('sa.show', { ref })) as SaDetail;
    out.stdout(opts.json === true ? `${JSON.stringify(r, null, 2)}\n` : formatSaDetail(r));
    return 0;
  });
}

export async function runSaAdd(source: string, opts: ControlVerbOptions, out: Output): Promise<number> {
  const entry = await loadEntry(source, 'sas', 'sa add', out);
  if (entry === null) return 2;
  return withControlSession(socketOf(opts), out, async (client) => {
    const r = (await client.call('sa.add', { entry })) as SaSummary;
    out.stdout(opts.json === true ? `${JSON.stringify(r, null, 2)}\n` : saLine('added', r));
    return 0;
  });
}

export async function runSaDelete(ref: string, opts: ControlVerbOptions, out: Output): Promise<number> {
  return withControlSession(socketOf(opts), out, async (client) => {
    const r = (await client.call('sa.delete', { ref })) as SaSummary;
    out.stdout(opts.json === true ? `${JSON.stringify(r, null, 2)}\n` : saLine('deleted', r));
    return 0;
  });
}

export async function runSaFlush(opts: ControlVerbOptions & { readonly yes?: boolean }, out: Output): Promise<number> {
  if (opts.yes !== true) {
    out.stderr('ipsec-ts sa flush: this removes every installed SA and cuts all protected traffic; add --yes to do it\n');
    return 2;
  }
  return withControlSession(socketOf(opts), out, async (client) => {
    const r = (await client.call('sa.flush')) as { removed: number };
    out.stdout(opts.json === true ? `${JSON.stringify(r)}\n` : `removed ${r.removed} SA${r.removed === 1 ? '' : 's'}\n`);
    return 0;
  });
}

export function registerSaCommand(program: Command, out: Output, setExit: (code: number) => void): void {
  const sa = program.command('sa').description("the running daemon's SAs: list, show, add, delete, flush");
  const common = (c: Command): Command => c.option('--socket <path>', SOCKET_OPTION_HELP).option('--json', 'print the reply as JSON');
  common(sa.command('list').description('IKE SAs and their CHILD_SAs (like `swanctl --list-sas`), the installed ESP SAs (like `ip xfrm state`), then the remembered ones and why they went'))
    .action(async (opts: ControlVerbOptions) => { setExit(await runSaList(opts, out)); });
  common(sa.command('show').description('everything about one SA').argument('<ref>', 'SPI (0x0a0b0001 or decimal) or SA name'))
    .action(async (ref: string, opts: ControlVerbOptions) => { setExit(await runSaShow(ref, opts, out)); });
  common(sa.command('add').description('install one SA, given like one `sas:` item of the config').argument('<file>', "YAML or JSON file, or '-' for stdin"))
    .action(async (file: string, opts: ControlVerbOptions) => { setExit(await runSaAdd(file, opts, out)); });
  common(sa.command('delete').description('remove one SA (remembered, so late packets are explained)').argument('<ref>', 'SPI (0x0a0b0001 or decimal) or SA name'))
    .action(async (ref: string, opts: ControlVerbOptions) => { setExit(await runSaDelete(ref, opts, out)); });
  common(sa.command('flush').description('remove every SA').option('--yes', 'really remove them all'))
    .action(async (opts: ControlVerbOptions & { yes?: boolean }) => { setExit(await runSaFlush(opts, out)); });
}
