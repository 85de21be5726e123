// One IKE SA and everything that belongs to it: SPIs, the peer's address, the keys, the message
// window, the identities and the CHILD_SAs negotiated under it. The lifecycle is a union, changed
// only through transition().
//
//   initiator:  init-sent ──IKE_SA_INIT response──► auth-sent ──IKE_AUTH response──► established
//   responder:  init-answered ──IKE_AUTH request──► established
//   both:       established ──DELETE sent──► deleting ──► closed
//               any ──failure, timeout, DELETE received──► closed
import type { ConnectionConfig } from '../connection.js';
import type { IkeIdentity } from '../auth/identity.js';
import type { KeyExchange } from '../crypto/dh.js';
import type { IkeSaKeys } from '../crypto/keys.js';
import type { SkOpener, SkSealer } from '../crypto/sk.js';
import type { EncrSpec, IntegSpec, PrfSpec } from '../crypto/transforms.js';
import type { IkeMessage, Payload } from '../message/types.js';
import type { UdpAddress } from '../ports.js';
import type { ChildSa } from './child-sa.js';
import { MessageWindow } from './message-window.js';
import type { RetransmitPolicy } from './message-window.js';

export type IkeSaState = 'init-sent' | 'init-answered' | 'auth-sent' | 'established' | 'deleting' | 'closed';

const ALLOWED: Readonly<Record<IkeSaState, readonly IkeSaState[]>> = {
  // A rekeyed IKE SA's successor starts life established (RFC 7296 1.3.2: no IKE_AUTH).
  'init-sent': ['init-sent', 'auth-sent', 'established', 'closed'],
  'init-answered': ['established', 'closed'],
  'auth-sent': ['established', 'closed'],
  established: ['deleting', 'closed'],
  deleting: ['closed'],
  closed: [],
};

/** The negotiated transforms and keys; null until IKE_SA_INIT is done. */
export interface IkeSaCrypto {
  readonly prf: PrfSpec;
  readonly encr: EncrSpec;
  readonly integ: IntegSpec | null;
  readonly dhGroup: number;
  /** strongSwan-style text: AES_GCM_16_128/PRF_HMAC_SHA2_256/CURVE_25519. */
  readonly proposal: string;
  readonly keys: IkeSaKeys;
  readonly sealer: SkSealer;
  readonly opener: SkOpener;
}

/** What a pending request does with its response (or with a timeout). */
export interface ResponseHandler {
  readonly exchange: string;
  onResponse(sa: IkeSa, response: IkeMessage, inner: readonly Payload[]): void;
}

export class IkeSa {
  private current: IkeSaState;
  readonly window: MessageWindow<ResponseHandler>;
  crypto: IkeSaCrypto | null = null;
  /** Set by the responder once IDi selected a connection; the initiator knows it from the start. */
  connection: ConnectionConfig | null;
  spiR: Buffer;
  nr: Buffer | null = null;
  /** Our DH private half until the shared secret is computed. */
  keyExchange: KeyExchange | null = null;
  /** The IKE_SA_INIT messages as sent/received: AUTH signs them (RFC 7296 2.15). */
  initRequest: Buffer | null = null;
  initResponse: Buffer | null = null;
  peerId: IkeIdentity | null = null;
  /** RFC 7296 2.23: once a NAT is detected (or encapsulation forced), everything moves to port 4500. */
  natLocal = false;
  natRemote = false;
  cookie: Buffer | null = null;
  readonly children: ChildSa[] = [];
  establishedAt: number | null = null;
  lastHeardAt: number;
  rekeyAt: number | null = null;
  expireAt: number | null = null;
  closeReason: string | null = null;
  /** Set once a rekey replaced this IKE SA: it only waits for (or sends) the DELETE now. */
  supersededBy: IkeSa | null = null;
  /** Our own IKE SA rekey request is outstanding (collisions, RFC 7296 2.8.2). */
  rekeyInFlight = false;
  /** Peer's SIGNATURE_HASH_ALGORITHMS (RFC 7427), null when not sent. */
  peerHashes: number[] | null = null;

  constructor(
    readonly uniqueId: number,
    readonly role: 'initiator' | 'responder',
    readonly spiI: Buffer,
    spiR: Buffer,
    public local: UdpAddress,
    public remote: UdpAddress,
    readonly ni: Buffer,
    connection: ConnectionConfig | null,
    retransmit: RetransmitPolicy,
    now: number,
  ) {
    this.current = role === 'initiator' ? 'init-sent' : 'init-answered';
    this.spiR = spiR;
    this.connection = connection;
    this.window = new MessageWindow(retransmit);
    this.lastHeardAt = now;
  }

  get state(): IkeSaState {
    return this.current;
  }

  get label(): string {
    return `${this.connection?.name ?? '(unknown)'}[${this.uniqueId}]`;
  }

  /** Hex of SPIi and SPIr, the way swanctl prints them. */
  get spiText(): string {
    return `${this.spiI.toString('hex')}_i${this.role === 'initiator' ? '*' : ''} ${this.spiR.toString('hex')}_r${this.role === 'responder' ? '*' : ''}`;
  }

  /** Our side's nonce and the peer's. */
  get ourNonce(): Buffer {
    return this.role === 'initiator' ? this.ni : this.nr!;
  }

  get peerNonce(): Buffer {
    return this.role === 'initiator' ? this.nr! : this.ni;
  }

  /** Starts the lifetimes from `now`: rekey at rekey_time minus up to rand_time of jitter, expiry at life_time (0: none). */
  scheduleLifetimes(now: number): void {
    const c = this.connection!;
    const jitter = c.ikeRandTimeS > 0 ? Math.floor(Math.random() * c.ikeRandTimeS * 1000) : 0;
    this.establishedAt = now;
    this.rekeyAt = c.ikeRekeyTimeS > 0 ? now + c.ikeRekeyTimeS * 1000 - jitter : null;
    this.expireAt = c.ikeLifeTimeS > 0 ? now + c.ikeLifeTimeS * 1000 : null;
  }

  transition(to: IkeSaState): void {
    if (!ALLOWED[this.current].includes(to)) throw new Error(`IKE_SA ${this.label}: ${this.current} -> ${to} is not a valid transition`);
    this.current = to;
  }

  get isOpen(): boolean {
    return this.current !== 'closed';
  }

  liveChildren(): ChildSa[] {
    return this.children.filter((c) => c.live);
  }
}
