// The live endpoint: one UDP socket carrying ESP in UDP (RFC 3948) in both directions, the SA
// and policy databases, lifetimes driven by a timer, NAT keepalives, and the drop log.
//
//   inbound:  UDP datagram ─► datapath/inbound (SAD, replay, ESP, SPD) ─► 'delivered' event
//                                                                    └─► 'drop' event + store
//   outbound: send(inner packet) ─► datapath/outbound (SPD, SA by reqid, sequence guard, ESP) ─► UDP
//
// Inner traffic leaves through the 'delivered' event: the daemon writes it to a TUN device, a
// Node application handles it itself. Nothing here knows about TUN, YAML or SQLite.
import { EventEmitter } from 'node:events';
import type { RemoteInfo } from 'node:dgram';
import { isIP } from 'node:net';
import { spiHex } from '../wire/bytes.js';
import type { Clock } from '../clock/clock.js';
import { systemClock } from '../clock/clock.js';
import { SaDatabase } from '../sad/sad.js';
import type { SaEvent } from '../sad/sad.js';
import type { SecurityAssociation } from '../sad/sa.js';
import type { RemovalReason } from '../sad/history.js';
import { SecurityPolicyDatabase } from '../spd/spd.js';
import type { Policy, PolicyInit } from '../spd/policy.js';
import type { Delivered, Dropped } from '../verdict/verdict.js';
import { createInboundContext, processClearText, processUdpDatagram } from '../datapath/inbound.js';
import type { InboundContext, InboundMeta } from '../datapath/inbound.js';
import type { ThrottleOptions } from '../datapath/throttle.js';
import { processOutbound } from '../datapath/outbound.js';
import type { OutboundContext, OutboundVerdict } from '../datapath/outbound.js';
import { UdpTransport } from '../io/udp/udp-transport.js';
import type { UdpStats } from '../io/udp/udp-transport.js';
import type { ManualSaConfig } from '../config/types.js';
import { dropRecordOf } from './drop-record.js';
import type { DropRecord } from './drop-record.js';
import { DropLogLimiter } from './drop-log-limiter.js';
import { saConfigOf } from './sa-install.js';
import { OutboundSaTable } from './outbound-sa-table.js';
import { silentLog } from './ports.js';
import type { EndpointLog, EndpointPersistence, SequenceGuard } from './ports.js';

export interface EndpointOptions {
  /** UDP address and port for ESP in UDP (default 0.0.0.0:4500). Port 0 picks a free port. */
  readonly listen?: { readonly address: string; readonly port: number };
  /** Traffic no policy matches: 'bypass' (default) or 'discard'. */
  readonly defaultAction?: 'discard' | 'bypass';
  /** RFC 3948 NAT keepalive interval (default 20 s); null turns keepalives off. */
  readonly keepaliveMs?: number | null;
  readonly log?: EndpointLog;
  /** Durable sequence numbers and drop log; without it nothing survives a restart. */
  readonly persistence?: EndpointPersistence | null;
  readonly unknownSpiThrottle?: ThrottleOptions;
  /** How often lifetimes are checked (default 250 ms; expiry itself is exact, see sad.ts). */
  readonly lifetimeTickMs?: number;
  readonly clock?: Clock;
}

export interface EndpointEvents {
  /** An inner packet that arrived protected and passed every check. */
  delivered: [packet: Buffer, verdict: Delivered];
  /**
   * The datagrams the socket received together have all been handled: a listener that queues
   * 'delivered' packets can write them out now (the daemon does, one TUN writeBatch per batch).
   */
  'batch-end': [];
  /** A refused packet, inbound or outbound, with its diagnosis. */
  drop: [record: DropRecord, verdict: Dropped];
  /** SA added, soft-expired, hard-expired or removed. */
  sa: [event: SaEvent];
}

/** An IKE message (marker removed), its sender, and the local address it was sent to. */
export type IkeHandler = (bytes: Buffer, from: { readonly address: string; readonly port: number }, to: string) => void;

export type SendResult =
  | { readonly verdict: 'protected'; readonly spi: number; readonly seqHi: number; readonly seqLo: number; readonly bytes: number }
  | { readonly verdict: 'bypass'; readonly packet: Buffer }
  | Dropped;

const DEFAULT_PORT = 4500;
const NAT_KEEPALIVE = Buffer.from([0xff]); // RFC 3948 2.3

