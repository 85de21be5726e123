// What the capture readers hand out, the same for pcap and pcapng.

export interface CaptureInterface {
  /** pcapng section index (0 for the first section; always 0 for pcap). */
  readonly section: number;
  /** Interface ID within its section (always 0 for pcap). */
  readonly id: number;
  readonly linkType: number;
  /** 0 means no limit (pcapng). */
  readonly snaplen: number;
  /** Timestamp units per second as a power: 10^-exponent or 2^-exponent seconds per unit. */
  readonly tsBase: 10 | 2;
  readonly tsExponent: number;
  /** Seconds added to every timestamp (pcapng if_tsoffset). */
  readonly tsOffset: number;
  /** Bytes of frame check sequence at the end of each frame, 0 when none or unknown. */
  readonly fcsLength: number;
  readonly name: string | null;
}

export interface CaptureFrame {
  /** Frame number from 1, counted as Wireshark counts frames. */
  readonly number: number;
  /** Whole seconds since 1970-01-01 UTC. */
  readonly seconds: number;
  /** Nanoseconds past `seconds`, 0..999999999. */
  readonly nanoseconds: number;
  /** The timestamp in milliseconds as a float (for clocks and timers). */
  readonly timestampMs: number;
  /** False for pcapng Simple Packet Blocks, which carry no timestamp (then the fields are 0). */
  readonly hasTimestamp: boolean;
  readonly capturedLength: number;
  readonly originalLength: number;
  readonly interface: CaptureInterface;
  readonly linkType: number;
  /** The captured bytes, a view into the reader's chunk (copy it to keep it past many reads). */
  readonly data: Buffer;
}

/** How reading ended: the clean end of the file, or a last record cut short. */
export type CaptureEnd =
  | { readonly kind: 'eof' }
  | { readonly kind: 'truncated'; readonly offset: number; readonly detail: string };

export interface CaptureReader extends Iterable<CaptureFrame> {
  readonly format: 'pcap' | 'pcapng';
  readonly path: string;
  /** File size at open, for a progress bar. */
  readonly totalBytes: number;
  /** Bytes consumed so far. */
  readonly bytesRead: number;
  /** Interfaces seen so far (pcap: exactly one). */
  readonly interfaces: readonly CaptureInterface[];
  /** The next frame, or null at the end (then `end` says how it ended). Throws CaptureError on corruption. */
  next(): CaptureFrame | null;
  readonly end: CaptureEnd | null;
  close(): void;
}

/** Builds a frame's time fields from whole seconds and nanoseconds. */
export function frameTime(seconds: number, nanoseconds: number): { seconds: number; nanoseconds: number; timestampMs: number } {
  return { seconds, nanoseconds, timestampMs: seconds * 1000 + nanoseconds / 1e6 };
}
