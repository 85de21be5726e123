// What diagnose says about one ESP packet of a capture.
import type { Verdict } from '../verdict/verdict.js';

/** One judged ESP packet. */
export interface PacketReport {
  readonly frame: number;
  /** All frames that carried it (fragments), ascending. */
  readonly frames: readonly number[];
  readonly seconds: number;
  readonly nanoseconds: number;
  readonly src: string;
  readonly dst: string;
  readonly srcPort: number | null;
  readonly dstPort: number | null;
  readonly encapsulated: boolean;
  /** SPI and sequence number from the ESP header; null when the packet is too short to have them. */
  readonly spi: number | null;
  readonly seq: number | null;
  /** Never 'ike' or 'keepalive': those are tallied, not reported. */
  readonly verdict: Verdict;
  /**
   * The frame of the first copy when this frame is the same packet captured again on another
   * interface: the verdict is that copy's (the receiver saw the packet once). Null otherwise.
   */
  readonly twinOf: number | null;
}
