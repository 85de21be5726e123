// One follow stream on one connection (drops.follow, or ike.events with follow). The daemon must
// never wait for a client, nor buffer for one without bound: while the socket's write buffer is
// over its high-water mark, events are counted instead of queued, and a {"lost": n} notice goes
// out once the socket drains.
import type { Socket } from 'node:net';
import { encodeLine } from './protocol.js';

export class DropFollower {
  private lostCount = 0;
  private sentCount = 0;
  private unsubscribe: (() => void) | null = null;
  private readonly onDrain = (): void => { this.flushLost(); };

  constructor(private readonly socket: Socket, readonly id: number) {
    socket.on('drain', this.onDrain);
  }

  /** Events dropped and not yet reported. */
  get lost(): number { return this.lostCount; }

  /** Events written to the socket. */
  get sent(): number { return this.sentCount; }

  attach(unsubscribe: () => void): void {
    this.unsubscribe = unsubscribe;
  }

  push(event: unknown): void {
    if (this.socket.destroyed || !this.socket.writable) return;
    if (this.socket.writableNeedDrain) {
      this.lostCount++;
      return;
    }
    let line: string;
    try {
      line = encodeLine({ id: this.id, event });
    } catch {
      // Called from the endpoint's drop event: an event JSON cannot carry must not reach it.
      this.lostCount++;
      return;
    }
    this.flushLost();
    this.socket.write(line);
    this.sentCount++;
  }

  stop(): void {
    this.socket.off('drain', this.onDrain);
    const u = this.unsubscribe;
    this.unsubscribe = null;
    u?.();
  }

  private flushLost(): void {
    if (this.lostCount === 0 || this.socket.destroyed || !this.socket.writable) return;
    const lost = this.lostCount;
    this.lostCount = 0;
    this.socket.write(encodeLine({ id: this.id, event: { lost } }));
  }
}
