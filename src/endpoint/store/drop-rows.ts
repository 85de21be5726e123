// DropRecord <-> drop_log row. Evidence is stored as JSON text.
import type { DropRecord } from '../drop-record.js';
import type { DropKindId, LinuxCounter, Stage } from '../../verdict/drop-kinds.js';
import type { CauseId, Evidence } from '../../verdict/verdict.js';

export interface DropRow {
  id: number;
  at: number;
  direction: string;
  kind: string;
  windows_name: string;
  windows_code: number;
  linux_counter: string;
  stage: string;
  spi: string | null;
  sa: string | null;
  peer: string | null;
  cause: string | null;
  reason: string;
  summary: string;
  evidence: string;
  next_step: string;
  repeats: number;
}

export const DROP_COLUMNS = [
  'id', 'at', 'direction', 'kind', 'windows_name', 'windows_code', 'linux_counter', 'stage', 'spi', 'sa', 'peer',
  'cause', 'reason', 'summary', 'evidence', 'next_step', 'repeats',
] as const;

export function rowOf(r: DropRecord, id: number): DropRow {
  return {
    id, at: r.at, direction: r.direction, kind: r.kind, windows_name: r.windowsName, windows_code: r.windowsCode,
    linux_counter: r.linuxCounter, stage: r.stage, spi: r.spi, sa: r.sa, peer: r.peer, cause: r.cause,
    reason: r.reason, summary: r.summary, evidence: JSON.stringify(r.evidence), next_step: r.nextStep, repeats: r.repeats,
  };
}

function evidenceOf(text: string): Evidence {
  try {
    const v: unknown = JSON.parse(text);
    if (typeof v === 'object' && v !== null && !Array.isArray(v)) return v as Evidence;
  } catch {
    // fall through: a damaged row still shows its other fields
  }
  return { unreadableEvidence: text };
}

/** The store wrote these rows from DropRecords, so the string columns hold the union values. */
export function recordOf(row: DropRow): DropRecord {
  return {
    id: row.id, at: row.at, direction: row.direction === 'outbound' ? 'outbound' : 'inbound',
    kind: row.kind as DropKindId, windowsName: row.windows_name, windowsCode: row.windows_code,
    linuxCounter: row.linux_counter as LinuxCounter, stage: row.stage as Stage, spi: row.spi, sa: row.sa,
    peer: row.peer, cause: row.cause as CauseId | null, reason: row.reason, summary: row.summary,
    evidence: evidenceOf(row.evidence), nextStep: row.next_step, repeats: row.repeats,
  };
}
