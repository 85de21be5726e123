// `ipsec-ts demo`: two endpoints, west and east, on loopback with a relay (the wire) between
// them. Traffic flows; then each way a packet dies happens for real, and east's verdict is
// checked against what should have happened. Nothing is simulated inside the endpoints: every
// bad packet crosses a UDP socket and goes through the same inbound path as in the daemon.
import { randomBytes } from 'node:crypto';
import { IpsecEndpoint } from '../../endpoint/endpoint.js';
import type { EndpointLog, EndpointPersistence } from '../../endpoint/ports.js';
import type { DropRecord } from '../../endpoint/drop-record.js';
import type { ManualSaConfig } from '../../config/types.js';
import type { LifetimeLimits } from '../../sad/sa.js';
import { buildIpv4 } from '../../packet/ipv4.js';
import { buildUdp } from '../../packet/udp.js';
import { DemoWire } from './wire.js';
import { startIkeRuntime } from '../../endpoint/ike-runtime.js';
import type { IkeRuntime } from '../../endpoint/ike-runtime.js';
import { silentLog } from '../../endpoint/ports.js';
import { DEMO_IKE_SETTINGS, demoConnection, demoPsk, nextIkeEvent } from './ike.js';
import { spiHex } from '../../wire/bytes.js';

const LO = '127.0.0.1';
const TRANSFORM = { encryption: 'aes-gcm', keyBits: 128, icvLength: 16, integrity: 'none' } as const;

export interface DemoExpectation {
  readonly windowsName: string;
  readonly cause: string | null;
  readonly reason?: string;
}

export interface DemoStep {
  readonly title: string;
  readonly what: string;
  readonly expected: DemoExpectation;
  readonly record: DropRecord | null;
  readonly ok: boolean;
}

export interface DemoHooks {
  /** Called when a step starts (its title and what is done to the traffic). */
  stepStarted(index: number, total: number, title: string, what: string): void;
  /** Called with the step's outcome. */
  stepDone(step: DemoStep): void;
  /** A line about traffic that flowed. */
  note(text: string): void;
}

export interface DemoOptions {
  readonly eastPersistence?: EndpointPersistence | null;
  readonly eastLog?: EndpointLog;
  /** Called once east is up, before traffic flows (the command starts east's control socket here). */
  readonly onEastReady?: (east: IpsecEndpoint) => Promise<void>;
  readonly expireAfterSeconds?: number;
}

export interface DemoResult {
  readonly steps: readonly DemoStep[];
  readonly delivered: { readonly westToEast: number; readonly eastToWest: number };
  readonly elapsedMs: number;
}

interface Net {
  readonly net: number;
  readonly west: string;
  readonly east: string;
}

const nets = (n: number): Net => ({ net: n, west: `10.1.${n}.0/24`, east: `10.2.${n}.0/24` });

function innerPacket(net: number, fromWest: boolean, body: string): Buffer {
  const src = fromWest ? `10.1.${net}.5` : `10.2.${net}.9`;
  const dst = fromWest ? `10.2.${net}.9` : `10.1.${net}.5`;
  return buildIpv4({ src, dst, protocol: 17 }, buildUdp({ src, dst, srcPort: 40000, dstPort: 7 }, Buffer.from(body)));
}

export async function runDemo(hooks: DemoHooks, options: DemoOptions = {}): Promise<DemoResult> {
  const started = Date.now();
  const wire = await DemoWire.open();
  const west = await IpsecEndpoint.open({ listen: { address: LO, port: 0 }, keepaliveMs: null });
  const east = await IpsecEndpoint.open({ listen: { address: LO, port: 0 }, keepaliveMs: null, persistence: options.eastPersistence ?? null, log: options.eastLog });
  try {
    wire.connect(west.listen.port, east.listen.port);
    const psk = demoPsk();
    const westIke = await startIkeRuntime(west, [demoConnection('west', psk, wire.port)], DEMO_IKE_SETTINGS, silentLog);
    const eastIke = await startIkeRuntime(east, [demoConnection('east', psk, wire.port)], DEMO_IKE_SETTINGS, options.eastLog ?? silentLog);
    try {
      await options.onEastReady?.(east);
      return await script(hooks, wire, { endpoint: west, ike: westIke }, { endpoint: east, ike: eastIke }, started, options.expireAfterSeconds ?? 1);
    } finally {
      await Promise.all([westIke.close(), eastIke.close()]);
    }
  } finally {
    await Promise.all([west.close(), east.close(), wire.close()]);
  }
}

interface DemoHost {
  readonly endpoint: IpsecEndpoint;
  readonly ike: IkeRuntime;
}

