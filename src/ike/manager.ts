// The IKE manager: every IKE SA of the host, found by our SPI, and the one place datagrams come
// in. It decodes, finds the SA, checks the message window, unprotects, and hands the payloads to
// the exchange module that owns them (src/ike/exchanges/). Time moves only through tick(now).
//
//   datagram ─► decode ─► IKE_SA_INIT request? ─► respondIkeSaInit (half-open cap, cookies)
//                      └► SA by our SPI ─► response? ─► window ─► unprotect ─► handler of the request
//                                      └► request?  ─► window (retransmit: cached answer) ─► unprotect
//                                                       ─► IKE_AUTH / CREATE_CHILD_SA / INFORMATIONAL
import { randomBytes } from 'node:crypto';
import type { ChildConfig, ConnectionConfig, IkeSettings } from './connection.js';
import type { ChildSa } from './sa/child-sa.js';
import { resolveTs } from './exchanges/selectors.js';
import type { TrustStore } from './auth/certs.js';
import { createKeyExchange } from './crypto/dh.js';
import type { KeyExchange } from './crypto/dh.js';
import { decodeMessage, decodePayloadChain } from './message/message.js';
import { EXCHANGE, HEADER_FLAG, NOTIFY_ERROR, PROTOCOL } from './message/numbers.js';
import { IKE_HEADER_LENGTH } from './message/header.js';
import type { IkeDecodeFailure, IkeMessage, Payload, SkPayload } from './message/types.js';
import type { ChildRemovalReason, IkeHost, UdpAddress } from './ports.js';
import { IkeSa } from './sa/ike-sa.js';
import type { ExchangeContext, IkeFailure } from './exchanges/context.js';
import { ikeFailure } from './exchanges/failures.js';
import { initiateIkeSa } from './exchanges/ike-sa-init.js';
import { answerInitRequest, respondIkeSaInit } from './exchanges/ike-sa-init-responder.js';
import type { CookieSecret } from './exchanges/ike-sa-init-responder.js';
import { respondIkeAuth, sendIkeAuth } from './exchanges/ike-auth.js';
import { deleteChild, deleteIkeSa, removeChild, respondInformational, sendLivenessCheck } from './exchanges/informational.js';
import { respondCreateChild, startChildRekey } from './exchanges/child-rekey.js';
import { isIkeRekey, respondIkeRekey, startIkeRekey } from './exchanges/ike-rekey.js';
import { switchOutbound } from './exchanges/child-create.js';
import { notify, spiBytes } from './exchanges/payloads.js';
import { resend, sendRequest, sendResponse } from './exchanges/protect.js';

/** Half-open IKE SAs older than this are forgotten (strongSwan: half_open_timeout 30 s). */
const HALF_OPEN_TIMEOUT_MS = 30_000;
/** A rekey responder switches its outbound SA at the latest this long after answering. */
const OUTBOUND_SWITCH_TIMEOUT_MS = 10_000;
/** First reqid given to IKE children; manual SAs use small numbers. */
const FIRST_REQID = 0x10000;
/** A recovery triggered by INVALID_SPI runs at most once per child in this period. */
const INVALID_SPI_RECOVERY_INTERVAL_MS = 10_000;
/** A trap policy starts at most one negotiation per this long. */
const ACQUIRE_INTERVAL_MS = 1000;
/** Unprotected error answers to undecodable IKE_SA_INIT requests, at most this many per second. */
const MAX_ERROR_ANSWERS_PER_SECOND = 50;
/** A rekeyed IKE SA the peer never deletes is closed after this long. */
const SUPERSEDED_TIMEOUT_MS = 30_000;

export interface IkeManagerOptions {
  readonly host: IkeHost;
  readonly settings: IkeSettings;
  readonly connections: readonly ConnectionConfig[];
  readonly trust: TrustStore | null;
  /** Our NAT-T port (the ESP port, 4500 unless configured otherwise). */
  readonly natPort: number;
  /** Our address when a connection names none (the listen address). */
  readonly localAddress: string;
  /**
   * The DH key pair for each IKE SA we initiate. Default: a fresh one every time. RFC 7296 2.12
   * allows reusing one for a while; only load and test tools do (the daemon never sets this).
   */
  readonly keyExchangeFor?: (group: number) => KeyExchange | null;
}

export type InitiateResult = { readonly ok: true; readonly ikeSa: string } | { readonly ok: false; readonly failure: IkeFailure };

