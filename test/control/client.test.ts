// The client against a real server with a fake endpoint: every method, live follows with their
// filter, a follower too slow to read, and connect failures a user can act on.
import { spawnSync } from 'node:child_process';
import { chmodSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ControlConnectError, ControlRemoteError, connectControl } from '../../src/endpoint/control/client.js';
import type { ControlClient } from '../../src/endpoint/control/client.js';
import { startControlServer } from '../../src/endpoint/control/server.js';
import type { ControlServer } from '../../src/endpoint/control/server.js';
import { controlSocketPath, DEFAULT_CONTROL_SOCKET } from '../../src/endpoint/control/socket-path.js';
import type { DropRecord } from '../../src/endpoint/drop-record.js';
import { rawSession } from './raw-socket.js';
import { T0, badSpiDrop, fakeEndpoint, replayDrop, tempDir } from './support.js';
import type { FakeEndpoint } from './support.js';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function setup(): Promise<{ path: string; fake: FakeEndpoint; server: ControlServer; client: ControlClient }> {
  const t = tempDir();
  cleanups.push(() => t.remove());
  const path = join(t.dir, 'control.sock');
  const fake = fakeEndpoint();
  const server = await startControlServer({ path, handlers: fake.handlers });
  cleanups.push(() => server.close());
  const client = await connectControl(path);
  cleanups.push(() => client.close());
  return { path, fake, server, client };
}

async function until(cond: () => boolean): Promise<void> {
  for (let i = 0; i < 500 && !cond(); i++) await new Promise((r) => setTimeout(r, 5));
  expect(cond()).toBe(true);
}

