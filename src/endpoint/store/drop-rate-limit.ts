// At most N stored rows per second for each (kind, SPI, reason); past that a drop adds to the
// `repeats` of the last row stored for its key. A flood costs a map lookup per packet and is
// still visible as one row with a large count.

interface KeyWindow {
  second: number;
  rows: number;
  lastId: number;
}

export class DropRateLimit {
  private readonly windows = new Map<string, KeyWindow>();

  constructor(private readonly rowsPerSecond: number, private readonly maxKeys = 10_000) {
    if (!Number.isInteger(rowsPerSecond) || rowsPerSecond < 1) throw new RangeError(`rowsPerSecond must be a positive integer, got ${rowsPerSecond}`);
  }

  /**
   * Returns `newId` when the drop gets a row of its own (remembered as the key's last row),
   * or the id of the earlier row it folds into.
   */
  admit(key: string, now: number, newId: number): number {
    const second = Math.floor(now / 1000);
    const w = this.windows.get(key);
    if (w === undefined) {
      // Bounded memory under a flood of distinct keys: forgetting only costs an extra row.
      if (this.windows.size >= this.maxKeys) this.windows.clear();
      this.windows.set(key, { second, rows: 1, lastId: newId });
      return newId;
    }
    if (w.second !== second) {
      w.second = second;
      w.rows = 0;
    }
    if (w.rows >= this.rowsPerSecond) return w.lastId;
    w.rows++;
    w.lastId = newId;
    return newId;
  }
}

export function dropKey(kind: string, spi: string | null, reason: string): string {
  return `${kind}|${spi ?? '-'}|${reason}`;
}
