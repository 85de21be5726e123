// The IKE verbs against two real endpoints on loopback, each with the daemon's IKE runtime
// (src/endpoint/ike-runtime.ts): west has the control socket, east is the peer. IKE runs over
// real UDP on the ESP port (non-ESP marker, RFC 3948 2.2); the CLI is the real commander wiring.
import { statSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectControl } from '../../src/endpoint/control/client.js';
import { ControlRemoteError } from '../../src/endpoint/control/client.js';
import type { IkeEventRecord, IkeSaSummary } from '../../src/endpoint/control/handlers.js';
import { startControlServer } from '../../src/endpoint/control/server.js';
import type { ControlServer } from '../../src/endpoint/control/server.js';
import { createControlHandlers } from '../../src/endpoint/control-handlers.js';
import { IpsecEndpoint } from '../../src/endpoint/endpoint.js';
import { startIkeRuntime } from '../../src/endpoint/ike-runtime.js';
import type { IkeRuntime } from '../../src/endpoint/ike-runtime.js';
import { silentLog } from '../../src/endpoint/ports.js';
import { transformName } from '../../src/config/transform-names.js';
import { buildIpv4 } from '../../src/packet/ipv4.js';
import { SETTINGS, connection } from '../ike/support/ike-pair.js';
import { runVerbs, tempDir } from './support.js';
import type { TempDir } from './support.js';

const WEST = '127.0.0.1';
const EAST = '127.0.0.2';

let t: TempDir;
let path: string;
let west: IpsecEndpoint;
let east: IpsecEndpoint;
let westIke: IkeRuntime;
let eastIke: IkeRuntime;
let server: ControlServer;

beforeAll(async () => {
  t = tempDir();
  path = join(t.dir, 'control.sock');
  west = await IpsecEndpoint.open({ listen: { address: WEST, port: 0 } });
  east = await IpsecEndpoint.open({ listen: { address: EAST, port: 0 } });
  const toEast = { localAddress: WEST, remoteAddress: EAST, remotePort: east.listen.port };
  westIke = await startIkeRuntime(west, [
    connection('a', { name: 'west-east', ...toEast }),
    // Same peer, another key: east picks its west-east connection by our identity and refuses AUTH.
    connection('a', { name: 'west-wrongkey', ...toEast, psk: Buffer.from('not the key east has') }),
    // Nobody answers on 127.0.0.3 (the port is east's, but not the address).
    connection('a', { name: 'west-nowhere', ...toEast, remoteAddress: '127.0.0.3' }),
  ], SETTINGS, silentLog);
  eastIke = await startIkeRuntime(east, [connection('b', { name: 'east-west', localAddress: EAST, remoteAddress: WEST, remotePort: west.listen.port })], SETTINGS, silentLog);
  server = await startControlServer({
    path,
    handlers: createControlHandlers({
      endpoint: west, version: '0.0.0-test', configFile: null, stateDir: null, persistence: null, tun: null,
      parseSaEntry: () => ({ ok: false, errors: ['not in this test'] }), parsePolicyEntry: () => ({ ok: false, errors: ['not in this test'] }),
      transformName, ike: westIke,
    }),
  });
});

afterAll(async () => {
  await server.close();
  await westIke.close();
  await eastIke.close();
  await west.close();
  await east.close();
  t.remove();
});

const run = (...args: string[]) => runVerbs([...args, '--socket', path]);

async function ikeList(): Promise<IkeSaSummary[]> {
  const c = await connectControl(path);
  try {
    return (await c.call('ike.list')) as IkeSaSummary[];
  } finally {
    c.close();
  }
}

const eastEstablished = () => eastIke.manager.all().filter((sa) => sa.state === 'established');

