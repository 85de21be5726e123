// The IKE load tool (bench/ike-load): its command line, its arithmetic (percentiles against the
// nearest-rank definition, merged counts, the ratio), the responder configs it writes (the
// daemon's own config loader must accept them), and real runs: the generator in-process and the
// built client with two worker processes, each for about 2 s against an in-process responder on
// loopback, so the tool cannot silently rot.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { LoadGenerator } from '../../bench/ike-load/load-generator.js';
import type { WorkerPlan } from '../../bench/ike-load/load-generator.js';
import type { LocalResponder } from '../../bench/ike-load/local-responder.js';
import { startLocalResponder } from '../../bench/ike-load/local-responder.js';
import { parseLoadOptions, pskOf, shareOf } from '../../bench/ike-load/options.js';
import type { LoadReport, WorkerReport } from '../../bench/ike-load/report.js';
import { formatReport, mergeReports, percentile } from '../../bench/ike-load/report.js';
import type { ResponderSetup } from '../../bench/ike-load/responders.js';
import { ipsecTsConfigYaml, swanctlConf } from '../../bench/ike-load/responders.js';
import type { RoundResult } from '../../bench/ike-load/summary.js';
import { formatSummary, summarizeRounds } from '../../bench/ike-load/summary.js';
import { openIkeSockets } from '../../bench/ike-load/udp-sockets.js';
import { parseConfigText } from '../../src/config/load.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const PSK = Buffer.from('ike-load-test-psk-0123456789');
const CLIENT_ID = 'client@bench.test';
const RESPONDER_ID = 'responder@bench.test';

/** A one-worker plan against the local responder on 127.0.0.1:port. */
function localPlan(port: number, load: Pick<WorkerPlan, 'concurrency' | 'seconds' | 'timeoutMs'>): WorkerPlan {
  return {
    local: '127.0.0.1', target: '127.0.0.1', port, psk: PSK, id: CLIENT_ID, remoteId: RESPONDER_ID,
    ikeProposal: 'aes128gcm16-prfsha256-x25519', espProposal: 'aes128gcm16', localTs: '10.1.0.0/24', remoteTs: '10.2.0.0/24',
    encap: false, rate: null, delete: true, ...load,
  };
}

describe('command line', () => {
  const base = ['--target', '198.51.100.2', '--psk', 'secret', '--id', CLIENT_ID, '--local', '198.51.100.11,198.51.100.12'];

  it('reads a full command line, one worker per local address by default', () => {
    const r = parseLoadOptions([...base, '--concurrency', '64', '--seconds', '10', '--json']);
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.options).toMatchObject({ target: '198.51.100.2', port: 500, natPort: 4500, workers: 2, concurrency: 64, seconds: 10, rate: null, delete: true, json: true, remoteId: '%any' });
    expect(r.options.psk.equals(Buffer.from('secret'))).toBe(true);
  });

  it('refuses what cannot work, saying which option is wrong', () => {
    const message = (args: string[]): string => {
      const r = parseLoadOptions(args);
      return r.ok ? 'accepted' : r.message;
    };
    expect(message(['--psk', 'x', '--id', CLIENT_ID])).toMatch(/--target/);
    expect(message(['--target', 'responder', '--psk', 'x', '--id', CLIENT_ID])).toMatch(/--target/);
    expect(message(['--target', '198.51.100.2', '--id', CLIENT_ID])).toMatch(/--psk is required/);
    expect(message(['--target', '198.51.100.2', '--psk', 'x'])).toMatch(/--id is required/);
    expect(message([...base, '--workers', '3'])).toMatch(/3 workers need 3 --local addresses/);
    expect(message([...base, '--nat-port', '0'])).toMatch(/--nat-port must be 4500 when --port is 500/);
    expect(message([...base, '--concurrency', '0'])).toMatch(/--concurrency takes a whole number/);
    expect(message([...base, '--local', '0.0.0.0'])).toMatch(/--local takes concrete IP addresses/);
    expect(message([...base, '--psk', '0xabc'])).toMatch(/even number of hex digits/);
    expect(message([...base, '--bogus'])).toMatch(/bogus/);
  });

  it('reads a PSK as text, or as hex after 0x', () => {
    expect(pskOf('0x00ff10')).toEqual(Buffer.from([0, 0xff, 0x10]));
    expect(pskOf('plain text')).toEqual(Buffer.from('plain text'));
    expect(pskOf('')).toMatch(/must not be empty/);
  });

  it('splits a total over workers so the shares add up to it', () => {
    fc.assert(fc.property(fc.integer({ min: 0, max: 10_000 }), fc.integer({ min: 1, max: 64 }), (total, workers) => {
      const shares = Array.from({ length: workers }, (_, i) => shareOf(total, workers, i));
      expect(shares.reduce((s, x) => s + x, 0)).toBe(total);
      expect(Math.max(...shares) - Math.min(...shares)).toBeLessThanOrEqual(1);
    }));
  });
});

