// Shared by the tests on foreign captures: run the CLI in-process, read its JSON Lines, and
// compare them with what the tool that made the capture says it did to each frame.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
export type { CliRun } from '../support/cli.js';
export { runCli } from '../support/cli.js';

/** The fields of one `diagnose --json` line that these tests read (report-json.ts). */
export interface JsonLine {
  frame: number;
  frames: number[];
  src: string;
  dst: string;
  spi: string | null;
  seq: number | null;
  verdict: 'delivered' | 'dropped';
  code: number | null;
  name: string | null;
  cause: string | null;
  reason: string | null;
  inner: { length: number; nextHeader: number } | null;
}

export function parseJsonLines(stdout: string): JsonLine[] {
  return stdout.split('\n').filter((l) => l.length > 0).map((l) => JSON.parse(l) as JsonLine);
}

/** What the generating tool says it did to one frame, and the verdict that follows from it. */
export interface FrameIntent {
  readonly frame: number;
  readonly did: string;
  /** 'none': the frame must get no verdict line (IKE, keepalive, not ESP, a non-last fragment). */
  readonly verdict: 'delivered' | 'dropped' | 'none';
  readonly code: number | null;
  readonly cause: string | null;
  /** Checked only when not null: the finer reason where no DESIGN.md cause applies. */
  readonly reason: string | null;
  readonly spi: string | null;
  readonly seq: number | null;
  /** For a reassembled packet: all frames that carried it. */
  readonly frames: readonly number[] | null;
  /** Delivered packets: length of the inner (tunnel) or rebuilt (transport) IP packet, and the ESP next header. */
  readonly innerLength: number | null;
  readonly nextHeader: number | null;
}

/**
 * Every difference between the intents and the verdict lines, one sentence each; empty when
 * every frame got exactly what was intended and no line is left over.
 */
export function compareWithIntent(intents: readonly FrameIntent[], lines: readonly JsonLine[]): string[] {
  const problems: string[] = [];
  const byFrame = new Map<number, JsonLine>();
  for (const l of lines) {
    if (byFrame.has(l.frame)) problems.push(`frame ${l.frame}: more than one verdict line`);
    byFrame.set(l.frame, l);
  }
  for (const want of intents) {
    const got = byFrame.get(want.frame);
    byFrame.delete(want.frame);
    const where = `frame ${want.frame} (${want.did})`;
    if (want.verdict === 'none') {
      if (got !== undefined) problems.push(`${where}: expected no verdict, got ${describe(got)}`);
      continue;
    }
    if (got === undefined) {
      problems.push(`${where}: expected ${want.verdict} ${want.cause ?? want.reason ?? ''}, got no verdict line`);
      continue;
    }
    problems.push(...mismatches(want, got).map((m) => `${where}: ${m}; line: ${describe(got)}`));
  }
  for (const extra of byFrame.values()) problems.push(`frame ${extra.frame}: unexpected verdict line ${describe(extra)}`);
  return problems;
}

function mismatches(want: FrameIntent, got: JsonLine): string[] {
  const out: string[] = [];
  const check = (field: string, expected: unknown, actual: unknown): void => {
    if (JSON.stringify(expected) !== JSON.stringify(actual)) out.push(`${field} ${JSON.stringify(actual)} instead of ${JSON.stringify(expected)}`);
  };
  check('verdict', want.verdict, got.verdict);
  check('code', want.code, got.code);
  check('cause', want.cause, got.cause);
  if (want.reason !== null) check('reason', want.reason, got.reason);
  if (want.spi !== null) check('spi', want.spi, got.spi);
  if (want.seq !== null) check('seq', want.seq, got.seq);
  if (want.frames !== null) check('frames', want.frames, got.frames);
  if (want.verdict === 'delivered' && want.innerLength !== null) {
    check('inner', { length: want.innerLength, nextHeader: want.nextHeader }, got.inner);
  }
  return out;
}

function describe(l: JsonLine): string {
  return `${l.verdict} code=${l.code} cause=${l.cause} reason=${l.reason} spi=${l.spi} seq=${l.seq}`;
}

export function scratchDir(prefix: string): string {
  return mkdtempSync(join(tmpdir(), `ipsec-ts-${prefix}-`));
}