async function until(what: string, ok: () => boolean, ms = 3000): Promise<void> {
  const end = Date.now() + ms;
  while (!ok()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** One inner UDP packet from west's protected subnet to east's. */
function innerPacket(): Buffer {
  const udp = Buffer.alloc(8 + 12);
  udp.writeUInt16BE(40000, 0);
  udp.writeUInt16BE(7, 2);
  udp.writeUInt16BE(udp.length, 4);
  udp.write('hello, east!', 8);
  return buildIpv4({ src: '10.1.0.5', dst: '10.2.0.5', protocol: 17 }, udp);
}

describe('ipsec-ts initiate, sa list, status, rekey, terminate against a live IKE peer', () => {
  it('initiate waits for the IKE SA and its CHILD_SA, prints both, and the peer holds the mirror image', async () => {
    const r = await run('initiate', 'west-east');
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines[0]).toBe('initiating IKE_SA west-east[1] with CHILD_SA net');
    expect(lines[1]).toMatch(new RegExp(`^IKE_SA west-east\\[1\\] established with ${EAST.replace(/\./g, '\\.')}:${east.listen.port} \\(initiator, \\S+\\)$`));
    const child = /^CHILD_SA net\{(\d+)\} established with SPIs ([0-9a-f]{8})_i ([0-9a-f]{8})_o \(\S+\), 10\.1\.0\.0\/24 === 10\.2\.0\.0\/24$/.exec(lines[2]!);
    expect(child).not.toBeNull();
    // East (the peer) sends on what we receive on, and the other way round.
    const [peer] = eastEstablished();
    expect(peer?.liveChildren().map((c) => [c.spiOut.toString(16).padStart(8, '0'), c.spiIn.toString(16).padStart(8, '0')])).toEqual([[child![2], child![3]]]);
  });

  it('ike.list reports the IKE SA and its child with the endpoint\'s SA counters', async () => {
    expect(west.send(innerPacket()).verdict).toBe('protected');
    await until('east to decrypt the packet', () => east.sad.list().some((s) => s.config.direction === 'inbound' && s.packets === 1));
    const [sa] = await ikeList();
    const peer = eastEstablished()[0]!;
    expect(sa).toMatchObject({
      uniqueId: 1, label: 'west-east[1]', connection: 'west-east', state: 'established', role: 'initiator',
      local: { address: WEST, port: west.listen.port }, remote: { address: EAST, port: east.listen.port },
      localId: 'a@example.com', remoteId: 'b@example.com',
      spiI: peer.spiI.toString('hex'), spiR: peer.spiR.toString('hex'),
    });
    expect(sa!.proposal).toBe('aes128gcm16/prfsha256/curve25519');
    expect(sa!.establishedAt).toBeGreaterThan(Date.now() - 60_000);
    const c = sa!.children[0]!;
    expect(c).toMatchObject({ name: 'net', label: `net{${c.uniqueId}}`, state: 'installed', mode: 'tunnel', localTs: ['10.1.0.0/24'], remoteTs: ['10.2.0.0/24'], packetsOut: 1, packetsIn: 0 });
    const eastIn = east.sad.list().find((s) => s.config.direction === 'inbound')!;
    expect(c.spiOut).toBe(`0x${eastIn.spi.toString(16).padStart(8, '0')}`);
    expect(c.bytesOut).toBeGreaterThan(0);
    expect(c.reqid).toBeGreaterThanOrEqual(0x10000);
    expect(c.expireAt).toBeGreaterThan(c.rekeyAt);
  });

  it('sa list prints the IKE SA the way swanctl --list-sas does, then the installed ESP SAs', async () => {
    const r = await run('sa', 'list');
    expect(r.code).toBe(0);
    const [sa] = await ikeList();
    const c = sa!.children[0]!;
    const lines = r.stdout.split('\n');
    expect(lines[0]).toBe(`west-east: #1, ESTABLISHED, IKEv2, ${sa!.spiI}_i* ${sa!.spiR}_r`);
    expect(lines[1]).toBe(`  local  'a@example.com' @ ${WEST}[${west.listen.port}]`);
    expect(lines[2]).toBe(`  remote 'b@example.com' @ ${EAST}[${east.listen.port}]`);
    expect(lines[3]).toBe(`  ${sa!.proposal}`);
    expect(lines[4]).toMatch(/^ {2}established \d+s ago$/);
    expect(lines[5]).toBe(`  net: #${c.uniqueId}, reqid ${c.reqid}, INSTALLED, TUNNEL-in-UDP, ESP:${c.proposal}`);
    expect(lines[6]).toMatch(/^ {4}installed \d+s ago, rekeying in \d+s, expires in \d+s$/);
    expect(lines[7]).toMatch(new RegExp(`^ {4}in  ${c.spiIn.slice(2)}, +0 bytes, +0 packets$`));
    expect(lines[8]).toMatch(new RegExp(`^ {4}out ${c.spiOut.slice(2)}, +${c.bytesOut} bytes, +1 packets$`));
    expect(lines[9]).toBe('    local  10.1.0.0/24');
    expect(lines[10]).toBe('    remote 10.2.0.0/24');
    expect(lines[11]).toBe('');
    expect(lines[12]).toMatch(/^NAME\s+DIR\s+SPI/);
    expect(r.stdout).toMatch(new RegExp(`net\\{${c.uniqueId}\\} out\\s+out\\s+${c.spiOut}`));
    const json = JSON.parse((await run('sa', 'list', '--json')).stdout) as { ike: IkeSaSummary[]; installed: unknown[] };
    expect(json.ike.map((s) => s.label)).toEqual(['west-east[1]']);
    expect(json.installed).toHaveLength(2);
  });

  it('status counts the connections, the IKE SAs by state and the CHILD_SAs', async () => {
    const r = await run('status');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('IKE:        3 connections; IKE SAs: 1 established; 1 CHILD_SA\n');
    expect(JSON.parse((await run('status', '--json')).stdout).ike).toEqual({ connections: 3, ikeSas: { established: 1 }, childSas: 1 });
  });

  it('ike.events follows live events, filtered by connection', async () => {
    const c = await connectControl(path);
    const seen: IkeEventRecord[] = [];
    await c.follow('ike.events', { connection: 'west-east' }, (e) => { seen.push(e as IkeEventRecord); });
    const r = await run('rekey', 'west-east');
    await until('the follower to see the rekey', () => seen.some((e) => e.type === 'child-installed'));
    c.close();
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^rekeying CHILD_SA net\{\d+\}\nCHILD_SA net\{\d+\} rekeyed: new SPIs [0-9a-f]{8}_i [0-9a-f]{8}_o \(\S+\), replaces [0-9a-f]{8}\n$/);
    const installed = seen.find((e) => e.type === 'child-installed')!;
    expect(installed).toMatchObject({ connection: 'west-east', ikeSa: 'west-east[1]', child: 'net' });
    expect(installed.at).toBeGreaterThan(Date.now() - 60_000);
    expect('spiIn' in installed && installed.spiIn).toMatch(/^0x[0-9a-f]{8}$/);
    expect('rekeyOf' in installed && installed.rekeyOf).toMatch(/^0x[0-9a-f]{8}$/);
    // ike.events (no follow) lists the same event by id.
    const list = await connectControl(path);
    const past = (await list.call('ike.events', { after: installed.id - 1, limit: 1 })) as IkeEventRecord[];
    list.close();
    expect(past).toEqual([installed]);
  });

  it('keys export writes the esp_sa file and, beside it, the ikev2_decryption_table, both 0600', async () => {
    const file = join(t.dir, 'esp_sa');
    const r = await run('keys', 'export', '-o', file);
    expect(r.code).toBe(0);
    const tableFile = join(t.dir, 'ikev2_decryption_table');
    expect(r.stderr).toContain(`warning: ${file} and ${tableFile} hold key material`);
    expect(r.stderr).toContain(`wrote the keys of 1 IKE SA(s) to ${tableFile}`);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(statSync(tableFile).mode & 0o777).toBe(0o600);
    const [sa] = await ikeList();
    const rows = readFileSync(tableFile, 'utf8').split('\n').filter((l) => l !== '' && !l.startsWith('#'));
    const row = rows.find((l) => l.startsWith(`${sa!.spiI},${sa!.spiR},`))!;
    // Wireshark's own spelling for AES-GCM-16 with a 128-bit key, and NONE for the AEAD's integrity.
    expect(row.split(',')).toEqual([sa!.spiI, sa!.spiR, expect.stringMatching(/^[0-9a-f]{40}$/), expect.stringMatching(/^[0-9a-f]{40}$/),
      '"AES-GCM-128 with 16 octet ICV [RFC5282]"', '', '', '"NONE [RFC4306]"']);
  });

  it('terminate deletes the IKE SA, waits until it is closed, and the peer lets go of it too', async () => {
    const r = await run('terminate', 'west-east');
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('deleting IKE_SA west-east[1]\nIKE_SA west-east[1] closed: terminated by the operator\n');
    await until('east to close its IKE SA', () => eastEstablished().length === 0);
    const list = await run('sa', 'list');
    expect(list.stdout).toContain('No IKE SA is up (`ipsec-ts initiate <connection>` starts one).\n');
  });
});