describe('report arithmetic', () => {
  it('gives the nearest-rank percentile: the smallest sample with at least p% of samples at or below it', () => {
    fc.assert(fc.property(fc.array(fc.double({ min: 0, max: 1e4, noNaN: true }), { minLength: 1, maxLength: 200 }), fc.integer({ min: 1, max: 100 }), (xs, p) => {
      const sorted = [...xs].sort((a, b) => a - b);
      const reference = sorted.find((v) => sorted.filter((x) => x <= v).length * 100 >= p * sorted.length);
      expect(percentile(sorted, p)).toBe(reference);
    }));
    expect(percentile([], 50)).toBeNaN();
  });

  const worker = (over: Partial<WorkerReport>): WorkerReport => ({
    local: '198.51.100.11', seconds: 10, started: 0, completed: 0, failures: {}, failureSamples: {}, drops: {}, latenciesMs: [],
    deletes: { sent: 0, confirmed: 0, failed: 0, unanswered: 0 }, inFlightAtEnd: 0, behindSchedule: 0, cpuSeconds: 0, ...over,
  });

  it('adds workers up: counts, failures by reason, latencies, and the rate over the window', () => {
    const merged = mergeReports({ target: '198.51.100.2:500', concurrency: 64, rate: null }, [
      worker({ started: 520, completed: 500, failures: { timeout: 2 }, failureSamples: { timeout: 'no child SA' }, latenciesMs: [10, 30], deletes: { sent: 500, confirmed: 499, failed: 1, unanswered: 0 }, cpuSeconds: 1.5 }),
      worker({ seconds: 9.9, started: 410, completed: 400, failures: { timeout: 1, ERROR_IPSEC_IKE_AUTH_FAIL: 3 }, latenciesMs: [20], deletes: { sent: 400, confirmed: 400, failed: 0, unanswered: 0 }, cpuSeconds: 0.5 }),
    ]);
    expect(merged).toMatchObject({
      workers: 2, started: 930, completed: 900, handshakesPerSecond: 90, failed: 6,
      failures: { timeout: 3, ERROR_IPSEC_IKE_AUTH_FAIL: 3 }, deletes: { sent: 900, confirmed: 899, failed: 1, unanswered: 0 }, clientCpuSeconds: 2,
    });
    expect(merged.latency).toMatchObject({ samples: 3, p50Ms: 20, maxMs: 30, meanMs: 20 });
    const text = formatReport(merged);
    expect(text).toContain('completed   900 (90.0/s)');
    expect(text).toContain('failed      6: timeout 3, ERROR_IPSEC_IKE_AUTH_FAIL 3');
  });

  it('compares the medians of the rounds: ipsec-ts over strongSwan', () => {
    const report = (rate: number): LoadReport => mergeReports({ target: 't', concurrency: 64, rate: null }, [worker({ completed: rate * 10, latenciesMs: [5] })]);
    const rounds: RoundResult[] = [
      { responder: 'strongSwan', round: 1, report: report(900), cpuSeconds: 9 },
      { responder: 'ipsec-ts', round: 1, report: report(400), cpuSeconds: 8 },
      { responder: 'strongSwan', round: 2, report: report(1000), cpuSeconds: 10 },
      { responder: 'ipsec-ts', round: 2, report: report(600), cpuSeconds: null },
      { responder: 'strongSwan', round: 3, report: report(800), cpuSeconds: 8 },
      { responder: 'ipsec-ts', round: 3, report: report(450), cpuSeconds: 9 },
    ];
    const s = summarizeRounds(rounds, ['strongSwan', 'ipsec-ts']);
    expect(s.responders.map((r) => r.medianRate)).toEqual([900, 450]);
    expect(s.ratio).toBe(0.5);
    // CPU per handshake: strongSwan 9 s / 9000 = 1 ms (median); ipsec-ts rounds with CPU known only.
    expect(s.responders[0]!.medianCpuMsPerHandshake).toBeCloseTo(1, 10);
    expect(s.responders[1]!.medianCpuMsPerHandshake).toBeCloseTo((8000 / 4000 + 9000 / 4500) / 2, 10);
    expect(formatSummary(s)).toContain('ratio ipsec-ts / strongSwan (median handshakes/s): 0.50');
    // Within rounds: 400/900, 600/1000, 450/800.
    expect(s.roundRatios).toEqual([400 / 900, 600 / 1000, 450 / 800]);
    expect(s.medianRoundRatio).toBe(450 / 800);
    expect(formatSummary(s)).toContain('ratio within each round: 0.44, 0.60, 0.56 (median 0.56)');
    expect(summarizeRounds(rounds.filter((r) => r.responder === 'ipsec-ts'), ['ipsec-ts']).ratio).toBeNull();
  });
});

