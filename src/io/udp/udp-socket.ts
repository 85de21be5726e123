// The two ways UdpTransport reaches the kernel: node:dgram (always there) and the native addon
// (recvmmsg/sendmmsg, local destination addresses). Both bind or fail with UdpBindError, and
// hand datagrams to a sink one batch at a time (node:dgram's batches are of one datagram).
import { createSocket } from 'node:dgram';
import type { RemoteInfo } from 'node:dgram';

import { errnoName } from '../tun/tun-error.js';
import type { TunReaderHandle } from '../tun/tun-addon.js';
import type { UdpAddon } from './udp-addon.js';
import { AddressText, datagramsOfSlab } from './udp-batch.js';

/** Socket buffers sized for bursts of ~1.4 kB packets (the kernel caps them at rmem_max/wmem_max). */
export const SOCKET_BUFFER_BYTES = 8 * 1024 * 1024;
/** Datagrams per receive batch at most (one JS call per batch). */
const MAX_BATCH = 64;
/** Receive room per datagram: the largest UDP payload, so nothing is ever truncated. */
const READ_SIZE = 65535;
/**
 * The socket is read on the event loop (see ReadOn in tun-device.ts): while JS is busy the
 * socket's own buffer (SOCKET_BUFFER_BYTES) holds what arrives. The queue length is unused then.
 */
const READ_ON_LOOP = true;
const QUEUE_BATCHES = 1;

export class UdpBindError extends Error {
  constructor(readonly address: string, readonly port: number, readonly errno: string, message: string) {
    super(message);
    this.name = 'UdpBindError';
  }
}

export interface UdpSink {
  datagram(payload: Buffer, from: RemoteInfo, to: string | null): void;
  batchEnd(): void;
  sendFailed(code: string, datagrams: number): void;
  /** The reader stopped for good (a broken descriptor; nothing a peer sends can cause it). */
  receiveFailed(code: string): void;
}

export interface UdpSocketIo {
  readonly address: string;
  readonly port: number;
  /** True when each datagram comes with the local address it was sent to. */
  readonly reportsDestination: boolean;
  readonly kind: 'native' | 'dgram';
  /** Sends the first count datagrams; failures are reported to the sink. */
  sendBatch(payloads: readonly Uint8Array[], addresses: readonly string[], ports: readonly number[], count: number): void;
  close(): Promise<void>;
}

export async function bindDgram(address: string, port: number, family: 4 | 6, sink: UdpSink): Promise<UdpSocketIo> {
  const socket = createSocket({ type: family === 6 ? 'udp6' : 'udp4', ipv6Only: family === 6 });
  await new Promise<void>((resolve, reject) => {
    const onError = (err: NodeJS.ErrnoException): void => {
      socket.close();
      reject(new UdpBindError(address, port, err.code ?? 'UNKNOWN', bindMessage(address, port, err.code, err.message)));
    };
    socket.once('error', onError);
    socket.bind({ address, port, exclusive: true }, () => {
      socket.off('error', onError);
      resolve();
    });
  });
  try {
    socket.setRecvBufferSize(SOCKET_BUFFER_BYTES);
    socket.setSendBufferSize(SOCKET_BUFFER_BYTES);
  } catch {
    // The kernel's limits apply; a smaller buffer is slower under bursts, not wrong.
  }
  socket.on('message', (msg, rinfo) => {
    sink.datagram(msg, rinfo, null);
    sink.batchEnd();
  });
  // Without a send callback, send failures (ICMP unreachable on connected paths, ENOBUFS...)
  // arrive here; they are counted, never fatal.
  socket.on('error', (err: NodeJS.ErrnoException) => sink.sendFailed(err.code ?? err.message, 1));
  const bound = socket.address();
  return {
    address: bound.address, port: bound.port, reportsDestination: false, kind: 'dgram',
    sendBatch(payloads, addresses, ports, count) {
      for (let i = 0; i < count; i++) socket.send(payloads[i]!, ports[i]!, addresses[i]!);
    },
    close: async () => {
      // node:dgram sends after an address lookup on a later tick: let queued datagrams leave first.
      await new Promise((resolve) => setImmediate(resolve));
      await new Promise<void>((resolve) => socket.close(() => resolve()));
    },
  };
}

/** Binds through the addon; throws UdpBindError like bindDgram. */
export function bindNative(addon: UdpAddon, address: string, port: number, sink: UdpSink): UdpSocketIo {
  const opened = addon.udpOpen(address, port, SOCKET_BUFFER_BYTES);
  if ('errno' in opened) {
    const code = errnoName(opened.errno);
    throw new UdpBindError(address, port, code, bindMessage(address, port, code, `${opened.step}() failed`));
  }
  const { fd } = opened;
  const sources = new AddressText();
  const destinations = new AddressText();
  let closed = false;
  const onBatch = (slab: ArrayBuffer | undefined, count: number, errno: number): void => {
    if (closed) return;
    if (slab === undefined) {
      sink.receiveFailed(errnoName(errno));
      return;
    }
    try {
      for (const d of datagramsOfSlab(slab, count, sources, destinations)) sink.datagram(d.payload, d.from, d.to);
      sink.batchEnd();
    } catch (err) {
      // Thrown out of a native callback an error is easy to lose; rethrow it where the process sees it.
      process.nextTick(() => {
        throw err;
      });
    }
  };
  const reader: TunReaderHandle = addon.udpStartReader(fd, onBatch, MAX_BATCH, READ_SIZE, QUEUE_BATCHES, true, READ_ON_LOOP);
  return {
    address: opened.address, port: opened.port, reportsDestination: true, kind: 'native',
    sendBatch(payloads, addresses, ports, count) {
      if (closed) return;
      const sent = addon.udpSendBatch(fd, payloads, addresses, ports, count);
      if (sent < count) sink.sendFailed(errnoName(addon.udpLastSendErrno()), count - sent);
    },
    close() {
      if (!closed) {
        closed = true;
        // Join the reader before closing the fd, so no read can land on a reused descriptor.
        addon.stopReader(reader);
        addon.close(fd);
      }
      return Promise.resolve();
    },
  };
}

export function bindMessage(address: string, port: number, code: string | undefined, detail: string): string {
  const where = `${address.includes(':') ? `[${address}]` : address}:${port}`;
  switch (code) {
    case 'EADDRINUSE':
      return `cannot listen on UDP ${where}: the port is in use (another IPsec daemon such as charon, or a second ipsec-ts?). Stop it or set listen.port.`;
    case 'EACCES':
      return `cannot listen on UDP ${where}: permission denied (ports below 1024 need root or CAP_NET_BIND_SERVICE).`;
    case 'EADDRNOTAVAIL':
      return `cannot listen on UDP ${where}: no interface has this address. Set listen.address to one of this host's addresses (or 0.0.0.0).`;
    default:
      return `cannot listen on UDP ${where}: ${code ?? ''} ${detail}`.trim();
  }
}