export class IpsecEndpoint extends EventEmitter<EndpointEvents> {
  readonly sad: SaDatabase;
  readonly spd: SecurityPolicyDatabase;
  readonly inbound: InboundContext;
  readonly startedAt: number;
  private readonly outbound: OutboundContext;
  private readonly outboundSas = new OutboundSaTable();
  private readonly guards = new Map<SecurityAssociation, SequenceGuard>();
  /** Manual SA configs by SA id (events carry the id, so removal is one lookup). */
  private readonly manual = new Map<number, ManualSaConfig>();
  private readonly log: EndpointLog;
  private readonly persistence: EndpointPersistence | null;
  private readonly clock: Clock;
  private readonly dropLimiter = new DropLogLimiter();
  private readonly timers: NodeJS.Timeout[] = [];
  private readonly localDst: string;
  /** Listening on 0.0.0.0 or ::: the datagram's own destination comes from the socket, if it can tell. */
  private readonly wildcard: boolean;
  private udp: UdpTransport | null = null;
  private closed = false;

  private constructor(private readonly options: EndpointOptions) {
    super();
    this.clock = options.clock ?? systemClock;
    this.log = options.log ?? silentLog;
    this.persistence = options.persistence ?? null;
    this.startedAt = this.clock.now();
    const defaultAction = options.defaultAction ?? 'bypass';
    this.sad = new SaDatabase({ timerTickMs: 250 });
    this.spd = new SecurityPolicyDatabase({ defaultInbound: defaultAction, defaultOutbound: defaultAction });
    this.inbound = createInboundContext(this.sad, this.spd, { unknownSpiThrottle: options.unknownSpiThrottle });
    const address = options.listen?.address ?? '0.0.0.0';
    this.wildcard = address === '0.0.0.0' || address === '::';
    this.localDst = address;
    this.outbound = { sad: this.sad, spd: this.spd, saForPolicy: (policy) => this.saForPolicy(policy) };
    this.sad.onEvent((event) => this.onSaEvent(event));
  }

  /** Creates the endpoint and binds its UDP socket (rejects with UdpBindError). */
  static async open(options: EndpointOptions = {}): Promise<IpsecEndpoint> {
    const endpoint = new IpsecEndpoint(options);
    const listen = options.listen ?? { address: '0.0.0.0', port: DEFAULT_PORT };
    endpoint.udp = await UdpTransport.bind(listen.address, listen.port, (payload, from, to) => endpoint.receive(payload, from, to),
      { onBatchEnd: () => endpoint.emit('batch-end') });
    endpoint.startTimers();
    return endpoint;
  }

  /** The bound UDP address and port. */
  get listen(): { readonly address: string; readonly port: number } {
    const udp = this.requireUdp();
    return { address: udp.address, port: udp.port };
  }

  udpStats(): UdpStats {
    return this.requireUdp().stats();
  }

  // ---- SAs and policies --------------------------------------------------------------

  /** Installs a manually keyed SA. Outbound SAs resume above their persisted sequence mark. */
  addSa(config: ManualSaConfig, options: { readonly negotiated?: boolean } = {}): SecurityAssociation {
    const now = this.clock.now();
    const sa = this.sad.add(saConfigOf(config, this.spd.list(), this.destinationUnknown()), now);
    this.manual.set(sa.id, config);
    if (sa.config.direction === 'outbound') {
      try {
        // Negotiated SAs have keys no earlier run used: nothing to persist (RFC 7296 2.17).
        if (options.negotiated !== true) this.attachSequenceGuard(sa, config);
      } catch (err) {
        this.sad.remove(sa, 'deleted-locally', now);
        this.manual.delete(sa.id);
        throw err;
      }
      this.outboundSas.add(sa);
    }
    return sa;
  }

  removeSa(sa: SecurityAssociation, reason: RemovalReason = 'deleted-locally', successorSpi?: number): boolean {
    return this.sad.remove(sa, reason, this.clock.now(), successorSpi === undefined ? {} : { successorSpi }) !== null;
  }

  /** Removes every SA; returns how many. */
  flushSas(): number {
    return this.sad.flush(this.clock.now()).length;
  }

  /** The config an installed manual SA came from (for `sa show` and key export). */
  manualConfigOf(sa: SecurityAssociation): ManualSaConfig | undefined {
    return this.manual.get(sa.id);
  }

  reservedThrough(sa: SecurityAssociation): number | null {
    return this.guards.get(sa)?.reservedThrough ?? null;
  }

  addPolicy(init: PolicyInit): Policy {
    return this.spd.add(init);
  }

  removePolicy(id: string): boolean {
    return this.spd.remove(id);
  }

  // ---- traffic -------------------------------------------------------------------------

