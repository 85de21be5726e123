// The IKE core's host in the daemon: negotiated child SAs go into the endpoint's SAD and SPD (the
// same path manual SAs take), IKE messages go out through the endpoint's sockets, SPIs come from
// the SAD's allocator (so a packet on a reserved but not yet installed SPI is explained as such),
// and IKE events become log lines and the recent-events list `ipsec-ts status` shows.
import { randomBytes, randomFillSync } from 'node:crypto';
import type { ManualSaConfig } from '../config/types.js';
import type { TrafficSelector } from '../spd/selector.js';
import type { ChildPolicy, ChildRemovalReason, ChildSaInstall, IkeDatagram, IkeEvent, IkeHost } from '../ike/ports.js';
import { spiHex } from '../wire/bytes.js';
import { recoveryText } from '../ike/event-text.js';
import type { IpsecEndpoint } from './endpoint.js';
import type { EndpointLog } from './ports.js';

/** How IKE datagrams leave (the daemon adds the non-ESP marker on the NAT-T port). */
export type IkeSender = (datagram: IkeDatagram) => void;

const RECENT_EVENTS = 200;
const RANDOM_POOL_BYTES = 4096;

export class EndpointIkeHost implements IkeHost {
  /** The latest IKE events, oldest first (for `ipsec-ts status` and the control socket). */
  readonly recent: IkeEvent[] = [];
  /** When each of `recent` happened (ms since the epoch), same order. */
  readonly recentAt: number[] = [];
  private readonly listeners: ((event: IkeEvent) => void)[] = [];
  private readonly pool = randomFillSync(Buffer.alloc(RANDOM_POOL_BYTES));
  private poolOffset = 0;

  constructor(private readonly endpoint: IpsecEndpoint, private readonly sender: IkeSender, private readonly log: EndpointLog) {}

  now(): number {
    return Date.now();
  }

  randomBytes(length: number): Buffer {
    // One randomFillSync per 4 KiB instead of one randomBytes call per nonce, SPI and NAT-D
    // value: a handshake takes about ten of them. Each value is copied out and its bytes never
    // handed out twice.
    if (length > RANDOM_POOL_BYTES) return randomBytes(length);
    if (this.poolOffset + length > RANDOM_POOL_BYTES) {
      randomFillSync(this.pool);
      this.poolOffset = 0;
    }
    const out = Buffer.from(this.pool.subarray(this.poolOffset, this.poolOffset + length));
    this.poolOffset += length;
    return out;
  }

  send(datagram: IkeDatagram): void {
    this.sender(datagram);
  }

  allocateSpi(): number {
    return this.endpoint.sad.allocateSpi(Date.now(), { label: 'IKE negotiation' });
  }

  installChildSa(install: ChildSaInstall): void {
    this.endpoint.addSa(manualConfigOf(install), { negotiated: true });
  }

  removeChildSa(direction: 'inbound' | 'outbound', spi: number, reason: ChildRemovalReason, successorSpi: number | null): void {
    const wanted = direction === 'inbound' ? 'inbound' : 'outbound';
    const sa = this.endpoint.sad.findBySpi(spi).find((s) => s.config.direction === wanted);
    if (sa === undefined) return;
    this.endpoint.removeSa(sa, reason, successorSpi ?? undefined);
  }

  installPolicy(policy: ChildPolicy): void {
    const id = policyId(policy.reqid);
    const existing = this.endpoint.spd.list().find((p) => p.id === id);
    if (existing !== undefined) {
      // A rekey or another IKE SA of the same child: keep the policy when nothing changed.
      if (existing.template?.peer === policy.peerAddress && sameSelectors(existing.selectors.local, policy.localTs)
        && sameSelectors(existing.selectors.remote, policy.remoteTs) && existing.template?.mode === policy.mode) return;
      this.endpoint.removePolicy(id);
    }
    this.endpoint.addPolicy({
      id, action: 'protect',
      selectors: { local: [...policy.localTs], remote: [...policy.remoteTs] },
      template: { mode: policy.mode, peer: policy.peerAddress, reqid: policy.reqid, label: policy.name },
    });
  }

  removePolicy(reqid: number): void {
    this.endpoint.removePolicy(policyId(reqid));
  }

