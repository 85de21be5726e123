// The tunnel benchmark's offline parts: reading iperf3's JSON (fixtures are real iperf 3.12
// output over a veth, intervals trimmed), rates, the medians and ratios of the report, and the
// daemon configs it writes.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { daemonConfigYaml, freshTunnelKeys, SPI_A_TO_B, SPI_B_TO_A } from '../../bench/tunnel/daemon-config.js';
import type { Iperf3Result } from '../../bench/tunnel/iperf3-result.js';
import { parseIperf3Json } from '../../bench/tunnel/iperf3-result.js';
import type { ThroughputTest } from '../../bench/tunnel/iperf3-run.js';
import { formatRate, parseRate, testLabel } from '../../bench/tunnel/iperf3-run.js';
import type { Measurement } from '../../bench/tunnel/summary.js';
import { formatSummary, median, roundFigures, summarize } from '../../bench/tunnel/summary.js';
import { cpuSecondsOf, sumOver } from '../../bench/tunnel/tunnel.js';
import { parseConfigText } from '../../src/config/load.js';

const fixtures = join(dirname(fileURLToPath(import.meta.url)), 'fixtures');
const fixture = (name: string): string => readFileSync(join(fixtures, name), 'utf8');

describe('iperf3 JSON', () => {
  it('reads a UDP test: offered from sum_sent, arrived from sum_received, loss from sum', () => {
    const r = parseIperf3Json(fixture('iperf3-3.12-udp.json'));
    expect(r).toEqual({
      ok: true, protocol: 'udp', targetBps: 100_000_000, sentBps: 99907214.8456247, receivedBps: 99898624.9382652,
      lostPercent: 0, packets: 9608, lostPackets: 0, seconds: 1.000246,
    });
  });

  it('reads a TCP test: goodput from sum_received, retransmits from sum_sent', () => {
    const r = parseIperf3Json(fixture('iperf3-3.12-tcp.json'));
    expect(r).toEqual({ ok: true, protocol: 'tcp', sentBps: 12115176865.74326, receivedBps: 12104456091.358896, retransmits: 4545, seconds: 1.001238 });
  });

  it('turns iperf3\'s own error into a failure that quotes it', () => {
    const r = parseIperf3Json(fixture('iperf3-3.12-err.json'));
    expect(r).toEqual({ ok: false, reason: 'iperf3-error', detail: 'iperf3: unable to connect to server: Connection refused' });
  });

  it('fails without throwing on empty, non-JSON, non-object and incomplete output', () => {
    expect(parseIperf3Json('')).toMatchObject({ ok: false, reason: 'not-json', detail: expect.stringContaining('(empty)') });
    expect(parseIperf3Json('iperf3: error - unable to connect')).toMatchObject({ ok: false, reason: 'not-json', detail: expect.stringContaining('unable to connect') });
    expect(parseIperf3Json('[1,2]')).toMatchObject({ ok: false, reason: 'not-json' });
    const udp = JSON.parse(fixture('iperf3-3.12-udp.json')) as { end: Record<string, unknown> };
    delete udp.end.sum_received;
    expect(parseIperf3Json(JSON.stringify(udp))).toMatchObject({ ok: false, reason: 'missing-field', detail: expect.stringContaining('end.sum_received.bits_per_second') });
    expect(parseIperf3Json('{"start":{},"end":{}}')).toMatchObject({ ok: false, reason: 'missing-field', detail: expect.stringContaining('start.test_start.protocol') });
  });
});

describe('rates', () => {
  it('reads iperf3-style rates and prints them back the same way', () => {
    expect(parseRate('200M')).toBe(200e6);
    expect(parseRate('2G')).toBe(2e9);
    expect(parseRate('1.5g')).toBe(1.5e9);
    expect(parseRate('800k')).toBe(800e3);
    expect(parseRate('fast')).toBeNull();
    expect(parseRate('0M')).toBeNull();
    expect([200e6, 2e9, 1.5e9, 800e3].map(formatRate)).toEqual(['200M', '2G', '1.5G', '800K']);
    expect(testLabel({ protocol: 'udp', rateBps: 4e8, datagramBytes: 1300, seconds: 5 })).toBe('UDP 400M');
  });
});

