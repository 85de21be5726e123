// Global counters of the data path, kept by drop kind and readable under both names an
// admin knows: the Windows error (name and code) and the Linux xfrm_stat counter.
import type { DropKind, DropKindId } from '../verdict/drop-kinds.js';
import { DROP_KINDS } from '../verdict/drop-kinds.js';

const KIND_IDS = Object.keys(DROP_KINDS) as DropKindId[];
const KIND_INDEX: Readonly<Record<string, number>> = Object.fromEntries(KIND_IDS.map((id, i) => [id, i]));

export interface CounterSnapshot {
  readonly delivered: number;
  readonly dummy: number;
  readonly keepalive: number;
  readonly ike: number;
  readonly dropped: number;
  /** Drops by DropKindId. */
  readonly byKind: Readonly<Partial<Record<DropKindId, number>>>;
  /** Drops by Windows error name (e.g. ERROR_IPSEC_BAD_SPI). */
  readonly byWindowsName: Readonly<Record<string, number>>;
  /** Drops by Linux xfrm_stat counter (e.g. XfrmInNoStates); kinds Linux has no counter for are left out. */
  readonly byLinuxCounter: Readonly<Record<string, number>>;
}

export class DatapathCounters {
  delivered = 0;
  dummy = 0;
  keepalive = 0;
  ike = 0;
  private readonly drops = new Float64Array(KIND_IDS.length);

  countDrop(kind: DropKind): void {
    this.drops[KIND_INDEX[kind.id]!]! += 1;
  }

  drop(kindId: DropKindId): number {
    return this.drops[KIND_INDEX[kindId]!]!;
  }

  snapshot(): CounterSnapshot {
    const byKind: Partial<Record<DropKindId, number>> = {};
    const byWindowsName: Record<string, number> = {};
    const byLinuxCounter: Record<string, number> = {};
    let dropped = 0;
    KIND_IDS.forEach((id, i) => {
      const n = this.drops[i]!;
      if (n === 0) return;
      const kind = DROP_KINDS[id];
      dropped += n;
      byKind[id] = n;
      byWindowsName[kind.name] = (byWindowsName[kind.name] ?? 0) + n;
      if (kind.linuxCounter !== 'none') byLinuxCounter[kind.linuxCounter] = (byLinuxCounter[kind.linuxCounter] ?? 0) + n;
    });
    return { delivered: this.delivered, dummy: this.dummy, keepalive: this.keepalive, ike: this.ike, dropped, byKind, byWindowsName, byLinuxCounter };
  }
}
