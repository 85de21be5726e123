// Failures of the environment, not of the input, end quietly: a reader that closes the pipe
// early (`| head`), and capture times no calendar date holds.
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { isoFromCapture } from '../../src/diagnose/time.js';
import { PcapWriter, timeFromMs } from '../../src/io/capture/writer.js';
import { LINKTYPE } from '../../src/io/capture/link.js';
import { buildIpv4 } from '../../src/packet/ipv4.js';

/** 20,000 ESP packets on an SPI no key knows: megabytes of JSON Lines, more than a pipe holds. */
function bigCapture(): string {
  const path = join(mkdtempSync(join(tmpdir(), 'ipsec-ts-pipe-')), 'big.pcap');
  const w = PcapWriter.create(path, { linkType: LINKTYPE.RAW });
  const esp = Buffer.alloc(64);
  esp.writeUInt32BE(0xdeadbeef, 0);
  for (let i = 1; i <= 20_000; i++) {
    esp.writeUInt32BE(i, 4);
    w.writePacket(buildIpv4({ src: '192.0.2.1', dst: '192.0.2.2', protocol: 50 }, esp), timeFromMs(1_800_000_000_000 + i));
  }
  w.close();
  return path;
}

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

describe('the diagnose command line', () => {
  it('ends without an error when its reader closes the pipe early (| head)', async () => {
    const child = spawn(process.execPath, [join(root, 'bin', 'ipsec-ts.js'), 'diagnose', bigCapture(), '--keys', join(root, 'examples', 'esp_sa'), '--json'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => { stderr += d.toString(); });
    child.stdout.once('data', () => child.stdout.destroy());
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    expect(stderr).not.toMatch(/EPIPE|Unhandled|internal error/);
    expect([0, 1]).toContain(code);
  });

  it('writes a capture time outside the calendar range as seconds since 1970 instead of failing', () => {
    expect(isoFromCapture(18446744073709, 551615000)).toBe('18446744073709.551615 s since 1970 (outside the calendar range)');
    expect(isoFromCapture(1_800_000_000, 1_000)).toBe('2027-01-15T08:00:00.000001Z');
  });
});