const udp = (rateBps: number): ThroughputTest => ({ protocol: 'udp', rateBps, datagramBytes: 1300, seconds: 5 });
const tcp: ThroughputTest = { protocol: 'tcp', seconds: 5 };
const udpResult = (offered: number, receivedBps: number, lostPercent: number): Iperf3Result =>
  ({ ok: true, protocol: 'udp', targetBps: offered, sentBps: offered, receivedBps, lostPercent, packets: 1000, lostPackets: 0, seconds: 5 });
const tcpResult = (receivedBps: number): Iperf3Result => ({ ok: true, protocol: 'tcp', sentBps: receivedBps, receivedBps, retransmits: 7, seconds: 5 });

/** One round of one implementation: TCP, then UDP at 200M, 400M, 800M. */
function round(implementation: Measurement['implementation'], n: number, tcpBps: number, udp200: [number, number], udp400: [number, number], udp800: [number, number]): Measurement[] {
  return [
    { implementation, round: n, test: tcp, result: tcpResult(tcpBps) },
    { implementation, round: n, test: udp(200e6), result: udpResult(200e6, ...udp200) },
    { implementation, round: n, test: udp(400e6), result: udpResult(400e6, ...udp400) },
    { implementation, round: n, test: udp(800e6), result: udpResult(800e6, ...udp800) },
  ];
}

describe('report', () => {
  it('takes the median, averaging the middle two of an even count', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(median([])).toBeNull();
  });

  it('finds the highest offered UDP rate with < 1% loss, and what arrived at the highest rate', () => {
    const f = roundFigures(round('strongSwan', 1, 250e6, [199e6, 0.1], [365e6, 8.6], [390e6, 50]));
    expect(f).toEqual({ udpCleanOfferedBps: 200e6, udpCleanReceivedBps: 199e6, udpHighestReceivedBps: 390e6, tcpBps: 250e6 });
    const none = roundFigures(round('strongSwan', 1, 250e6, [150e6, 20], [160e6, 50], [100e6, 80]));
    expect(none).toMatchObject({ udpCleanOfferedBps: 0, udpCleanReceivedBps: 0 });
  });

  it('gives medians over rounds and the ratios ipsec-ts / strongSwan', () => {
    const measurements = [
      ...round('strongSwan', 1, 200e6, [199e6, 0], [360e6, 9], [390e6, 50]),
      ...round('ipsec-ts', 1, 100e6, [199e6, 0], [399e6, 0.5], [500e6, 30]),
      ...round('strongSwan', 2, 300e6, [199e6, 0], [370e6, 8], [380e6, 51]),
      ...round('ipsec-ts', 2, 150e6, [199e6, 0], [300e6, 25], [520e6, 31]),
      ...round('strongSwan', 3, 250e6, [199e6, 0.2], [365e6, 8.6], [400e6, 52]),
      ...round('ipsec-ts', 3, 125e6, [199e6, 0], [398e6, 0.4], [510e6, 29]),
    ];
    const s = summarize(measurements, ['strongSwan', 'ipsec-ts']);
    expect(s.rounds).toBe(3);
    expect(s.rows.map((r) => r.label)).toEqual(['TCP', 'UDP 200M', 'UDP 400M', 'UDP 800M']);
    expect(s.rows[2]!.cells.get('ipsec-ts')).toMatchObject({ receivedBps: 398e6, lostPercent: 0.5, okRuns: 3, runs: 3 });
    const [clean, highest, tcpLine] = s.headlines;
    // ipsec-ts: clean at 400M in rounds 1 and 3 (399, 398), only 200M in round 2 (199): median 398.
    expect(clean!.values.get('ipsec-ts')).toBe(398e6);
    expect(clean!.offered!.get('ipsec-ts')).toBe(400e6);
    expect(clean!.values.get('strongSwan')).toBe(199e6);
    expect(highest!.values.get('ipsec-ts')).toBe(510e6);
    expect(tcpLine!.values.get('strongSwan')).toBe(250e6);
    const text = formatSummary(s);
    expect(text).toMatch(/UDP max rate with < 1% loss \(received\)\s+strongSwan 199\.0 \(at 200M offered\), ipsec-ts 398\.0 \(at 400M offered\): 200%/);
    expect(text).toMatch(/TCP\s+strongSwan 250\.0, ipsec-ts 125\.0: 50%/);
    expect(text).toMatch(/^UDP 800M\s+390\.0 loss 51\.00%\s+510\.0 loss 30\.00%\s+131%$/m);
  });

  it('shows failed runs with their reason, and no ratio for a figure one side lacks', () => {
    const measurements: Measurement[] = [
      ...round('strongSwan', 1, 250e6, [199e6, 0.1], [365e6, 8.6], [390e6, 50]),
      { implementation: 'ipsec-ts', round: 1, test: tcp, result: { ok: false, reason: 'iperf3-error', detail: 'iperf3: unable to connect to server: Connection refused' } },
    ];
    const text = formatSummary(summarize(measurements, ['strongSwan', 'ipsec-ts']));
    expect(text).toMatch(/^TCP\s+250\.0 retr 7\s+failed\s+-$/m);
    expect(text).toContain('ipsec-ts TCP: iperf3: unable to connect to server: Connection refused');
    expect(text).toMatch(/TCP\s+strongSwan 250\.0, ipsec-ts -: -/);
  });
});

