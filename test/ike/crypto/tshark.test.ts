// Wireshark decrypts what we seal: an IKE_AUTH-like message per transform is written to a pcap
// with its keys in tshark's ikev2_decryption_table UAT file, and tshark must show the inner
// payloads (an IDi with an FQDN) and a correct checksum. (Wireshark 4.0 has no ChaCha20 for IKE.) Skipped visibly without tshark (oracle.ts).
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { SkSealer } from '../../../src/ike/crypto/sk.js';
import type { EncrSpec, IntegSpec } from '../../../src/ike/crypto/transforms.js';
import { encrSpec, integSpec } from '../../../src/ike/crypto/transforms.js';
import { EXCHANGE, ENCR, ID_TYPE, INTEG, PAYLOAD } from '../../../src/ike/message/numbers.js';
import { LINKTYPE } from '../../../src/io/capture/link.js';
import { encodePcapHeader, encodePcapRecord } from '../../../src/io/capture/writer.js';
import { hasOracle } from '../../support/oracle.js';

// Wireshark's names for the transforms (epan/dissectors/packet-isakmp.c, vs_ikev2_encr_algs / vs_ikev2_auth_algs).
const CASES: readonly { encr: EncrSpec; integ: IntegSpec | null; wsEncr: string; wsInteg: string }[] = [
  { encr: encrSpec(ENCR.AES_CBC, 128)!, integ: integSpec(INTEG.HMAC_SHA2_256_128)!, wsEncr: 'AES-CBC-128 [RFC3602]', wsInteg: 'HMAC_SHA2_256_128 [RFC4868]' },
  { encr: encrSpec(ENCR.AES_CBC, 256)!, integ: integSpec(INTEG.HMAC_SHA2_512_256)!, wsEncr: 'AES-CBC-256 [RFC3602]', wsInteg: 'HMAC_SHA2_512_256 [RFC4868]' },
  { encr: encrSpec(ENCR.AES_GCM_16, 256)!, integ: null, wsEncr: 'AES-GCM-256 with 16 octet ICV [RFC5282]', wsInteg: 'NONE [RFC4306]' },
  { encr: encrSpec(ENCR.AES_GCM_8, 128)!, integ: null, wsEncr: 'AES-GCM-128 with 8 octet ICV [RFC5282]', wsInteg: 'NONE [RFC4306]' },
  { encr: encrSpec(ENCR.AES_CBC, 192)!, integ: integSpec(INTEG.HMAC_SHA2_384_192)!, wsEncr: 'AES-CBC-192 [RFC3602]', wsInteg: 'HMAC_SHA2_384_192 [RFC4868]' },
  { encr: encrSpec(ENCR.AES_GCM_12, 192)!, integ: null, wsEncr: 'AES-GCM-192 with 12 octet ICV [RFC5282]', wsInteg: 'NONE [RFC4306]' },
];