export class IkeManager {
  private readonly bySpi = new Map<string, IkeSa>();
  private readonly halfOpen = new Map<string, IkeSa>();
  private readonly queues = new Map<IkeSa, (() => void)[]>();
  private readonly reqids = new Map<string, number>();
  private readonly invalidSpiSentAt = new Map<string, number>();
  private readonly recoveryAt = new Map<string, number>();
  private readonly trapped = new Map<number, { readonly connection: string; readonly child: string }>();
  private readonly acquiredAt = new Map<number, number>();
  /** close_action start: negotiations to start at the next tick (not from inside the close). */
  private pendingStarts: { readonly connection: string; readonly child: string }[] = [];
  private ikeIds = 0;
  private childIds = 0;
  private cookieSecrets: CookieSecret[];
  private readonly ctx: ExchangeContext;
  private connections: readonly ConnectionConfig[];

  constructor(private readonly options: IkeManagerOptions) {
    this.connections = options.connections;
    this.cookieSecrets = [{ version: 1, secret: randomBytes(32) }];
    this.ctx = {
      host: options.host,
      settings: options.settings,
      trust: options.trust,
      natPort: options.natPort,
      nextIkeSaId: () => ++this.ikeIds,
      nextChildSaId: () => ++this.childIds,
      reqidOf: (connection, child, peer) => this.reqidOf(connection, child, peer),
      register: (sa) => this.register(sa),
      close: (sa, reason, childReason) => this.close(sa, reason, childReason),
      fail: (sa, failure) => this.fail(sa, failure),
      connectionsFor: (local, remote) => this.connectionsFor(local, remote),
      initialContact: (sa) => this.initialContact(sa),
      newKeyExchange: options.keyExchangeFor ?? createKeyExchange,
      childGone: (sa, child, reason) => this.childGone(sa, child, reason),
    };
  }

  // ---- operator actions -----------------------------------------------------------------

  /**
   * Called once the sockets are up: installs the trap policies (start_action trap: the first packet
   * that matches one starts the negotiation) and initiates the children with start_action start.
   */
  startAll(): void {
    for (const c of this.connections) {
      if (c.remoteAddress === '%any') continue;
      for (const child of c.children.filter((ch) => ch.startAction === 'trap')) this.trap(c, child, c.remoteAddress);
      const child = c.children.find((ch) => ch.startAction === 'start');
      if (child !== undefined) this.initiate(c.name, child.name);
    }
  }

  /**
   * Outbound traffic matched a PROTECT policy that has no SA (the endpoint's 'outbound-no-sa'
   * drop). If it is one of our trap policies, negotiate its child, at most once per second and
   * not while a negotiation for it runs. Returns whether a negotiation started.
   */
  acquire(reqid: number): boolean {
    const t = this.trapped.get(reqid);
    if (t === undefined) return false;
    const busy = this.all().some((s) => s.isOpen && s.connection?.name === t.connection
      && (s.state !== 'established' || s.window.outstanding !== null || s.children.some((c) => c.live && c.init.reqid === reqid)));
    if (busy) return false;
    const now = this.ctx.host.now();
    const last = this.acquiredAt.get(reqid);
    if (last !== undefined && now - last < ACQUIRE_INTERVAL_MS) return false;
    this.acquiredAt.set(reqid, now);
    this.ctx.host.event({ type: 'trap-triggered', connection: t.connection, child: t.child, reqid });
    return this.initiate(t.connection, t.child).ok;
  }

  /** Installs the child's policy without SAs, so matching traffic triggers acquire(). */
  private trap(connection: ConnectionConfig, child: ChildConfig, peer: string): void {
    const reqid = this.reqidOf(connection.name, child.name, peer);
    const local = connection.localAddress ?? this.options.localAddress;
    this.ctx.host.installPolicy({
      reqid, name: `${connection.name}/${child.name}`, localTs: resolveTs(child.localTs, local), remoteTs: resolveTs(child.remoteTs, peer),
      mode: child.mode, localAddress: local, peerAddress: peer,
    });
    this.trapped.set(reqid, { connection: connection.name, child: child.name });
  }

