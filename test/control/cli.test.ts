// The control verbs as a user runs them: a commander program built from the register functions,
// talking to a real control server with a fake endpoint behind it.
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runDrops, parseCodeOption, parseSince, parseSpiOption } from '../../src/cli/drops-command.js';
import { dropHeaderLine, formatDropRecord } from '../../src/cli/drop-format.js';
import { readEntrySource, singleEntryOf } from '../../src/cli/sa-command.js';
import { uptimeText } from '../../src/cli/status-command.js';
import { startControlServer } from '../../src/endpoint/control/server.js';
import type { DropRecord } from '../../src/endpoint/drop-record.js';
import { SECRET_KEY_HEX, T0, badSpiDrop, fakeEndpoint, replayDrop, runVerbs, tempDir } from './support.js';
import type { FakeEndpoint, TempDir } from './support.js';

let t: TempDir;
let path: string;
let fake: FakeEndpoint;
let close: () => Promise<void>;

beforeEach(async () => {
  t = tempDir();
  path = join(t.dir, 'control.sock');
  fake = fakeEndpoint();
  const server = await startControlServer({ path, handlers: fake.handlers });
  close = () => server.close();
});

afterEach(async () => {
  await close();
  t.remove();
});

const run = (...args: string[]) => runVerbs([...args, '--socket', path]);

