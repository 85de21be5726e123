// The daemon's JSON log: line format, levels, child bindings, and that key material never
// reaches the output (pino redact paths plus the byte/secret sanitizer behind them).
import { randomBytes } from 'node:crypto';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { createLogger, nullLogger } from '../../src/endpoint/log/logger.js';
import type { LoggerOptions } from '../../src/endpoint/log/logger.js';
import { isSecretFieldName, secretRedactPaths } from '../../src/endpoint/log/secret-fields.js';

interface Captured {
  readonly text: () => string;
  readonly lines: () => Record<string, unknown>[];
}

function capture(level: LoggerOptions['level']): Captured & { log: ReturnType<typeof createLogger> } {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer | string, _enc, done) {
      chunks.push(chunk.toString());
      done();
    },
  });
  const log = createLogger({ level, destination: stream });
  const text = (): string => chunks.join('');
  const lines = (): Record<string, unknown>[] => text().split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as Record<string, unknown>);
  return { log, text, lines };
}

/** Every spelling of the key bytes that a careless serializer could produce. */
function spellings(key: Buffer): string[] {
  return [key.toString('hex'), key.toString('hex').toUpperCase(), key.toString('base64'), JSON.stringify([...key]).slice(1, -1)];
}

function expectNoKey(text: string, key: Buffer): void {
  for (const s of spellings(key)) expect(text).not.toContain(s);
}

describe('log line format', () => {
  it('writes one JSON object per line with an ISO time, the level as text, the message and the fields', () => {
    const c = capture('info');
    c.log.info('SA installed', { sa: 'site-b-in', spi: '0x0a0b0001', packets: 3 });
    c.log.error('send failed', { errno: 'EHOSTUNREACH' });
    expect(c.text().endsWith('\n')).toBe(true);
    const [first, second] = c.lines();
    expect(first).toMatchObject({ level: 'info', msg: 'SA installed', sa: 'site-b-in', spi: '0x0a0b0001', packets: 3, pid: process.pid });
    expect(second).toMatchObject({ level: 'error', msg: 'send failed', errno: 'EHOSTUNREACH' });
    expect(first!.time).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    expect(new Date(first!.time as string).toISOString()).toBe(first!.time);
  });

  it('writes a message without fields, and leaves printf-like text in it alone', () => {
    const c = capture('trace');
    c.log.warn('100%s sure %d');
    expect(c.lines()).toEqual([expect.objectContaining({ level: 'warn', msg: '100%s sure %d' })]);
  });

  it('renames fields that would collide with level, time, msg or pid instead of writing the key twice', () => {
    const c = capture('info');
    c.log.info('real message', { msg: 'field', level: 99, time: 'then', pid: 1 });
    const line = c.text().trim();
    expect(line.match(/"msg":/g)).toHaveLength(1);
    expect(line.match(/"level":/g)).toHaveLength(1);
    expect(JSON.parse(line)).toMatchObject({ msg: 'real message', level: 'info', msg_: 'field', level_: 99, time_: 'then', pid_: 1 });
  });

  it('writes Errors with their type, message and stack', () => {
    const c = capture('info');
    const err = Object.assign(new Error('bind EADDRINUSE'), { code: 'EADDRINUSE' });
    c.log.error('cannot listen', { err });
    expect(c.lines()[0]!.err).toMatchObject({ type: 'Error', message: 'bind EADDRINUSE', code: 'EADDRINUSE', stack: expect.stringContaining('bind EADDRINUSE') });
  });

  it('writes a circular structure once, marking where it loops', () => {
    const c = capture('info');
    const a: Record<string, unknown> = { name: 'a' };
    a.self = a;
    c.log.info('loop', { a });
    expect(c.lines()[0]!.a).toEqual({ name: 'a', self: '[circular]' });
  });
});

describe('log levels', () => {
  it('drops lines below the configured level and keeps the rest', () => {
    const c = capture('warn');
    c.log.trace('t');
    c.log.debug('d');
    c.log.info('i');
    c.log.warn('w');
    c.log.error('e');
    c.log.fatal('f');
    expect(c.lines().map((l) => [l.level, l.msg])).toEqual([['warn', 'w'], ['error', 'e'], ['fatal', 'f']]);
  });

  it('writes everything at trace and nothing at silent', () => {
    const all = capture('trace');
    const none = capture('silent');
    for (const c of [all, none]) {
      c.log.trace('t');
      c.log.debug('d');
      c.log.fatal('f');
    }
    expect(all.lines().map((l) => l.level)).toEqual(['trace', 'debug', 'fatal']);
    expect(none.text()).toBe('');
  });

  it('refuses a level it does not know, naming the ones it does', () => {
    expect(() => createLogger({ level: 'verbose' as LoggerOptions['level'] })).toThrow(/level must be one of trace, debug, info/);
  });
});

describe('child loggers', () => {
  it('add their bindings to every line they write, and not to the parent', () => {
    const c = capture('info');
    const child = c.log.child({ component: 'datapath' });
    const grandchild = child.child({ sa: 'site-b-in' });
    child.info('from child');
    grandchild.warn('from grandchild', { spi: '0x0a0b0001' });
    c.log.info('from parent');
    const [a, b, p] = c.lines();
    expect(a).toMatchObject({ component: 'datapath', msg: 'from child' });
    expect(a).not.toHaveProperty('sa');
    expect(b).toMatchObject({ component: 'datapath', sa: 'site-b-in', spi: '0x0a0b0001', level: 'warn' });
    expect(p).not.toHaveProperty('component');
  });

  it('keep the parent level', () => {
    const c = capture('error');
    c.log.child({ component: 'x' }).info('hidden');
    expect(c.text()).toBe('');
  });
});

