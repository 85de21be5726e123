// The TUN wrapper without root: the addon loader, the access checks, configuration checks and
// `ip` commands, errno messages, the batch format, TunDevice over a fake addon, and MemoryTun.
import { describe, expect, it } from 'vitest';

import { MemoryTun } from '../../src/io/tun/memory-tun.js';
import { checkTunAccess } from '../../src/io/tun/tun-access.js';
import { ADDON_NEXT_STEP, loadTunAddon } from '../../src/io/tun/tun-addon.js';
import type { TunAddon, TunReaderHandle, TunReaderStats } from '../../src/io/tun/tun-addon.js';
import { packetsOfSlab } from '../../src/io/tun/tun-batch.js';
import { configureInterface, interfaceCommands, validateTunDeviceConfig } from '../../src/io/tun/tun-configure.js';
import type { IpRunner } from '../../src/io/tun/tun-configure.js';
import { TunDevice, openTunDevice } from '../../src/io/tun/tun-device.js';
import type { TunOpenDeps } from '../../src/io/tun/tun-device.js';
import { TunError, openFailure } from '../../src/io/tun/tun-error.js';

const config = { name: 'ipsec0', addresses: ['10.1.0.1/24', 'fd00::1/64'], mtu: 1400, routes: ['10.2.0.0/16'] };
const EPERM = 1;
const EIO = 5;

/** Builds a slab as the reader thread does: uint32 offsets[maxBatch + 1], then the packets. */
function slabOf(packets: Buffer[], maxBatch = 8): ArrayBuffer {
  const header = (maxBatch + 1) * 4;
  const total = header + packets.reduce((n, p) => n + p.length, 0);
  const slab = new ArrayBuffer(total);
  const offsets = new Uint32Array(slab, 0, maxBatch + 1);
  const bytes = new Uint8Array(slab);
  offsets[0] = header;
  packets.forEach((p, i) => {
    bytes.set(p, offsets[i]!);
    offsets[i + 1] = offsets[i]! + p.length;
  });
  return slab;
}

type OnBatch = (slab: ArrayBuffer | undefined, count: number, errno: number) => void;

/** A fake addon: records calls, lets the test play the reader thread. */
class FakeAddon implements TunAddon {
  readonly calls: string[] = [];
  onBatch: OnBatch | null = null;
  writeResults: number[] = [];
  readerCounters: TunReaderStats = { packets: 0, batches: 0, drops: 0, truncated: 0, readErrors: 0 };
  openResult: { fd: number; name: string } | { errno: number } = { fd: 42, name: 'ipsec0' };

  open(name: string, multiQueue: boolean): { fd: number; name: string } | { errno: number } {
    this.calls.push(`open ${name} ${multiQueue}`);
    return this.openResult;
  }
  close(fd: number): number {
    this.calls.push(`close ${fd}`);
    return 0;
  }
  write(fd: number, packet: Uint8Array): number {
    this.calls.push(`write ${fd} ${packet.length}`);
    return this.writeResults.shift() ?? packet.length;
  }
  writeBatch(fd: number, packets: readonly Uint8Array[]): number {
    this.calls.push(`writeBatch ${fd} ${packets.length}`);
    return this.writeResults.shift() ?? packets.length;
  }
  lastWriteErrno(): number {
    return EIO;
  }
  startReader(fd: number, onBatch: OnBatch, maxBatch: number, readSize: number, queueBatches: number, waitWhenFull: boolean): TunReaderHandle {
    this.calls.push(`startReader ${fd} ${maxBatch} ${readSize} ${queueBatches} ${waitWhenFull ? 'wait' : 'drop'}`);
    this.onBatch = onBatch;
    return {};
  }
  stopReader(): void {
    this.calls.push('stopReader');
  }
  readerStats(): TunReaderStats {
    return this.readerCounters;
  }
}

function deps(addon: FakeAddon, overrides: Partial<TunOpenDeps> = {}): TunOpenDeps {
  return {
    loadAddon: () => ({ ok: true, addon, from: 'fake' }),
    accessFacts: () => ({ uid: 0, capEff: 0n, deviceExists: true }),
    runIp: async () => ({ ok: true }),
    ...overrides,
  };
}

async function rejection(promise: Promise<unknown>): Promise<TunError> {
  const err = await promise.then(() => null, (e: unknown) => e);
  expect(err).toBeInstanceOf(TunError);
  return err as TunError;
}