describe('the IKE verbs refuse with the reason (exit 1), or with a usage error (exit 2)', () => {
  it('initiate of an unknown connection or child names what exists', async () => {
    const r = await run('initiate', 'nope');
    expect(r.code).toBe(1);
    expect(r.stderr).toBe("ipsec-ts: the daemon refused (not-found): no connection named 'nope'; the configured ones are: west-east, west-wrongkey, west-nowhere\n");
    const child = await run('initiate', 'west-east', '--child', 'nope');
    expect(child.code).toBe(1);
    expect(child.stderr).toMatch(/^ipsec-ts: the daemon refused \(invalid\): connection west-east has no child nope \(13825 ERROR_IPSEC_IKE_NO_POLICY\)\. Add a child/);
  });

  it('initiate reports an authentication failure with its Windows code and exits 1', async () => {
    const r = await run('initiate', 'west-wrongkey');
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^ipsec-ts initiate: IKE_SA west-wrongkey\[\d+\] failed with 127\.0\.0\.2:\d+ \(13801 ERROR_IPSEC_IKE_AUTH_FAIL\): /);
  });

  it('initiate gives up after --timeout when the peer does not answer, saying where the IKE SA stands', async () => {
    const started = Date.now();
    const r = await run('initiate', 'west-nowhere', '--timeout', '0.4');
    expect(r.code).toBe(1);
    expect(Date.now() - started).toBeLessThan(3000);
    expect(r.stderr).toMatch(/^ipsec-ts initiate: no outcome within 0\.4 s: IKE_SA west-nowhere\[\d+\] is init-sent; the peer may still answer/);
    expect(westIke.manager.terminate('west-nowhere')).toBe(1);
  });

  it('terminate and rekey of a connection without SAs say there is nothing to do', async () => {
    const t1 = await run('terminate', 'west-east');
    expect(t1.code).toBe(1);
    expect(t1.stderr).toBe('ipsec-ts: the daemon refused (not-found): connection west-east has no IKE SA up: nothing to terminate (`ipsec-ts initiate west-east` starts one)\n');
    const r1 = await run('rekey', 'west-east');
    expect(r1.code).toBe(1);
    expect(r1.stderr).toContain('connection west-east has no installed CHILD_SA to rekey');
  });

  it('a bad --timeout is a usage error and reaches no daemon', async () => {
    const r = await runVerbs(['initiate', 'west-east', '--timeout', 'soon', '--socket', join(t.dir, 'nothing-here.sock')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe("ipsec-ts initiate: --timeout 'soon' must be a number of seconds above 0 and at most 3600\n");
  });

  it('with no daemon listening, every IKE verb exits 2', async () => {
    for (const verb of ['initiate', 'terminate', 'rekey']) {
      const r = await runVerbs([verb, 'west-east', '--socket', join(t.dir, 'nothing-here.sock')]);
      expect({ verb, code: r.code }).toEqual({ verb, code: 2 });
      expect(r.stderr).toContain('no daemon is listening on');
    }
  });

  it('wrong params of the ike methods are bad requests that name the field', async () => {
    const c = await connectControl(path);
    const refused = async (method: 'ike.initiate' | 'ike.events', params: Record<string, unknown>): Promise<string> => {
      try {
        await c.call(method, params);
      } catch (err) {
        if (err instanceof ControlRemoteError) return `${err.code}: ${err.message}`;
      }
      return 'accepted';
    };
    expect(await refused('ike.initiate', {})).toBe('bad-request: ike.initiate needs params.connection: the name of a connection (connections: in the config)');
    expect(await refused('ike.initiate', { connection: 'west-east', child: 7 })).toBe("bad-request: ike.initiate needs params.child: the name of one of the connection's children");
    expect(await refused('ike.events', { after: -1 })).toMatch(/^bad-request: ike\.events: params\.after must be an event id/);
    expect(await refused('ike.events', { limit: 0 })).toMatch(/^bad-request: ike\.events: params\.limit must be a whole number from 1 to 10000$/);
    expect(await refused('ike.events', { follow: 'yes' })).toBe('bad-request: ike.events: params.follow must be true or false');
    c.close();
  });
});
