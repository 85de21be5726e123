// The UDP edge of the load client (and of the test's in-process responder): two sockets on one
// address, the IKE port (500 or any) and the NAT-T port, where IKE messages carry the 4-byte
// non-ESP marker (RFC 3948 2.2) and anything else is ESP, which a load client never expects.
import { createSocket } from 'node:dgram';
import type { Socket } from 'node:dgram';
import { isIP } from 'node:net';
import type { IkeDatagram, UdpAddress } from '../../src/ike/ports.js';

/** RFC 3948 2.2: IKE on the NAT-T port starts with four zero octets where ESP has its SPI. */
const NON_ESP_MARKER = Buffer.alloc(4);

export type DatagramHandler = (bytes: Buffer, local: UdpAddress, remote: UdpAddress) => void;

/** Why a datagram never reached the IKE core; counted, never silent (STYLE.md 2). */
export type SocketDrop = 'esp-on-nat-port' | 'short-on-nat-port';

export interface IkeSockets {
  readonly address: string;
  /** The ports really bound (differs from the asked one when it was 0). */
  readonly ikePort: number;
  readonly natPort: number;
  send(datagram: IkeDatagram): void;
  /** Where received IKE messages go (without the marker); replaces the previous handler. */
  onDatagram(handler: DatagramHandler): void;
  onDrop(handler: (reason: SocketDrop) => void): void;
  close(): Promise<void>;
}

function bind(address: string, port: number): Promise<Socket> {
  const socket = createSocket({ type: isIP(address) === 6 ? 'udp6' : 'udp4', reuseAddr: false });
  return new Promise((resolve, reject) => {
    socket.once('error', reject);
    socket.bind({ address, port, exclusive: true }, () => {
      socket.off('error', reject);
      resolve(socket);
    });
  });
}

/** Many handshakes in flight answer in bursts: bigger buffers than the default 208 KiB drop less. */
function enlargeBuffers(socket: Socket): void {
  try {
    socket.setRecvBufferSize(4 * 1024 * 1024);
    socket.setSendBufferSize(4 * 1024 * 1024);
  } catch {
    // Capped by net.core.rmem_max; the defaults still work.
  }
}

export async function openIkeSockets(address: string, ikePort: number, natPort: number): Promise<IkeSockets> {
  const ike = await bind(address, ikePort);
  let nat: Socket;
  try {
    nat = await bind(address, natPort);
  } catch (err) {
    ike.close();
    throw new Error(`cannot bind UDP ${address}:${natPort} (NAT-T port): ${(err as Error).message}`);
  }
  for (const s of [ike, nat]) enlargeBuffers(s);
  const ports = { ike: ike.address().port, nat: nat.address().port };
  let handler: DatagramHandler = () => undefined;
  let dropHandler: (reason: SocketDrop) => void = () => undefined;
  ike.on('message', (msg, rinfo) => handler(msg, { address, port: ports.ike }, { address: rinfo.address, port: rinfo.port }));
  nat.on('message', (msg, rinfo) => {
    if (msg.length < NON_ESP_MARKER.length) {
      dropHandler('short-on-nat-port');
      return;
    }
    if (msg.readUInt32BE(0) !== 0) {
      dropHandler('esp-on-nat-port');
      return;
    }
    handler(msg.subarray(NON_ESP_MARKER.length), { address, port: ports.nat }, { address: rinfo.address, port: rinfo.port });
  });
  return {
    address,
    ikePort: ports.ike,
    natPort: ports.nat,
    send(d) {
      // The IKE core names the local port it means; the NAT-T one needs the marker in front.
      if (d.local.port === ports.nat) nat.send([NON_ESP_MARKER, d.bytes], d.remote.port, d.remote.address);
      else ike.send(d.bytes, d.remote.port, d.remote.address);
    },
    onDatagram(h) {
      handler = h;
    },
    onDrop(h) {
      dropHandler = h;
    },
    close: () => Promise.all([ike, nat].map((s) => new Promise<void>((resolve) => s.close(() => resolve())))).then(() => undefined),
  };
}
