// One worker's load: handshakes (IKE_SA_INIT + IKE_AUTH with one CHILD_SA) against the responder,
// `concurrency` at a time or `rate` per second, each then DELETEd (optional).
//
// Each handshake gets its own IkeManager: a manager runs one IKE SA per connection, and a fresh
// one per handshake is a few maps, so one connection config serves every handshake in flight.
// Datagrams find their handshake by the initiator SPI (ours, bytes 0-7 of every IKE header,
// RFC 7296 3.1). A coarse timer drives retransmissions and the handshake timeout.
//
//   start ─► IKE_SA_INIT ─► IKE_AUTH ─► child-installed: completed (latency) ─► DELETE ─► closed
//        └► ike-failed / child-failed / timeout: a failure by reason
import { createKeyExchange } from '../../src/ike/crypto/dh.js';
import type { KeyExchange } from '../../src/ike/crypto/dh.js';
import { performance } from 'node:perf_hooks';
import { randomBytes } from 'node:crypto';
import type { ConnectionConfig, IkeSettings } from '../../src/ike/connection.js';
import { IkeManager } from '../../src/ike/manager.js';
import type { IkeEvent, IkeHost, UdpAddress } from '../../src/ike/ports.js';
import type { ConnectionPlan } from './connection.js';
import { CHILD_NAME, CONNECTION_NAME, loadConnection, loadSettings } from './connection.js';
import type { WorkerReport } from './report.js';
import type { IkeSockets } from './udp-sockets.js';

/** Handshakes per client DH key pair (RFC 7296 2.12 reuse; the responder's side is always fresh). */
const KE_REUSE = 256;

export interface WorkerPlan extends ConnectionPlan {
  /** Handshakes in flight at most (this worker's share). */
  readonly concurrency: number;
  /** Handshakes started per second (this worker's share), or null: keep `concurrency` in flight. */
  readonly rate: number | null;
  readonly seconds: number;
  /** DELETE each IKE SA once its child is up, so the responder does not accumulate SAs. */
  readonly delete: boolean;
  /** A handshake that has not finished after this long counts as failed ("timeout"). */
  readonly timeoutMs: number;
}

/** How often retransmissions, timeouts and the rate schedule are looked at. */
const TICK_MS = 10;
/** After the measuring window (and the handshake timeout), DELETEs get this long to be answered. */
const DRAIN_MS = 3000;
/** Latency samples kept per worker (enough for exact percentiles at thousands per second). */
const MAX_SAMPLES = 500_000;
/** RFC 7296 3.1: the IKE header is 28 octets; the initiator's SPI is its first 8. */
const IKE_HEADER_LENGTH = 28;

/** 'gone': its DELETE failed; a close that follows is not a confirmation. */
type Phase = 'handshake' | 'deleting' | 'gone';

interface Handshake {
  readonly manager: IkeManager;
  readonly startedAt: number;
  phase: Phase;
  deleteSentAt: number;
  /** Set once it has counted as completed or failed, so a later close is not counted twice. */
  settled: boolean;
}

function increment(counts: Record<string, number>, key: string): void {
  counts[key] = (counts[key] ?? 0) + 1;
}

export class LoadGenerator {
  private readonly connection: ConnectionConfig;
  private readonly settings: IkeSettings;
  private readonly bySpi = new Map<string, Handshake>();
  private nextSpi = 0x1000 + randomBytes(2).readUInt16BE(0) * 0x10000;
  private inFlight = 0;
  private started = 0;
  private completed = 0;
  private measuring = false;
  private startedAt = 0;
  private endAt = 0;
  private cpuAtStart: NodeJS.CpuUsage = { user: 0, system: 0 };
  private readonly failures: Record<string, number> = {};
  private readonly failureSamples: Record<string, string> = {};
  private readonly drops: Record<string, number> = {};
  private readonly latenciesMs: number[] = [];
  private readonly deletes = { sent: 0, confirmed: 0, failed: 0, unanswered: 0 };