  /**
   * A child's SAs are gone. Its policy stays when another SA still serves it or when it is (or
   * becomes, by close_action / dpd_action trap) a trap; close_action start negotiates it again.
   */
  private childGone(sa: IkeSa, child: ChildSa, reason: ChildRemovalReason): void {
    const reqid = child.init.reqid;
    const config = child.init.config;
    const stillServed = this.all().some((s) => s.isOpen && s.children.some((c) => c !== child && c.live && c.init.reqid === reqid));
    const connection = sa.connection;
    if (stillServed || connection === null) return;
    const trapNow = (reason === 'deleted-by-peer' && config.closeAction === 'trap') || (reason === 'peer-dead' && config.dpdAction === 'trap');
    if (this.trapped.has(reqid) || trapNow) this.trap(connection, config, sa.remote.address);
    else this.ctx.host.removePolicy(reqid);
    if (reason === 'deleted-by-peer' && config.closeAction === 'start' && connection.remoteAddress !== '%any') {
      this.pendingStarts.push({ connection: connection.name, child: config.name });
    }
  }

  /** `ipsec-ts initiate <name>`: a new IKE SA with its first child (or a child on an existing IKE SA). */
  initiate(connectionName: string, childName?: string): InitiateResult {
    const connection = this.connections.find((c) => c.name === connectionName);
    if (connection === undefined) return { ok: false, failure: ikeFailure('NO_POLICY', `no connection named ${connectionName}`, 'Run `ipsec-ts sa list` or check connections: in the config.') };
    const child = childName === undefined ? connection.children[0] : connection.children.find((c) => c.name === childName);
    if (child === undefined) return { ok: false, failure: ikeFailure('NO_POLICY', `connection ${connectionName} has no child ${childName ?? ''}`.trim(), 'Add a child under children: in the config.') };
    if (connection.remoteAddress === '%any') return { ok: false, failure: ikeFailure('NO_POLICY', `connection ${connectionName} has remote.address %any: it can only respond`, 'Set remote.address to initiate.') };
    const existing = this.saFor(connection);
    if (existing !== null) {
      this.runOrQueue(existing, () => startChildRekey(this.ctx, existing, child, null));
      return { ok: true, ikeSa: existing.label };
    }
    const local: UdpAddress = { address: connection.localAddress ?? this.options.localAddress, port: this.options.settings.port ?? this.options.natPort };
    const remote: UdpAddress = { address: connection.remoteAddress, port: connection.remotePort };
    const sa = initiateIkeSa(this.ctx, connection, local, remote, (s) => sendIkeAuth(this.ctx, s, child));
    if ('code' in sa) return { ok: false, failure: sa };
    return { ok: true, ikeSa: sa.label };
  }

  /** `ipsec-ts terminate <name>`: DELETE every IKE SA of the connection. Returns how many. */
  terminate(connectionName: string): number {
    const sas = this.all().filter((sa) => sa.connection?.name === connectionName && sa.isOpen);
    for (const sa of sas) this.runOrQueue(sa, () => deleteIkeSa(this.ctx, sa, 'terminated by the operator'));
    return sas.length;
  }

  /** Deletes the connection's CHILD_SAs named `childName` (DELETE to the peer), keeping the IKE SA. Returns how many. */
  terminateChild(connectionName: string, childName: string): number {
    let n = 0;
    for (const sa of this.all().filter((s) => s.connection?.name === connectionName && s.state === 'established')) {
      for (const child of sa.liveChildren().filter((c) => c.init.config.name === childName && c.state === 'installed')) {
        this.runOrQueue(sa, () => {
          if (child.state === 'installed') deleteChild(this.ctx, sa, child, 'deleted-locally');
        });
        n++;
      }
    }
    return n;
  }

  /** `ipsec-ts rekey <name>`: rekey every installed child of the connection now. Returns how many. */
  rekey(connectionName: string): number {
    let n = 0;
    for (const sa of this.all().filter((s) => s.connection?.name === connectionName && s.state === 'established')) {
      for (const child of sa.liveChildren().filter((c) => c.state === 'installed')) {
        this.runOrQueue(sa, () => {
          if (child.state === 'installed') startChildRekey(this.ctx, sa, child.init.config, child);
        });
        n++;
      }
    }
    return n;
  }

  /** `ipsec-ts rekey --ike <name>`: rekey the connection's IKE SA now. Returns how many. */
  rekeyIke(connectionName: string): number {
    const sas = this.all().filter((s) => s.connection?.name === connectionName && s.state === 'established' && s.supersededBy === null && !s.rekeyInFlight);
    for (const sa of sas) this.rekeyIkeSa(sa);
    return sas.length;
  }