describe('key material never reaches the log', () => {
  const key = randomBytes(32);
  const auth = randomBytes(20);

  it('censors a secret-named field at the top level', () => {
    const c = capture('info');
    c.log.info('sa', { key, psk: 'hunter2-hunter2', secret: 'opensesame-opensesame' });
    expect(c.lines()[0]).toMatchObject({ key: '[redacted]', psk: '[redacted]', secret: '[redacted]' });
    expectNoKey(c.text(), key);
    expect(c.text()).not.toContain('hunter2');
    expect(c.text()).not.toContain('opensesame');
  });

  it('censors keys nested in an SA, as in {sa: {keys: {encryptionKey}}}', () => {
    const c = capture('info');
    c.log.info('installing', { sa: { name: 'site-b-in', keys: { encryptionKey: key, integrityKey: auth } } });
    expect(c.lines()[0]!.sa).toEqual({ name: 'site-b-in', keys: '[redacted]' });
    expectNoKey(c.text(), key);
    expectNoKey(c.text(), auth);
  });

  it('censors secret names below the depth pino redact paths reach, and inside arrays', () => {
    const c = capture('info');
    const deep = { a: { b: { c: { d: { e: { enc_key: key.toString('hex'), auth_key: auth.toString('hex') } } } } } };
    c.log.info('deep', { deep, sas: [{ name: 'x', encryptionKey: key.toString('base64') }] });
    const line = c.lines()[0]!;
    expect(line.deep).toEqual({ a: { b: { c: { d: { e: { enc_key: '[redacted]', auth_key: '[redacted]' } } } } } });
    expect(line.sas).toEqual([{ name: 'x', encryptionKey: '[redacted]' }]);
    expectNoKey(c.text(), key);
    expectNoKey(c.text(), auth);
  });

  it('writes raw bytes under an innocent name as their length only', () => {
    const c = capture('info');
    c.log.info('bytes', { payload: key, view: new Uint8Array(auth), list: [key], buf: key.buffer.slice(0, 8) });
    expect(c.lines()[0]).toMatchObject({ payload: '<32 bytes>', view: '<20 bytes>', list: ['<32 bytes>'], buf: '<8 bytes>' });
    expectNoKey(c.text(), key);
    expectNoKey(c.text(), auth);
  });

  it('censors secrets and bytes in child bindings and in properties of Errors', () => {
    const c = capture('info');
    const err = Object.assign(new Error('bad sa'), { keys: { encryptionKey: key }, material: auth });
    c.log.child({ sa: { encryptionKey: key }, raw: auth }).error('failed', { err });
    const line = c.lines()[0]!;
    expect(line.sa).toEqual({ encryptionKey: '[redacted]' });
    expect(line.raw).toBe('<20 bytes>');
    expect(line.err).toMatchObject({ keys: '[redacted]', material: '<20 bytes>' });
    expectNoKey(c.text(), key);
    expectNoKey(c.text(), auth);
  });

  it('recognises the secret names in any case, with or without separators, and IKEv2 SK_ names', () => {
    for (const name of ['key', 'KEY', 'encryptionKey', 'encryption_key', 'integrity-key', 'ENC_KEY', 'authKey', 'psk', 'SK_ei', 'sk_pr', 'SKd']) {
      expect(isSecretFieldName(name), name).toBe(true);
    }
    for (const name of ['spi', 'keyBits', 'monkey', 'sa', 'skip', 'keyed', 'sk_x']) expect(isSecretFieldName(name), name).toBe(false);
  });

  it('gives pino redact paths that censor on their own, from the top level to three levels down', () => {
    // The first net alone (no sanitizer): plain pino with our paths.
    const chunks: string[] = [];
    const sink = new Writable({ write(chunk: Buffer, _e, done) { chunks.push(chunk.toString()); done(); } });
    const plain = pino({ redact: { paths: secretRedactPaths(), censor: '[redacted]' } }, sink);
    const hex = key.toString('hex');
    plain.info({ psk: hex, sa: { keys: { encryptionKey: hex } }, a: { b: { c: { enc_key: hex } } } }, 'raw pino');
    const line = JSON.parse(chunks.join('')) as Record<string, unknown>;
    expect(line).toMatchObject({ psk: '[redacted]', sa: { keys: '[redacted]' }, a: { b: { c: { enc_key: '[redacted]' } } } });
    expect(chunks.join('')).not.toContain(hex);
  });
});

describe('log destinations', () => {
  it('writes to a file descriptor synchronously, so a line is on disk when the call returns', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ipsec-ts-'));
    try {
      const file = join(dir, 'daemon.log');
      const fd = openSync(file, 'w');
      try {
        const log = createLogger({ level: 'info', destination: fd });
        log.fatal('about to crash', { code: 1 });
        expect(JSON.parse(readFileSync(file, 'utf8'))).toMatchObject({ level: 'fatal', msg: 'about to crash', code: 1 });
      } finally {
        closeSync(fd);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses a destination that is neither a stream nor a file descriptor', () => {
    expect(() => createLogger({ level: 'info', destination: -1 })).toThrow(RangeError);
  });
});

describe('nullLogger', () => {
  it('accepts every call, including on its children, and returns nothing', () => {
    const child = nullLogger.child({ component: 'x' });
    for (const l of [nullLogger, child]) {
      expect(l.trace('a', { key: Buffer.alloc(1) })).toBeUndefined();
      expect(l.fatal('b')).toBeUndefined();
    }
    expect(child.child({})).toBe(nullLogger);
  });
});
