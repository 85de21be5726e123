// Decides which drops reach the log: the first of each (kind, SPI, reason) at once, then at
// most one line per interval with how many were folded in. A flood of bad packets costs a
// map lookup per packet, not a log line; the full record still goes to the drop store.
export class DropLogLimiter {
  private readonly seen = new Map<string, { last: number; folded: number }>();

  constructor(private readonly intervalMs = 10_000, private readonly maxKeys = 10_000) {}

  /** Returns null to stay quiet, or the number of drops folded since the last line (0 = first). */
  admit(key: string, now: number): number | null {
    const entry = this.seen.get(key);
    if (entry === undefined) {
      if (this.seen.size >= this.maxKeys) this.seen.clear();
      this.seen.set(key, { last: now, folded: 0 });
      return 0;
    }
    if (now - entry.last < this.intervalMs) {
      entry.folded++;
      return null;
    }
    const folded = entry.folded;
    entry.last = now;
    entry.folded = 0;
    return folded;
  }
}
