// The bar test between two ipsec-ts daemons (namespaces A and B, inner addresses on their TUN
// devices): consecutive CHILD_SA rekeys, alternating the side that starts them, under a 50 ms ping,
// with no BAD_SPI drop on either side. The same count as against strongSwan (strongswan.test.ts):
// IPSEC_TS_INTEROP_REKEYS, 100 unless set.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { NetnsPair } from '../support/netns.js';
import { INNER_A, INNER_B, INNER_NET_A, INNER_NET_B, OUTER_A, OUTER_B, createNetnsPair, requireNetns } from '../support/netns.js';
import type { Daemon } from '../netns/support.js';
import { cliMissingReason, sleep, waitFor, writePrivate } from '../netns/support.js';
import { ctl, dropsSince, installedChildren, startPing, startTsDaemon, tsDaemonYaml } from './ipsec-ts.js';
import { rekeyInOrder } from './rekeys.js';

function canRun(): boolean {
  if (!requireNetns('IKEv2 rekey bar test between two ipsec-ts daemons (test/interop)')) return false;
  const missing = cliMissingReason();
  if (missing === null) return true;
  if (process.env.CI === '1' || process.env.IPSEC_TS_REQUIRE_ORACLES === '1') throw new Error(`interop tests: ${missing}`);
  console.warn(`\n*** interop tests: ${missing}; SKIPPED ***\n`);
  return false;
}
const ok = canRun();
const REKEYS = Number(process.env.IPSEC_TS_INTEROP_REKEYS ?? 100);
const PSK = 'ipsec-ts-pair-psk-0123456789abcdef';

describe.skipIf(!ok)('two ipsec-ts daemons negotiating IKEv2 with each other', () => {
  let pair: NetnsPair;
  let parent: string;
  let a: Daemon;
  let b: Daemon;

  beforeAll(async () => {
    parent = mkdtempSync(join(tmpdir(), 'interop-pair-'));
    pair = await createNetnsPair({ inner: 'none', parentDir: parent });
    const yaml = (side: 'a' | 'b'): string => {
      const me = side === 'a';
      return writePrivate(join(pair.dir, `${side}.yaml`), tsDaemonYaml({
        stateDir: join(pair.dir, side), tunAddress: me ? INNER_A : INNER_B, route: me ? INNER_NET_B : INNER_NET_A,
        connection: {
          name: me ? 'a-b' : 'b-a', localAddress: me ? OUTER_A : OUTER_B, remoteAddress: me ? OUTER_B : OUTER_A,
          localId: me ? 'a.pair.test' : 'b.pair.test', remoteId: me ? 'b.pair.test' : 'a.pair.test',
          auth: { kind: 'psk', secret: PSK }, proposal: 'aes128gcm16-prfsha256-x25519',
          child: { name: 'net', localTs: me ? INNER_NET_A : INNER_NET_B, remoteTs: me ? INNER_NET_B : INNER_NET_A, espProposal: 'aes128gcm16', startAction: me ? 'start' : 'none' },
        },
      }));
    };
    // B first: A initiates as soon as it is up.
    b = await startTsDaemon(pair.b, yaml('b'), join(pair.dir, 'b', 'control.sock'), 'ipsec-ts-b');
    a = await startTsDaemon(pair.a, yaml('a'), join(pair.dir, 'a', 'control.sock'), 'ipsec-ts-a');
  });
  afterAll(async () => {
    await pair?.teardown();
    rmSync(parent, { recursive: true, force: true });
  });

  const agreed = async (): Promise<string | null> => {
    const [x, y] = await Promise.all([installedChildren(a.socket), installedChildren(b.socket)]);
    if (x.length !== 1 || y.length !== 1) return null;
    return x[0]!.spiIn === y[0]!.spiOut && x[0]!.spiOut === y[0]!.spiIn ? x[0]!.spiIn : null;
  };

  it(`${REKEYS} consecutive CHILD_SA rekeys, alternating sides, under a 50 ms ping: no BAD_SPI drop on either side`, async () => {
    await waitFor(async () => (await agreed()) !== null, 15_000, 'one CHILD_SA agreed by both daemons', () => `${a.proc.output().stdout.slice(-3000)}`);
    expect(await pair.a.ping(INNER_B, { count: 3 })).toBe(true);
    const since = Date.now();
    const ping = startPing(pair.a, INNER_B, 600, 0.05, 'ping-pair-bar');
    const order = Array.from({ length: REKEYS }, (_, i) => (i % 2 === 0 ? 'a' : 'b'));
    const log = await rekeyInOrder({
      async trigger(by) {
        await ctl(by === 'a' ? a.socket : b.socket, 'ike.rekey', { connection: by === 'a' ? 'a-b' : 'b-a' });
      },
      agreed,
      detail: () => `A:\n${a.proc.output().stdout.slice(-2000)}\nB:\n${b.proc.output().stdout.slice(-2000)}`,
    }, order);
    await sleep(1000);
    const p = await ping.stop();
    const took = Date.now() - since;
    console.log(`interop bar: ${REKEYS} CHILD_SA rekeys between two ipsec-ts daemons in ${(took / 1000).toFixed(1)} s; ping ${p.received}/${p.transmitted}`);
    expect(new Set(log.map((x) => x.spiIn)).size).toBe(REKEYS);
    expect(await dropsSince(a.socket, since, 13910), 'BAD_SPI drops on A').toEqual([]);
    expect(await dropsSince(b.socket, since, 13910), 'BAD_SPI drops on B').toEqual([]);
    // Stated tolerance: at most one ping lost per 10 rekeys.
    expect(p.transmitted - p.received, p.output).toBeLessThanOrEqual(Math.ceil(REKEYS / 10));
  });
});