describe('CPU per Gbit', () => {
  it('prints CPU seconds per Gbit received per test, and strongSwan / ipsec-ts (above 100%: ipsec-ts is cheaper)', () => {
    const measurements: Measurement[] = [
      // 2 CPU s for 200 Mbit/s over 5 s (1 Gbit): 2.00 s per Gbit; 1 CPU s for the same: 1.00.
      { implementation: 'strongSwan', round: 1, test: udp(200e6), result: udpResult(200e6, 200e6, 0), cpuSeconds: 2 },
      { implementation: 'ipsec-ts', round: 1, test: udp(200e6), result: udpResult(200e6, 200e6, 0), cpuSeconds: 1 },
      { implementation: 'strongSwan', round: 1, test: tcp, result: tcpResult(100e6), cpuSeconds: null },
      { implementation: 'ipsec-ts', round: 1, test: tcp, result: tcpResult(100e6), cpuSeconds: 1.5 },
    ];
    const text = formatSummary(summarize(measurements, ['strongSwan', 'ipsec-ts']));
    expect(text).toMatch(/^UDP 200M\s+2\.00\s+1\.00\s+200%$/m);
    expect(text).toMatch(/^TCP\s+-\s+3\.00\s+-$/m);
  });

  it('leaves the CPU table out when no run measured CPU', () => {
    const text = formatSummary(summarize(round('strongSwan', 1, 250e6, [199e6, 0.1], [365e6, 8.6], [390e6, 50]), ['strongSwan', 'ipsec-ts']));
    expect(text).not.toContain('CPU seconds per Gbit');
  });

  it('reads a process\'s CPU time from /proc as Node itself counts it', () => {
    if (process.platform !== 'linux') return;
    // Burn some CPU, so both clocks have moved past their 10 ms tick.
    const end = Date.now() + 100;
    while (Date.now() < end) Math.sqrt(Math.random());
    const usage = process.cpuUsage();
    const fromProc = cpuSecondsOf(process.pid);
    expect(fromProc).not.toBeNull();
    expect(Math.abs(fromProc! - (usage.user + usage.system) / 1e6)).toBeLessThan(0.05);
    expect(cpuSecondsOf(0x7ffffffe)).toBeNull();
    expect(sumOver([process.pid, null], cpuSecondsOf)).toBeNull();
  });
});

