// The sample capture in examples/ against what its scenario did to each frame: diagnose must
// give every ESP packet the verdict, code and cause the scenario intended; tshark (which we
// did not write) must decrypt what our ESP engine sealed, with the key file we wrote.
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../support/cli.js';
import { buildExampleScenario } from '../../scripts/example-scenario.js';
import { writeExample } from '../../scripts/make-example.js';
import { hasOracle } from '../support/oracle.js';
import { tsharkFields } from '../support/tshark.js';

interface JsonLine { frame: number; verdict: string; code: number | null; name: string | null; spi: string | null; cause: string | null; reason: string | null }

const dir = mkdtempSync(join(tmpdir(), 'ipsec-ts-example-'));
const written = writeExample(dir);
const scenario = buildExampleScenario();

describe('the sample capture', () => {
  it('is the one the scenario script writes (examples/ is up to date)', () => {
    expect(readFileSync(written.capture).equals(readFileSync('examples/tunnel.pcapng'))).toBe(true);
    expect(readFileSync(written.keys, 'utf8')).toBe(readFileSync('examples/esp_sa', 'utf8'));
  });

  it('gets, for every ESP packet, the verdict, code and cause the scenario intended', async () => {
    const r = await runCli(['diagnose', written.capture, '--keys', written.keys, '--json']);
    expect(r.code).toBe(1);
    const lines = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as JsonLine);
    const byFrame = new Map(lines.map((l) => [l.frame, l]));
    scenario.frames.forEach((f, i) => {
      const frame = i + 1;
      const got = byFrame.get(frame);
      const where = `frame ${frame}: ${f.intent.note}`;
      if (f.intent.verdict === 'not-esp' || f.intent.verdict === 'fragment') {
        expect(got, where).toBeUndefined();
        return;
      }
      expect(got, where).toBeDefined();
      expect(got!.verdict, where).toBe(f.intent.verdict);
      if (f.intent.verdict === 'dropped') {
        expect({ code: got!.code, cause: got!.cause, reason: got!.reason }, where)
          .toEqual({ code: f.intent.code, cause: f.intent.cause, reason: f.intent.reason });
      } else {
        expect(got!.code, where).toBeNull();
      }
    });
    expect(lines.length).toBe(scenario.frames.filter((f) => f.intent.verdict === 'delivered' || f.intent.verdict === 'dropped').length);
  });

  it('prints a table and a summary by error in text mode', async () => {
    const r = await runCli(['diagnose', written.capture, '--keys', written.keys]);
    expect(r.code).toBe(1);
    for (const cause of ['never-established', 'our-outbound-spi', 'wrong-destination', 'reserved', 'duplicate', 'too-old', 'esn-mismatch']) {
      expect(r.stdout).toContain(`  ${cause}: `);
    }
    expect(r.stdout).toMatch(/ERROR_IPSEC_BAD_SPI \(13910, 0x3656\)\s+4 packets/);
  });
});

describe.skipIf(!hasOracle('tshark'))('the sample capture in tshark', () => {
  it('decrypts, with our key file, every packet the scenario meant to be delivered', () => {
    const rows = tsharkFields(written.capture, readFileSync(written.keys, 'utf8'), ['frame.number', 'esp.spi', 'ip.src', 'ipv6.src', 'udp.srcport']);
    const inner = new Map(rows.map(([frame, , ip4, ip6, ports]) => [Number(frame), { ip4: ip4 ?? '', ip6: ip6 ?? '', ports: ports ?? '' }]));
    const delivered = scenario.frames.map((f, i) => ({ f, frame: i + 1 })).filter(({ f }) => f.intent.verdict === 'delivered' && !/dummy/.test(f.intent.note));
    expect(delivered.length).toBeGreaterThan(80);
    for (const { f, frame } of delivered) {
      const row = inner.get(frame)!;
      const where = `frame ${frame}: ${f.intent.note}`;
      // Tunnel mode: tshark shows the outer and the decrypted inner header; transport mode: the
      // decrypted UDP ports 7000/7001 sit after the outer UDP (if any).
      if (/transport/.test(f.intent.note)) expect(row.ports, where).toContain('7000');
      else if (/IPv6/.test(f.intent.note)) expect(row.ip6.split(','), where).toContain('2001:db8:1::1');
      else expect(row.ip4.split(',').some((a) => a.startsWith('10.')), where).toBe(true);
    }
  });

  it('finds, like us, that the tampered and the ESN packets do not authenticate with the keys', () => {
    // tshark checks the AES-GCM ICV only when asked to, and then reports esp.icv_good / icv_bad.
    const rows = tsharkFields(written.capture, readFileSync(written.keys, 'utf8'), ['frame.number', 'esp.icv_good', 'esp.icv_bad']);
    const icv = new Map(rows.map(([frame, good, bad]) => [Number(frame), { good: good ?? '', bad: bad ?? '' }]));
    const failing = scenario.frames.map((f, i) => ({ f, frame: i + 1 }))
      .filter(({ f }) => f.intent.reason === 'icv-mismatch' || f.intent.reason === 'esn-mismatch');
    expect(failing.length).toBe(3);
    for (const { f, frame } of failing) {
      const where = `frame ${frame}: ${f.intent.note}`;
      expect(icv.get(frame)?.good, where).not.toBe('1');
      // The tampered packet decrypts (GCM is a stream mode) and tshark marks its ICV bad; the ESN
      // packets do not even decrypt with the 32-bit AAD, so tshark shows no ICV result.
      if (f.intent.reason === 'icv-mismatch') expect(icv.get(frame)?.bad, where).toBe('1');
    }
    const sound = scenario.frames.findIndex((f) => /echo request 1 /.test(f.intent.note)) + 1;
    expect(icv.get(sound)?.good, 'a delivered GCM packet').toBe('1');
  });
});