describe('ipsec-ts status, sa, policy, stats', () => {
  it('status shows pid, uptime, listen, tun, SAs, policies and traffic on one screen', async () => {
    const r = await run('status');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('ipsec-ts 0.0.0-test, pid 4242, up 1h 02m 03s (since 2026-11-27T09:00:00.000Z)');
    expect(r.stdout).toContain('listen:     0.0.0.0:4500 UDP');
    expect(r.stdout).toContain('tun:        ipsec0, mtu 1400');
    expect(r.stdout).toContain('SAs:        1 inbound, 1 outbound; 1 remembered');
    expect(r.stdout).toContain('traffic:    120 delivered, 7 dropped, 4 NAT-keepalives');
    expect(r.stdout).toContain('drops:      ERROR_IPSEC_BAD_SPI 7');
    expect(JSON.parse((await run('status', '--json')).stdout)).toMatchObject({ pid: 4242 });
  });

  it('sa list prints the installed SAs as a table, then the remembered ones with their cause', async () => {
    const r = await run('sa', 'list');
    expect(r.code).toBe(0);
    const lines = r.stdout.split('\n');
    expect(lines[0]).toMatch(/^NAME\s+DIR\s+SPI\s+SRC -> DST\s+MODE\s+TRANSFORM\s+STATE\s+PACKETS\s+BYTES\s+DROPS$/);
    expect(lines[1]).toMatch(/^site-b-in\s+in\s+0x0c0d0001\s+198\.51\.100\.10 -> 203\.0\.113\.20\s+tunnel\s+aes128gcm16\s+mature\s+10\s+1400\s+2$/);
    expect(r.stdout).toContain('Remembered SAs');
    expect(r.stdout).toMatch(/0x0a0b0000\s+old-out\s+replaced\s+2026-11-27T08:59:55\.000Z\s+replaced by 0x0a0b0001/);
  });

  it('sa show prints one SA field by field; an unknown one exits 1 with the daemon message', async () => {
    const r = await run('sa', 'show', '0x0a0b0001');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^name:\s+site-b-out$/m);
    expect(r.stdout).toMatch(/^encapsulation:\s+UDP 4500 -> 4500$/m);
    expect(r.stdout).toMatch(/^hard limits:\s+seconds 3600$/m);
    const missing = await run('sa', 'show', 'nope');
    expect(missing.code).toBe(1);
    expect(missing.stderr).toBe("ipsec-ts: the daemon refused (not-found): no installed SA is named or numbered 'nope'; see `ipsec-ts sa list`\n");
  });

  it('sa add sends one entry from a YAML or JSON file, also a one-item sas: list', async () => {
    const yamlFile = join(t.dir, 'sa.yaml');
    writeFileSync(yamlFile, 'name: new-in\nspi: "0x0e0f0001"\ndirection: inbound\n');
    const r = await run('sa', 'add', yamlFile);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('added SA new-in (0x0e0f0001, inbound, 198.51.100.10 -> 203.0.113.20, aes128gcm16)\n');
    const listFile = join(t.dir, 'sas.json');
    writeFileSync(listFile, JSON.stringify({ sas: [{ name: 'new-out', spi: '0x0e0f0002', direction: 'outbound' }] }));
    expect((await run('sa', 'add', listFile)).code).toBe(0);
    expect(fake.sas.map((s) => s.name)).toEqual(['site-b-in', 'site-b-out', 'new-in', 'new-out']);
  });

  it('sa add refuses an unreadable, malformed or multi-entry file with exit 2 before connecting', async () => {
    const bad = join(t.dir, 'bad.yaml');
    writeFileSync(bad, 'name: [unclosed\n');
    const r1 = await run('sa', 'add', bad);
    expect(r1.code).toBe(2);
    expect(r1.stderr).toContain(`ipsec-ts sa add: ${bad}:2:1: not valid YAML or JSON`);
    const two = join(t.dir, 'two.yaml');
    writeFileSync(two, '- name: a\n- name: b\n');
    expect((await run('sa', 'add', two)).stderr).toContain('holds 2 entries; give exactly one');
    const r3 = await run('sa', 'add', join(t.dir, 'missing.yaml'));
    expect(r3.code).toBe(2);
    expect(r3.stderr).toContain('ENOENT');
  });

  it('sa add reports the daemon validation error with exit 1', async () => {
    const file = join(t.dir, 'noname.yaml');
    writeFileSync(file, 'spi: 5\n');
    const r = await run('sa', 'add', file);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('(invalid): sas[0].name: required');
  });

  it("sa add '-' reads the entry from stdin", async () => {
    const text = await readEntrySource('-', async () => '{"name":"x"}');
    expect(text).toEqual({ ok: true, value: '{"name":"x"}' });
    expect(singleEntryOf('{"name":"x"}', 'stdin', 'sas')).toEqual({ ok: true, value: { name: 'x' } });
  });

  it('sa delete removes one SA; sa flush needs --yes (exit 2 without it)', async () => {
    const d = await run('sa', 'delete', 'site-b-in');
    expect(d.code).toBe(0);
    expect(d.stdout).toContain('deleted SA site-b-in (0x0c0d0001');
    const refused = await run('sa', 'flush');
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('add --yes');
    expect(fake.sas).toHaveLength(1);
    const done = await run('sa', 'flush', '--yes');
    expect(done.code).toBe(0);
    expect(done.stdout).toBe('removed 1 SA\n');
    expect(fake.sas).toHaveLength(0);
  });

  it('policy list, add and delete', async () => {
    const list = await run('policy', 'list');
    expect(list.stdout).toMatch(/^ID\s+DIR\s+ACTION\s+LOCAL\s+REMOTE\s+MODE\s+REQID\s+PEER$/m);
    expect(list.stdout).toMatch(/^site-b\s+both\s+protect\s+10\.1\.0\.0\/24\s+10\.2\.0\.0\/24\s+tunnel\s+1\s+203\.0\.113\.20$/m);
    const file = join(t.dir, 'p.yaml');
    writeFileSync(file, 'policies:\n  - id: site-c\n');
    expect((await run('policy', 'add', file)).stdout).toContain('added policy site-c');
    const dup = await run('policy', 'add', file);
    expect(dup.code).toBe(1);
    expect(dup.stderr).toContain('(conflict)');
    expect((await run('policy', 'delete', 'site-b')).code).toBe(0);
    expect((await run('policy', 'delete', 'site-b')).code).toBe(1);
  });

  it('stats prints Windows and Linux counter sections (zeros included), UDP, TUN and per-SA counters', async () => {
    const r = await run('stats');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/Drops by Windows error\n\s+COUNTER\s+VALUE\n/);
    expect(r.stdout).toMatch(/ERROR_IPSEC_BAD_SPI \(13910\)\s+7/);
    expect(r.stdout).toMatch(/ERROR_IPSEC_REPLAY_CHECK_FAILED \(13913\)\s+0/);
    expect(r.stdout).toMatch(/Drops by Linux xfrm_stat counter\n[\s\S]*XfrmInNoStates\s+7/);
    expect(r.stdout).toMatch(/XfrmInStateSeqError\s+0/);
    expect(r.stdout).toMatch(/UDP\n[\s\S]*received\s+131/);
    expect(r.stdout).toMatch(/TUN\n[\s\S]*written\s+120/);
    expect(r.stdout).toMatch(/Per SA\n\s+NAME\s+DIR\s+SPI\s+PACKETS\s+BYTES\s+DROPS\n\s+site-b-in\s+inbound\s+0x0c0d0001\s+10\s+1400\s+2/);
  });

  it('keys export writes the esp_sa text to stdout and warns on stderr that it holds keys', async () => {
    const r = await run('keys', 'export');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(SECRET_KEY_HEX);
    expect(r.stderr).toContain('key material');
    expect(r.stderr).not.toContain(SECRET_KEY_HEX);
  });

  it('keys export -o creates the file with mode 0600, also over an existing wider file', async () => {
    const file = join(t.dir, 'esp_sa');
    writeFileSync(file, 'old', { mode: 0o644 });
    const r = await run('keys', 'export', '-o', file);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain(`${file} holds key material`);
    expect(readFileSync(file, 'utf8')).toContain(SECRET_KEY_HEX);
    expect(statSync(file).mode & 0o777).toBe(0o600);
  });
});

