// The UDP socket of an endpoint: ESP in UDP (RFC 3948), NAT keepalives and, later, IKE share
// one port (4500 by default). A thin layer over node:dgram that counts what it does and turns
// bind failures into messages a user can act on.
import { createSocket } from 'node:dgram';
import type { RemoteInfo, Socket } from 'node:dgram';
import { isIP } from 'node:net';

export interface UdpStats {
  readonly received: number;
  readonly sent: number;
  readonly sendErrors: number;
}

export type DatagramHandler = (payload: Buffer, from: RemoteInfo) => void;

/** Socket buffers sized for bursts of ~1.4 kB packets (the kernel caps them at rmem_max/wmem_max). */
const SOCKET_BUFFER_BYTES = 8 * 1024 * 1024;

export class UdpBindError extends Error {
  constructor(readonly address: string, readonly port: number, readonly errno: string, message: string) {
    super(message);
    this.name = 'UdpBindError';
  }
}

export class UdpTransport {
  private receivedCount = 0;
  private sentCount = 0;
  private sendErrorCount = 0;
  private closed = false;
  lastSendError: string | null = null;

  private constructor(private readonly socket: Socket, readonly address: string, readonly port: number) {}

  /** Binds address:port (port 0 picks a free one). Rejects with UdpBindError. */
  static async bind(address: string, port: number, onDatagram: DatagramHandler): Promise<UdpTransport> {
    const family = isIP(address);
    if (family === 0) throw new UdpBindError(address, port, 'EINVAL', `listen.address: '${address}' is not an IPv4 or IPv6 address`);
    const socket = createSocket({ type: family === 6 ? 'udp6' : 'udp4', ipv6Only: family === 6 });
    await new Promise<void>((resolve, reject) => {
      const onError = (err: NodeJS.ErrnoException): void => {
        socket.close();
        reject(new UdpBindError(address, port, err.code ?? 'UNKNOWN', bindMessage(address, port, err)));
      };
      socket.once('error', onError);
      socket.bind({ address, port, exclusive: true }, () => {
        socket.off('error', onError);
        resolve();
      });
    });
    trySetBuffers(socket);
    const bound = socket.address();
    const transport = new UdpTransport(socket, bound.address, bound.port);
    socket.on('message', (msg, rinfo) => {
      transport.receivedCount++;
      onDatagram(msg, rinfo);
    });
    // Without a send callback, send failures (ICMP unreachable on connected paths, ENOBUFS...)
    // arrive here; they are counted, never fatal.
    socket.on('error', (err: NodeJS.ErrnoException) => {
      transport.sendErrorCount++;
      transport.lastSendError = err.code ?? err.message;
    });
    return transport;
  }

  send(payload: Uint8Array, port: number, address: string): void {
    if (this.closed) return;
    this.sentCount++;
    this.socket.send(payload, port, address);
  }

  stats(): UdpStats {
    return { received: this.receivedCount, sent: this.sentCount, sendErrors: this.sendErrorCount };
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await new Promise<void>((resolve) => this.socket.close(() => resolve()));
  }
}

function trySetBuffers(socket: Socket): void {
  try {
    socket.setRecvBufferSize(SOCKET_BUFFER_BYTES);
    socket.setSendBufferSize(SOCKET_BUFFER_BYTES);
  } catch {
    // The kernel's limits apply; a smaller buffer is slower under bursts, not wrong.
  }
}

function bindMessage(address: string, port: number, err: NodeJS.ErrnoException): string {
  const where = `${address.includes(':') ? `[${address}]` : address}:${port}`;
  switch (err.code) {
    case 'EADDRINUSE':
      return `cannot listen on UDP ${where}: the port is in use (another IPsec daemon such as charon, or a second ipsec-ts?). Stop it or set listen.port.`;
    case 'EACCES':
      return `cannot listen on UDP ${where}: permission denied (ports below 1024 need root or CAP_NET_BIND_SERVICE).`;
    case 'EADDRNOTAVAIL':
      return `cannot listen on UDP ${where}: no interface has this address. Set listen.address to one of this host's addresses (or 0.0.0.0).`;
    default:
      return `cannot listen on UDP ${where}: ${err.code ?? ''} ${err.message}`.trim();
  }
}
