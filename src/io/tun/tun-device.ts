// The Linux TUN device: open (addon + `ip` configuration), batched reads by the native reader
// (on the event loop, or on a thread of its own), synchronous writes. Opening is not network
// input: failures throw TunError.
import { readFileSync } from 'node:fs';

import { checkTunAccess, currentTunAccessFacts } from './tun-access.js';
import type { TunAccessFacts } from './tun-access.js';
import { loadTunAddon } from './tun-addon.js';
import type { TunAddon, TunAddonLoad, TunReaderHandle } from './tun-addon.js';
import { packetsOfSlab } from './tun-batch.js';
import { configureInterface, runIp, validateTunDeviceConfig } from './tun-configure.js';
import type { IpRunner, TunDeviceConfig } from './tun-configure.js';
import { TunError, errnoName, openFailure } from './tun-error.js';
import type { PacketsHandler, TunLike, TunStats } from './tun-like.js';

/**
 * Where the device is read: 'loop', on the JS thread when libuv says the fd is readable (no
 * hand-off between threads: the least CPU per packet, and the daemon's choice); 'thread', on
 * a reader thread of its own that keeps reading while JS is busy (queueBatches, whenBehind).
 */
export type ReadOn = 'loop' | 'thread';

export interface TunOpenOptions {
  /** Default 'loop'. */
  readonly readOn?: ReadOn;
  /** IFF_MULTI_QUEUE: the device takes more queues (one fd each); this opens one. */
  readonly multiQueue?: boolean;
  /** Packets per batch at most (one JS call per batch). Default 64. */
  readonly maxBatch?: number;
  /** readOn 'thread': batches waiting for the JS thread at most. Default 8. */
  readonly queueBatches?: number;
  /**
   * readOn 'thread', when that queue is full (JS is behind): 'wait' stops reading until there is room, so the
   * device's own queue (txqueuelen) fills and the kernel drops, at no CPU cost to us (the
   * default: on a small box reading packets only to drop them steals CPU from the JS thread);
   * 'drop' keeps reading and drops whole batches here (counted in readDrops).
   */
  readonly whenBehind?: 'wait' | 'drop';
}

/** What openTunDevice touches, replaceable in tests. */
export interface TunOpenDeps {
  readonly loadAddon: () => TunAddonLoad;
  readonly accessFacts: () => TunAccessFacts;
  readonly runIp: IpRunner;
}

export const defaultTunOpenDeps: TunOpenDeps = { loadAddon: () => loadTunAddon(), accessFacts: currentTunAccessFacts, runIp };

/** Opens the TUN device config.name and configures it (MTU, up, addresses, routes). */
export async function openTunDevice(config: TunDeviceConfig, options: TunOpenOptions = {}, deps: TunOpenDeps = defaultTunOpenDeps): Promise<TunDevice> {
  validateTunDeviceConfig(config);
  const load = deps.loadAddon();
  if (!load.ok) throw new TunError('addon-missing', `${load.detail}. Next: ${load.nextStep}.`);
  const refused = checkTunAccess(deps.accessFacts());
  if (refused) throw refused;
  const opened = load.addon.open(config.name, options.multiQueue ?? false);
  if ('errno' in opened) throw openFailure(config.name, opened.errno);
  const device = new TunDevice(load.addon, opened.fd, opened.name, config.mtu, options);
  try {
    await configureInterface({ ...config, name: opened.name }, deps.runIp);
  } catch (err) {
    await device.close();
    throw err;
  }
  return device;
}

export class TunDevice implements TunLike {
  private reader: TunReaderHandle | null = null;
  private handler: PacketsHandler | null = null;
  private errorHandler: ((message: string) => void) | null = null;
  private closing: Promise<void> | null = null;
  private readCount = 0;
  private writtenCount = 0;
  private writeErrorCount = 0;
  private readErrorCount = 0;
  /** errno name of the last refused write, for logs ('EIO' while the link is down). */
  lastWriteError: string | null = null;
  lastReadError: string | null = null;
  private readonly kernelDropsAtOpen: number;

