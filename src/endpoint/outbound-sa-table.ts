// Which outbound SA carries a reqid's traffic: the newest usable one, preferring a mature SA to
// a dying one (after a soft expiry the replacement takes over as soon as it is installed).
import type { SecurityAssociation } from '../sad/sa.js';

export class OutboundSaTable {
  private readonly byReqid = new Map<number, SecurityAssociation[]>();

  add(sa: SecurityAssociation): void {
    const reqid = sa.config.reqid ?? 1;
    const list = this.byReqid.get(reqid);
    if (list === undefined) this.byReqid.set(reqid, [sa]);
    else list.push(sa);
  }

  /** Removes the SA with this id; returns it, or null if it was not here. */
  removeById(saId: number): SecurityAssociation | null {
    for (const [reqid, list] of this.byReqid) {
      const i = list.findIndex((sa) => sa.id === saId);
      if (i < 0) continue;
      const [sa] = list.splice(i, 1);
      if (list.length === 0) this.byReqid.delete(reqid);
      return sa!;
    }
    return null;
  }

  current(reqid: number): SecurityAssociation | null {
    const list = this.byReqid.get(reqid);
    if (list === undefined) return null;
    let dying: SecurityAssociation | null = null;
    for (let i = list.length - 1; i >= 0; i--) {
      const sa = list[i]!;
      if (!sa.usable) continue;
      if (sa.state === 'mature') return sa;
      dying ??= sa;
    }
    return dying;
  }

  *all(): IterableIterator<SecurityAssociation> {
    for (const list of this.byReqid.values()) yield* list;
  }
}
