// The summary of a diagnosis run: packets by verdict, drops grouped by error and cause,
// each group with its SPIs, first frames and one full diagnosis as the example.
import type { Diagnosis } from '../verdict/verdict.js';
import type { DropKind } from '../verdict/drop-kinds.js';
import type { PacketReport } from './packet-report.js';

export interface DropGroup {
  readonly kind: DropKind;
  readonly cause: string | null;
  readonly reason: string;
  count: number;
  readonly spis: Set<number>;
  readonly frames: number[];
  readonly example: Diagnosis;
  readonly exampleFrame: number;
}

const MAX_FRAMES_LISTED = 8;

export class SummaryBuilder {
  delivered = 0;
  dummy = 0;
  dropped = 0;
  readonly groups = new Map<string, DropGroup>();

  add(r: PacketReport): void {
    if (r.twinOf !== null) return; // the same packet again, counted at its first copy
    const v = r.verdict;
    if (v.verdict === 'delivered') { this.delivered++; return; }
    if (v.verdict === 'dummy') { this.dummy++; return; }
    if (v.verdict !== 'dropped') return;
    this.dropped++;
    const key = `${v.kind.id}|${v.diagnosis.cause ?? ''}|${v.diagnosis.reason}`;
    let g = this.groups.get(key);
    if (g === undefined) {
      g = { kind: v.kind, cause: v.diagnosis.cause, reason: v.diagnosis.reason, count: 0, spis: new Set(), frames: [], example: v.diagnosis, exampleFrame: r.frame };
      this.groups.set(key, g);
    }
    g.count++;
    if (r.spi !== null) g.spis.add(r.spi);
    if (g.frames.length < MAX_FRAMES_LISTED) g.frames.push(r.frame);
  }

  /** Groups by Windows code, then by count (largest first). */
  sortedGroups(): DropGroup[] {
    return [...this.groups.values()].sort((a, b) => a.kind.code - b.kind.code || b.count - a.count);
  }
}
