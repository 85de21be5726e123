// The in-memory twin of TunDevice (like wireguard-go's tun/tuntest): tests push packets "from
// the host" with inject() and read what the endpoint wrote from `written`. No root needed.
import type { PacketsHandler, TunLike, TunStats } from './tun-like.js';

export class MemoryTun implements TunLike {
  /** Every packet accepted by write/writeBatch, in order (after close() writes are refused and counted). */
  readonly written: Buffer[] = [];
  private handler: PacketsHandler | null = null;
  private closed = false;
  private readCount = 0;
  private writeErrorCount = 0;
  private readDropCount = 0;

  constructor(readonly name = 'memtun0', readonly mtu = 1400) {}

  onPackets(handler: PacketsHandler): void {
    this.handler = handler;
  }

  /** Delivers packets as one batch, as if the host had routed them into the device. */
  inject(packets: readonly Buffer[]): void {
    if (this.closed) return;
    if (!this.handler) {
      this.readDropCount += packets.length;
      return;
    }
    this.readCount += packets.length;
    this.handler(packets);
  }

  write(packet: Buffer): boolean {
    if (this.closed) {
      this.writeErrorCount++;
      return false;
    }
    this.written.push(packet);
    return true;
  }

  writeBatch(packets: readonly Buffer[]): number {
    let accepted = 0;
    for (const packet of packets) if (this.write(packet)) accepted++;
    return accepted;
  }

  stats(): TunStats {
    return { read: this.readCount, written: this.written.length, writeErrors: this.writeErrorCount, readDrops: this.readDropCount, readErrors: 0 };
  }

  async close(): Promise<void> {
    this.closed = true;
  }
}
