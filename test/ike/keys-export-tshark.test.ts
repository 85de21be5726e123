// The IKE half of `ipsec-ts keys export`, checked by Wireshark: two IkeManagers run a real
// IKE_SA_INIT + IKE_AUTH over the in-memory wire, the datagrams go into a pcap as IPv4/UDP 4500
// (with the non-ESP marker, RFC 3948 2.2), and tshark, given only the ikev2_decryption_table
// the control handlers export, must show the IDi and AUTH payloads inside the encrypted IKE_AUTH.
// A table with other keys must show nothing (the check is not vacuous). Skipped visibly without
// tshark, unless IPSEC_TS_REQUIRE_ORACLES=1 (support/oracle.ts).
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createIkeHandlers } from '../../src/endpoint/control/ike-handlers.js';
import type { IkeDatagram } from '../../src/ike/ports.js';
import { LINKTYPE } from '../../src/io/capture/link.js';
import { encodePcapHeader, encodePcapRecord } from '../../src/io/capture/writer.js';
import { buildIpv4 } from '../../src/packet/ipv4.js';
import { hasOracle } from '../support/oracle.js';
import { IkePair, connection, proposals } from './support/ike-pair.js';

const dir = mkdtempSync(join(tmpdir(), 'keys-export-tshark-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Runs IKE_SA_INIT + IKE_AUTH and returns every datagram in the order it went on the wire. */
function establish(pair: IkePair): IkeDatagram[] {
  const wire: IkeDatagram[] = [];
  expect(pair.a.manager.initiate('a-b').ok).toBe(true);
  for (let round = 0; round < 20; round++) {
    const fromA = pair.take(pair.a);
    const fromB = pair.take(pair.b);
    if (fromA.length + fromB.length === 0) break;
    for (const d of [...fromA, ...fromB]) if (!('espSpi' in d)) wire.push(d);
    pair.hand(pair.a, fromA);
    pair.hand(pair.b, fromB);
  }
  expect(pair.a.host.eventsOf('ike-established')).toHaveLength(1);
  return wire;
}

/** IPv4/UDP around an IKE message; on port 4500 it follows the 4-octet non-ESP marker. */
function ipUdp(d: IkeDatagram): Buffer {
  const marker = d.remote.port === 4500 ? Buffer.alloc(4) : Buffer.alloc(0);
  const udp = Buffer.alloc(8);
  udp.writeUInt16BE(d.local.port, 0);
  udp.writeUInt16BE(d.remote.port, 2);
  udp.writeUInt16BE(8 + marker.length + d.bytes.length, 4);
  // Checksum 0: none (RFC 768), which tshark accepts without complaint.
  return buildIpv4({ src: d.local.address, dst: d.remote.address, protocol: 17 }, Buffer.concat([udp, marker, d.bytes]));
}

/** The table exactly as `ipsec-ts keys export` gets it from the daemon's handlers. */
function exportedTable(pair: IkePair): string {
  const handlers = createIkeHandlers({ manager: pair.a.manager, host: { recent: [], onEvent: () => undefined, now: () => pair.clock.now } }, () => null);
  const exported = handlers.ikeKeysExport();
  expect(exported?.ikeSas).toBe(1);
  return exported!.text;
}

/** tshark -V over the capture with `table` as the profile's ikev2_decryption_table; one text per frame. */
function tsharkFrames(name: string, wire: readonly IkeDatagram[], table: string): string[] {
  const opts = { linkType: LINKTYPE.RAW };
  const pcap = join(dir, `${name}.pcap`);
  writeFileSync(pcap, Buffer.concat([encodePcapHeader(opts), ...wire.map((d, i) => encodePcapRecord(ipUdp(d), { seconds: 1_700_000_000 + i, nanoseconds: 0 }, opts))]));
  const config = join(dir, name);
  mkdirSync(join(config, 'wireshark'), { recursive: true });
  writeFileSync(join(config, 'wireshark', 'ikev2_decryption_table'), table);
  const r = spawnSync('tshark', ['-r', pcap, '-V'], { encoding: 'utf8', env: { ...process.env, HOME: dir, XDG_CONFIG_HOME: config } });
  if (r.status !== 0) throw new Error(`tshark failed (${r.status}): ${r.stderr}`);
  return r.stdout.split(/^Frame \d+:/m).slice(1);
}

const CASES = [
  { name: 'aes-gcm', ike: 'aes128gcm16-prfsha256-x25519', column: '"AES-GCM-128 with 16 octet ICV [RFC5282]"' },
  { name: 'aes-cbc-hmac', ike: 'aes256-sha384-prfsha256-x25519', column: '"AES-CBC-256 [RFC3602]"' },
] as const;

describe.skipIf(!hasOracle('tshark'))('tshark decrypts our IKE_AUTH with the exported ikev2_decryption_table', () => {
  for (const c of CASES) {
    it(`shows IDi and AUTH of the IKE_AUTH request and IDr of the response (${c.ike})`, () => {
      const pair = new IkePair([connection('a', { ikeProposals: proposals('ike', c.ike) })], [connection('b', { ikeProposals: proposals('ike', c.ike) })]);
      const wire = establish(pair);
      const table = exportedTable(pair);
      expect(table).toContain(c.column);
      const frames = tsharkFrames(c.name, wire, table);
      expect(frames).toHaveLength(4);
      const [, , authRequest, authResponse] = frames;
      expect(authRequest).toContain('Exchange type: IKE_AUTH (35)');
      for (const f of [authRequest, authResponse]) expect(f).toMatch(/Integrity Checksum Data: [0-9a-f]+ \(\d+ bytes\)( <[^>]+>)?\[correct\]/);
      expect(authRequest).toMatch(/Payload: Identification - Initiator \(35\)[\s\S]*a@example\.com/);
      expect(authRequest).toContain('Payload: Authentication (39)');
      expect(authResponse).toMatch(/Payload: Identification - Responder \(36\)[\s\S]*b@example\.com/);
    });
  }

  it('shows a failed ICV and no identity when the table holds another IKE SA\'s keys', () => {
    const pair = new IkePair();
    const wire = establish(pair);
    const other = new IkePair();
    establish(other);
    const foreign = exportedTable(other).split('\n');
    // Our SPIs, their keys: tshark finds the row but cannot decrypt with it.
    const ours = exportedTable(pair).split('\n')[1]!.split(',');
    const theirs = foreign[1]!.split(',');
    const table = `${foreign[0]}\n${[ours[0], ours[1], ...theirs.slice(2)].join(',')}\n`;
    const frames = tsharkFrames('wrong-keys', wire, table);
    expect(frames[2]).toContain('Exchange type: IKE_AUTH (35)');
    // tshark still dissects the garbage after the SK header's Next Payload; what shows the keys are
    // wrong is the ICV and the missing identity.
    expect(frames[2]).toMatch(/Integrity Checksum Data: [0-9a-f]+ \(\d+ bytes\)\[incorrect/);
    expect(frames[2]).not.toContain('a@example.com');
  });
});
