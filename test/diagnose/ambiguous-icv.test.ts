// strongSwan's save-keys writes 'AES-GCM [RFC4106]' with 'ANY 64 bit authentication' for both
// 8- and 12-octet ICVs (its table maps ENCR_AES_GCM_ICV8 and ICV12 to 64 bits). diagnose lets
// the first packet decide, so an ICV-12 SA is not reported as a stream of integrity failures.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../support/cli.js';
import { createEspCipher } from '../../src/esp/cipher.js';
import { encapsulate } from '../../src/esp/encapsulate.js';
import { buildIpv4 } from '../../src/packet/ipv4.js';
import { buildUdp } from '../../src/packet/udp.js';
import { PcapWriter, timeFromMs } from '../../src/io/capture/writer.js';
import { LINKTYPE } from '../../src/io/capture/link.js';

const A = '198.51.100.1';
const B = '198.51.100.2';
const key = Buffer.from('000102030405060708090a0b0c0d0e0f10111213', 'hex');

async function run(icvLength: 8 | 12): Promise<{ code: number; stdout: string; stderr: string }> {
  const cipher = createEspCipher({ encryption: 'aes-gcm', keyBits: 128, icvLength, integrity: 'none' }, { encryptionKey: key, integrityKey: Buffer.alloc(0) });
  const dir = mkdtempSync(join(tmpdir(), 'ipsec-ts-icv-'));
  const w = PcapWriter.create(join(dir, 'c.pcap'), { linkType: LINKTYPE.RAW });
  for (let seq = 1; seq <= 3; seq++) {
    const inner = buildIpv4({ src: '10.0.0.1', dst: '10.0.0.2', protocol: 17 }, buildUdp({ srcPort: 1, dstPort: 2, src: '10.0.0.1', dst: '10.0.0.2' }, Buffer.from('x')));
    const esp = encapsulate(cipher, { spi: 0xc1c2c3c4, seqHi: 0, seqLo: seq, esn: false, nextHeader: 4, payload: inner });
    w.writePacket(buildIpv4({ src: A, dst: B, protocol: 50 }, esp), timeFromMs(1_800_000_000_000 + seq));
  }
  w.close();
  // Exactly the line strongSwan's save-keys writes for aes128gcm8 and for aes128gcm12.
  writeFileSync(join(dir, 'esp_sa'), `"IPv4","${A}","${B}","0xc1c2c3c4","AES-GCM [RFC4106]","0x${key.toString('hex')}","ANY 64 bit authentication [no checking]","0x"\n`);
  const { code, stdout, stderr } = await runCli(['diagnose', join(dir, 'c.pcap'), '--keys', join(dir, 'esp_sa'), '--json']);
  return { code, stdout, stderr };
}

describe("save-keys' ambiguous 'ANY 64 bit' AES-GCM line", () => {
  it('delivers an SA that really uses an 8-octet ICV', async () => {
    const r = await run(8);
    expect(r.code).toBe(0);
    expect(r.stdout.trim().split('\n').map((l) => (JSON.parse(l) as { verdict: string }).verdict)).toEqual(['delivered', 'delivered', 'delivered']);
  });

  it('delivers an SA that really uses a 12-octet ICV, and says it chose 12', async () => {
    const r = await run(12);
    expect(r.code).toBe(0);
    expect(r.stdout.trim().split('\n').map((l) => (JSON.parse(l) as { verdict: string }).verdict)).toEqual(['delivered', 'delivered', 'delivered']);
    expect(r.stderr).toMatch(/verify with a 12-octet ICV, not 8; using 12/);
  });
});
