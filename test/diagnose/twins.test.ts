// A packet captured on two interfaces is one packet, judged once; a copy on the same interface
// is a duplicate the receiver drops.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../support/cli.js';
import { createEspCipher } from '../../src/esp/cipher.js';
import { encapsulate } from '../../src/esp/encapsulate.js';
import { buildIpv4 } from '../../src/packet/ipv4.js';
import { buildUdp } from '../../src/packet/udp.js';
import { PcapngWriter, timeFromMs } from '../../src/io/capture/writer.js';
import { LINKTYPE } from '../../src/io/capture/link.js';
import { writeEspSaFile } from '../../src/io/keys/esp-sa-write.js';

const A = '198.51.100.1';
const B = '198.51.100.2';
const spec = { encryption: 'aes-gcm', keyBits: 128, icvLength: 16, integrity: 'none' } as const;
const keys = { encryptionKey: Buffer.alloc(20, 0x42), integrityKey: Buffer.alloc(0) };

function espFrame(seq: number): Buffer {
  const inner = buildIpv4({ src: '10.0.0.1', dst: '10.0.0.2', protocol: 17 }, buildUdp({ srcPort: 1, dstPort: 2, src: '10.0.0.1', dst: '10.0.0.2' }, Buffer.from(`p${seq}`)));
  const esp = encapsulate(createEspCipher(spec, keys), { spi: 0x5000, seqHi: 0, seqLo: seq, esn: false, nextHeader: 4, payload: inner });
  return buildIpv4({ src: A, dst: B, protocol: 17 }, buildUdp({ srcPort: 4500, dstPort: 4500, src: A, dst: B }, esp));
}

/** Writes frames as (interface, packet) pairs into a two-interface pcapng; returns the JSON lines. */
interface Line { frame: number; verdict: string; cause: string | null; twinOf: number | null }

async function diagnose(frames: [number, Buffer][]): Promise<{ code: number; lines: Line[]; stderr: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'ipsec-ts-twins-'));
  const capture = join(dir, 'c.pcapng');
  const w = PcapngWriter.create(capture, { interfaces: [{ linkType: LINKTYPE.ETHERNET, name: 'eth0' }, { linkType: LINKTYPE.ETHERNET, name: 'eth0.100' }] });
  frames.forEach(([iface, ip], i) => w.writePacket(iface, ip, timeFromMs(1_800_000_000_000 + i)));
  w.close();
  writeFileSync(join(dir, 'esp_sa'), writeEspSaFile([{ family: 4, src: A, dst: B, spi: 0x5000, transform: spec, keys }]));
  const { code, stdout, stderr } = await runCli(['diagnose', capture, '--keys', join(dir, 'esp_sa'), '--json']);
  return { code, lines: stdout.trim().split('\n').filter(Boolean).map((l) => JSON.parse(l) as Line), stderr };
}

describe('a packet captured on two interfaces', () => {
  it('is judged once, not reported as a replay: the second copy repeats the first verdict', async () => {
    const r = await diagnose([[0, espFrame(1)], [1, espFrame(1)], [0, espFrame(2)], [1, espFrame(2)]]);
    expect(r.code).toBe(0);
    expect(r.lines.map((l) => [l.frame, l.verdict, l.twinOf])).toEqual([[1, 'delivered', null], [2, 'delivered', 1], [3, 'delivered', null], [4, 'delivered', 3]]);
    expect(r.stderr).toContain('2 ESP packets captured a second time on another interface');
  });

  it('is still a duplicate when both copies came in on the same interface', async () => {
    const r = await diagnose([[0, espFrame(1)], [0, espFrame(1)]]);
    expect(r.code).toBe(1);
    expect(r.lines.map((l) => [l.frame, l.verdict, l.cause, l.twinOf])).toEqual([[1, 'delivered', null, null], [2, 'dropped', 'duplicate', null]]);
  });
});