  /**
   * Protects one inner IP packet (or reports why not). The verdict is synchronous; the datagram
   * leaves at flush() or at the end of this turn of the event loop, with the others queued.
   */
  send(packet: Buffer): SendResult {
    const now = this.clock.now();
    const v: OutboundVerdict = processOutbound(this.outbound, packet, now);
    if (v.verdict === 'protected') {
      const sa = v.sa;
      const encap = sa.config.encapsulation!;
      this.requireUdp().send(v.esp, encap.dstPort, sa.config.dst!);
      return { verdict: 'protected', spi: sa.spi, seqHi: v.seqHi, seqLo: v.seqLo, bytes: v.esp.length };
    }
    if (v.verdict === 'dropped') {
      this.inbound.counters.countDrop(v.kind);
      if (v.sa !== null) this.sad.findBySpi(v.sa.spi).find((s) => s.id === v.sa!.id)?.countDrop(v.kind.id);
      this.recordDrop(v, 'outbound', null);
    }
    return v;
  }

  /**
   * A clear-text packet that arrived outside the tunnel (an application that reads the wire,
   * e.g. from a raw socket, hands it over): CLEAR_TEXT_DROP when a policy requires protection.
   * Returns the drop, or null when the packet may pass in the clear.
   */
  checkClearText(packet: Buffer, from: string | null = null): Dropped | null {
    const v = processClearText(this.inbound, packet);
    if (v === null || v.verdict !== 'dropped') return null;
    this.recordDrop(v, 'inbound', from);
    return v;
  }

  /** Records an outbound refusal decided outside the datapath (e.g. the TUN glue). */
  recordOutboundDrop(v: Dropped): void {
    this.inbound.counters.countDrop(v.kind);
    this.recordDrop(v, 'outbound', null);
  }

  /** Sends the datagrams queued by send() now (one sendmmsg with the native socket). */
  flush(): void {
    this.udp?.flush();
  }

  /** Sends raw bytes from the endpoint's UDP socket (keepalives, tests, the demo). */
  sendDatagram(payload: Uint8Array, address: string, port: number): void {
    this.requireUdp().send(payload, port, address);
  }

  /**
   * Handles one UDP datagram as if it had arrived from `from` (used by tests and replays).
   * to: the local address it was sent to, when known; else the listen address.
   */
  receive(payload: Buffer, from: Pick<RemoteInfo, 'address' | 'port'>, to: string | null = null): void {
    const meta: InboundMeta = { src: from.address, dst: to ?? this.localDst, srcPort: from.port, dstPort: this.udp?.port ?? null, encapsulated: true };
    const v = processUdpDatagram(this.inbound, payload, meta, this.clock.now());
    switch (v.verdict) {
      case 'delivered':
        this.emit('delivered', v.packet, v);
        return;
      case 'dropped':
        this.recordDrop(v, 'inbound', peerText(from.address, from.port));
        return;
      case 'ike':
        // RFC 3948 2.2: IKE on the ESP port, after the 4-octet non-ESP marker.
        if (this.ikeHandler !== null) this.ikeHandler(payload.subarray(4), { address: from.address, port: from.port }, to ?? this.localDst);
        else this.noteIke(from);
        return;
      default:
        return; // keepalive, dummy: counted by the datapath
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const t of this.timers) clearInterval(t);
    await this.udp?.close();
  }

  // ---- internals ----------------------------------------------------------------------

  private requireUdp(): UdpTransport {
    if (this.udp === null) throw new Error('the endpoint is not open: use IpsecEndpoint.open()');
    return this.udp;
  }

  /** Inbound SAs match on SPI alone when datagrams do not say which local address they went to. */
  private destinationUnknown(): boolean {
    return this.wildcard && !(this.udp?.reportsDestination ?? false);
  }

  private saForPolicy(policy: Policy): SecurityAssociation | null {
    const reqid = policy.template?.reqid;
    if (reqid === undefined) return null;
    const sa = this.outboundSas.current(reqid);
    if (sa === null) return null;
    const guard = this.guards.get(sa);
    if (guard !== undefined) {
      try {
        guard.ensure(sa.outSeqHi * 0x1_0000_0000 + sa.outSeqLo + 1);
      } catch (err) {
        // Never send a number we could not reserve: a restart might reuse it.
        this.log.error('cannot reserve outbound sequence numbers; the SA stops sending', { spi: spiHex(sa.spi), sa: sa.config.label, error: String(err) });
        return null;
      }
    }
    return sa;
  }

  private attachSequenceGuard(sa: SecurityAssociation, config: ManualSaConfig): void {
    if (this.persistence === null) return;
    const guard = this.persistence.sequenceGuard(sa.spi, config.keys);
    const first = guard.start();
    const last = first - 1;
    if (last > 0) {
      const hi = Math.floor(last / 0x1_0000_0000);
      const lo = last - hi * 0x1_0000_0000;
      if (hi > 0 && !sa.config.esn) {
        throw new RangeError(`SA ${config.name} (${spiHex(sa.spi)}): its keys already used every 32-bit sequence number in an earlier run; give it new keys or enable ESN`);
      }
      sa.restoreOutboundSequence(hi, lo);
      this.log.info('outbound SA resumes above its persisted sequence mark', { sa: config.name, spi: spiHex(sa.spi), resumeAt: first });
    }
    this.guards.set(sa, guard);
  }

