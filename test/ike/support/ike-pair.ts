// Two IKE managers joined by an in-memory network that can hold, drop and reorder messages, each
// with a fake host that records the SAs and policies it was told to install. Time is a number the
// test moves. Used by the scenario tests (STYLE.md 8: races as deterministic scenarios).
import { randomBytes } from 'node:crypto';
import type { ChildConfig, ConnectionConfig, IkeSettings } from '../../../src/ike/connection.js';
import { IkeManager } from '../../../src/ike/manager.js';
import type { ChildPolicy, ChildRemovalReason, ChildSaInstall, IkeDatagram, IkeEvent, IkeHost } from '../../../src/ike/ports.js';
import { parseProposalText } from '../../../src/ike/proposal/parse.js';
import type { ProposalSpec } from '../../../src/ike/proposal/parse.js';
import { parseIdentity } from '../../../src/ike/auth/identity.js';
import type { IkeIdentity } from '../../../src/ike/auth/identity.js';
import type { TrustStore } from '../../../src/ike/auth/certs.js';
import { parseConfiguredSelectors } from '../../../src/ike/ts/config.js';
import type { ConfiguredSelector } from '../../../src/ike/ts/config.js';

export const ADDRESS_A = '198.51.100.1';
export const ADDRESS_B = '198.51.100.2';

export function proposals(kind: 'ike' | 'esp', ...texts: string[]): ProposalSpec[] {
  return texts.map((t) => {
    const r = parseProposalText(t, kind);
    if (!r.ok) throw new Error(r.message);
    return r.spec;
  });
}

export function identity(text: string): IkeIdentity {
  const r = parseIdentity(text);
  if (!r.ok) throw new Error(r.message);
  return r.identity;
}

export function selectors(text: string): ConfiguredSelector[] {
  const r = parseConfiguredSelectors(text);
  if (!r.ok) throw new Error(r.message);
  return [...r.selectors];
}

export const SETTINGS: IkeSettings = {
  port: null, halfOpenLimit: 100, cookieThreshold: 50, retransmitTimeoutMs: 4000, retransmitBase: 1.8, retransmitTries: 3,
  rekeyGraceS: 5, invalidSpiIntervalS: 1, caCertificates: [],
};

export function child(overrides: Partial<ChildConfig> = {}, side: 'a' | 'b' = 'a'): ChildConfig {
  return {
    name: 'net',
    localTs: selectors(side === 'a' ? '10.1.0.0/24' : '10.2.0.0/24'),
    remoteTs: selectors(side === 'a' ? '10.2.0.0/24' : '10.1.0.0/24'),
    mode: 'tunnel', espProposals: proposals('esp', 'aes128gcm16'), startAction: 'none',
    rekeyTimeS: 3600, lifeTimeS: 3960, randTimeS: 0, replayWindow: 128, closeAction: 'none', dpdAction: 'clear',
    ...overrides,
  };
}

export function connection(side: 'a' | 'b', overrides: Partial<ConnectionConfig> = {}, childOverrides: Partial<ChildConfig> = {}): ConnectionConfig {
  return {
    name: 'a-b', localAddress: side === 'a' ? ADDRESS_A : ADDRESS_B, remoteAddress: side === 'a' ? ADDRESS_B : ADDRESS_A, remotePort: 4500,
    localId: identity(side === 'a' ? 'a@example.com' : 'b@example.com'), remoteId: identity(side === 'a' ? 'b@example.com' : 'a@example.com'),
    localAuth: { method: 'psk' }, remoteAuth: { method: 'psk' }, psk: Buffer.from('a shared secret of the two test hosts'),
    ikeProposals: proposals('ike', 'aes128gcm16-prfsha256-x25519'),
    ikeRekeyTimeS: 0, ikeLifeTimeS: 0, ikeRandTimeS: 0, dpdDelayS: 0, forceEncapsulation: true, initialContact: true,
    children: [child(childOverrides, side)],
    ...overrides,
  };
}