  private rekeyIkeSa(sa: IkeSa): void {
    this.runOrQueue(sa, () => {
      if (sa.state !== 'established' || sa.supersededBy !== null) return;
      startIkeRekey(this.ctx, sa, (delayMs) => {
        sa.rekeyAt = this.ctx.host.now() + delayMs;
      });
    });
  }

  /** Every IKE SA we hold (half-open ones included). */
  all(): IkeSa[] {
    return [...new Set(this.bySpi.values())];
  }

  connectionNames(): string[] {
    return this.connections.map((c) => c.name);
  }

  // ---- the network ------------------------------------------------------------------------

  /** One IKE message (without the non-ESP marker) from `remote` to `local`. */
  receive(bytes: Buffer, local: UdpAddress, remote: UdpAddress): void {
    const decoded = decodeMessage(bytes);
    if (!decoded.ok) {
      this.dropped(remote, decoded.reason, decoded.detail);
      this.answerUndecodable(bytes, decoded, local, remote);
      return;
    }
    const message = decoded.value;
    const header = message.header;
    if (header.exchangeType === EXCHANGE.IKE_SA_INIT && !header.response) {
      this.onInitRequest(message, local, remote);
      return;
    }
    // The I flag says the sender is the original initiator, so our SPI is the other one.
    const ourSpi = header.initiator ? header.responderSpi : header.initiatorSpi;
    const sa = this.bySpi.get(ourSpi.toString('hex'));
    if (sa === undefined || !sa.isOpen) {
      this.dropped(remote, 'unknown-ike-spi', `no IKE SA with SPI ${ourSpi.toString('hex')} (${exchangeName(header.exchangeType)} ${header.response ? 'response' : 'request'} #${header.messageId})`);
      return;
    }
    if (header.response) this.onResponse(sa, message, local, remote);
    else this.onRequest(sa, message, local, remote);
    this.pump(sa);
  }

  /**
   * RFC 7296 2.5: an IKE_SA_INIT request with a higher major version, or with a critical payload
   * we do not know, is answered with an unprotected notification (INVALID_MAJOR_VERSION,
   * UNSUPPORTED_CRITICAL_PAYLOAD); other malformed unauthenticated messages are dropped. Answers
   * are capped per second, so a flood cannot turn us into a reflector.
   */
  private answerUndecodable(bytes: Buffer, failure: IkeDecodeFailure, local: UdpAddress, remote: UdpAddress): void {
    if (failure.notify === null || bytes.length < IKE_HEADER_LENGTH) return;
    const isRequest = (bytes[19]! & HEADER_FLAG.RESPONSE) === 0;
    if (!isRequest || bytes[18] !== EXCHANGE.IKE_SA_INIT || bytes.readUInt32BE(20) !== 0) return;
    const now = this.ctx.host.now();
    if (now - this.errorAnswerWindowStart >= 1000) {
      this.errorAnswerWindowStart = now;
      this.errorAnswers = 0;
    }
    if (++this.errorAnswers > MAX_ERROR_ANSWERS_PER_SECOND) return;
    answerInitRequest(this.ctx, bytes.subarray(0, 8), local, remote, [notify(failure.notify, failure.notifyData ?? Buffer.alloc(0))]);
  }

  private errorAnswers = 0;
  private errorAnswerWindowStart = 0;

  private onInitRequest(message: IkeMessage, local: UdpAddress, remote: UdpAddress): void {
    if (message.header.messageId !== 0) {
      this.dropped(remote, 'bad-message-id', `IKE_SA_INIT request with message ID ${message.header.messageId}`);
      return;
    }
    const key = `${message.header.initiatorSpi.toString('hex')}|${remote.address}|${remote.port}`;
    const known = this.halfOpen.get(key);
    if (known !== undefined) {
      // RFC 7296 2.1: a retransmitted first message gets the same answer, not a second IKE SA.
      const cached = known.window.cachedResponse();
      if (cached !== null) for (const b of cached) resend(this.ctx, known, b);
      return;
    }
    const result = respondIkeSaInit(this.ctx, { message, local, remote, halfOpen: this.halfOpen.size, cookieSecrets: this.cookieSecrets });
    if (result instanceof IkeSa) {
      this.halfOpen.set(key, result);
      return;
    }
    if (result.outcome !== 'cookie-demanded') this.dropped(remote, result.outcome, result.reason);
  }

