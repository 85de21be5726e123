// The TUN device against the real kernel: a child process in its own network namespace opens
// the device through the built wrapper (dist/), and the kernel answers what we write. Needs
// root, /dev/net/tun, iproute2, the built addon (native/tun) and `npm run build`. Locally a
// missing prerequisite skips with a visible message; in CI it fails.
import { spawn, spawnSync } from 'node:child_process';
import type { ChildProcessWithoutNullStreams } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { loadTunAddon } from '../../src/io/tun/tun-addon.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const fixture = join(root, 'test/io/fixtures/tun-child.mjs');
const builtWrapper = join(root, 'dist/src/io/tun/tun-device.js');
const ns = `ipsec-ts-tuntest-${process.pid}`;
const dev = 'ipsectun0';
const config = { name: dev, addresses: ['10.77.0.1/24', 'fd77::1/64'], mtu: 1400, routes: ['10.78.0.0/24', 'fd78::/64'] };
// A second device whose reader drops batches itself when the handler is behind.
const dropDev = 'ipsectun1';
const dropConfig = { name: dropDev, addresses: ['10.79.0.1/24'], mtu: 1400, routes: ['10.80.0.0/24'] };

function missingPrerequisite(): string | null {
  if (process.getuid?.() !== 0) return 'not running as root';
  if (!existsSync('/dev/net/tun')) return 'no /dev/net/tun';
  if (spawnSync('ip', ['netns', 'list'], { stdio: 'ignore' }).status !== 0) return "'ip netns' (iproute2) does not work";
  const addon = loadTunAddon();
  if (!addon.ok) return `${addon.detail} (build it: cd native/tun && npx node-gyp rebuild)`;
  if (!existsSync(builtWrapper)) return `${builtWrapper} is missing (run npm run build)`;
  return null;
}

const missing = missingPrerequisite();
const required = process.env.CI === '1' || process.env.IPSEC_TS_REQUIRE_ORACLES === '1';
if (missing && !required) console.warn(`\n*** TUN device tests SKIPPED: ${missing} ***\n`);

interface Reply { ok: boolean; reason?: string | null; message?: string; [key: string]: unknown }

/** The child in the namespace: one JSON command per line, one JSON reply per line. */
class Child {
  private readonly replies: string[] = [];
  private readonly waiting: ((line: string) => void)[] = [];
  stderr = '';
  readonly exited: Promise<number | null>;

  constructor(readonly process: ChildProcessWithoutNullStreams) {
    createInterface({ input: process.stdout }).on('line', (line) => {
      const waiter = this.waiting.shift();
      if (waiter) waiter(line);
      else this.replies.push(line);
    });
    process.stderr.on('data', (chunk: Buffer) => (this.stderr += chunk.toString()));
    this.exited = new Promise((done) => process.on('exit', (code) => done(code)));
  }

  async send(command: Record<string, unknown>): Promise<Reply> {
    this.process.stdin.write(`${JSON.stringify(command)}\n`);
    const queued = this.replies.shift();
    const line = queued ?? await withTimeout(new Promise<string>((r) => this.waiting.push(r)), 15_000, () => `no reply to ${command['op']}; child stderr: ${this.stderr}`);
    return JSON.parse(line) as Reply;
  }
}

function withTimeout<T>(promise: Promise<T>, ms: number, why: () => string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(why())), ms)));
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** Sends `count` UDP datagrams from a separate process in the namespace and waits for it. */
function flood(address: string, count: number): Promise<number | null> {
  const script = `const s = require('node:dgram').createSocket('udp4'); const p = Buffer.alloc(1000); let left = ${count};
    for (let i = 0; i < ${count}; i++) s.send(p, 5556, '${address}', () => { if (--left === 0) s.close(); });`;
  const sender = spawn('ip', ['netns', 'exec', ns, process.execPath, '-e', script], { stdio: 'ignore' });
  return withTimeout(new Promise((done) => sender.on('exit', (code) => done(code))), 30_000, () => 'the UDP sender did not finish');
}