/** What one side's SAD holds, as the fake host saw it. */
export class FakeHost implements IkeHost {
  readonly installed = new Map<string, ChildSaInstall>();
  readonly removed: { direction: 'inbound' | 'outbound'; spi: number; reason: ChildRemovalReason; successorSpi: number | null }[] = [];
  readonly policies = new Map<number, ChildPolicy>();
  readonly events: IkeEvent[] = [];
  /** Current outbound SA per reqid: the last installed (what the endpoint's OutboundSaTable does). */
  readonly currentOutbound = new Map<number, number>();
  readonly outbox: (IkeDatagram | EspProbe)[] = [];
  /** Outbound SAs that became current during the call being handled: each sends one ESP probe after it. */
  private readonly switched: number[] = [];
  probes = false;
  private nextSpi = 0x1000;

  constructor(readonly clock: { now: number }, readonly spiBase: number) {
    this.nextSpi = spiBase;
  }

  now(): number {
    return this.clock.now;
  }
  randomBytes(length: number): Buffer {
    return randomBytes(length);
  }
  send(datagram: IkeDatagram): void {
    this.outbox.push(datagram);
  }
  allocateSpi(): number {
    return ++this.nextSpi;
  }
  installChildSa(install: ChildSaInstall): void {
    this.installed.set(`${install.direction}:${install.spi}`, install);
    if (install.direction === 'outbound') {
      this.currentOutbound.set(install.reqid, install.spi);
      this.switched.push(install.spi);
    }
  }

  /**
   * The end of one call into the manager (a message handled, a tick): the first ESP packet on each
   * newly current outbound SA leaves now, after everything the call sent (JS runs the IKE handler
   * to completion before the daemon reads the next packet from its TUN device).
   */
  flushProbes(): void {
    for (const spi of this.switched.splice(0)) {
      if (this.probes && [...this.currentOutbound.values()].includes(spi)) this.outbox.push({ espSpi: spi });
    }
  }
  removeChildSa(direction: 'inbound' | 'outbound', spi: number, reason: ChildRemovalReason, successorSpi: number | null): void {
    const key = `${direction}:${spi}`;
    const sa = this.installed.get(key);
    if (sa === undefined) return;
    this.installed.delete(key);
    this.removed.push({ direction, spi, reason, successorSpi });
    if (direction === 'outbound' && this.currentOutbound.get(sa.reqid) === spi) {
      const other = [...this.installed.values()].filter((s) => s.direction === 'outbound' && s.reqid === sa.reqid).pop();
      if (other === undefined) this.currentOutbound.delete(sa.reqid);
      else {
        this.currentOutbound.set(sa.reqid, other.spi);
        this.switched.push(other.spi);
      }
    }
  }
  installPolicy(policy: ChildPolicy): void {
    this.policies.set(policy.reqid, policy);
  }
  removePolicy(reqid: number): void {
    this.policies.delete(reqid);
  }
  event(event: IkeEvent): void {
    this.events.push(event);
  }

  inbound(spi: number): ChildSaInstall | undefined {
    return this.installed.get(`inbound:${spi}`);
  }
  outbound(spi: number): ChildSaInstall | undefined {
    return this.installed.get(`outbound:${spi}`);
  }
  eventsOf<T extends IkeEvent['type']>(type: T): Extract<IkeEvent, { type: T }>[] {
    return this.events.filter((e): e is Extract<IkeEvent, { type: T }> => e.type === type);
  }
}

/** One ESP packet in flight on the SPI that was current when it left. */
export interface EspProbe {
  readonly espSpi: number;
}

export interface Side {
  readonly name: 'a' | 'b';
  readonly host: FakeHost;
  readonly manager: IkeManager;
}

/**
 * Two sides and the wire. deliver() moves every queued datagram (both ways, in order) until the
 * network is quiet; the invariant hook runs after every single delivery.
 */
export class IkePair {
  // Real wall-clock time to start from: certificate validity is checked against it.
  readonly clock = { now: Date.now() };
  readonly a: Side;
  readonly b: Side;
  /** Delivered datagrams (a log for assertions), as [from, exchange type, response]. */
  readonly log: { from: 'a' | 'b'; bytes: Buffer }[] = [];
  afterEachDelivery: (() => void) | null = null;