  /** kernelDrops: packets the device's own queue dropped so far (tx_dropped: routed in, never read). */
  constructor(private readonly addon: TunAddon, readonly fd: number, readonly name: string, readonly mtu: number,
    private readonly options: TunOpenOptions = {}, private readonly kernelDrops: () => number = () => deviceTxDropped(name)) {
    this.kernelDropsAtOpen = kernelDrops();
  }

  onPackets(handler: PacketsHandler): void {
    this.handler = handler;
    if (this.reader || this.closing) return;
    const maxBatch = this.options.maxBatch ?? 64;
    const readSize = Math.min(65536, Math.max(this.mtu, 1500));
    const wait = (this.options.whenBehind ?? 'wait') === 'wait';
    const onLoop = (this.options.readOn ?? 'loop') === 'loop';
    this.reader = this.addon.startReader(this.fd, (slab, count, errno) => this.onBatch(slab, count, errno), maxBatch, readSize, this.options.queueBatches ?? 8, wait, onLoop);
  }

  /** Called once with a message when reading stops for good (e.g. the interface was deleted). */
  onError(handler: (message: string) => void): void {
    this.errorHandler = handler;
  }

  write(packet: Buffer): boolean {
    if (this.closing) {
      this.refuseClosed(1);
      return false;
    }
    const result = this.addon.write(this.fd, packet);
    if (result >= 0) {
      this.writtenCount++;
      return true;
    }
    this.writeErrorCount++;
    this.lastWriteError = errnoName(-result);
    return false;
  }

  writeBatch(packets: readonly Buffer[]): number {
    if (this.closing) return this.refuseClosed(packets.length);
    const written = this.addon.writeBatch(this.fd, packets);
    this.writtenCount += written;
    if (written < packets.length) {
      this.writeErrorCount += packets.length - written;
      this.lastWriteError = errnoName(this.addon.lastWriteErrno());
    }
    return written;
  }

  stats(): TunStats {
    const native = this.reader ? this.addon.readerStats(this.reader) : null;
    return {
      read: this.readCount,
      written: this.writtenCount,
      writeErrors: this.writeErrorCount,
      readDrops: (native ? native.drops + native.truncated : 0) + Math.max(0, this.kernelDrops() - this.kernelDropsAtOpen),
      readErrors: this.readErrorCount,
    };
  }

  close(): Promise<void> {
    if (!this.closing) {
      this.closing = Promise.resolve();
      this.release();
    }
    return this.closing;
  }

  private release(): void {
    // Join the reader before closing the fd, so no read() can land on a reused descriptor.
    if (this.reader) this.addon.stopReader(this.reader);
    this.addon.close(this.fd);
  }

  private refuseClosed(packets: number): 0 {
    this.writeErrorCount += packets;
    this.lastWriteError = 'closed';
    return 0;
  }

  private onBatch(slab: ArrayBuffer | undefined, count: number, errno: number): void {
    if (this.closing) return;
    if (slab === undefined) return this.onReadError(errno);
    this.readCount += count;
    const handler = this.handler;
    if (!handler) return;
    try {
      handler(packetsOfSlab(slab, count));
    } catch (err) {
      // Thrown out of a native callback an error is easy to lose; rethrow it where the process sees it.
      process.nextTick(() => {
        throw err;
      });
    }
  }

  private onReadError(errno: number): void {
    this.readErrorCount++;
    this.lastReadError = errnoName(errno);
    const message = `reading TUN device '${this.name}' failed (${this.lastReadError}); no more packets will be read from it. Was the interface deleted ('ip link show ${this.name}')? Restart the daemon.`;
    this.errorHandler?.(message);
  }
}

/** The interface's tx_dropped counter (0 when unreadable, e.g. sysfs of another namespace). */
function deviceTxDropped(name: string): number {
  try {
    return Number(readFileSync(`/sys/class/net/${name}/statistics/tx_dropped`, 'utf8')) || 0;
  } catch {
    return 0;
  }
}