describe('responder configs', () => {
  const setup: ResponderSetup = { address: '198.51.100.2', psk: PSK, id: RESPONDER_ID, clientId: CLIENT_ID, localTs: '10.2.0.0/24', remoteTs: '10.1.0.0/24' };

  it('writes an ipsec-ts config the daemon accepts: %any address, fixed client identity, no cookies', () => {
    const r = parseConfigText(ipsecTsConfigYaml('/nonexistent/bench', setup), 'responder.yaml');
    expect(r.ok ? [] : r.errors).toEqual([]);
    if (!r.ok) return;
    expect(r.config.ike).toMatchObject({ port: 500, halfOpenLimit: 1_000_000, cookieThreshold: 999_999 });
    const c = r.config.connections[0]!;
    expect(c).toMatchObject({ remoteAddress: '%any', forceEncapsulation: true, initialContact: true, dpdDelayS: 0 });
    expect(c.psk?.equals(PSK)).toBe(true);
    expect(c.ikeProposals.map((p) => p.text)).toEqual(['aes128gcm16-prfsha256-x25519']);
  });

  it('gives strongSwan the same proposals, identities and key', () => {
    const text = swanctlConf(setup);
    expect(text).toContain('proposals = aes128gcm16-prfsha256-x25519');
    expect(text).toContain('esp_proposals = aes128gcm16');
    expect(text).toContain(`secret = 0x${PSK.toString('hex')}`);
    expect(text).toMatch(/remote_addrs = %any[\s\S]*unique = no/);
  });
});