describe('the addon loader', () => {
  it("reports 'addon-missing' with the next step when no candidate loads", () => {
    const result = loadTunAddon(() => {
      throw new Error("Cannot find module 'ipsec-ts-tun'\nRequire stack: ...");
    }, ['ipsec-ts-tun', '/nowhere/ipsec_ts_tun.node']);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.reason).toBe('addon-missing');
    expect(result.detail).toContain("ipsec-ts-tun: Cannot find module 'ipsec-ts-tun'");
    expect(result.detail).toContain('/nowhere/ipsec_ts_tun.node');
    expect(result.detail).not.toContain('Require stack');
    expect(result.nextStep).toBe(ADDON_NEXT_STEP);
    expect(result.nextStep).toContain('npm rebuild ipsec-ts-tun');
  });

  it('refuses a module that is not the addon and takes the next candidate that is', () => {
    const addon = new FakeAddon();
    const result = loadTunAddon((specifier) => (specifier === 'ipsec-ts-tun' ? { open: () => 0 } : addon), ['ipsec-ts-tun', '/build/ipsec_ts_tun.node']);
    expect(result).toEqual({ ok: true, addon, from: '/build/ipsec_ts_tun.node' });
  });

  it('makes openTunDevice throw addon-missing with the next step', async () => {
    const err = await rejection(openTunDevice(config, {}, {
      ...deps(new FakeAddon()),
      loadAddon: () => loadTunAddon(() => {
        throw new Error('not built');
      }, ['ipsec-ts-tun']),
    }));
    expect(err.reason).toBe('addon-missing');
    expect(err.message).toContain('run without a tun: section and use the library API');
  });
});

describe('the access check', () => {
  it("refuses a non-root user without CAP_NET_ADMIN as 'not-root'", () => {
    const err = checkTunAccess({ uid: 1000, capEff: 0n, deviceExists: true });
    expect(err?.reason).toBe('not-root');
    expect(err?.message).toContain('root or CAP_NET_ADMIN');
    expect(err?.message).toContain('uid 1000');
  });

  it('accepts root, and a non-root user holding CAP_NET_ADMIN (bit 12)', () => {
    expect(checkTunAccess({ uid: 0, capEff: 0n, deviceExists: true })).toBeNull();
    expect(checkTunAccess({ uid: 1000, capEff: 1n << 12n, deviceExists: true })).toBeNull();
    expect(checkTunAccess({ uid: 1000, capEff: 1n << 13n, deviceExists: true })?.reason).toBe('not-root');
  });

  it("reports a missing /dev/net/tun as 'no-device' with what to do", () => {
    const err = checkTunAccess({ uid: 0, capEff: null, deviceExists: false });
    expect(err?.reason).toBe('no-device');
    expect(err?.message).toContain('--device /dev/net/tun');
  });

  it('stops openTunDevice before the addon is asked to open anything', async () => {
    const addon = new FakeAddon();
    const err = await rejection(openTunDevice(config, {}, deps(addon, { accessFacts: () => ({ uid: 1000, capEff: 0n, deviceExists: true }) })));
    expect(err.reason).toBe('not-root');
    expect(addon.calls).toEqual([]);
  });
});