describe('control client: every method', () => {
  it('reads status, SAs, policies, stats and keys', async () => {
    const { client } = await setup();
    expect(client.hello).toEqual({ protocol: 'ipsec-ts-control', version: 1, pid: process.pid });
    expect(await client.call('status')).toMatchObject({ pid: 4242, listen: { port: 4500 }, sas: { inbound: 1, outbound: 1 } });
    const list = (await client.call('sa.list')) as { installed: { spi: string }[]; remembered: { cause: string }[] };
    expect(list.installed.map((s) => s.spi)).toEqual(['0x0c0d0001', '0x0a0b0001']);
    expect(list.remembered[0]!.cause).toBe('replaced');
    expect(await client.call('sa.show', { ref: 'site-b-in' })).toMatchObject({ spi: '0x0c0d0001', replayWindow: 64, hard: { seconds: 3600 } });
    expect(await client.call('policy.list')).toMatchObject([{ id: 'site-b', action: 'protect' }]);
    expect(await client.call('stats')).toMatchObject({ udp: { received: 131 }, sas: [{ name: 'site-b-in' }, { name: 'site-b-out' }] });
    expect(await client.call('keys.export')).toMatchObject({ format: 'esp_sa', text: expect.stringContaining('"0x0a0b0001"') });
  });

  it('changes SAs and policies', async () => {
    const { client, fake } = await setup();
    expect(await client.call('sa.add', { entry: { name: 'new-in', spi: '0x0e0f0001', direction: 'inbound' } })).toMatchObject({ name: 'new-in', spi: '0x0e0f0001' });
    expect(fake.sas.map((s) => s.name)).toContain('new-in');
    expect(await client.call('sa.delete', { ref: '0x0e0f0001' })).toMatchObject({ name: 'new-in' });
    expect(await client.call('sa.flush')).toEqual({ removed: 2 });
    expect(await client.call('policy.add', { entry: { id: 'site-c' } })).toMatchObject({ id: 'site-c' });
    expect(await client.call('policy.delete', { id: 'site-b' })).toMatchObject({ id: 'site-b' });
    expect(fake.policies.map((p) => p.id)).toEqual(['site-c']);
  });

  it('rejects with ControlRemoteError carrying the daemon code and message', async () => {
    const { client } = await setup();
    const err = await client.call('sa.show', { ref: 'nope' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ControlRemoteError);
    expect(err).toMatchObject({ code: 'not-found', message: expect.stringContaining("'nope'") });
    await expect(client.call('sa.add', { entry: { spi: 1 } })).rejects.toMatchObject({ code: 'invalid' });
    await expect(client.call('policy.add', { entry: { id: 'site-b' } })).rejects.toMatchObject({ code: 'conflict' });
  });

  it('queries recorded drops by SPI, code, time and limit', async () => {
    const { client, fake } = await setup();
    fake.emit(badSpiDrop(1, T0));
    fake.emit(replayDrop(2, T0 + 1000));
    fake.emit(badSpiDrop(3, T0 + 2000, '0x0a0b0002'));
    const ids = async (params: Record<string, unknown>): Promise<number[]> => ((await client.call('drops', params)) as DropRecord[]).map((r) => r.id);
    expect(await ids({})).toEqual([1, 2, 3]);
    expect(await ids({ spi: '0x0a0b0002' })).toEqual([3]);
    expect(await ids({ spi: 0x0a0b0001 })).toEqual([1]);
    expect(await ids({ code: 13913 })).toEqual([2]);
    expect(await ids({ since: T0 + 500 })).toEqual([2, 3]);
    expect(await ids({ since: new Date(T0 + 1500).toISOString() })).toEqual([3]);
    expect(await ids({ limit: 2 })).toEqual([2, 3]);
  });
});

describe('control client: following drops', () => {
  it('receives live drops that match its filter, and unsubscribes when it closes', async () => {
    const { path, fake } = await setup();
    const follower = await connectControl(path);
    const seen: unknown[] = [];
    const stream = await follower.follow('drops.follow', { code: 13913 }, (e) => { seen.push(e); });
    expect(fake.followers()).toBe(1);
    fake.emit(badSpiDrop(1, T0));
    fake.emit(replayDrop(2, T0 + 1));
    fake.emit(replayDrop(3, T0 + 2));
    await until(() => seen.length === 2);
    expect(seen.map((e) => (e as DropRecord).id)).toEqual([2, 3]);
    await expect(follower.call('status')).rejects.toThrow('following a stream');
    stream.close();
    await stream.ended;
    await until(() => fake.followers() === 0);
  });

  it('ends the stream when the daemon stops', async () => {
    const { path, server } = await setup();
    const follower = await connectControl(path);
    const stream = await follower.follow('drops.follow', {}, () => undefined);
    await server.close();
    await stream.ended;
  });

  it('refuses a follow filter that is not valid', async () => {
    const { path } = await setup();
    const follower = await connectControl(path);
    cleanups.push(() => follower.close());
    await expect(follower.follow('drops.follow', { spi: 'zz' }, () => undefined)).rejects.toMatchObject({ code: 'bad-request' });
  });

  it('drops events for a follower that does not read, keeps the buffer bounded, and reports the loss', async () => {
    const { path, fake, server } = await setup();
    const s = await rawSession(path);
    cleanups.push(() => s.close());
    await s.next();
    s.send('{"id":1,"method":"drops.follow","params":{}}\n');
    expect(await s.next()).toEqual({ id: 1, result: { following: true } });
    s.socket.pause();
    const total = 10_000;
    for (let i = 1; i <= total; i++) fake.emit(badSpiDrop(i, T0 + i));
    // Node's write buffer stops at its high-water mark (16 KiB) plus one event; the rest was counted, not queued.
    expect(server.stats().bufferedBytes).toBeLessThan(64 * 1024);
    expect(server.stats().followers).toBe(1);
    s.socket.resume();
    let events = 0;
    let lost = 0;
    while (lost === 0) {
      const line = await s.next();
      const event = line.event as { lost?: number; id?: number };
      expect(line.id).toBe(1);
      if (event.lost !== undefined) lost = event.lost;
      else events++;
    }
    expect(lost).toBeGreaterThan(0);
    expect(events + lost).toBe(total);
    // After the notice, new events flow again.
    fake.emit(replayDrop(total + 1, T0));
    expect(await s.next()).toMatchObject({ id: 1, event: { id: total + 1 } });
  });
});

describe('control client: connect failures say what to do', () => {
  it('ENOENT: no daemon, start one or pass --socket', async () => {
    const t = tempDir();
    cleanups.push(() => t.remove());
    const path = join(t.dir, 'none.sock');
    const err = await connectControl(path).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ControlConnectError);
    expect((err as Error).message).toBe(`no daemon is listening on ${path}: start one with \`ipsec-ts up -c <config>\`, or pass --socket`);
  });

  it('ECONNREFUSED: a stale socket', async () => {
    const t = tempDir();
    cleanups.push(() => t.remove());
    const path = join(t.dir, 'stale.sock');
    spawnSync(process.execPath, ['-e', `require('net').createServer().listen(${JSON.stringify(path)}, () => process.kill(process.pid, 'SIGKILL'))`], { stdio: 'ignore' });
    await expect(connectControl(path)).rejects.toThrow(`${path} is a stale control socket`);
  });

  it('EACCES: the socket is owner-only, run as the daemon user', async () => {
    const { path } = await setup();
    let err: unknown;
    if (process.getuid?.() === 0) {
      // Root passes every permission check: connect as nobody (the socket's directory is 0700, root's).
      process.seteuid!(65534);
      try {
        err = await connectControl(path).catch((e: unknown) => e);
      } finally {
        process.seteuid!(0);
      }
    } else {
      chmodSync(path, 0o000);
      err = await connectControl(path).catch((e: unknown) => e);
    }
    expect(err).toBeInstanceOf(ControlConnectError);
    expect((err as Error).message).toBe(`permission denied on ${path}: the control socket is owner-only; run as the daemon's user (or root)`);
  });

  it('rejects a pending call when the daemon goes away', async () => {
    const { client, server, fake } = await setup();
    fake.handlers.status = () => new Promise(() => undefined) as never;
    const pending = client.call('status').catch((e: unknown) => e);
    await new Promise((r) => setTimeout(r, 20));
    await server.close();
    const err = await pending;
    expect(err).toBeInstanceOf(ControlConnectError);
    expect((err as Error).message).toContain('closed the connection (it may have stopped)');
  });

  it('finds the socket from --socket, then $IPSEC_TS_SOCKET, then the default state dir', () => {
    expect(controlSocketPath('/run/a.sock', { IPSEC_TS_SOCKET: '/run/b.sock' })).toBe('/run/a.sock');
    expect(controlSocketPath(undefined, { IPSEC_TS_SOCKET: '/run/b.sock' })).toBe('/run/b.sock');
    expect(controlSocketPath(undefined, {})).toBe(DEFAULT_CONTROL_SOCKET);
    expect(DEFAULT_CONTROL_SOCKET).toBe('/var/lib/ipsec-ts/control.sock');
  });
});
