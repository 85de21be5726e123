// The UDP socket of an endpoint: ESP in UDP (RFC 3948), NAT keepalives and, later, IKE share
// one port (4500 by default). Counts what it does, turns bind failures into messages a user can
// act on, and batches: datagrams received together reach onDatagram back to back followed by
// onBatchEnd, and datagrams sent in one turn of the event loop leave in one sendmmsg() when
// the native addon is there (else one node:dgram send each).
import type { RemoteInfo } from 'node:dgram';
import { isIP } from 'node:net';

import { loadUdpAddon } from './udp-addon.js';
import type { UdpAddon } from './udp-addon.js';
import { UdpBindError, bindDgram, bindNative } from './udp-socket.js';
import type { UdpSink, UdpSocketIo } from './udp-socket.js';

export { UdpBindError } from './udp-socket.js';

export interface UdpStats {
  readonly received: number;
  readonly sent: number;
  readonly sendErrors: number;
}

/** to: the local address the datagram was sent to, when the socket can tell (else null). */
export type DatagramHandler = (payload: Buffer, from: RemoteInfo, to: string | null) => void;

export interface UdpBindOptions {
  /** Called once the datagrams received together have all gone to onDatagram. */
  readonly onBatchEnd?: () => void;
  /** 'auto' (default): the native socket when the addon has it, else node:dgram. */
  readonly backend?: 'auto' | 'dgram';
  /** Replaceable in tests; null means no addon. */
  readonly loadAddon?: () => UdpAddon | null;
}

export class UdpTransport implements UdpSink {
  private receivedCount = 0;
  private sentCount = 0;
  private sendErrorCount = 0;
  private closed = false;
  private io: UdpSocketIo | null = null;
  // The send queue: parallel arrays, reused (the addon reads them synchronously).
  private readonly payloads: Uint8Array[] = [];
  private readonly addresses: string[] = [];
  private readonly ports: number[] = [];
  private queued = 0;
  private flushScheduled = false;
  lastSendError: string | null = null;
  lastReceiveError: string | null = null;

  private constructor(private readonly onDatagram: DatagramHandler, private readonly onBatchEnd: () => void) {}

  /** Binds address:port (port 0 picks a free one). Rejects with UdpBindError. */
  static async bind(address: string, port: number, onDatagram: DatagramHandler, options: UdpBindOptions = {}): Promise<UdpTransport> {
    const family = isIP(address);
    if (family === 0) throw new UdpBindError(address, port, 'EINVAL', `listen.address: '${address}' is not an IPv4 or IPv6 address`);
    const transport = new UdpTransport(onDatagram, options.onBatchEnd ?? noop);
    const addon = (options.backend ?? 'auto') === 'auto' ? (options.loadAddon ?? defaultUdpAddon)() : null;
    transport.io = addon !== null ? bindNative(addon, address, port, transport) : await bindDgram(address, port, family === 6 ? 6 : 4, transport);
    return transport;
  }

  get address(): string {
    return this.requireIo().address;
  }

  get port(): number {
    return this.requireIo().port;
  }

  /** True when onDatagram learns each datagram's local destination address (IP_PKTINFO). */
  get reportsDestination(): boolean {
    return this.requireIo().reportsDestination;
  }

  /** 'native' (recvmmsg/sendmmsg through the addon) or 'dgram'. */
  get backend(): 'native' | 'dgram' {
    return this.requireIo().kind;
  }

  /** Queues one datagram; it leaves at the next flush() or at the end of this turn of the event loop. */
  send(payload: Uint8Array, port: number, address: string): void {
    if (this.closed) return;
    this.sentCount++;
    const i = this.queued++;
    this.payloads[i] = payload;
    this.addresses[i] = address;
    this.ports[i] = port;
    if (!this.flushScheduled) {
      this.flushScheduled = true;
      queueMicrotask(() => this.flush());
    }
  }

  /** Sends everything queued now (one sendmmsg per 64 datagrams with the addon). */
  flush(): void {
    this.flushScheduled = false;
    const count = this.queued;
    if (count === 0 || this.io === null) return;
    this.queued = 0;
    if (!this.closed) this.io.sendBatch(this.payloads, this.addresses, this.ports, count);
    // Drop the references, so sent packets can be collected.
    this.payloads.fill(EMPTY, 0, count);
  }

  stats(): UdpStats {
    return { received: this.receivedCount, sent: this.sentCount, sendErrors: this.sendErrorCount };
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.flush();
    this.closed = true;
    await this.io?.close();
  }

  // ---- UdpSink: called by the socket ----------------------------------------------------------

  /** @internal */
  datagram(payload: Buffer, from: RemoteInfo, to: string | null): void {
    this.receivedCount++;
    this.onDatagram(payload, from, to);
  }

  /** @internal */
  batchEnd(): void {
    this.onBatchEnd();
  }

  /** @internal */
  sendFailed(code: string, datagrams: number): void {
    this.sendErrorCount += datagrams;
    this.lastSendError = code;
  }

  /** @internal */
  receiveFailed(code: string): void {
    this.lastReceiveError = code;
  }

  private requireIo(): UdpSocketIo {
    if (this.io === null) throw new Error('the UDP transport is not bound');
    return this.io;
  }
}

const EMPTY = new Uint8Array(0);

function noop(): void {}

let cachedAddon: UdpAddon | null | undefined;

function defaultUdpAddon(): UdpAddon | null {
  if (cachedAddon === undefined) cachedAddon = loadUdpAddon();
  return cachedAddon;
}