  private onResponse(sa: IkeSa, message: IkeMessage, local: UdpAddress, remote: UdpAddress): void {
    const outstanding = sa.window.outstanding;
    if (outstanding === null || outstanding.messageId !== message.header.messageId) {
      this.dropped(remote, 'unexpected-response', `${sa.label}: response #${message.header.messageId} answers no outstanding request`);
      return;
    }
    let inner: readonly Payload[] = message.payloads;
    if (message.header.exchangeType !== EXCHANGE.IKE_SA_INIT) {
      const opened = this.unprotect(sa, message, remote);
      if (opened === null) return;
      inner = opened;
    }
    const request = sa.window.takeResponse(message.header.messageId)!;
    sa.lastHeardAt = this.ctx.host.now();
    this.followPeer(sa, local, remote, message);
    request.handler.onResponse(sa, message, inner);
  }

  private onRequest(sa: IkeSa, message: IkeMessage, local: UdpAddress, remote: UdpAddress): void {
    const id = message.header.messageId;
    const kind = sa.window.classifyPeerRequest(id);
    if (kind === 'retransmit') {
      for (const b of sa.window.cachedResponse() ?? []) resend(this.ctx, sa, b);
      return;
    }
    if (kind === 'old-or-future') {
      this.dropped(remote, 'bad-message-id', `${sa.label}: request #${id}, expected #${sa.window.expectedPeerRequestId}`);
      return;
    }
    const inner = this.unprotect(sa, message, remote);
    if (inner === null) return;
    sa.lastHeardAt = this.ctx.host.now();
    this.followPeer(sa, local, remote, message);
    switch (message.header.exchangeType) {
      case EXCHANGE.IKE_AUTH:
        if (sa.role !== 'responder' || sa.state !== 'init-answered') break;
        this.forgetHalfOpen(sa);
        respondIkeAuth(this.ctx, sa, message, inner);
        return;
      case EXCHANGE.CREATE_CHILD_SA:
        if (sa.state !== 'established') break;
        if (isIkeRekey(inner)) respondIkeRekey(this.ctx, sa, message, inner);
        else if (sa.supersededBy !== null) this.respondPlain(sa, message, [notify(NOTIFY_ERROR.TEMPORARY_FAILURE)]);
        else respondCreateChild(this.ctx, sa, message, inner);
        return;
      case EXCHANGE.INFORMATIONAL:
        if (sa.state === 'init-answered' || sa.state === 'init-sent') break;
        respondInformational(this.ctx, sa, message, inner, { onInvalidSpi: (s, spi) => this.onInvalidSpi(s, spi) });
        return;
      default:
        break;
    }
    this.dropped(remote, 'unexpected-exchange', `${sa.label}: ${exchangeName(message.header.exchangeType)} request in state ${sa.state}`);
  }

  private respondPlain(sa: IkeSa, message: IkeMessage, payloads: Payload[]): void {
    sendResponse(this.ctx, sa, message.header.exchangeType, message.header.messageId, payloads);
  }

  /** RFC 7296 2.23: with NAT-T, answer and send where the latest authenticated message came from. */
  private followPeer(sa: IkeSa, local: UdpAddress, remote: UdpAddress, message: IkeMessage): void {
    if (message.header.exchangeType === EXCHANGE.IKE_SA_INIT) return;
    if (sa.remote.address !== remote.address || sa.remote.port !== remote.port) sa.remote = remote;
    if (sa.local.port !== local.port) sa.local = local;
  }

  private unprotect(sa: IkeSa, message: IkeMessage, remote: UdpAddress): readonly Payload[] | null {
    const sk = message.payloads[message.payloads.length - 1];
    if (sa.crypto === null || sk === undefined || sk.kind !== 'SK') {
      this.dropped(remote, 'not-protected', `${sa.label}: ${exchangeName(message.header.exchangeType)} without an SK payload`);
      return null;
    }
    const opened = sa.crypto.opener.open(message.raw, sk as SkPayload);
    if (!opened.ok) {
      // RFC 7296 2.21.2: a message that fails its integrity check is dropped silently.
      this.dropped(remote, opened.reason, `${sa.label}: ${exchangeName(message.header.exchangeType)} #${message.header.messageId} does not verify (${opened.reason})`);
      return null;
    }
    const chain = decodePayloadChain(opened.inner, opened.firstInnerType, 0);
    if (!chain.ok) {
      this.dropped(remote, chain.reason, `${sa.label}: inside SK: ${chain.detail}`);
      // RFC 7296 2.21.2 / 2.5: an authenticated request we cannot parse is answered (protected)
      // with INVALID_SYNTAX or UNSUPPORTED_CRITICAL_PAYLOAD; a broken response is only dropped.
      if (!message.header.response && chain.notify !== null && sa.window.classifyPeerRequest(message.header.messageId) === 'new') {
        sendResponse(this.ctx, sa, message.header.exchangeType, message.header.messageId, [notify(chain.notify, chain.notifyData ?? Buffer.alloc(0))]);
      }
      return null;
    }
    return chain.value;
  }