describe('ipsec-ts drops', () => {
  it('prints each drop: header with time, Windows name (code), counter, SPI, peer, cause; then why, evidence, next', async () => {
    fake.emit(badSpiDrop(1, T0));
    const r = await run('drops');
    expect(r.code).toBe(0);
    expect(r.stdout).toBe([
      '2026-11-27T09:00:00.000Z  ERROR_IPSEC_BAD_SPI (13910)  XfrmInNoStates  SPI 0x0a0b0001  peer 203.0.113.20:4500  our-outbound-spi',
      '    why:      SPI 0x0a0b0001 belongs to the SA for the other direction: the SPIs are swapped',
      '    stage:    sa-lookup; reason spi-of-other-direction',
      '    evidence:',
      '      saId: 1',
      '      label: site-b-out',
      '      removedAt: 2026-11-27T08:59:00.000Z',
      '    next:     Swap the inbound and outbound SPIs on one side',
      '',
    ].join('\n'));
  });

  it('--json prints one DropRecord per line', async () => {
    const records = [badSpiDrop(1, T0), replayDrop(2, T0 + 1)];
    for (const d of records) fake.emit(d);
    const r = await run('drops', '--json');
    expect(r.stdout.trimEnd().split('\n').map((l) => JSON.parse(l) as DropRecord)).toEqual(records);
  });

  it('--since 10m keeps only drops of the last ten minutes', async () => {
    const now = Date.now();
    fake.emit(badSpiDrop(1, now - 20 * 60_000));
    fake.emit(badSpiDrop(2, now - 5 * 60_000));
    const r = await run('drops', '--since', '10m', '--json');
    expect(r.stdout.trimEnd().split('\n').map((l) => (JSON.parse(l) as DropRecord).id)).toEqual([2]);
  });

  it('--code takes a name, decimal or hex; --spi hex or decimal; --limit the newest n', async () => {
    fake.emit(badSpiDrop(1, T0));
    fake.emit(replayDrop(2, T0 + 1));
    fake.emit(badSpiDrop(3, T0 + 2, '0x0a0b0002'));
    const ids = async (...args: string[]): Promise<number[]> =>
      (await run('drops', '--json', ...args)).stdout.trimEnd().split('\n').filter((l) => l !== '').map((l) => (JSON.parse(l) as DropRecord).id);
    expect(await ids('--code', 'ERROR_IPSEC_BAD_SPI')).toEqual([1, 3]);
    expect(await ids('--code', '0x3659')).toEqual([2]);
    expect(await ids('--code', '13913')).toEqual([2]);
    expect(await ids('--spi', '0x0a0b0002')).toEqual([3]);
    expect(await ids('--spi', String(0x0a0b0001))).toEqual([1]);
    expect(await ids('--limit', '1')).toEqual([3]);
  });

  it('refuses bad filters with exit 2 and what to give instead', async () => {
    const code = await run('drops', '--code', 'ERROR_IPSEC_NOPE');
    expect(code.code).toBe(2);
    expect(code.stderr).toContain('give 13910, 0x3656 or a name like ERROR_IPSEC_BAD_SPI');
    const since = await run('drops', '--since', 'yesterday');
    expect(since.code).toBe(2);
    expect(since.stderr).toContain('neither a duration');
    expect((await run('drops', '--spi', '0xZZ')).code).toBe(2);
    expect((await run('drops', '--limit', '0')).code).toBe(2);
  });

  it('parses --since durations and ISO times, --code forms and --spi forms', () => {
    const now = T0;
    expect(parseSince('10m', now)).toEqual({ ok: true, value: now - 600_000 });
    expect(parseSince('2h', now)).toEqual({ ok: true, value: now - 7_200_000 });
    expect(parseSince('30s', now)).toEqual({ ok: true, value: now - 30_000 });
    expect(parseSince('2026-11-27T08:00:00Z', now)).toEqual({ ok: true, value: T0 - 3_600_000 });
    expect(parseSince('10', now).ok).toBe(false);
    expect(parseCodeOption('ERROR_IPSEC_BAD_SPI')).toEqual({ ok: true, value: 13910 });
    expect(parseCodeOption('bad-spi')).toEqual({ ok: true, value: 13910 });
    expect(parseCodeOption('0x3656')).toEqual({ ok: true, value: 13910 });
    expect(parseCodeOption('13910')).toEqual({ ok: true, value: 13910 });
    expect(parseCodeOption('5').ok).toBe(false);
    expect(parseSpiOption('0x0A0B0001')).toEqual({ ok: true, value: 0x0a0b0001 });
    expect(parseSpiOption('4294967296').ok).toBe(false);
  });

  it('--follow prints past drops of --since, then live ones, until stopped', async () => {
    const now = Date.now();
    fake.emit(badSpiDrop(1, now - 60 * 60_000));
    fake.emit(badSpiDrop(2, now - 60_000));
    let stdout = '';
    const out = { stdout: (s: string) => { stdout += s; }, stderr: () => undefined, stderrIsTTY: false };
    const stop = new AbortController();
    const done = runDrops({ socket: path, follow: true, since: '10m', json: true }, out, stop.signal);
    for (let i = 0; i < 500 && fake.followers() === 0; i++) await new Promise((r) => setTimeout(r, 5));
    for (let i = 0; i < 500 && !stdout.includes('"id":2'); i++) await new Promise((r) => setTimeout(r, 5));
    fake.emit(replayDrop(3, Date.now()));
    fake.emit(badSpiDrop(4, Date.now(), '0x0a0b0009'));
    for (let i = 0; i < 500 && !stdout.includes('"id":4'); i++) await new Promise((r) => setTimeout(r, 5));
    stop.abort();
    expect(await done).toBe(0);
    expect(stdout.trimEnd().split('\n').map((l) => (JSON.parse(l) as DropRecord).id)).toEqual([2, 3, 4]);
  });

  it('--follow with --code shows only live drops of that error', async () => {
    let stdout = '';
    const out = { stdout: (s: string) => { stdout += s; }, stderr: () => undefined, stderrIsTTY: false };
    const stop = new AbortController();
    const done = runDrops({ socket: path, follow: true, code: 'ERROR_IPSEC_REPLAY_CHECK_FAILED' }, out, stop.signal);
    for (let i = 0; i < 500 && fake.followers() === 0; i++) await new Promise((r) => setTimeout(r, 5));
    fake.emit(badSpiDrop(1, T0));
    fake.emit(replayDrop(2, T0));
    for (let i = 0; i < 500 && stdout === ''; i++) await new Promise((r) => setTimeout(r, 5));
    stop.abort();
    expect(await done).toBe(0);
    expect(stdout).toBe(formatDropRecord(replayDrop(2, T0)));
    expect(dropHeaderLine(replayDrop(2, T0))).toContain('  duplicate  repeated 3 times');
  });
});

describe('connect and usage errors', () => {
  it('no daemon: exit 2 with the message to start one or pass --socket', async () => {
    const missing = join(t.dir, 'nobody.sock');
    const r = await runVerbs(['status', '--socket', missing]);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(`ipsec-ts: no daemon is listening on ${missing}: start one with \`ipsec-ts up -c <config>\`, or pass --socket\n`);
  });

  it('takes the socket from $IPSEC_TS_SOCKET when --socket is not given', async () => {
    const before = process.env.IPSEC_TS_SOCKET;
    process.env.IPSEC_TS_SOCKET = path;
    try {
      expect((await runVerbs(['status'])).code).toBe(0);
    } finally {
      if (before === undefined) delete process.env.IPSEC_TS_SOCKET;
      else process.env.IPSEC_TS_SOCKET = before;
    }
  });

  it('an unknown option is a usage error (exit 2)', async () => {
    expect((await run('sa', 'list', '--bogus')).code).toBe(2);
  });

  it('formats uptime the way status prints it', () => {
    expect(uptimeText(42)).toBe('42s');
    expect(uptimeText(3723)).toBe('1h 02m 03s');
    expect(uptimeText(93784)).toBe('1d 2h 03m 04s');
  });
});