describe('ipsec-ts daemon configs', () => {
  it('mirrors the SAs: what side a sends with, side b receives with, with the same key', () => {
    const keys = freshTunnelKeys();
    const a = { name: 'a', outer: '198.51.100.1', inner: '10.1.0.1', innerNet: '10.1.0.0/24' } as const;
    const b = { name: 'b', outer: '198.51.100.2', inner: '10.2.0.1', innerNet: '10.2.0.0/24' } as const;
    type Sa = { name: string; direction: string; spi: number; src: string; dst: string; transform: string; enc_key: string };
    const ca = parse(daemonConfigYaml('/tmp/run', a, b, keys)) as { sas: Sa[]; tun: { addresses: string[]; routes: string[] }; policies: { local: string; remote: string; peer: string }[]; control: { socket: string } };
    const cb = parse(daemonConfigYaml('/tmp/run', b, a, keys)) as typeof ca;
    const outA = ca.sas.find((s) => s.direction === 'out')!;
    const inB = cb.sas.find((s) => s.direction === 'in')!;
    expect(outA).toMatchObject({ spi: SPI_A_TO_B, src: '198.51.100.1', dst: '198.51.100.2', transform: 'aes128gcm16' });
    expect(inB).toMatchObject({ spi: SPI_A_TO_B, src: '198.51.100.1', dst: '198.51.100.2', enc_key: outA.enc_key });
    expect(ca.sas.find((s) => s.direction === 'in')).toMatchObject({ spi: SPI_B_TO_A, enc_key: `0x${keys.bToA.toString('hex')}` });
    // 16 bytes of AES-128 key + 4 bytes of salt, as hex text (never a YAML number).
    expect(outA.enc_key).toMatch(/^0x[0-9a-f]{40}$/);
    expect(ca.tun).toMatchObject({ addresses: ['10.1.0.1/32'], routes: ['10.2.0.0/24'] });
    expect(cb.policies[0]).toMatchObject({ local: '10.2.0.0/24', remote: '10.1.0.0/24', peer: '198.51.100.1' });
    expect(ca.control.socket).not.toBe(cb.control.socket);
  });

  it('writes configs the daemon\'s own loader accepts without warnings, keys and SPIs intact', () => {
    const keys = freshTunnelKeys();
    const a = { name: 'a', outer: '198.51.100.1', inner: '10.1.0.1', innerNet: '10.1.0.0/24' } as const;
    const b = { name: 'b', outer: '198.51.100.2', inner: '10.2.0.1', innerNet: '10.2.0.0/24' } as const;
    const r = parseConfigText(daemonConfigYaml('/tmp/run', a, b, keys), '/tmp/run/a.yaml');
    if (!r.ok) throw new Error(`config refused: ${JSON.stringify(r.errors)}`);
    expect(r.warnings).toEqual([]);
    expect(r.config.keepaliveMs).toBeNull();
    expect(r.config.tun).toMatchObject({ addresses: ['10.1.0.1/32'], routes: ['10.2.0.0/24'], mtu: 1400 });
    const out = r.config.sas.find((sa) => sa.direction === 'outbound')!;
    const inb = r.config.sas.find((sa) => sa.direction === 'inbound')!;
    expect(out).toMatchObject({ spi: SPI_A_TO_B, src: '198.51.100.1', dst: '198.51.100.2', transform: { encryption: 'aes-gcm', keyBits: 128 } });
    expect(Buffer.from(out.keys.encryptionKey).equals(keys.aToB)).toBe(true);
    expect(inb.spi).toBe(SPI_B_TO_A);
    expect(Buffer.from(inb.keys.encryptionKey).equals(keys.bToA)).toBe(true);
  });
});