  // ---- ESP meets IKE: INVALID_SPI (RFC 7296 2.21.4) ---------------------------------------

  /**
   * ESP arrived on an SPI we do not know, from `from`. If we hold an IKE SA with that peer, tell it
   * (INVALID_SPI inside the IKE SA, so it is authenticated), at most once per peer per interval.
   * Returns whether a notification was sent.
   */
  onUnknownEspSpi(spi: number, from: string): boolean {
    const sa = this.all().find((s) => s.state === 'established' && s.supersededBy === null && s.remote.address === from);
    if (sa === undefined) return false;
    const now = this.ctx.host.now();
    const own = sa.children.find((c) => c.spiIn === spi && c.state === 'installed');
    if (own !== undefined) {
      // Our own inbound half is gone (removed here behind IKE's back: `ipsec-ts sa delete`, a
      // flush) while the peer still sends on it: rekey the child, which gives both sides new SAs.
      const key = `${sa.label}/${own.init.config.name}`;
      const last = this.recoveryAt.get(key);
      if (last !== undefined && now - last < INVALID_SPI_RECOVERY_INTERVAL_MS) return false;
      this.recoveryAt.set(key, now);
      this.ctx.host.event({ type: 'invalid-spi-recovery', trigger: 'own-sa-lost', ikeSa: sa.label, connection: own.init.connection, child: own.init.config.name, spiOut: own.spiOut, spiIn: own.spiIn });
      this.runOrQueue(sa, () => {
        if (own.state === 'installed') startChildRekey(this.ctx, sa, own.init.config, own);
      });
      return false;
    }
    const last = this.invalidSpiSentAt.get(from);
    if (last !== undefined && now - last < this.options.settings.invalidSpiIntervalS * 1000) return false;
    this.invalidSpiSentAt.set(from, now);
    this.runOrQueue(sa, () => sendRequest(this.ctx, sa, EXCHANGE.INFORMATIONAL, [notify(NOTIFY_ERROR.INVALID_SPI, spiBytes(spi), PROTOCOL.ESP)], {
      exchange: 'INFORMATIONAL (INVALID_SPI)', onResponse: () => undefined,
    }));
    return true;
  }

  /**
   * The peer (authenticated: this came inside its IKE SA) says it has no SA for one of our
   * outbound SPIs. If that is one of our children, it lost it: re-create the child.
   */
  private onInvalidSpi(sa: IkeSa, spi: number): void {
    const child = sa.children.find((c) => c.spiOut === spi && (c.state === 'installed' || c.state === 'rekeying'));
    if (child === undefined) {
      this.ctx.host.event({ type: 'message-dropped', peer: `${sa.remote.address}:${sa.remote.port}`, reason: 'invalid-spi-unknown', detail: `${sa.label}: INVALID_SPI for ${spi.toString(16).padStart(8, '0')}, which is not one of our outbound SAs: ignored` });
      return;
    }
    const key = `${sa.label}/${child.init.config.name}`;
    const now = this.ctx.host.now();
    const last = this.recoveryAt.get(key);
    if (last !== undefined && now - last < INVALID_SPI_RECOVERY_INTERVAL_MS) return;
    this.recoveryAt.set(key, now);
    this.ctx.host.event({ type: 'invalid-spi-recovery', trigger: 'invalid-spi', ikeSa: sa.label, connection: child.init.connection, child: child.init.config.name, spiOut: spi, spiIn: child.spiIn });
    // A fresh child first (traffic moves to it as soon as it is installed), then DELETE the
    // broken one so the peer drops whatever half of it it still holds.
    this.runOrQueue(sa, () => startChildRekey(this.ctx, sa, child.init.config, null));
    this.runOrQueue(sa, () => {
      if (child.state === 'installed') deleteChild(this.ctx, sa, child, 'deleted-by-peer');
    });
  }

