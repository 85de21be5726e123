// Cuts a byte stream into newline-terminated lines with a ceiling on line length, so a peer
// that never sends a newline cannot make us buffer without bound. Never throws.

export type SplitEvent = { readonly kind: 'line'; readonly text: string } | { readonly kind: 'too-long'; readonly bytes: number };

export class LineSplitter {
  private chunks: Buffer[] = [];
  private pending = 0;
  private failed = false;

  /** maxLine: longest line accepted, in bytes without the newline. */
  constructor(private readonly maxLine: number) {
    if (!Number.isInteger(maxLine) || maxLine < 1) throw new RangeError(`LineSplitter: maxLine must be a positive integer, got ${maxLine}`);
  }

  /** The complete lines in chunk (with what came before); after 'too-long' nothing more is returned. */
  push(chunk: Buffer): SplitEvent[] {
    if (this.failed) return [];
    const events: SplitEvent[] = [];
    let start = 0;
    let nl = chunk.indexOf(0x0a, start);
    while (nl !== -1) {
      const length = this.pending + nl - start;
      if (length > this.maxLine) return this.fail(events, length);
      const line = this.take(chunk.subarray(start, nl));
      const text = line.toString('utf8');
      if (text.trim() !== '') events.push({ kind: 'line', text: text.endsWith('\r') ? text.slice(0, -1) : text });
      start = nl + 1;
      nl = chunk.indexOf(0x0a, start);
    }
    const rest = chunk.subarray(start);
    if (this.pending + rest.length > this.maxLine) return this.fail(events, this.pending + rest.length);
    if (rest.length > 0) {
      this.chunks.push(rest);
      this.pending += rest.length;
    }
    return events;
  }

  private take(tail: Buffer): Buffer {
    if (this.chunks.length === 0) return tail;
    const whole = Buffer.concat([...this.chunks, tail]);
    this.chunks = [];
    this.pending = 0;
    return whole;
  }

  private fail(events: SplitEvent[], bytes: number): SplitEvent[] {
    this.failed = true;
    this.chunks = [];
    this.pending = 0;
    events.push({ kind: 'too-long', bytes });
    return events;
  }
}
