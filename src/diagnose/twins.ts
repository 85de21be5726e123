// One packet, captured twice. `tcpdump -i any` on a router, or on a host with VLAN devices,
// records a packet once for every interface it crosses; the receiver still saw it once, so
// judging the second copy as a replay would be wrong. A copy counts as a twin only when the
// capture itself says it came from another interface (another pcapng interface, or another
// interface index in a Linux SLL2 header), its bytes are identical, and it follows within a
// second. Copies on the same interface stay what they are: duplicates the receiver drops.
import type { CaptureFrame } from '../io/capture/frame.js';
import type { PacketReport } from './packet-report.js';
import { LINKTYPE } from '../io/capture/link.js';

const WINDOW_MS = 1000;
const CAPACITY = 4096;

interface Seen {
  readonly iface: string;
  readonly bytes: Buffer;
  readonly at: number;
  /** What the first copy was judged, once it has been. */
  report: PacketReport | null;
}

/** The interface a frame was captured on, as precisely as the capture says. */
export function interfaceOf(frame: CaptureFrame): string {
  const base = `${frame.interface.section}/${frame.interface.id}`;
  // SLL2 (LINKTYPE_LINUX_SLL2): bytes 4-7 are the interface index.
  if (frame.linkType === LINKTYPE.LINUX_SLL2 && frame.data.length >= 8) return `${base}/if${frame.data.readUInt32BE(4)}`;
  return base;
}

export class CaptureTwins {
  private readonly recent = new Map<string, Seen>();

  /**
   * The judged first copy when this ESP packet is a copy of one just seen on another interface;
   * null otherwise (then it is remembered, and record() attaches its verdict).
   */
  twinOf(spi: number, seq: number, esp: Buffer, iface: string, now: number): PacketReport | null {
    const key = `${spi}:${seq}`;
    const seen = this.recent.get(key);
    if (seen !== undefined && seen.report !== null && seen.iface !== iface && now - seen.at <= WINDOW_MS && seen.bytes.equals(esp)) {
      return seen.report;
    }
    if (seen === undefined && this.recent.size >= CAPACITY) {
      const oldest = this.recent.keys().next();
      if (oldest.done !== true) this.recent.delete(oldest.value);
    }
    if (seen === undefined) this.recent.set(key, { iface, bytes: Buffer.from(esp), at: now, report: null });
    return null;
  }

  /** Attaches the verdict of a first copy, so a twin can repeat it. */
  record(report: PacketReport): void {
    if (report.spi === null || report.seq === null) return;
    const seen = this.recent.get(`${report.spi}:${report.seq}`);
    if (seen !== undefined && seen.report === null) seen.report = report;
  }
}