  // ---- time -------------------------------------------------------------------------------

  /** Retransmissions, timeouts, rekeys, grace periods and liveness checks due at `now`. */
  tick(now: number): void {
    for (const start of this.pendingStarts.splice(0)) this.initiate(start.connection, start.child);
    for (const sa of this.all()) {
      if (!sa.isOpen) continue;
      this.tickWindow(sa, now);
      if (!sa.isOpen) continue;
      if (sa.state === 'init-answered' && now - sa.lastHeardAt > HALF_OPEN_TIMEOUT_MS) {
        this.close(sa, 'half-open: no IKE_AUTH arrived', 'ike-closed');
        continue;
      }
      if (sa.state !== 'established') continue;
      if (sa.supersededBy !== null) {
        // Replaced by a rekey: the initiator of the rekey deletes it; do not wait forever.
        if (now - sa.lastHeardAt > SUPERSEDED_TIMEOUT_MS && sa.window.outstanding === null) this.close(sa, 'replaced by a rekey', 'ike-closed');
        continue;
      }
      this.tickChildren(sa, now);
      const connection = sa.connection!;
      if (sa.expireAt !== null && now >= sa.expireAt) {
        sa.expireAt = null;
        this.runOrQueue(sa, () => deleteIkeSa(this.ctx, sa, 'the IKE SA reached its hard lifetime (life_time) before a rekey succeeded'));
      } else if (sa.rekeyAt !== null && now >= sa.rekeyAt && !sa.rekeyInFlight) {
        sa.rekeyAt = null;
        this.rekeyIkeSa(sa);
      } else if (connection.dpdDelayS > 0 && sa.window.outstanding === null && (this.queues.get(sa)?.length ?? 0) === 0
        && now - sa.lastHeardAt >= connection.dpdDelayS * 1000) {
        sa.lastHeardAt = now;
        sendLivenessCheck(this.ctx, sa);
      }
      this.pump(sa);
    }
    this.rotateCookieSecret(now);
  }

  private tickWindow(sa: IkeSa, now: number): void {
    const due = sa.window.due(now);
    if (due === null) return;
    if (due.action === 'resend') {
      resend(this.ctx, sa, due.request.bytes);
      return;
    }
    const connection = sa.connection;
    this.ctx.host.event({
      type: 'ike-failed', ikeSa: sa.label, connection: connection?.name ?? null, peer: `${sa.remote.address}:${sa.remote.port}`,
      code: 13805, name: 'ERROR_IPSEC_IKE_TIMED_OUT',
      reason: `no answer to ${due.request.handler.exchange} after ${due.request.resends} retransmissions in ${Math.round(due.waitedMs / 1000)} s`,
      action: 'Check that the peer runs and that UDP 500/4500 pass between the hosts (tcpdump -ni any udp port 500 or udp port 4500).',
    });
    const established = sa.state === 'established' || sa.state === 'deleting';
    this.close(sa, 'the peer stopped answering', established ? 'peer-dead' : 'ike-closed');
    if (established && connection !== null && connection.children.some((c) => c.dpdAction === 'restart')) {
      this.initiate(connection.name, connection.children.find((c) => c.dpdAction === 'restart')!.name);
    }
  }

  private tickChildren(sa: IkeSa, now: number): void {
    for (const child of sa.children) {
      if (child.state === 'deleted') continue;
      if (child.pendingOutbound !== null && now - child.init.installedAt >= OUTBOUND_SWITCH_TIMEOUT_MS) switchOutbound(this.ctx, child);
      if (child.graceUntil !== null && now >= child.graceUntil) {
        removeChild(this.ctx, sa, child, child.removalReason === 'deleted-by-peer' ? 'deleted-by-peer' : 'rekeyed');
        continue;
      }
      if (child.state === 'installed' && now >= child.init.rekeyAt) {
        child.transition('rekeying');
        this.runOrQueue(sa, () => {
          if (child.state !== 'rekeying') return;
          child.transition('installed');
          startChildRekey(this.ctx, sa, child.init.config, child);
        });
      }
    }
    for (let i = sa.children.length - 1; i >= 0; i--) if (sa.children[i]!.state === 'deleted') sa.children.splice(i, 1);
  }