async function script(hooks: DemoHooks, wire: DemoWire, westHost: DemoHost, eastHost: DemoHost, started: number, expireAfter: number): Promise<DemoResult> {
  const west = westHost.endpoint;
  const east = eastHost.endpoint;
  const manual = (name: string, direction: 'inbound' | 'outbound', spi: number, westToEast: boolean, key: Buffer, reqid: number, extra: { esn?: boolean; hard?: LifetimeLimits } = {}): ManualSaConfig => ({
    name, spi, direction, src: LO, dst: LO,
    // Both sides send to the wire; the wire knows who is who by source port.
    encapsulation: westToEast ? { srcPort: west.listen.port, dstPort: wire.port } : { srcPort: east.listen.port, dstPort: wire.port },
    mode: 'tunnel', transform: TRANSFORM, keys: { encryptionKey: key, integrityKey: new Uint8Array(0) },
    esn: extra.esn ?? false, replayWindow: 64, reqid, hard: extra.hard,
  });
  const policyPair = (n: Net, reqid: number): void => {
    west.addPolicy({ id: `west-${n.net}`, action: 'protect', selectors: { local: n.west, remote: n.east }, template: { mode: 'tunnel', peer: LO, reqid } });
    east.addPolicy({ id: `east-${n.net}`, action: 'protect', selectors: { local: n.east, remote: n.west }, template: { mode: 'tunnel', peer: LO, reqid } });
  };
  const delivered = { westToEast: 0, eastToWest: 0 };
  east.on('delivered', () => delivered.westToEast++);
  west.on('delivered', () => delivered.eastToWest++);

  // The main tunnel (net 0) is negotiated with IKEv2 through the wire: IKE_SA_INIT, IKE_AUTH.
  const westChild = nextIkeEvent(westHost.ike, 'child-installed', 5000);
  const eastChild = nextIkeEvent(eastHost.ike, 'child-installed', 5000);
  const established = nextIkeEvent(westHost.ike, 'ike-established', 5000);
  const initiated = westHost.ike.manager.initiate('west-east');
  if (!initiated.ok) throw new Error(`the demo's IKE negotiation did not start: ${initiated.failure.reason}`);
  const [ike, wChild, eChild] = await Promise.all([established, westChild, eastChild]);
  if (ike === null || wChild === null || eChild === null) throw new Error('the demo\'s IKEv2 negotiation did not complete within 5 s');
  hooks.note(`IKEv2: IKE_SA ${ike.ikeSa} established (${ike.proposal}), CHILD_SA net with SPIs ${spiHex(wChild.spiOut)} (west -> east) / ${spiHex(wChild.spiIn)} (east -> west)`);
  const mainWestToEast = wChild.spiOut;

  // A second tunnel (net 3) whose lifetimes disagree: east's inbound SA lives expireAfter seconds,
  // west's outbound SA has no limit. Its first packet goes now; the late one at the end.
  const k3 = randomBytes(20);
  policyPair(nets(3), 3);
  west.addSa(manual('short-lived', 'outbound', 0xa003, true, k3, 3));
  east.addSa(manual('short-lived', 'inbound', 0xa003, true, k3, 3, { hard: { addSeconds: expireAfter } }));
  const hardExpiry = new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, expireAfter * 1000 + 2000);
    east.on('sa', (e) => {
      if (e.type === 'hard-expired' && e.sa.spi === 0xa003) {
        clearTimeout(timer);
        resolve();
      }
    });
  });

  // Traffic flows both ways.
  const before = { ...delivered };
  for (let i = 0; i < 5; i++) {
    west.send(innerPacket(0, true, `ping ${i}`));
    east.send(innerPacket(0, false, `pong ${i}`));
  }
  west.send(innerPacket(3, true, 'on the short-lived SA'));
  await waitFor(() => delivered.westToEast - before.westToEast >= 6 && delivered.eastToWest - before.eastToWest >= 5, 2000);
  hooks.note(`traffic flows: ${delivered.westToEast} packets west -> east, ${delivered.eastToWest} east -> west (ESP in UDP, AES-GCM-128)`);

  const steps: DemoStep[] = [];
  const total = 8;
  const step = async (title: string, what: string, expected: DemoExpectation, act: () => void, from: IpsecEndpoint = east): Promise<void> => {
    hooks.stepStarted(steps.length + 1, total, title, what);
    const record = await nextDrop(from, act);
    const ok = record !== null && record.windowsName === expected.windowsName && record.cause === expected.cause &&
      (expected.reason === undefined || record.reason === expected.reason);
    const s: DemoStep = { title, what, expected, record, ok };
    steps.push(s);
    hooks.stepDone(s);
  };

  const beforeReplay = delivered.westToEast;
  west.send(innerPacket(0, true, 'a packet the wire will repeat'));
  await waitFor(() => delivered.westToEast > beforeReplay, 2000);
  await step('Replay', 'the wire sends a packet from west to east a second time',
    { windowsName: 'ERROR_IPSEC_REPLAY_CHECK_FAILED', cause: 'duplicate' },
    () => { wire.replayLast(); });

  await step('Tampered ICV', 'the wire flips one bit of the next packet from west',
    { windowsName: 'ERROR_IPSEC_INTEGRITY_CHECK_FAILED', cause: null, reason: 'icv-mismatch' },
    () => { wire.tamperWithNext(); west.send(innerPacket(0, true, 'tampered on the way')); });

  await step('An SPI that never existed', 'someone sends ESP on SPI 0xdeadbeef, which neither side ever set up',
    { windowsName: 'ERROR_IPSEC_BAD_SPI', cause: 'never-established' },
    () => { wire.injectToEast(Buffer.concat([Buffer.from([0xde, 0xad, 0xbe, 0xef, 0, 0, 0, 1]), randomBytes(48)])); });

  // West's admin typed east's outbound SPI as west's outbound SPI for a manually keyed tunnel (net 2).
  policyPair(nets(2), 2);
  const eastOutSpi = wChild.spiIn;
  west.addSa(manual('typo', 'outbound', eastOutSpi, true, randomBytes(20), 2));
  await step('Swapped SPIs', `west sends on ${spiHex(eastOutSpi)}, which is east's own outbound SPI (a copy-paste error in west's config)`,
    { windowsName: 'ERROR_IPSEC_BAD_SPI', cause: 'our-outbound-spi' },
    () => { west.send(innerPacket(2, true, 'wrong SPI')); });

  // East rekeys the CHILD_SA with IKEv2 (make-before-break: no packet is lost). A packet west sent
  // on the old SPI, delayed on the wire past the grace period, arrives afterwards.
  const stale = wire.lastFromWestOn(mainWestToEast);
  const rekeyed = nextIkeEvent(westHost.ike, 'child-installed', 5000, (e) => e.rekeyOf !== null);
  const oldGone = new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, 5000);
    east.on('sa', (e) => {
      if (e.type === 'removed' && e.sa.spi === mainWestToEast) {
        clearTimeout(timer);
        resolve();
      }
    });
  });
  eastHost.ike.manager.rekey('east-west');
  const fresh = await rekeyed;
  await oldGone;
  await step('An SPI replaced by a rekey', `east rekeyed the CHILD_SA (${spiHex(mainWestToEast)} -> ${fresh === null ? '?' : spiHex(fresh.spiOut)}); a packet west sent on the old SPI arrives after the grace period`,
    { windowsName: 'ERROR_IPSEC_BAD_SPI', cause: 'deleted' },
    () => { if (stale !== null) wire.injectToEast(stale); });
  const healed = delivered.westToEast;
  west.send(innerPacket(0, true, 'on the new SPI'));
  await waitFor(() => delivered.westToEast > healed, 2000);
  hooks.note(delivered.westToEast > healed ? 'west already sends on the new SA: traffic flows, nothing was lost during the rekey' : 'the packet on the new SA did not arrive');

  // ESN on one side only (net 4).
  const k5 = randomBytes(20);
  policyPair(nets(4), 4);
  west.addSa(manual('esn-west', 'outbound', 0xa004, true, k5, 4, { esn: true }));
  east.addSa(manual('esn-east', 'inbound', 0xa004, true, k5, 4, { esn: false }));
  await step('ESN mismatch', 'a new SA where west uses 64-bit extended sequence numbers and east does not',
    { windowsName: 'ERROR_IPSEC_INTEGRITY_CHECK_FAILED', cause: 'esn-mismatch' },
    () => { west.send(innerPacket(4, true, 'with ESN')); });

  await step('Clear text where protection is required', 'a plain packet from 10.1.0.5 to 10.2.0.9 reaches east outside the tunnel',
    { windowsName: 'ERROR_IPSEC_CLEAR_TEXT_DROP', cause: null },
    () => { east.checkClearText(innerPacket(0, true, 'in the clear'), `${LO}:${wire.port}`); });

  // East's lifetime timer moves the SA to the remembered set; the late packet comes after that.
  await hardExpiry;
  await step('A packet after its SA expired', `east's SA 0x0000a003 had a hard lifetime of ${expireAfter} s; west's had none and keeps sending`,
    { windowsName: 'ERROR_IPSEC_BAD_SPI', cause: 'expired' },
    () => { west.send(innerPacket(3, true, 'too late')); });

  return { steps, delivered, elapsedMs: Date.now() - started };
}

function nextDrop(endpoint: IpsecEndpoint, act: () => void, timeoutMs = 2000): Promise<DropRecord | null> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      endpoint.off('drop', onDrop);
      resolve(null);
    }, timeoutMs);
    const onDrop = (record: DropRecord): void => {
      clearTimeout(timer);
      endpoint.off('drop', onDrop);
      resolve(record);
    };
    endpoint.on('drop', onDrop);
    act();
  });
}

async function waitFor(condition: () => boolean, timeoutMs: number): Promise<boolean> {
  const end = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > end) return false;
    await new Promise((r) => setTimeout(r, 5));
  }
  return true;
}