  constructor(private readonly plan: WorkerPlan, private readonly sockets: IkeSockets) {
    const c = loadConnection(plan);
    if (!c.ok) throw new RangeError(c.message);
    this.connection = c.connection;
    this.settings = loadSettings(sockets.ikePort, plan.timeoutMs);
    sockets.onDatagram((bytes, local, remote) => this.receive(bytes, local, remote));
    sockets.onDrop((reason) => increment(this.drops, reason));
  }

  /** Runs for plan.seconds, then lets DELETEs drain; the report covers the measuring window. */
  async run(): Promise<WorkerReport> {
    this.startedAt = performance.now();
    this.cpuAtStart = process.cpuUsage();
    this.endAt = this.startedAt + this.plan.seconds * 1000;
    this.measuring = true;
    const timer = setInterval(() => this.tick(), TICK_MS);
    this.refill();
    await new Promise((resolve) => setTimeout(resolve, this.plan.seconds * 1000));
    this.measuring = false;
    const report = this.report(performance.now());
    // Handshakes still running finish (uncounted) and are DELETEd too, so the responder is left
    // clean for whatever runs next.
    const drainUntil = performance.now() + this.plan.timeoutMs + DRAIN_MS;
    while (this.bySpi.size > 0 && performance.now() < drainUntil) await new Promise((resolve) => setTimeout(resolve, 20));
    clearInterval(timer);
    return { ...report, deletes: { ...this.deletes, unanswered: this.pending('deleting') } };
  }

  private pending(phase: Phase): number {
    let n = 0;
    for (const h of this.bySpi.values()) if (h.phase === phase) n++;
    return n;
  }

  private receive(bytes: Buffer, local: UdpAddress, remote: UdpAddress): void {
    if (bytes.length < IKE_HEADER_LENGTH) {
      increment(this.drops, 'shorter-than-ike-header');
      return;
    }
    const h = this.bySpi.get(bytes.toString('hex', 0, 8));
    if (h === undefined) {
      // Late answers to handshakes that timed out or were abandoned at the end.
      increment(this.drops, 'unknown-initiator-spi');
      return;
    }
    h.manager.receive(bytes, local, remote);
    this.refill();
  }

  private tick(): void {
    const now = performance.now();
    for (const [spi, h] of this.bySpi) {
      if (h.phase === 'handshake' && now - h.startedAt > this.plan.timeoutMs) {
        this.settle(spi, h, 'timeout', `no child SA ${this.plan.timeoutMs} ms after IKE_SA_INIT was sent`);
        continue;
      }
      if (h.phase === 'deleting' && now - h.deleteSentAt > this.plan.timeoutMs) {
        this.deletes.failed++;
        this.bySpi.delete(spi);
        continue;
      }
      h.manager.tick(now);
    }
    this.refill();
  }

  /** Starts handshakes while slots are free (and, with a rate, while the schedule says so). */
  private refill(): void {
    if (!this.measuring) return;
    const now = performance.now();
    if (now >= this.endAt) return;
    const due = this.plan.rate === null ? Infinity : Math.floor(((now - this.startedAt) / 1000) * this.plan.rate) - this.started;
    for (let i = 0; i < due && this.inFlight < this.plan.concurrency; i++) {
      if (!this.startOne(now)) return;
    }
  }

  private readonly keyExchanges = new Map<number, { ke: KeyExchange; uses: number }>();

  private sharedKeyExchange(group: number): KeyExchange | null {
    let entry = this.keyExchanges.get(group);
    if (entry === undefined || entry.uses >= KE_REUSE) {
      const ke = createKeyExchange(group);
      if (ke === null) return null;
      entry = { ke, uses: 0 };
      this.keyExchanges.set(group, entry);
    }
    entry.uses++;
    return entry.ke;
  }