describe('a real load run against an in-process responder', () => {
  let responder: LocalResponder | null = null;
  afterEach(async () => {
    await responder?.close();
    responder = null;
  });

  it('completes handshakes with DELETE and leaves the responder without IKE SAs', async () => {
    responder = await startLocalResponder({ address: '127.0.0.1', psk: PSK, id: RESPONDER_ID, clientId: CLIENT_ID });
    const sockets = await openIkeSockets('127.0.0.1', 0, 0);
    try {
      const generator = new LoadGenerator(localPlan(responder.port, { concurrency: 4, seconds: 2, timeoutMs: 5000 }), sockets);
      const report = await generator.run();
      expect(report.completed).toBeGreaterThan(0);
      expect(report.failures).toEqual({});
      expect(report.latenciesMs).toHaveLength(report.completed);
      expect(report.deletes.failed).toBe(0);
      expect(report.deletes.confirmed).toBe(report.deletes.sent);
      // The responder's own events agree: every child we counted was installed there too.
      expect(responder.counts['child-installed']).toBeGreaterThanOrEqual(report.completed);
      expect(responder.ikeSas()).toBe(0);
    } finally {
      await sockets.close();
    }
  });

  it('counts a wrong PSK as authentication failures, not as completed handshakes', async () => {
    responder = await startLocalResponder({ address: '127.0.0.1', psk: Buffer.from('another key'), id: RESPONDER_ID, clientId: CLIENT_ID });
    const sockets = await openIkeSockets('127.0.0.1', 0, 0);
    try {
      const generator = new LoadGenerator(localPlan(responder.port, { concurrency: 2, seconds: 1, timeoutMs: 2000 }), sockets);
      const report = await generator.run();
      expect(report.completed).toBe(0);
      expect(Object.keys(report.failures)).toEqual(['ERROR_IPSEC_IKE_AUTH_FAIL']);
    } finally {
      await sockets.close();
    }
  });

  describe('the built client (dist/bench/ike-load/client.js)', () => {
    const client = join(root, 'dist', 'bench', 'ike-load', 'client.js');
    beforeAll(() => {
      // Rebuild when the sources are newer than dist/; errors in others' files do not stop tsc emitting ours.
      const srcDir = join(root, 'bench', 'ike-load');
      const stale = readdirSync(srcDir).filter((f) => f.endsWith('.ts')).some((f) => {
        const built = join(root, 'dist', 'bench', 'ike-load', f.replace(/\.ts$/, '.js'));
        return !existsSync(built) || statSync(built).mtimeMs < statSync(join(srcDir, f)).mtimeMs;
      });
      if (stale) spawnSync(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-p', join(root, 'tsconfig.build.json')], { cwd: root, stdio: 'ignore' });
      if (!existsSync(client)) throw new Error('dist/ lacks the load client; run `npx tsc -p tsconfig.build.json`');
    }, 180_000);

    it('runs two worker processes for 2 s and prints a JSON report with completed handshakes', async () => {
      responder = await startLocalResponder({ address: '127.0.0.1', psk: PSK, id: RESPONDER_ID, clientId: CLIENT_ID });
      const args = [client, '--target', '127.0.0.1', '--port', String(responder.port), '--local', '127.0.0.1', '--nat-port', '0', '--workers', '2',
        '--concurrency', '8', '--seconds', '2', '--psk', `0x${PSK.toString('hex')}`, '--id', CLIENT_ID, '--remote-id', RESPONDER_ID, '--json'];
      const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
      let stdout = '';
      let stderr = '';
      child.stdout.setEncoding('utf8').on('data', (s: string) => { stdout += s; });
      child.stderr.setEncoding('utf8').on('data', (s: string) => { stderr += s; });
      const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
      expect({ code, stderr }).toEqual({ code: 0, stderr: '' });
      const report = JSON.parse(stdout) as LoadReport;
      expect(report.workers).toBe(2);
      expect(report.completed).toBeGreaterThan(0);
      expect(report.handshakesPerSecond).toBeCloseTo(report.completed / report.seconds, 6);
      expect(report.failed).toBe(0);
      expect(report.latency?.samples).toBe(report.completed);
      expect(responder.counts['child-installed']).toBeGreaterThanOrEqual(report.completed);
    }, 30_000);
  });
});
