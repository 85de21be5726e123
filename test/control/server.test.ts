// The control server through a bare socket: greeting, socket permissions, the one-daemon-per-path
// rule, and everything a client can do wrong without harming the daemon.
import { spawnSync } from 'node:child_process';
import { existsSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { MAX_REQUEST_LINE } from '../../src/endpoint/control/protocol.js';
import { ControlServerError, startControlServer } from '../../src/endpoint/control/server.js';
import type { ControlServer } from '../../src/endpoint/control/server.js';
import { rawSession } from './raw-socket.js';
import type { RawSession } from './raw-socket.js';
import { fakeEndpoint, tempDir } from './support.js';
import type { TempDir } from './support.js';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

function temp(): TempDir {
  const t = tempDir();
  cleanups.push(() => t.remove());
  return t;
}

type LogLine = { level: string; msg: string; fields: Record<string, unknown> };

async function serve(path: string, mode?: number): Promise<{ server: ControlServer; fake: ReturnType<typeof fakeEndpoint>; logs: LogLine[] }> {
  const fake = fakeEndpoint();
  const logs: LogLine[] = [];
  const server = await startControlServer({ path, mode, handlers: fake.handlers, log: (level, msg, fields) => { logs.push({ level, msg, fields }); } });
  cleanups.push(() => server.close());
  return { server, fake, logs };
}

async function session(path: string): Promise<RawSession> {
  const s = await rawSession(path);
  cleanups.push(() => s.close());
  return s;
}

/** A socket file left behind by a daemon that was killed: nobody listens on it any more. */
function staleSocket(path: string): void {
  const script = `require('net').createServer().listen(${JSON.stringify(path)}, () => process.kill(process.pid, 'SIGKILL'))`;
  spawnSync(process.execPath, ['-e', script], { stdio: 'ignore' });
  expect(statSync(path).isSocket()).toBe(true);
}

describe('control server: the socket', () => {
  it('greets every connection with the protocol name, version and its pid', async () => {
    const path = join(temp().dir, 'control.sock');
    await serve(path);
    const s = await session(path);
    expect(await s.next()).toEqual({ protocol: 'ipsec-ts-control', version: 1, pid: process.pid });
  });

  it('creates the socket owner-only (0600) and a missing parent directory 0700', async () => {
    const path = join(temp().dir, 'run', 'ipsec-ts', 'control.sock');
    await serve(path);
    expect(statSync(path).isSocket()).toBe(true);
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(statSync(join(path, '..')).mode & 0o777).toBe(0o700);
  });

  it('applies the configured mode', async () => {
    const path = join(temp().dir, 'control.sock');
    await serve(path, 0o660);
    expect(statSync(path).mode & 0o777).toBe(0o660);
  });

  it('refuses to start a second daemon on the same path and names the running one', async () => {
    const path = join(temp().dir, 'control.sock');
    await serve(path);
    const second = startControlServer({ path, handlers: fakeEndpoint().handlers });
    await expect(second).rejects.toThrow(`another ipsec-ts daemon is running (pid ${process.pid}) on ${path}`);
    await expect(second).rejects.toBeInstanceOf(ControlServerError);
    // The first one still answers.
    const s = await session(path);
    expect((await s.next()).protocol).toBe('ipsec-ts-control');
  });

  it('replaces a stale socket left by a daemon that died', async () => {
    const path = join(temp().dir, 'control.sock');
    staleSocket(path);
    await serve(path);
    const s = await session(path);
    expect((await s.next()).pid).toBe(process.pid);
  });

  it('refuses a path that is a regular file, saying so', async () => {
    const path = join(temp().dir, 'control.sock');
    writeFileSync(path, 'not a socket');
    await expect(startControlServer({ path, handlers: fakeEndpoint().handlers })).rejects.toThrow(`${path} exists and is not a socket`);
  });

  it('removes its socket file on close and ends open connections', async () => {
    const path = join(temp().dir, 'control.sock');
    const { server } = await serve(path);
    const s = await session(path);
    await s.next();
    await server.close();
    await s.closed;
    expect(existsSync(path)).toBe(false);
  });
});

describe('control server: bad input never harms the daemon', () => {
  it('answers malformed JSON with bad-request and keeps the connection usable', async () => {
    const path = join(temp().dir, 'control.sock');
    await serve(path);
    const s = await session(path);
    await s.next();
    s.send('{"id": 1, "method": \n');
    const bad = await s.next();
    expect(bad.id).toBeNull();
    expect(bad.error).toMatchObject({ code: 'bad-request' });
    expect(String((bad.error as { message: string }).message)).toContain('not valid JSON');
    s.send('{"id":2,"method":"status"}\n');
    expect((await s.next())).toMatchObject({ id: 2, result: { pid: 4242 } });
  });

  it('closes the connection after a request line longer than 1 MiB, with an error first', async () => {
    const path = join(temp().dir, 'control.sock');
    const { server } = await serve(path);
    const s = await session(path);
    await s.next();
    s.send(`{"id":1,"method":"status","params":{"pad":"${'x'.repeat(MAX_REQUEST_LINE)}"}}\n`);
    const reply = await s.next();
    expect(reply).toMatchObject({ id: null, error: { code: 'bad-request' } });
    expect(String((reply.error as { message: string }).message)).toContain('longer than 1048576 bytes');
    await s.closed;
    // The server itself goes on.
    const again = await session(path);
    expect((await again.next()).protocol).toBe('ipsec-ts-control');
    expect(server.stats().connections).toBe(1);
  });

  it('answers an unknown method with bad-request naming the known methods', async () => {
    const path = join(temp().dir, 'control.sock');
    await serve(path);
    const s = await session(path);
    await s.next();
    s.send('{"id":7,"method":"sa.frobnicate"}\n');
    const reply = await s.next();
    expect(reply).toMatchObject({ id: 7, error: { code: 'bad-request' } });
    const message = String((reply.error as { message: string }).message);
    expect(message).toContain("unknown method 'sa.frobnicate'");
    expect(message).toContain('status, sa.list, sa.show, sa.add, sa.delete, sa.flush, policy.list, policy.add, policy.delete, drops, drops.follow, stats, keys.export');
  });

  it('answers missing or wrong params with bad-request saying what is needed', async () => {
    const path = join(temp().dir, 'control.sock');
    await serve(path);
    const s = await session(path);
    await s.next();
    s.send('{"id":1,"method":"sa.show","params":{}}\n');
    expect(await s.next()).toMatchObject({ id: 1, error: { code: 'bad-request', message: expect.stringContaining('params.ref') } });
    s.send('{"id":2,"method":"drops","params":{"limit":0}}\n');
    expect(await s.next()).toMatchObject({ id: 2, error: { code: 'bad-request', message: expect.stringContaining('params.limit') } });
    s.send('{"id":3,"method":"status","params":[1]}\n');
    expect(await s.next()).toMatchObject({ id: 3, error: { code: 'bad-request' } });
    s.send('{"method":"status"}\n');
    expect(await s.next()).toMatchObject({ id: null, error: { code: 'bad-request', message: expect.stringContaining('"id"') } });
  });

  it('turns a plain Error in a handler into a generic internal error and logs the real one', async () => {
    const path = join(temp().dir, 'control.sock');
    const { fake, logs } = await serve(path);
    fake.failNext = new Error('database row 17 at /var/lib/secret.db is corrupt');
    const s = await session(path);
    await s.next();
    s.send('{"id":1,"method":"status"}\n');
    const reply = await s.next();
    expect(reply).toMatchObject({ id: 1, error: { code: 'internal' } });
    expect(JSON.stringify(reply)).not.toContain('secret.db');
    expect(logs.some((l) => l.level === 'error' && String(l.fields.error).includes('secret.db'))).toBe(true);
    s.send('{"id":2,"method":"status"}\n');
    expect(await s.next()).toMatchObject({ id: 2, result: { version: '0.0.0-test' } });
  });

  it('keeps a handler ControlError code and message', async () => {
    const path = join(temp().dir, 'control.sock');
    await serve(path);
    const s = await session(path);
    await s.next();
    s.send('{"id":1,"method":"sa.delete","params":{"ref":"nope"}}\n');
    expect(await s.next()).toEqual({ id: 1, error: { code: 'not-found', message: "no installed SA is named or numbered 'nope'; see `ipsec-ts sa list`" } });
  });

  it('answers several requests sent in one write, in order, each under its id', async () => {
    const path = join(temp().dir, 'control.sock');
    await serve(path);
    const s = await session(path);
    await s.next();
    s.send('{"id":10,"method":"policy.list"}\n{"id":11,"method":"sa.flush"}\r\n\n{"id":12,"method":"sa.list"}\n');
    expect((await s.next()).id).toBe(10);
    expect(await s.next()).toEqual({ id: 11, result: { removed: 2 } });
    expect(await s.next()).toMatchObject({ id: 12, result: { installed: [] } });
  });

  it('does not log key material when keys are exported', async () => {
    const path = join(temp().dir, 'control.sock');
    const { logs } = await serve(path);
    const s = await session(path);
    await s.next();
    s.send('{"id":1,"method":"keys.export"}\n');
    const reply = await s.next();
    expect((reply.result as { text: string }).text).toContain('00112233445566778899aabbccddeeff');
    expect(logs.some((l) => l.msg.includes('keys exported'))).toBe(true);
    expect(JSON.stringify(logs)).not.toContain('00112233445566778899aabbccddeeff');
  });
});
