// End to end: two `ipsec-ts up` daemons in two network namespaces with TUN devices, joined by a
// veth, driven through the real CLI (bin/ipsec-ts.js) and checked against a dumpcap capture of
// the wire and tshark. The tests share one pair of daemons and run in order: each builds on the
// state the previous one left (a capture over tests 1-3, a crash of A, a restart of B).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { NetnsHost, NetnsPair, NetnsProcess } from '../support/netns.js';
import { INNER_A, INNER_B, INNER_NET_A, INNER_NET_B, OUTER_A, OUTER_B, createNetnsPair, requireNetns } from '../support/netns.js';
import { hasOracle } from '../support/oracle.js';
import { tsharkFields } from '../support/tshark.js';
import type { Daemon, SaEntry, SaKeying } from './support.js';
import {
  cli, cliJson, cliJsonLines, cliMissingReason, daemonYaml, espFrames, newKeying, policyYaml, saYaml, sendUdp,
  sleep, spiText, startCapture, startDaemon, waitFor, writePrivate,
} from './support.js';

interface SaSummary { name: string | null; spi: string; direction: 'inbound' | 'outbound'; packets: number; bytes: number; drops: number }
interface SaList { installed: SaSummary[]; remembered: { spi: string; name: string | null; cause: string }[] }
interface Stats { counters: { delivered: number; dropped: number }; sas: SaSummary[] }
interface Drop { windowsCode: number; windowsName: string; spi: string | null; cause: string | null; reason: string; at: number; direction: string }
interface PolicySummary { id: string; local: string[]; remote: string[]; action: string }

function canRun(): boolean {
  if (!requireNetns('daemon end-to-end tests (test/netns)')) return false;
  const missing = cliMissingReason();
  if (missing !== null) {
    if (process.env.CI === '1') throw new Error(`daemon end-to-end tests: ${missing}`);
    console.warn(`\n*** daemon end-to-end tests: ${missing}; SKIPPED ***\n`);
    return false;
  }
  return hasOracle('tshark');
}
const ok = canRun();

const AB = 0x0000a001; // A -> B, the first pair
const BA = 0x0000b001; // B -> A
const AB2 = 0x0000a002; // A -> B after the runtime switch
const AB_OTHER = 0x0000c001; // a second tunnel 10.1.1.0/24 <=> 10.2.0.0/24 (reqid 2), left alone by test 6
const BA_OTHER = 0x0000d001;
const INNER_A_OTHER = '10.1.1.1';
const NET_A_OTHER = '10.1.1.0/24';