describe('configuration checks and ip commands', () => {
  it('refuses a name longer than 15 bytes, counting bytes rather than characters', () => {
    expect(() => validateTunDeviceConfig({ ...config, name: 'a-very-long-name' })).toThrow(/16 bytes.*at most 15 bytes/);
    expect(() => validateTunDeviceConfig({ ...config, name: 'ipsecé234567890' })).toThrow(/16 bytes/);
    expect(() => validateTunDeviceConfig({ ...config, name: 'exactly15bytes_' })).not.toThrow();
  });

  it('refuses names the kernel refuses, MTUs out of range and malformed prefixes', () => {
    const reasonOf = (c: typeof config): string | null => {
      try {
        validateTunDeviceConfig(c);
        return null;
      } catch (err) {
        return (err as TunError).reason;
      }
    };
    expect(reasonOf({ ...config, name: 'a/b' })).toBe('open-failed');
    expect(reasonOf({ ...config, name: '' })).toBe('open-failed');
    expect(reasonOf({ ...config, mtu: 1000 })).toBe('configure-failed'); // IPv6 address needs 1280
    expect(reasonOf({ ...config, addresses: ['10.1.0.1/24'], mtu: 1000 })).toBeNull();
    expect(reasonOf({ ...config, mtu: 70000 })).toBe('configure-failed');
    expect(reasonOf({ ...config, addresses: ['10.1.0.1'] })).toBe('configure-failed');
    expect(reasonOf({ ...config, routes: ['10.2.0.0/33'] })).toBe('configure-failed');
    expect(reasonOf({ ...config, routes: ['fd00::/129'] })).toBe('configure-failed');
  });

  it('sets MTU, queue length and up first, then addresses, then routes, as argument arrays', () => {
    expect(interfaceCommands(config)).toEqual([
      ['link', 'set', 'dev', 'ipsec0', 'mtu', '1400', 'txqueuelen', '5000', 'up'],
      ['addr', 'replace', '10.1.0.1/24', 'dev', 'ipsec0'],
      ['addr', 'replace', 'fd00::1/64', 'dev', 'ipsec0'],
      ['route', 'replace', '10.2.0.0/16', 'dev', 'ipsec0'],
    ]);
  });

  it('names the failing command and its stderr, and runs nothing after it', async () => {
    const ran: string[] = [];
    const runIp: IpRunner = async (args) => {
      ran.push(args.join(' '));
      return args[0] === 'addr' ? { ok: false, detail: 'RTNETLINK answers: Permission denied' } : { ok: true };
    };
    const err = await rejection(configureInterface(config, runIp));
    expect(err.reason).toBe('configure-failed');
    expect(err.message).toContain("'ip addr replace 10.1.0.1/24 dev ipsec0': RTNETLINK answers: Permission denied");
    expect(ran).toHaveLength(2);
  });

  it('closes the opened device when configuration fails', async () => {
    const addon = new FakeAddon();
    const err = await rejection(openTunDevice(config, {}, deps(addon, { runIp: async () => ({ ok: false, detail: 'Error: boom' }) })));
    expect(err.reason).toBe('configure-failed');
    expect(addon.calls).toEqual(['open ipsec0 false', 'close 42']);
  });
});

describe('open failures by errno', () => {
  it('says what to do for EPERM, ENOENT, EBUSY and EINVAL', () => {
    expect(openFailure('ipsec0', EPERM)).toMatchObject({ reason: 'not-root', message: expect.stringContaining('needs root or CAP_NET_ADMIN') });
    expect(openFailure('ipsec0', 2)).toMatchObject({ reason: 'no-device', message: expect.stringContaining('load the tun module') });
    expect(openFailure('ipsec0', 16)).toMatchObject({ reason: 'busy', message: expect.stringContaining('EBUSY') });
    expect(openFailure('eth0', 22)).toMatchObject({ reason: 'open-failed', message: expect.stringContaining('is not a single-queue TUN device') });
    expect(openFailure('ipsec0', 36).message).toContain('at most 15 bytes');
  });

  it('maps the addon refusing the open into a TunError', async () => {
    const addon = new FakeAddon();
    addon.openResult = { errno: 16 };
    expect((await rejection(openTunDevice(config, { multiQueue: true }, deps(addon)))).reason).toBe('busy');
    expect(addon.calls).toEqual(['open ipsec0 true']);
  });
});

describe('the batch format', () => {
  it('splits a slab into views of its packets, in order, without copying', () => {
    const packets = [Buffer.from('first'), Buffer.alloc(0), Buffer.from([0x45, 0, 0, 20]), Buffer.alloc(1400, 7)];
    const slab = slabOf(packets);
    const out = packetsOfSlab(slab, packets.length);
    expect(out.map((p) => p.toString('hex'))).toEqual(packets.map((p) => p.toString('hex')));
    expect(out.every((p) => p.buffer === slab)).toBe(true);
  });

  it('gives no packets for an empty batch', () => {
    expect(packetsOfSlab(slabOf([]), 0)).toEqual([]);
  });
});

