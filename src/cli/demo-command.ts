// `ipsec-ts demo`: the product in half a minute. West and east run on loopback; traffic flows;
// then each way a packet dies happens live, and the demo prints east's verdict the way
// `ipsec-ts drops` shows it. East keeps its drop log in a real store and serves a real control
// socket; the end checks that `ipsec-ts drops` would list every one. Exit 0 when every verdict
// is the one expected, 1 otherwise.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runDemo } from './demo/scenario.js';
import type { DemoStep } from './demo/scenario.js';
import { formatDropRecord } from './drop-format.js';
import type { Output } from './output.js';
import { StateStore } from '../endpoint/store/state-store.js';
import { startControlServer } from '../endpoint/control/server.js';
import type { ControlServer } from '../endpoint/control/server.js';
import { connectControl } from '../endpoint/control/client.js';
import { createControlHandlers } from '../endpoint/control-handlers.js';
import { transformName } from '../config/transform-names.js';
import type { DropRecord } from '../endpoint/drop-record.js';

export interface DemoCommandOptions {
  readonly expireAfter?: number;
}

export async function runDemoCommand(opts: DemoCommandOptions, out: Output, version: string): Promise<number> {
  const dir = mkdtempSync(join(tmpdir(), 'ipsec-ts-demo-'));
  const store = StateStore.open(join(dir, 'east'));
  let control: ControlServer | null = null;
  const socket = join(dir, 'east.sock');
  try {
    out.stdout('ipsec-ts demo: two IPsec endpoints on loopback, west and east, with a wire between them that can\n' +
      'repeat, corrupt or inject packets. They negotiate their tunnel with IKEv2; then each step breaks\n' +
      'one thing, and east says what happened.\n\n');
    const result = await runDemo({
      note: (text) => out.stdout(`  ${text}\n\n`),
      stepStarted: (i, total, title, what) => out.stdout(`[${i}/${total}] ${title}: ${what}\n`),
      stepDone: (s) => out.stdout(stepText(s)),
    }, {
      eastPersistence: store,
      expireAfterSeconds: opts.expireAfter ?? 1,
      onEastReady: async (east) => {
        control = await startControlServer({
          path: socket, mode: 0o600,
          handlers: createControlHandlers({
            endpoint: east, version, configFile: null, stateDir: dir, persistence: store, tun: null,
            parseSaEntry: () => ({ ok: false, errors: ['the demo does not take new SAs'] }),
            parsePolicyEntry: () => ({ ok: false, errors: ['the demo does not take new policies'] }),
            transformName,
          }),
        });
      },
    });
    let logged: DropRecord[] = [];
    try {
      logged = await dropsViaControl(socket);
    } catch (err) {
      out.stderr(`ipsec-ts demo: could not read east's drop log through its control socket: ${err instanceof Error ? err.message : String(err)}\n`);
    }
    out.stdout(summaryText(result.steps, logged, result.elapsedMs));
    return result.steps.every((s) => s.ok) && logged.length >= result.steps.length ? 0 : 1;
  } finally {
    await (control as ControlServer | null)?.close();
    store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

async function dropsViaControl(socket: string): Promise<DropRecord[]> {
  const client = await connectControl(socket);
  try {
    return (await client.call('drops', {})) as DropRecord[];
  } finally {
    client.close();
  }
}

function stepText(s: DemoStep): string {
  if (s.record === null) return `  east saw no drop, but expected ${s.expected.windowsName} (${s.expected.cause ?? 'no cause'})  ✗ WRONG\n\n`;
  const verdict = s.ok ? '✓ as expected' : `✗ WRONG: expected ${s.expected.windowsName} with cause ${s.expected.cause ?? 'none'}`;
  const body = formatDropRecord(s.record).split('\n').filter((l) => l !== '').map((l) => `    ${l}`).join('\n');
  return `  east: ${verdict}\n${body}\n\n`;
}

function summaryText(steps: readonly DemoStep[], logged: readonly DropRecord[], elapsedMs: number): string {
  const rows = steps.map((s) => [s.title, s.record === null ? '-' : `${s.record.windowsName} (${s.record.windowsCode})`, s.record?.linuxCounter ?? '-', s.record?.cause ?? s.record?.reason ?? '-', s.ok ? 'ok' : 'WRONG']);
  const headers = ['what happened', 'Windows error', 'Linux counter', 'cause', ''];
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: readonly string[]): string => cells.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd();
  const good = steps.filter((s) => s.ok).length;
  return [
    'Summary',
    line(headers),
    ...rows.map(line),
    '',
    `${good} of ${steps.length} verdicts as expected; east's drop log holds ${logged.length} record${logged.length === 1 ? '' : 's'} (what \`ipsec-ts drops\` lists). ${(elapsedMs / 1000).toFixed(1)} s.`,
    'Next: `ipsec-ts up -c examples/daemon/west.yaml` runs a real endpoint; `ipsec-ts explain 13910` explains any code.',
    '',
  ].join('\n');
}
