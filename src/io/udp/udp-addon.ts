// The UDP half of the native addon (native/tun/src/udp.c): a socket bound by the addon, a
// recvmmsg reader, sendmmsg batches. Optional like the TUN half: an older build, or no
// build at all, leaves UdpTransport on node:dgram.
import { loadTunAddon } from '../tun/tun-addon.js';
import type { TunAddon, TunAddonLoad, TunReaderHandle, TunReaderStats } from '../tun/tun-addon.js';

export type UdpOpenResult =
  | { readonly fd: number; readonly family: 4 | 6; readonly address: string; readonly port: number }
  | { readonly errno: number; readonly step: string };

/** The addon's UDP functions. Failures are negative errno values, errno fields or counts. */
export interface UdpAddon {
  /** socket + IP(V6)_PKTINFO + buffers (SO_*BUFFORCE when allowed) + bind. */
  udpOpen(address: string, port: number, bufferBytes: number): UdpOpenResult;
  /**
   * Starts the reader (on the event loop with onLoop, else a thread; see TunAddon.startReader).
   * onBatch gets a slab (see udp-batch.ts) and count, or (undefined, 0, errno) for a fatal read
   * error. Stopped with stopReader.
   */
  udpStartReader(fd: number, onBatch: (slab: ArrayBuffer | undefined, count: number, errno: number) => void,
    maxBatch: number, readSize: number, queueBatches: number, waitWhenFull: boolean, onLoop?: boolean): TunReaderHandle;
  /** Sends datagram i of the first count to addresses[i]:ports[i]; returns how many were sent. */
  udpSendBatch(fd: number, payloads: readonly Uint8Array[], addresses: readonly string[], ports: readonly number[], count: number): number;
  /** errno of the most recent datagram udpSendBatch could not send (0 if none). */
  udpLastSendErrno(): number;
  stopReader(handle: TunReaderHandle): void;
  readerStats(handle: TunReaderHandle): TunReaderStats;
  close(fd: number): number;
}

const FUNCTIONS = ['udpOpen', 'udpStartReader', 'udpSendBatch', 'udpLastSendErrno'] as const;

/** The addon with its UDP functions, or null (no addon, or a build from before they existed). */
export function loadUdpAddon(load: () => TunAddonLoad = loadTunAddon): UdpAddon | null {
  const loaded = load();
  if (!loaded.ok || !hasUdp(loaded.addon)) return null;
  return loaded.addon;
}

function hasUdp(addon: TunAddon): addon is TunAddon & UdpAddon {
  const record = addon as unknown as Record<string, unknown>;
  return FUNCTIONS.every((name) => typeof record[name] === 'function');
}
