// The demo's "wire": a UDP relay between west and east on loopback, standing in for the network.
// It forwards every datagram, and on request repeats one, flips a bit in one, or injects one,
// so the demo can make each kind of bad packet happen the way it happens on a real path.
import { createSocket } from 'node:dgram';
import type { Socket } from 'node:dgram';

const LOOPBACK = '127.0.0.1';

export class DemoWire {
  private lastFromWest: Buffer | null = null;
  /** The last ESP packet west sent, per SPI (to play a late packet on an old SPI). */
  private readonly lastEspBySpi = new Map<number, Buffer>();
  private tamperNext = false;
  forwarded = 0;

  private constructor(private readonly socket: Socket, readonly port: number, private westPort = 0, private eastPort = 0) {}

  static async open(): Promise<DemoWire> {
    const socket = createSocket('udp4');
    await new Promise<void>((resolve, reject) => {
      socket.once('error', reject);
      socket.bind(0, LOOPBACK, () => resolve());
    });
    const wire = new DemoWire(socket, socket.address().port);
    socket.on('message', (msg, from) => wire.relay(msg, from.port));
    return wire;
  }

  connect(westPort: number, eastPort: number): void {
    this.westPort = westPort;
    this.eastPort = eastPort;
  }

  /** Flip one bit of the next ESP packet from west (in its ICV). */
  tamperWithNext(): void {
    this.tamperNext = true;
  }

  /** Send the last packet west sent to east once more, unchanged. */
  replayLast(): boolean {
    if (this.lastFromWest === null) return false;
    this.socket.send(this.lastFromWest, this.eastPort, LOOPBACK);
    return true;
  }

  /** The last ESP packet west sent on `spi`, or null. */
  lastFromWestOn(spi: number): Buffer | null {
    return this.lastEspBySpi.get(spi) ?? null;
  }

  /** Put a datagram of our own on the wire towards east. */
  injectToEast(datagram: Uint8Array): void {
    this.socket.send(datagram, this.eastPort, LOOPBACK);
  }

  async close(): Promise<void> {
    await new Promise<void>((resolve) => this.socket.close(() => resolve()));
  }

  private relay(msg: Buffer, fromPort: number): void {
    if (fromPort === this.westPort) {
      let out = msg;
      // IKE (non-ESP marker, RFC 3948 2.2) and keepalives pass untouched and are never replayed.
      const esp = msg.length > 8 && msg.readUInt32BE(0) !== 0;
      if (!esp) {
        this.forwarded++;
        this.socket.send(msg, this.eastPort, LOOPBACK);
        return;
      }
      this.lastEspBySpi.set(msg.readUInt32BE(0), Buffer.from(msg));
      if (this.tamperNext && msg.length > 8) {
        this.tamperNext = false;
        out = Buffer.from(msg);
        out[out.length - 1]! ^= 0x01;
      } else {
        this.lastFromWest = Buffer.from(msg);
      }
      this.forwarded++;
      this.socket.send(out, this.eastPort, LOOPBACK);
    } else if (fromPort === this.eastPort) {
      this.forwarded++;
      this.socket.send(msg, this.westPort, LOOPBACK);
    }
  }
}