function kernelTxDropped(name: string): number {
  const [link] = ipJson(['-s', 'link', 'show', 'dev', name]) as { stats64: { tx: { dropped: number } } }[];
  return link!.stats64.tx.dropped;
}

function ipJson(args: string[]): unknown {
  const result = spawnSync('ip', ['-n', ns, '-j', ...args], { encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`ip ${args.join(' ')}: ${result.stderr}`);
  return JSON.parse(result.stdout);
}

// ---- packets, encoded here by hand (RFC 791, RFC 792, RFC 768) so the kernel is the judge

function checksum(bytes: Uint8Array): number {
  let sum = 0;
  for (let i = 0; i < bytes.length; i += 2) sum += (bytes[i]! << 8) | (bytes[i + 1] ?? 0);
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  return ~sum & 0xffff;
}

function ipv4(src: string, dst: string, protocol: number, payload: Buffer): Buffer {
  const header = Buffer.alloc(20);
  header[0] = 0x45;
  header.writeUInt16BE(20 + payload.length, 2);
  header.writeUInt16BE(0x4000, 6); // DF
  header[8] = 64;
  header[9] = protocol;
  Buffer.from(src.split('.').map(Number)).copy(header, 12);
  Buffer.from(dst.split('.').map(Number)).copy(header, 16);
  header.writeUInt16BE(checksum(header), 10);
  return Buffer.concat([header, payload]);
}

function echoRequest(id: number, seq: number, data: Buffer): Buffer {
  const icmp = Buffer.concat([Buffer.from([8, 0, 0, 0, id >> 8, id & 0xff, seq >> 8, seq & 0xff]), data]);
  icmp.writeUInt16BE(checksum(icmp), 2);
  return ipv4('10.78.0.2', '10.77.0.1', 1, icmp);
}

function addressAt(packet: Buffer, offset: number): string {
  return [...packet.subarray(offset, offset + 4)].join('.');
}

/** Asserts an IPv4 echo reply from the TUN's address to the "remote" with this id, seq and data. */
function expectEchoReply(packet: Buffer, id: number, seq: number, data: Buffer): void {
  expect(packet[0]).toBe(0x45);
  expect(packet.readUInt16BE(2)).toBe(packet.length);
  expect(packet[9]).toBe(1);
  expect(checksum(packet.subarray(0, 20))).toBe(0);
  expect(addressAt(packet, 12)).toBe('10.77.0.1');
  expect(addressAt(packet, 16)).toBe('10.78.0.2');
  const icmp = packet.subarray(20);
  expect([icmp[0], icmp[1]]).toEqual([0, 0]); // echo reply, code 0
  expect(checksum(icmp)).toBe(0);
  expect(icmp.readUInt16BE(4)).toBe(id);
  expect(icmp.readUInt16BE(6)).toBe(seq);
  expect(icmp.subarray(8).equals(data)).toBe(true);
}

describe.skipIf(missing !== null && !required)('TUN device in a network namespace', () => {
  let child: Child | null = null;
  let flags = '';

  beforeAll(() => {
    if (missing) throw new Error(`TUN device tests cannot run: ${missing}; CI requires them`);
    const added = spawnSync('ip', ['netns', 'add', ns], { encoding: 'utf8' });
    if (added.status !== 0) throw new Error(`ip netns add ${ns}: ${added.stderr}`);
    flags = mkdtempSync(join(tmpdir(), 'ipsec-ts-tun-'));
    child = new Child(spawn('ip', ['netns', 'exec', ns, process.execPath, fixture], { stdio: ['pipe', 'pipe', 'pipe'] }));
  });

  afterAll(() => {
    if (child && child.process.exitCode === null) child.process.kill('SIGKILL');
    spawnSync('ip', ['netns', 'del', ns], { stdio: 'ignore' });
    if (flags) rmSync(flags, { recursive: true, force: true });
  });

  const send = (command: Record<string, unknown>): Promise<Reply> => child!.send(command);

  it('opens the device and sets its MTU, state, addresses and routes', async () => {
    const opened = await send({ op: 'open', config });
    expect(opened, opened.message).toMatchObject({ ok: true, name: dev, mtu: 1400 });

    const [link] = ipJson(['addr', 'show', 'dev', dev]) as { mtu: number; flags: string[]; addr_info: { local: string; prefixlen: number }[] }[];
    expect(link!.mtu).toBe(1400);
    expect(link!.flags).toContain('UP');
    const addresses = link!.addr_info.map((a) => `${a.local}/${a.prefixlen}`);
    expect(addresses).toEqual(expect.arrayContaining(['10.77.0.1/24', 'fd77::1/64']));

    const routes = [...(ipJson(['route', 'show', 'dev', dev]) as { dst: string }[]), ...(ipJson(['-6', 'route', 'show', 'dev', dev]) as { dst: string }[])];
    expect(routes.map((r) => r.dst)).toEqual(expect.arrayContaining(['10.78.0.0/24', 'fd78::/64']));
  });

  it('delivers an ICMP echo request written to the device to the kernel, and reads back its echo reply', async () => {
    const data = Buffer.from('ipsec-ts tun echo test payload');
    const written = await send({ op: 'write', dev, hex: echoRequest(0x1234, 7, data).toString('hex') });
    expect(written.accepted).toBe(true);

    const taken = await send({ op: 'take', dev, protocol: 1, count: 1, timeoutMs: 5000 });
    expect(taken.packets).toHaveLength(1);
    expectEchoReply(Buffer.from((taken.packets as string[])[0]!, 'hex'), 0x1234, 7, data);
  });

  it('writes a batch of packets in one call, in order', async () => {
    const data = Buffer.from('batch');
    const requests = [1, 2, 3].map((seq) => echoRequest(0x4242, seq, data).toString('hex'));
    const batch = await send({ op: 'writeBatch', dev, hexes: requests });
    expect(batch.count).toBe(3);

    const taken = await send({ op: 'take', dev, protocol: 1, count: 3, timeoutMs: 5000 });
    const replies = (taken.packets as string[]).map((hex) => Buffer.from(hex, 'hex'));
    expect(replies).toHaveLength(3);
    replies.forEach((reply, i) => expectEchoReply(reply, 0x4242, i + 1, data));
  });

  it('reads a UDP datagram the kernel routes into the device, byte for byte', async () => {
    const payload = Buffer.from('a datagram for the tunnel');
    const sent = await send({ op: 'udp', address: '10.78.0.9', port: 5555, hex: payload.toString('hex') });
    expect(sent.ok, sent.message).toBe(true);

    const taken = await send({ op: 'take', dev, protocol: 17, count: 1, timeoutMs: 5000 });
    const packet = Buffer.from((taken.packets as string[])[0]!, 'hex');
    expect(addressAt(packet, 12)).toBe('10.77.0.1');
    expect(addressAt(packet, 16)).toBe('10.78.0.9');
    const udp = packet.subarray(20);
    expect(udp.readUInt16BE(2)).toBe(5555);
    expect(udp.readUInt16BE(4)).toBe(8 + payload.length);
    expect(udp.subarray(8).equals(payload)).toBe(true);
    // RFC 768: the checksum over the pseudo-header and the datagram verifies (sums to zero).
    const pseudo = Buffer.concat([packet.subarray(12, 20), Buffer.from([0, 17, udp.length >> 8, udp.length & 0xff])]);
    expect(checksum(Buffer.concat([pseudo, udp]))).toBe(0);
  });

  it('refuses a second open of the same device as busy', async () => {
    const again = await send({ op: 'openAgain', config });
    expect(again.ok).toBe(false);
    expect(again.reason).toBe('busy');
    expect(again.message).toContain('EBUSY');
  });

  /**
   * The handler blocks while `sent` datagrams arrive; afterwards every one of them was either
   * read or counted in readDrops. Returns the deltas.
   */
  async function overflow(name: string, address: string, sent: number): Promise<{ read: number; drops: number; kernel: number }> {
    const before = await send({ op: 'stats', dev: name });
    const kernelBefore = kernelTxDropped(name);
    const flag = join(flags, `${name}-resume`);
    await send({ op: 'stall', dev: name, until: flag });
    expect(await flood(address, sent)).toBe(0);
    mkdirSync(flags, { recursive: true }); // a concurrent vitest run may have swept /tmp/ipsec-ts-*
    writeFileSync(flag, '');
    let after = await send({ op: 'stats', dev: name });
    for (let i = 0; i < 200 && (after.read as number) + (after.readDrops as number) - (before.read as number) - (before.readDrops as number) < sent; i++) {
      await new Promise((r) => setTimeout(r, 25));
      after = await send({ op: 'stats', dev: name });
    }
    return {
      read: (after.read as number) - (before.read as number),
      drops: (after.readDrops as number) - (before.readDrops as number),
      kernel: kernelTxDropped(name) - kernelBefore,
    };
  }

  it("when the handler falls behind (read on the event loop, the default), nothing more is read and the device queue's drops are counted", async () => {
    // More than the device's queue (TUN_TX_QUEUE_PACKETS, 5,000) and our batches hold together.
    const sent = 12000;
    const { read, drops, kernel } = await overflow(dev, '10.78.0.9', sent);
    expect(drops).toBeGreaterThan(0);
    expect(drops).toBe(kernel); // nothing was read only to be thrown away
    expect(read + drops).toBeGreaterThanOrEqual(sent);
    expect(read).toBeLessThan(sent);
  });

  it("when the handler falls behind ('drop'), keeps reading, drops whole batches and counts them", async () => {
    const opened = await send({ op: 'open', config: dropConfig, options: { readOn: 'thread', whenBehind: 'drop', queueBatches: 2, maxBatch: 8 } });
    expect(opened.ok, opened.message).toBe(true);
    const sent = 4000;
    const { read, drops, kernel } = await overflow(dropDev, '10.80.0.9', sent);
    expect(drops - kernel).toBeGreaterThan(0); // dropped by our reader, not by the kernel
    expect(read + drops).toBeGreaterThanOrEqual(sent);
    expect(read).toBeLessThan(sent);
    expect((await send({ op: 'close', dev: dropDev })).ok).toBe(true);
  });

  it('reports once through onError when the interface is deleted under the reader, and still closes cleanly', async () => {
    const gone = { name: 'ipsectun2', addresses: ['10.81.0.1/24'], mtu: 1400, routes: [] };
    expect((await send({ op: 'open', config: gone })).ok).toBe(true);
    expect(spawnSync('ip', ['-n', ns, 'link', 'del', 'dev', gone.name]).status).toBe(0);
    let errors: string[] = [];
    for (let i = 0; i < 200 && errors.length === 0; i++) {
      await new Promise((r) => setTimeout(r, 25));
      errors = (await send({ op: 'errors', dev: gone.name })).errors as string[];
    }
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(/reading TUN device 'ipsectun2' failed \(EBADFD\)/);
    expect(await send({ op: 'stats', dev: gone.name })).toMatchObject({ readErrors: 1 });
    expect(await send({ op: 'close', dev: gone.name })).toMatchObject({ ok: true, afterClose: false });
  });

  it('counts a write the kernel refuses (link down: EIO) instead of throwing', async () => {
    const before = await send({ op: 'stats', dev });
    expect(before).toMatchObject({ written: 4, writeErrors: 0, readErrors: 0 });
    expect(spawnSync('ip', ['-n', ns, 'link', 'set', 'dev', dev, 'down']).status).toBe(0);
    const written = await send({ op: 'write', dev, hex: echoRequest(1, 1, Buffer.alloc(4)).toString('hex') });
    expect(written).toMatchObject({ ok: true, accepted: false, lastWriteError: 'EIO' });
    expect(await send({ op: 'stats', dev })).toMatchObject({ written: 4, writeErrors: 1, readErrors: 0 });
  });

  it('closes the device, after which the process exits on its own and the interface is gone', async () => {
    const closed = await send({ op: 'close', dev });
    expect(closed).toMatchObject({ ok: true, afterClose: false });
    child!.process.stdin.end();
    const code = await withTimeout(child!.exited, 10_000, () => 'the child did not exit after close(): something still holds the event loop');
    expect(code).toBe(0);
    expect(spawnSync('ip', ['-n', ns, 'link', 'show', dev]).status).not.toBe(0);
  });
});