describe('TunDevice over the addon', () => {
  it('starts reading on the first handler, with the MTU-derived read size, and delivers batches', async () => {
    const addon = new FakeAddon();
    const device = await openTunDevice(config, { maxBatch: 32, queueBatches: 8 }, deps(addon));
    expect(addon.calls).toEqual(['open ipsec0 false']);
    const seen: string[][] = [];
    device.onPackets((packets) => seen.push(packets.map((p) => p.toString())));
    device.onPackets((packets) => seen.push(packets.map((p) => `again:${p.toString()}`)));
    expect(addon.calls).toEqual(['open ipsec0 false', 'startReader 42 32 1500 8 wait']);

    addon.onBatch!(slabOf([Buffer.from('a'), Buffer.from('bc')]), 2, 0);
    expect(seen).toEqual([['again:a', 'again:bc']]);
    addon.readerCounters = { packets: 5, batches: 2, drops: 2, truncated: 1, readErrors: 0 };
    expect(device.stats()).toEqual({ read: 2, written: 0, writeErrors: 0, readDrops: 3, readErrors: 0 });
  });

  it("reads with defaults of 64 packets a batch, 8 batches queued, waiting when behind; 'drop' and big MTUs pass through", () => {
    const addon = new FakeAddon();
    new TunDevice(addon, 1, 'a', 1400).onPackets(() => undefined);
    new TunDevice(addon, 2, 'b', 9000, { whenBehind: 'drop' }).onPackets(() => undefined);
    expect(addon.calls).toEqual(['startReader 1 64 1500 8 wait', 'startReader 2 64 9000 8 drop']);
  });

  it('counts packets the device queue dropped since open in readDrops', () => {
    const addon = new FakeAddon();
    let kernel = 100; // tx_dropped of a persistent device that dropped before we opened it
    const device = new TunDevice(addon, 1, 'a', 1400, {}, () => kernel);
    device.onPackets(() => undefined);
    kernel = 130;
    addon.readerCounters = { packets: 0, batches: 0, drops: 5, truncated: 0, readErrors: 0 };
    expect(device.stats().readDrops).toBe(35);
  });

  it('reports a fatal read error once through onError and counts it', async () => {
    const addon = new FakeAddon();
    const device = await openTunDevice(config, {}, deps(addon));
    const errors: string[] = [];
    device.onError((message) => errors.push(message));
    device.onPackets(() => undefined);
    addon.onBatch!(undefined, 0, 77); // EBADFD
    expect(errors).toHaveLength(1);
    expect(errors[0]).toContain('EBADFD');
    expect(device.stats().readErrors).toBe(1);
  });

  it('counts refused writes with their errno instead of throwing', () => {
    const addon = new FakeAddon();
    const device = new TunDevice(addon, 42, 'ipsec0', 1400);
    addon.writeResults = [20, -EIO, 3];
    expect(device.write(Buffer.alloc(20))).toBe(true);
    expect(device.write(Buffer.alloc(20))).toBe(false);
    expect(device.lastWriteError).toBe('EIO');
    expect(device.writeBatch([Buffer.alloc(20), Buffer.alloc(20), Buffer.alloc(20), Buffer.alloc(20)])).toBe(3);
    expect(device.stats()).toMatchObject({ written: 4, writeErrors: 2 });
  });

  it('closes once: stops the reader before closing the fd, then refuses writes and ignores late batches', async () => {
    const addon = new FakeAddon();
    const device = new TunDevice(addon, 42, 'ipsec0', 1400);
    const seen: number[] = [];
    device.onPackets((packets) => seen.push(packets.length));
    await Promise.all([device.close(), device.close()]);
    await device.close();
    expect(addon.calls.slice(1)).toEqual(['stopReader', 'close 42']);
    addon.onBatch!(slabOf([Buffer.from('late')]), 1, 0);
    expect(seen).toEqual([]);
    expect(device.write(Buffer.alloc(20))).toBe(false);
    expect(device.writeBatch([Buffer.alloc(20)])).toBe(0);
    expect(device.stats()).toMatchObject({ written: 0, writeErrors: 2 });
    expect(addon.calls.filter((c) => c.startsWith('write'))).toEqual([]);
  });
});

describe('MemoryTun, the in-memory twin', () => {
  it('hands injected batches to the handler and keeps what the endpoint writes', async () => {
    const tun = new MemoryTun('mem0', 1400);
    const seen: string[] = [];
    tun.inject([Buffer.from('before a handler')]);
    tun.onPackets((packets) => packets.forEach((p) => seen.push(p.toString())));
    tun.inject([Buffer.from('x'), Buffer.from('y')]);
    expect(seen).toEqual(['x', 'y']);
    expect(tun.writeBatch([Buffer.from('p'), Buffer.from('q')])).toBe(2);
    expect(tun.write(Buffer.from('r'))).toBe(true);
    expect(tun.written.map(String)).toEqual(['p', 'q', 'r']);
    await tun.close();
    expect(tun.write(Buffer.from('s'))).toBe(false);
    expect(tun.stats()).toEqual({ read: 2, written: 3, writeErrors: 1, readDrops: 1, readErrors: 0 });
  });
});