describe.skipIf(!ok)('two ipsec-ts daemons in network namespaces', () => {
  let pair: NetnsPair;
  let dir: string;
  let cfgA: string;
  let cfgB: string;
  let daemonA: Daemon;
  let daemonB: Daemon;
  const sockA = (): string => join(dir, 'a', 'control.sock');
  const sockB = (): string => join(dir, 'b', 'control.sock');
  let capture: NetnsProcess | null = null;
  const capturePath = (): string => join(dir, 'veth-b.pcapng');
  const keyings: SaKeying[] = [];
  const keyFiles: string[] = [];
  const ab = newKeying(AB);
  const ba = newKeying(BA);
  const abOther = newKeying(AB_OTHER);
  const baOther = newKeying(BA_OTHER);
  keyings.push(ab, ba, abOther, baOther);
  let killedAt = 0;
  const daemons: NetnsProcess[] = []; // every daemon run, for the log check
  const startRun = async (host: NetnsHost, cfg: string, socket: string, name: string): Promise<Daemon> => {
    const d = await startDaemon(host, cfg, socket, name);
    daemons.push(d.proc);
    return d;
  };
  let lastAbBeforeExtras: Buffer | null = null;

  const abEntry = (direction: 'in' | 'out', k: SaKeying, reqid = 1): SaEntry => ({ name: `a-to-b-${k.spi.toString(16)}`, direction, keying: k, src: OUTER_A, dst: OUTER_B, reqid });
  const baEntry = (direction: 'in' | 'out', k: SaKeying, reqid = 1): SaEntry => ({ name: `b-to-a-${k.spi.toString(16)}`, direction, keying: k, src: OUTER_B, dst: OUTER_A, reqid });

  async function exportKeys(label: string): Promise<void> {
    for (const [side, socket] of [['a', sockA()], ['b', sockB()]] as const) {
      const file = join(dir, `keys-${side}-${label}.txt`);
      const r = await cli(['keys', 'export', '-o', file, '--socket', socket]);
      expect(r.code, r.stderr).toBe(0);
      keyFiles.push(file);
    }
  }

  beforeAll(async () => {
    pair = await createNetnsPair({ inner: 'none' });
    dir = pair.dir;
    cfgA = writePrivate(join(dir, 'a.yaml'), daemonYaml({
      stateDir: join(dir, 'a'), tunAddresses: [INNER_A, INNER_A_OTHER], routes: [INNER_NET_B],
      sas: [abEntry('out', ab), baEntry('in', ba), abEntry('out', abOther, 2), baEntry('in', baOther, 2)],
      policies: [{ name: 'a-b', local: INNER_NET_A, remote: INNER_NET_B, peer: OUTER_B },
        { name: 'a-b-other', local: NET_A_OTHER, remote: INNER_NET_B, peer: OUTER_B, reqid: 2 }],
    }));
    cfgB = writePrivate(join(dir, 'b.yaml'), daemonYaml({
      stateDir: join(dir, 'b'), tunAddresses: [INNER_B], routes: [INNER_NET_A, NET_A_OTHER],
      sas: [abEntry('in', ab), baEntry('out', ba), abEntry('in', abOther, 2), baEntry('out', baOther, 2)],
      policies: [{ name: 'b-a', local: INNER_NET_B, remote: INNER_NET_A, peer: OUTER_A },
        { name: 'b-a-other', local: INNER_NET_B, remote: NET_A_OTHER, peer: OUTER_A, reqid: 2 }],
    }));
    capture = await startCapture(pair.b, capturePath(), 'dumpcap-b');
    [daemonA, daemonB] = await Promise.all([startRun(pair.a, cfgA, sockA(), 'daemon-a'), startRun(pair.b, cfgB, sockB(), 'daemon-b')]);
    await exportKeys('start');
  });

  afterAll(async () => {
    await pair?.teardown();
  });

  it('1. ping A -> B goes through the tunnel, counted on the right SAs on both sides', async () => {
    expect(await pair.a.ping(INNER_B, { count: 3 }), 'ping -I 10.1.0.1 10.2.0.1 in ns A').toBe(true);
    const a = await cliJson<SaList>(sockA(), ['sa', 'list']);
    const b = await cliJson<SaList>(sockB(), ['sa', 'list']);
    const find = (l: SaList, spi: number, dir: string): SaSummary | undefined => l.installed.find((s) => s.spi === spiText(spi) && s.direction === dir);
    expect(find(a, AB, 'outbound')?.packets).toBeGreaterThanOrEqual(3);
    expect(find(b, AB, 'inbound')?.packets).toBeGreaterThanOrEqual(3);
    expect(find(b, BA, 'outbound')?.packets).toBeGreaterThanOrEqual(3);
    expect(find(a, BA, 'inbound')?.packets).toBeGreaterThanOrEqual(3);
    expect(find(b, AB, 'inbound')?.drops).toBe(0);
    const stats = await cliJson<Stats>(sockB(), ['stats']);
    expect(stats.counters.delivered).toBeGreaterThanOrEqual(3);
    expect(stats.sas.find((s) => s.spi === spiText(AB))?.packets).toBeGreaterThanOrEqual(3);
  });

  it('2. a 5 MB TCP transfer A -> B arrives intact (sha256)', async () => {
    const port = 5001;
    const server = pair.b.start(process.execPath, ['-e', `
      const h = require('node:crypto').createHash('sha256'); let n = 0;
      const s = require('node:net').createServer((c) => {
        c.on('data', (d) => { h.update(d); n += d.length; });
        c.on('end', () => { console.log(JSON.stringify({ n, sha: h.digest('hex') })); c.end(); s.close(); });
      });
      s.listen(${port}, '${INNER_B}', () => console.error('listening'));`], { name: 'tcp-server' });
    await waitFor(() => server.output().stderr.includes('listening') || !server.running(), 10_000, 'the TCP server in ns B to listen', () => JSON.stringify(server.output()));
    const client = await pair.a.exec(process.execPath, ['-e', `
      const data = require('node:crypto').randomBytes(5 * 1024 * 1024);
      const c = require('node:net').connect({ host: '${INNER_B}', port: ${port}, localAddress: '${INNER_A}' }, () => c.end(data));
      c.on('close', () => console.log(JSON.stringify({ n: data.length, sha: require('node:crypto').createHash('sha256').update(data).digest('hex') })));
      c.on('error', (e) => { console.error(String(e)); process.exit(1); });`], { timeoutMs: 30_000 });
    expect(client.code, `TCP client in ns A: ${client.stderr}`).toBe(0);
    await waitFor(() => !server.running(), 10_000, 'the TCP server to report what it received and exit', () => JSON.stringify(server.output()));
    const sent = JSON.parse(client.stdout) as { n: number; sha: string };
    const received = JSON.parse(server.output().stdout) as { n: number; sha: string };
    expect(received.n).toBe(5 * 1024 * 1024);
    expect(received).toEqual(sent);
  });

  it('3. kill -9 of daemon A and a restart: no sequence number is sent twice, B accepts the rest', async () => {
    expect(await pair.a.ping(INNER_B, { count: 2 })).toBe(true);
    killedAt = Date.now();
    process.kill(-daemonA.proc.pid, 'SIGKILL');
    await daemonA.proc.exited;
    daemonA = await startRun(pair.a, cfgA, sockA(), 'daemon-a-restarted');
    expect(await pair.a.ping(INNER_B, { count: 3 }), 'ping after the restart of A').toBe(true);
    await sleep(500); // dumpcap writes what it has when stopped, but give the last frame time to reach it
    await capture!.stop();
    capture = null;

    const ab = (await espFrames(capturePath())).filter((f) => f.spi === AB && f.src === OUTER_A);
    const seqs = ab.map((f) => f.sequence);
    expect(new Set(seqs).size, 'a sequence number of A -> B appears twice on the wire').toBe(seqs.length);
    const before = ab.filter((f) => f.time < killedAt).map((f) => f.sequence);
    const after = ab.filter((f) => f.time > killedAt).map((f) => f.sequence);
    expect(before.length).toBeGreaterThan(100); // pings and the TCP transfer
    expect(after.length, `A -> B sequence numbers after the kill: ${after.join(' ')}`).toBeGreaterThanOrEqual(3);
    expect(Math.min(...after)).toBeGreaterThan(Math.max(...before));
    const b = await cliJson<SaList>(sockB(), ['sa', 'list']);
    expect(b.installed.find((s) => s.spi === spiText(AB))?.drops).toBe(0);
    lastAbBeforeExtras = ab[ab.length - 1]!.payload;
  });

  it('4. tshark decrypts the capture with the keys from `ipsec-ts keys export`: ICMP echo 10.1.0.1 <-> 10.2.0.1', () => {
    const lines = keyFiles.flatMap((f) => readFileSync(f, 'utf8').split('\n'));
    const header = lines.find((l) => l.startsWith('#')) ?? '';
    const body = [...new Set(lines.filter((l) => l.trim() !== '' && !l.startsWith('#')))];
    expect(body.length).toBeGreaterThanOrEqual(2);
    const rows = tsharkFields(capturePath(), `${header}\n${body.join('\n')}\n`, ['esp.spi', 'ip.src', 'ip.dst', 'icmp.type'], ['-Y', 'icmp']);
    // Decrypted rows carry the outer and the inner IP header: the inner is the last of each list.
    const inner = rows.map(([spi, src, dst, type]) => ({ spi, src: src?.split(',').pop(), dst: dst?.split(',').pop(), type }));
    const requests = inner.filter((r) => r.type === '8' && r.src === INNER_A && r.dst === INNER_B);
    const replies = inner.filter((r) => r.type === '0' && r.src === INNER_B && r.dst === INNER_A);
    expect(requests.length, JSON.stringify(rows.slice(0, 5))).toBeGreaterThanOrEqual(8);
    expect(replies.length).toBeGreaterThanOrEqual(8);
    expect(requests.every((r) => r.spi === spiText(AB))).toBe(true);
    expect(replies.every((r) => r.spi === spiText(BA))).toBe(true);
  });

  it('5. drops: an unknown SPI is ERROR_IPSEC_BAD_SPI (never-established), a replayed packet ERROR_IPSEC_REPLAY_CHECK_FAILED; the log survives a restart', async () => {
    const unknown = Buffer.concat([Buffer.from('deadbeef00000001', 'hex'), Buffer.alloc(40, 0x5a)]);
    await sendUdp(pair.a, OUTER_B, 4500, unknown);
    await waitFor(async () => (await cliJsonLines<Drop>(sockB(), ['drops', '--code', '13910'])).some((d) => d.spi === '0xdeadbeef'),
      5000, 'a drop of SPI 0xdeadbeef in `ipsec-ts drops --code 13910` on B');
    const bad = (await cliJsonLines<Drop>(sockB(), ['drops', '--code', '13910'])).find((d) => d.spi === '0xdeadbeef')!;
    expect(bad).toMatchObject({ windowsName: 'ERROR_IPSEC_BAD_SPI', windowsCode: 13910, cause: 'never-established', direction: 'inbound' });

    await sendUdp(pair.a, OUTER_B, 4500, lastAbBeforeExtras!);
    await waitFor(async () => (await cliJsonLines<Drop>(sockB(), ['drops', '--code', '13913'])).length > 0,
      5000, 'a replay drop in `ipsec-ts drops --code 13913` on B');
    const replay = (await cliJsonLines<Drop>(sockB(), ['drops', '--code', 'ERROR_IPSEC_REPLAY_CHECK_FAILED']))[0]!;
    expect(replay).toMatchObject({ windowsCode: 13913, windowsName: 'ERROR_IPSEC_REPLAY_CHECK_FAILED', spi: spiText(AB), direction: 'inbound' });

    await daemonB.proc.stop();
    daemonB = await startRun(pair.b, cfgB, sockB(), 'daemon-b-restarted');
    const since = await cliJsonLines<Drop>(sockB(), ['drops', '--since', '1m']);
    expect(since.some((d) => d.windowsCode === 13910 && d.spi === '0xdeadbeef')).toBe(true);
    expect(since.some((d) => d.windowsCode === 13913 && d.spi === spiText(AB))).toBe(true);
    expect(await pair.a.ping(INNER_B, { count: 2 }), 'ping after the restart of B').toBe(true);
  });

  it('6. runtime changes: sa delete cuts traffic with a diagnosed drop; sa add of a new pair restores it; policy add/delete', async () => {
    // The other tunnel (reqid 2, from 10.1.1.1) must not lose a packet while the first is changed.
    expect(await pair.a.ping(INNER_B, { count: 2, source: INNER_A_OTHER }), 'ping from 10.1.1.1 over the reqid 2 tunnel').toBe(true);
    const otherPing = pair.a.start('ping', ['-n', '-q', '-c', '50', '-i', '0.1', '-W', '2', '-I', INNER_A_OTHER, INNER_B], { name: 'ping-other' });
    const del = await cli(['sa', 'delete', spiText(AB), '--socket', sockB()]);
    expect(del.code, del.stderr).toBe(0);
    expect(await pair.a.ping(INNER_B, { count: 1, timeoutS: 1 }), 'ping with B\'s inbound SA deleted').toBe(false);
    const drops = (await cliJsonLines<Drop>(sockB(), ['drops', '--code', '13910', '--spi', spiText(AB)]));
    expect(drops.length).toBeGreaterThan(0);
    expect(drops[drops.length - 1]).toMatchObject({ windowsName: 'ERROR_IPSEC_BAD_SPI', cause: 'deleted', reason: 'deleted-locally', spi: spiText(AB) });
    const listB = await cliJson<SaList>(sockB(), ['sa', 'list']);
    expect(listB.remembered.find((r) => r.spi === spiText(AB))?.cause).toBe('deleted-locally');

    const ab2 = newKeying(AB2);
    keyings.push(ab2);
    const inB = writePrivate(join(dir, 'sa-in-b.yaml'), `${saYaml(abEntry('in', ab2))}\n`);
    const outA = writePrivate(join(dir, 'sa-out-a.yaml'), `sas:\n  - ${saYaml(abEntry('out', ab2))}\n`);
    for (const [file, socket] of [[inB, sockB()], [outA, sockA()]] as const) {
      const r = await cli(['sa', 'add', file, '--socket', socket]);
      expect(r.code, `sa add ${file}: ${r.stderr}`).toBe(0);
    }
    const delA = await cli(['sa', 'delete', spiText(AB), '--socket', sockA()]);
    expect(delA.code, delA.stderr).toBe(0);
    expect(await pair.a.ping(INNER_B, { count: 3 }), 'ping after switching to SPI 0x0000a002').toBe(true);
    const a = await cliJson<SaList>(sockA(), ['sa', 'list']);
    expect(a.installed.find((s) => s.spi === spiText(AB2))?.packets).toBeGreaterThanOrEqual(3);
    expect(a.installed.some((s) => s.spi === spiText(AB))).toBe(false);
    const b = await cliJson<SaList>(sockB(), ['sa', 'list']);
    expect(b.installed.find((s) => s.spi === spiText(AB2) && s.direction === 'inbound')?.packets).toBeGreaterThanOrEqual(3);

    const policyFile = writePrivate(join(dir, 'policy.yaml'), `${policyYaml({ name: 'extra', local: '10.1.1.0/24', remote: '10.2.1.0/24', peer: OUTER_B })}\n`);
    const add = await cli(['policy', 'add', policyFile, '--socket', sockA()]);
    expect(add.code, add.stderr).toBe(0);
    const withExtra = await cliJson<PolicySummary[]>(sockA(), ['policy', 'list']);
    expect(withExtra.find((p) => p.id === 'extra')).toMatchObject({ local: ['10.1.1.0/24'], remote: ['10.2.1.0/24'], action: 'protect' });
    const pdel = await cli(['policy', 'delete', 'extra', '--socket', sockA()]);
    expect(pdel.code, pdel.stderr).toBe(0);
    expect((await cliJson<PolicySummary[]>(sockA(), ['policy', 'list'])).map((p) => p.id)).toEqual(['a-b', 'a-b-other']);
    expect(await pair.a.ping(INNER_B, { count: 2 }), 'ping after the policy changes').toBe(true);

    const otherCode = await Promise.race([otherPing.exited, sleep(15_000).then(() => 'timeout')]);
    expect(otherCode, `ping from 10.1.1.1 during the changes: ${otherPing.output().stdout}`).toBe(0);
    expect(otherPing.output().stdout).toMatch(/50 packets transmitted, 50 received/);
    const other = await cliJson<SaList>(sockB(), ['sa', 'list']);
    expect(other.installed.find((s) => s.spi === spiText(AB_OTHER))?.packets).toBeGreaterThanOrEqual(50);
  });

  it('7. no key appears in either daemon\'s output (every run, crash and restarts included)', async () => {
    const logs = daemons.map((p) => { const o = p.output(); return `${o.stdout}\n${o.stderr}`; });
    expect(daemons.length).toBeGreaterThanOrEqual(2);
    expect(logs.every((l) => l.includes('is up'))).toBe(true);
    const all = logs.join('\n').toLowerCase();
    for (const k of keyings) {
      // The key proper and the salt separately too, so a partial print is caught as well.
      for (const needle of [k.key, k.key.slice(0, 32), k.key.slice(32), k.key.slice(0, 16)]) {
        expect(all.includes(needle), `daemon output contains key bytes of SPI ${spiText(k.spi)}`).toBe(false);
      }
    }
    // Upper case and colon-separated spellings.
    const raw = logs.join('\n');
    for (const k of keyings) {
      expect(raw.includes(k.key.toUpperCase().slice(0, 16))).toBe(false);
      expect(raw.includes(k.key.slice(0, 16).match(/../g)!.join(':'))).toBe(false);
    }
  });
});