  private recordDrop(v: Dropped, direction: 'inbound' | 'outbound', peer: string | null): void {
    const at = Date.now();
    let record = dropRecordOf(v, direction, at, peer);
    if (this.persistence !== null) {
      try {
        record = this.persistence.appendDrop(record) ?? record;
      } catch (err) {
        this.log.error('cannot store a drop record', { error: String(err) });
      }
    }
    const key = `${record.kind}|${record.spi ?? '-'}|${record.reason}`;
    const folded = this.dropLimiter.admit(key, at);
    if (folded !== null) {
      this.log.info(record.summary, {
        event: 'drop', code: record.windowsCode, name: record.windowsName, linuxCounter: record.linuxCounter,
        spi: record.spi, cause: record.cause, reason: record.reason, peer, sa: record.sa, ...(folded > 0 ? { similarSinceLastLine: folded } : {}),
      });
    }
    if (this.listenerCount('drop') > 0) this.emit('drop', record, v);
  }

  private lastIkeNote = 0;
  private ikeHandler: IkeHandler | null = null;

  /** Where IKE messages arriving on the ESP port go (the daemon's IKE manager); null: logged only. */
  setIkeHandler(handler: IkeHandler | null): void {
    this.ikeHandler = handler;
  }

  private noteIke(from: Pick<RemoteInfo, 'address' | 'port'>): void {
    const now = Date.now();
    if (now - this.lastIkeNote < 60_000) return;
    this.lastIkeNote = now;
    this.log.warn('an IKE message arrived, but this endpoint uses manually keyed SAs only', { peer: peerText(from.address, from.port) });
  }

  private onSaEvent(event: SaEvent): void {
    const fields = { sa: event.sa.label, spi: spiHex(event.sa.spi), direction: event.sa.direction };
    switch (event.type) {
      case 'added':
        this.log.info('SA installed', fields);
        break;
      case 'soft-expired':
        this.log.warn(`SA reached its soft ${event.expiry.limit} lifetime (${event.expiry.configured}): replace it before the hard limit`, { ...fields, event: 'soft-expired', limit: event.expiry.limit, configured: event.expiry.configured, reached: event.expiry.reached });
        break;
      case 'hard-expired':
        this.log.warn(`SA reached its hard ${event.expiry.limit} lifetime (${event.expiry.configured}) and was removed; packets on it now get BAD_SPI (cause expired)`, { ...fields, event: 'hard-expired', limit: event.expiry.limit, configured: event.expiry.configured, reached: event.expiry.reached });
        this.forget(event.sa.id);
        break;
      case 'removed':
        this.log.info('SA removed', { ...fields, reason: event.reason, successorSpi: event.successorSpi === null ? null : spiHex(event.successorSpi) });
        this.forget(event.sa.id);
        break;
    }
    this.emit('sa', event);
  }

  private forget(saId: number): void {
    const sa = this.outboundSas.removeById(saId);
    if (sa !== null) this.guards.delete(sa);
    this.manual.delete(saId);
  }

  private startTimers(): void {
    const tick = setInterval(() => this.sad.tick(this.clock.now()), this.options.lifetimeTickMs ?? 250);
    tick.unref();
    this.timers.push(tick);
    const keepaliveMs = this.options.keepaliveMs === undefined ? 20_000 : this.options.keepaliveMs;
    if (keepaliveMs !== null) {
      const keepalive = setInterval(() => this.sendKeepalives(), keepaliveMs);
      keepalive.unref();
      this.timers.push(keepalive);
    }
  }

  /** RFC 3948 2.3: one 0xFF octet to each peer we send ESP to, so NAT mappings stay open. */
  sendKeepalives(): number {
    const peers = new Set<string>();
    for (const sa of this.outboundSas.all()) {
      const encap = sa.config.encapsulation;
      if (encap === null || sa.config.dst === null) continue;
      const key = peerText(sa.config.dst, encap.dstPort);
      if (peers.has(key)) continue;
      peers.add(key);
      this.requireUdp().send(NAT_KEEPALIVE, encap.dstPort, sa.config.dst);
    }
    return peers.size;
  }
}

function peerText(address: string, port: number): string {
  return isIP(address) === 6 ? `[${address}]:${port}` : `${address}:${port}`;
}