  constructor(configA: readonly ConnectionConfig[] = [connection('a')], configB: readonly ConnectionConfig[] = [connection('b')], settings: IkeSettings = SETTINGS,
    trust: TrustStore | null = null) {
    const hostA = new FakeHost(this.clock, 0xa0000000);
    const hostB = new FakeHost(this.clock, 0xb0000000);
    this.a = { name: 'a', host: hostA, manager: new IkeManager({ host: hostA, settings, connections: configA, trust, natPort: 4500, localAddress: ADDRESS_A }) };
    this.b = { name: 'b', host: hostB, manager: new IkeManager({ host: hostB, settings, connections: configB, trust, natPort: 4500, localAddress: ADDRESS_B }) };
  }

  private peerOf(side: Side): Side {
    return side === this.a ? this.b : this.a;
  }

  /** ESP packets that arrived on an SPI the receiver had no inbound SA for (what BAD_SPI would count). */
  readonly badSpi: string[] = [];
  probesDelivered = 0;

  /** Sends one ESP probe each time an outbound SA becomes current, in order with the IKE messages. */
  probeEsp(): void {
    this.a.host.probes = true;
    this.b.host.probes = true;
  }

  /** Takes the datagrams `side` has sent so far off its outbox (ESP probes stay in order among them). */
  take(side: Side): (IkeDatagram | EspProbe)[] {
    return side.host.outbox.splice(0);
  }

  /** Hands datagrams sent by `from` to the other side. */
  hand(from: Side, datagrams: readonly (IkeDatagram | EspProbe)[]): void {
    const to = this.peerOf(from);
    for (const d of datagrams) {
      if ('espSpi' in d) {
        this.probesDelivered++;
        if (to.host.inbound(d.espSpi) === undefined) this.badSpi.push(`${from.name} -> ${to.name}: ESP on ${d.espSpi.toString(16)}, which ${to.name} has no inbound SA for`);
        continue;
      }
      this.log.push({ from: from.name, bytes: d.bytes });
      to.manager.receive(d.bytes, d.remote, d.local);
      to.host.flushProbes();
      this.afterEachDelivery?.();
    }
  }

  /** Delivers until both outboxes stay empty (bounded, so a loop cannot hang a test). */
  deliver(maxRounds = 50): void {
    for (let i = 0; i < maxRounds; i++) {
      const fromA = this.take(this.a);
      const fromB = this.take(this.b);
      if (fromA.length === 0 && fromB.length === 0) return;
      this.hand(this.a, fromA);
      this.hand(this.b, fromB);
    }
    throw new Error('the IKE exchange did not settle');
  }

  /**
   * A initiates connection a-b and both sides settle with one CHILD_SA. With probes, ESP probes
   * (see probeEsp) run from the first install on.
   */
  establish(options: { readonly probes?: boolean } = {}): this {
    if (options.probes === true) this.probeEsp();
    this.a.manager.initiate('a-b');
    this.a.host.flushProbes();
    this.deliver();
    const children = this.a.host.eventsOf('child-installed').length;
    if (children !== 1) throw new Error(`the pair did not establish exactly one CHILD_SA (got ${children})`);
    return this;
  }

  /** Moves time on and runs both managers' timers. */
  advance(ms: number): void {
    this.clock.now += ms;
    this.a.manager.tick(this.clock.now);
    this.a.host.flushProbes();
    this.b.manager.tick(this.clock.now);
    this.b.host.flushProbes();
  }

  /**
   * Make-before-break, the property behind "zero BAD_SPI": every SPI a side currently sends on
   * is installed as an inbound SA on the other side, with the same keys.
   */
  outboundAlwaysMatched(): string[] {
    const problems: string[] = [];
    for (const [me, peer] of [[this.a, this.b], [this.b, this.a]] as const) {
      for (const spi of me.host.currentOutbound.values()) {
        const out = me.host.outbound(spi)!;
        const inn = peer.host.inbound(spi);
        if (inn === undefined) problems.push(`${me.name} sends on ${spi.toString(16)} but ${peer.name} has no inbound SA for it`);
        else if (!Buffer.from(inn.keys.encryptionKey).equals(Buffer.from(out.keys.encryptionKey))) problems.push(`${spi.toString(16)}: keys differ`);
      }
    }
    return problems;
  }
}