  /** False when the handshake could not even start (then retrying now would fail the same way). */
  private startOne(now: number): boolean {
    let spiKey = '';
    let handshake: Handshake | null = null;
    const host: IkeHost = {
      now: () => performance.now(),
      randomBytes: (n) => randomBytes(n),
      send: (d) => this.sockets.send(d),
      // Never on the wire as an ESP SPI here (no ESP flows); unique per worker, >= 256 (RFC 4303 2.1).
      allocateSpi: () => (this.nextSpi = (this.nextSpi + 1) >>> 0 || 0x1000),
      installChildSa: () => undefined,
      removeChildSa: () => undefined,
      installPolicy: () => undefined,
      removePolicy: () => undefined,
      event: (e) => {
        if (handshake !== null) this.onEvent(spiKey, handshake, e);
      },
    };
    // RFC 7296 2.12: a DH value may be reused for a while; the client does (rotating it every
    // KE_REUSE handshakes) so that its own cost per handshake stays below the responder's.
    const manager = new IkeManager({ host, settings: this.settings, connections: [this.connection], trust: null, natPort: this.sockets.natPort,
      localAddress: this.sockets.address, keyExchangeFor: (group) => this.sharedKeyExchange(group) });
    this.started++;
    const r = manager.initiate(CONNECTION_NAME, CHILD_NAME);
    const sa = manager.all()[0];
    if (!r.ok || sa === undefined) {
      increment(this.failures, r.ok ? 'initiate' : r.failure.name);
      return false;
    }
    spiKey = sa.spiI.toString('hex');
    handshake = { manager, startedAt: now, phase: 'handshake', deleteSentAt: 0, settled: false };
    this.bySpi.set(spiKey, handshake);
    this.inFlight++;
    return true;
  }

  private onEvent(spi: string, h: Handshake, e: IkeEvent): void {
    switch (e.type) {
      case 'message-dropped':
        increment(this.drops, e.reason);
        return;
      case 'child-installed':
        if (h.settled) return;
        this.succeed(spi, h);
        return;
      case 'ike-failed':
      case 'child-failed':
        if (h.phase === 'handshake') {
          this.settle(spi, h, e.name, e.reason);
        } else if (h.phase === 'deleting') {
          h.phase = 'gone';
          this.deletes.failed++;
          this.bySpi.delete(spi);
        }
        return;
      case 'ike-closed':
        if (h.phase === 'deleting') {
          this.deletes.confirmed++;
          this.bySpi.delete(spi);
        } else if (h.phase === 'handshake') {
          this.settle(spi, h, 'ike-closed', e.reason);
        }
        return;
      default:
        return;
    }
  }

  private succeed(spi: string, h: Handshake): void {
    const now = performance.now();
    h.settled = true;
    this.inFlight--;
    if (this.measuring && now <= this.endAt) {
      this.completed++;
      if (this.latenciesMs.length < MAX_SAMPLES) this.latenciesMs.push(now - h.startedAt);
    }
    if (!this.plan.delete) {
      this.bySpi.delete(spi);
      return;
    }
    h.phase = 'deleting';
    h.deleteSentAt = now;
    this.deletes.sent++;
    // Deferred: terminate() sends from inside the manager that is still handling the response.
    queueMicrotask(() => h.manager.terminate(CONNECTION_NAME));
  }

  /** A handshake that ended without its child: count the reason, free its slot. */
  private settle(spi: string, h: Handshake, reason: string, detail: string): void {
    if (h.settled) return;
    h.settled = true;
    this.inFlight--;
    this.bySpi.delete(spi);
    if (!this.measuring) return;
    increment(this.failures, reason);
    this.failureSamples[reason] ??= detail;
  }

  private report(now: number): WorkerReport {
    const inFlight = this.pending('handshake');
    const elapsed = (Math.min(now, this.endAt) - this.startedAt) / 1000;
    const due = this.plan.rate === null ? 0 : Math.max(0, Math.floor(elapsed * this.plan.rate) - this.started);
    const cpu = process.cpuUsage(this.cpuAtStart);
    return {
      local: this.sockets.address, seconds: elapsed, started: this.started, completed: this.completed,
      failures: { ...this.failures }, failureSamples: { ...this.failureSamples }, drops: { ...this.drops },
      latenciesMs: this.latenciesMs, deletes: { ...this.deletes }, inFlightAtEnd: inFlight, behindSchedule: due,
      cpuSeconds: (cpu.user + cpu.system) / 1e6,
    };
  }
}