const dir = mkdtempSync(join(tmpdir(), 'ike-crypto-tshark-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** RFC 7296 3.5: IDi = generic header, ID Type, 3 reserved octets, the identity. */
function idiPayload(fqdn: string): Buffer {
  const id = Buffer.from(fqdn);
  const out = Buffer.alloc(8 + id.length);
  out.writeUInt16BE(out.length, 2);
  out[4] = ID_TYPE.ID_FQDN;
  id.copy(out, 8);
  return out;
}

/** IPv4/UDP 500 -> 500 around an IKE message (UDP checksum 0: none, RFC 768). */
function ipUdp(ike: Buffer): Buffer {
  const ip = Buffer.alloc(28);
  ip[0] = 0x45;
  ip.writeUInt16BE(ip.length + ike.length, 2);
  ip[8] = 64;
  ip[9] = 17;
  ip.set([192, 0, 2, 1], 12);
  ip.set([192, 0, 2, 2], 16);
  ip.writeUInt16BE(500, 20);
  ip.writeUInt16BE(500, 22);
  ip.writeUInt16BE(8 + ike.length, 24);
  return Buffer.concat([ip, ike]);
}

interface Sealed { readonly label: string; readonly fqdn: string; readonly packet: Buffer; readonly row: string }

/** Seals one IDi with case `c` and returns the packet and its ikev2_decryption_table row. */
function sealCase(c: (typeof CASES)[number], n: number): Sealed {
  const spiI = randomBytes(8);
  const spiR = randomBytes(8);
  const encKey = randomBytes(c.encr.keymatLength);
  const integKey = c.integ === null ? null : randomBytes(c.integ.keyLength);
  const fqdn = `peer${n}.example.net`;
  const ike = new SkSealer({ encr: c.encr, encKey, integ: c.integ, integKey }).seal(
    { initiatorSpi: spiI, responderSpi: spiR, nextPayload: PAYLOAD.SK, exchangeType: EXCHANGE.IKE_AUTH, initiator: true, response: false, messageId: 1 },
    PAYLOAD.IDi, idiPayload(fqdn),
  );
  // SPIi, SPIr, SK_ei, SK_er, encryption, SK_ai, SK_ar, integrity; the message goes initiator -> responder,
  // so the responder's keys are random filler.
  const filler = (len: number): string => randomBytes(len).toString('hex');
  const row = [spiI.toString('hex'), spiR.toString('hex'), encKey.toString('hex'), filler(encKey.length), `"${c.wsEncr}"`,
    integKey === null ? '' : integKey.toString('hex'), integKey === null ? '' : filler(integKey.length), `"${c.wsInteg}"`].join(',');
  return { label: `${c.encr.name}${c.integ === null ? '' : `-${c.integ.name}`}`, fqdn, packet: ipUdp(ike), row };
}

/** tshark -V over all packets, with the rows in a throw-away profile's ikev2_decryption_table; one text per frame. */
function tsharkFrames(sealed: readonly Sealed[], rows: readonly string[]): string[] {
  const opts = { linkType: LINKTYPE.RAW };
  const pcap = join(dir, 'sk.pcap');
  writeFileSync(pcap, Buffer.concat([encodePcapHeader(opts), ...sealed.map((s, i) => encodePcapRecord(s.packet, { seconds: 1_700_000_000 + i, nanoseconds: 0 }, opts))]));
  const config = join(dir, 'config');
  mkdirSync(join(config, 'wireshark'), { recursive: true });
  writeFileSync(join(config, 'wireshark', 'ikev2_decryption_table'), rows.map((r) => `${r}\n`).join(''));
  const r = spawnSync('tshark', ['-r', pcap, '-V'], { encoding: 'utf8', env: { ...process.env, HOME: dir, XDG_CONFIG_HOME: config } });
  if (r.status !== 0) throw new Error(`tshark failed (${r.status}): ${r.stderr}`);
  return r.stdout.split(/^Frame \d+:/m).slice(1);
}

describe.skipIf(!hasOracle('tshark'))('tshark decrypts our Encrypted payloads', () => {
  it('shows the inner IDi and a correct ICV for every transform it knows (AES-CBC + HMAC-SHA2, AES-GCM)', () => {
    const sealed = CASES.map(sealCase);
    const frames = tsharkFrames(sealed, sealed.map((s) => s.row));
    expect(frames.length).toBe(sealed.length);
    sealed.forEach((s, i) => {
      const text = frames[i]!;
      expect({ label: s.label, decrypted: text.includes(`ID_FQDN: ${s.fqdn}`) }).toEqual({ label: s.label, decrypted: true });
      expect({ label: s.label, icv: /Integrity Checksum Data: [0-9a-f]+ .*\[correct\]/.test(text) }).toEqual({ label: s.label, icv: true });
    });
  });

  it('shows nothing decrypted when the table holds other keys (the check above is not vacuous)', () => {
    const sealed = [sealCase(CASES[0]!, 0), sealCase(CASES[2]!, 2)];
    const wrong = [sealCase(CASES[0]!, 0), sealCase(CASES[2]!, 2)].map((w, i) => {
      const fields = w.row.split(',');
      const real = sealed[i]!.row.split(',');
      return [real[0], real[1], ...fields.slice(2)].join(',');
    });
    const frames = tsharkFrames(sealed, wrong);
    frames.forEach((text, i) => expect(text.includes(`ID_FQDN: ${sealed[i]!.fqdn}`)).toBe(false));
  });
});