  onEvent(listener: (event: IkeEvent) => void): void {
    this.listeners.push(listener);
  }

  event(event: IkeEvent): void {
    this.recent.push(event);
    this.recentAt.push(Date.now());
    if (this.recent.length > RECENT_EVENTS) {
      this.recent.shift();
      this.recentAt.shift();
    }
    logEvent(this.log, event);
    for (const l of this.listeners) l(event);
  }
}

function sameSelectors(a: readonly TrafficSelector[], b: readonly TrafficSelector[]): boolean {
  return a.length === b.length && a.every((x, i) => {
    const y = b[i]!;
    return x.protocol === y.protocol && x.startPort === y.startPort && x.endPort === y.endPort && x.startAddress === y.startAddress && x.endAddress === y.endAddress;
  });
}

/** The SPD id of a child's policy: one per reqid. */
export function policyId(reqid: number): string {
  return `ike-${reqid}`;
}

function manualConfigOf(install: ChildSaInstall): ManualSaConfig {
  return {
    name: `${install.label} ${install.direction === 'inbound' ? 'in' : 'out'}`,
    spi: install.spi, direction: install.direction, src: install.src, dst: install.dst, encapsulation: install.encapsulation,
    mode: install.mode, transform: install.transform, keys: install.keys, esn: install.esn, replayWindow: install.replayWindow,
    reqid: install.reqid, hard: { addSeconds: install.hardLifetimeS },
  };
}

function logEvent(log: EndpointLog, event: IkeEvent): void {
  switch (event.type) {
    case 'ike-established':
      log.info(`IKE_SA ${event.ikeSa} established with ${event.peer} (${event.role}, ${event.proposal})`, { event: event.type, ikeSa: event.ikeSa, connection: event.connection });
      return;
    case 'ike-closed':
      log.info(`IKE_SA ${event.ikeSa} closed: ${event.reason}`, { event: event.type, ikeSa: event.ikeSa, connection: event.connection });
      return;
    case 'ike-failed':
      log.warn(`IKE_SA ${event.ikeSa} failed: ${event.reason}. ${event.action}`, { event: event.type, code: event.code, name: event.name, peer: event.peer, connection: event.connection });
      return;
    case 'child-installed':
      log.info(`CHILD_SA ${event.child} installed: SPIs ${spiHex(event.spiIn)}_i ${spiHex(event.spiOut)}_o (${event.proposal})${event.rekeyOf === null ? '' : `, replaces ${spiHex(event.rekeyOf)}`}`,
        { event: event.type, ikeSa: event.ikeSa, connection: event.connection, child: event.child });
      return;
    case 'child-failed':
      log.warn(`CHILD_SA ${event.child} of ${event.connection} failed: ${event.reason}`, { event: event.type, code: event.code, name: event.name, ikeSa: event.ikeSa });
      return;
    case 'child-removed':
      log.info(`CHILD_SA ${event.child} with SPIs ${spiHex(event.spiIn)}_i ${spiHex(event.spiOut)}_o removed (${event.reason})`, { event: event.type, ikeSa: event.ikeSa, connection: event.connection });
      return;
    case 'invalid-spi-recovery':
      log.warn(`${event.connection}/${event.child}: ${recoveryText(event.trigger, spiHex(event.spiIn), spiHex(event.spiOut))}`,
        { event: event.type, trigger: event.trigger, ikeSa: event.ikeSa, spiOut: spiHex(event.spiOut), spiIn: spiHex(event.spiIn) });
      return;
    case 'trap-triggered':
      log.info(`traffic for ${event.connection}/${event.child} hit its trap policy: negotiating the CHILD_SA`, { event: event.type, reqid: event.reqid });
      return;
    case 'simultaneous-rekey':
      log.info(`simultaneous rekey of ${event.connection}/${event.child ?? 'IKE_SA'} (13821 ERROR_IPSEC_IKE_SIMULTANEOUS_REKEY): ${event.won ? 'our' : 'the peer\'s'} new SA stays (RFC 7296 2.8.1)`,
        { event: event.type, code: 13821, ikeSa: event.ikeSa });
      return;
    case 'message-dropped':
      log.debug(`IKE message from ${event.peer} dropped: ${event.detail}`, { event: event.type, reason: event.reason });
      return;
  }
}