  private rotateCookieSecret(now: number): void {
    // RFC 7296 2.6: change the secret now and then; the previous one still verifies for a while.
    const current = this.cookieSecrets[0]!;
    const age = now - (this.cookieBornAt ??= now);
    if (age < 300_000) return;
    this.cookieBornAt = now;
    this.cookieSecrets = [{ version: current.version + 1, secret: randomBytes(32) }, current];
  }

  private cookieBornAt: number | undefined;

  // ---- bookkeeping ------------------------------------------------------------------------

  /** Runs `task` now if the SA's window is free, else after the outstanding exchange. */
  private runOrQueue(sa: IkeSa, task: () => void): void {
    const queue = this.queues.get(sa) ?? [];
    queue.push(task);
    this.queues.set(sa, queue);
    this.pump(sa);
  }

  private pump(sa: IkeSa): void {
    const queue = this.queues.get(sa);
    while (queue !== undefined && queue.length > 0 && sa.window.outstanding === null && sa.isOpen && sa.state !== 'init-sent' && sa.state !== 'auth-sent') {
      queue.shift()!();
    }
    if (!sa.isOpen) this.queues.delete(sa);
  }

  private register(sa: IkeSa): void {
    const ours = sa.role === 'initiator' ? sa.spiI : sa.spiR;
    this.bySpi.set(ours.toString('hex'), sa);
  }

  private forgetHalfOpen(sa: IkeSa): void {
    for (const [key, s] of this.halfOpen) if (s === sa) this.halfOpen.delete(key);
  }

  private close(sa: IkeSa, reason: string, childReason: ChildRemovalReason): void {
    if (!sa.isOpen) return;
    for (const child of sa.children) if (child.state !== 'deleted') removeChild(this.ctx, sa, child, childReason);
    sa.window.abandon();
    sa.transition('closed');
    sa.closeReason = reason;
    this.bySpi.delete((sa.role === 'initiator' ? sa.spiI : sa.spiR).toString('hex'));
    this.forgetHalfOpen(sa);
    this.queues.delete(sa);
    this.ctx.host.event({ type: 'ike-closed', ikeSa: sa.label, connection: sa.connection?.name ?? null, reason });
  }

  private fail(sa: IkeSa, failure: IkeFailure): void {
    this.ctx.host.event({
      type: 'ike-failed', ikeSa: sa.label, connection: sa.connection?.name ?? null, peer: `${sa.remote.address}:${sa.remote.port}`,
      code: failure.code, name: failure.name, reason: failure.reason, action: failure.action,
    });
    this.close(sa, failure.reason, 'deleted-locally');
  }

  /** RFC 7296 2.4: INITIAL_CONTACT: the peer restarted; its older IKE SAs with us are stale. */
  private initialContact(sa: IkeSa): void {
    for (const other of this.all()) {
      if (other === sa || other.state !== 'established' || other.remote.address !== sa.remote.address) continue;
      if (other.connection?.name !== sa.connection?.name) continue;
      this.close(other, 'replaced: the peer restarted and sent INITIAL_CONTACT', 'ike-closed');
    }
  }

  private connectionsFor(local: UdpAddress, remote: UdpAddress): ConnectionConfig[] {
    return this.connections.filter((c) => (c.localAddress === null || c.localAddress === local.address)
      && (c.remoteAddress === '%any' || c.remoteAddress === remote.address));
  }

  private saFor(connection: ConnectionConfig): IkeSa | null {
    return this.all().find((s) => s.connection?.name === connection.name && s.state === 'established' && s.supersededBy === null) ?? null;
  }

  private reqidOf(connection: string, child: string, peer: string): number {
    const key = `${connection}/${child}/${peer}`;
    let reqid = this.reqids.get(key);
    if (reqid === undefined) {
      reqid = FIRST_REQID + this.reqids.size;
      this.reqids.set(key, reqid);
    }
    return reqid;
  }

  private dropped(remote: UdpAddress, reason: string, detail: string): void {
    this.ctx.host.event({ type: 'message-dropped', peer: `${remote.address}:${remote.port}`, reason, detail });
  }
}

function exchangeName(type: number): string {
  const names: Record<number, string> = { 34: 'IKE_SA_INIT', 35: 'IKE_AUTH', 36: 'CREATE_CHILD_SA', 37: 'INFORMATIONAL' };
  return names[type] ?? `exchange ${type}`;
}
