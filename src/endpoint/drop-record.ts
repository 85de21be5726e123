// One diagnosed drop as the live endpoint records it: what `ipsec-ts drops` shows, what the
// store keeps across restarts, and what the control socket streams. Plain data (JSON as is).
import { spiHex } from '../wire/bytes.js';
import type { CauseId, Dropped, Evidence } from '../verdict/verdict.js';
import type { DropKindId, LinuxCounter, Stage } from '../verdict/drop-kinds.js';

export interface DropRecord {
  /** Store row id (increasing); 0 before the record is stored. */
  readonly id: number;
  /** Wall-clock time of the drop, ms since the epoch. */
  readonly at: number;
  readonly direction: 'inbound' | 'outbound';
  readonly kind: DropKindId;
  readonly windowsName: string;
  readonly windowsCode: number;
  readonly linuxCounter: LinuxCounter;
  readonly stage: Stage;
  /** SPI as 0x-prefixed 8-digit hex, or null when the packet had none. */
  readonly spi: string | null;
  /** Label of the SA involved, if any. */
  readonly sa: string | null;
  /** Remote address:port the packet came from (inbound) or was meant for (outbound), if known. */
  readonly peer: string | null;
  readonly cause: CauseId | null;
  readonly reason: string;
  readonly summary: string;
  readonly evidence: Evidence;
  readonly nextStep: string;
  /** How many identical drops (same kind, SPI, reason) this record stands for; 1 normally. */
  readonly repeats: number;
}

export function dropRecordOf(v: Dropped, direction: 'inbound' | 'outbound', at: number, peer: string | null): DropRecord {
  return {
    id: 0,
    at,
    direction,
    kind: v.kind.id,
    windowsName: v.kind.name,
    windowsCode: v.kind.code,
    linuxCounter: v.kind.linuxCounter,
    stage: v.kind.stage,
    spi: v.spi === null ? null : spiHex(v.spi),
    sa: v.sa?.label ?? null,
    peer,
    cause: v.diagnosis.cause,
    reason: v.diagnosis.reason,
    summary: v.diagnosis.summary,
    evidence: v.diagnosis.evidence,
    nextStep: v.diagnosis.nextStep,
    repeats: 1,
  };
}

/** Filter for past and live drops (`ipsec-ts drops --since --spi --code`). */
export interface DropQuery {
  /** Only drops at or after this time (ms since the epoch). */
  readonly since?: number;
  /** SPI as a number. */
  readonly spi?: number;
  /** Windows error code, e.g. 13910. */
  readonly code?: number;
  /** Newest N (default 1000); results are returned oldest first. */
  readonly limit?: number;
}

export function dropMatches(r: DropRecord, q: DropQuery): boolean {
  if (q.since !== undefined && r.at < q.since) return false;
  if (q.code !== undefined && r.windowsCode !== q.code) return false;
  if (q.spi !== undefined && r.spi !== spiHex(q.spi)) return false;
  return true;
}
