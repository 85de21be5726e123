// RFC 7296 2.1-2.3: message IDs, retransmission and the response cache of one IKE SA, with a
// window of one (we never send SET_WINDOW_SIZE, so the peer may not send us more than one
// request at a time either).
//
//   our requests:    id 0, 1, 2 ... one outstanding; resent on a backoff schedule until the
//                    response with the same id arrives, or given up after `tries` resends
//   peer requests:   the next expected id is processed; the last answered id is answered again
//                    from the cache, byte for byte (2.1: never re-process a retransmission);
//                    anything else is dropped silently (2.3)

export interface RetransmitPolicy {
  /** First timeout; then timeout * base^n (strongSwan: 4 s, 1.8, 5 tries). */
  readonly timeoutMs: number;
  readonly base: number;
  readonly tries: number;
}

export interface OutstandingRequest<H> {
  readonly messageId: number;
  readonly bytes: Buffer;
  readonly exchangeType: number;
  readonly handler: H;
  readonly firstSentAt: number;
  /** Resends so far. */
  resends: number;
  nextAt: number;
}

export type PeerRequestClass = 'new' | 'retransmit' | 'old-or-future';

export type RetransmitDue<H> =
  | { readonly action: 'resend'; readonly request: OutstandingRequest<H> }
  | { readonly action: 'give-up'; readonly request: OutstandingRequest<H>; readonly waitedMs: number };

export class MessageWindow<H> {
  private nextRequestId = 0;
  private outstandingRequest: OutstandingRequest<H> | null = null;
  private expectedPeerId = 0;
  private cached: { readonly messageId: number; readonly bytes: readonly Buffer[] } | null = null;

  constructor(private readonly policy: RetransmitPolicy) {}

  get outstanding(): OutstandingRequest<H> | null {
    return this.outstandingRequest;
  }

  /** The id our next request will carry. */
  get nextId(): number {
    return this.nextRequestId;
  }

  /** The id we expect on the peer's next request. */
  get expectedPeerRequestId(): number {
    return this.expectedPeerId;
  }

  /** Records a request just sent; the window must be free. */
  sent(bytes: Buffer, exchangeType: number, now: number, handler: H): OutstandingRequest<H> {
    if (this.outstandingRequest !== null) throw new Error(`IKE message window busy with request #${this.outstandingRequest.messageId}`);
    const request: OutstandingRequest<H> = {
      messageId: this.nextRequestId, bytes, exchangeType, handler, firstSentAt: now, resends: 0, nextAt: now + this.policy.timeoutMs,
    };
    this.nextRequestId = (this.nextRequestId + 1) >>> 0;
    this.outstandingRequest = request;
    return request;
  }

  /**
   * RFC 7296 2.6 / 1.2: after COOKIE or INVALID_KE_PAYLOAD the initiator starts over with
   * message ID 0 again (it is a new first message, not a retransmission).
   */
  restartInitial(): void {
    this.outstandingRequest = null;
    this.nextRequestId = 0;
  }

  /** The outstanding request a response with this id answers, taken off the window; null if none. */
  takeResponse(messageId: number): OutstandingRequest<H> | null {
    const request = this.outstandingRequest;
    if (request === null || request.messageId !== messageId) return null;
    this.outstandingRequest = null;
    return request;
  }

  /** Drops the outstanding request without a response (the IKE SA is going away). */
  abandon(): void {
    this.outstandingRequest = null;
  }

  classifyPeerRequest(messageId: number): PeerRequestClass {
    if (messageId === this.expectedPeerId) return 'new';
    if (this.cached !== null && messageId === this.cached.messageId) return 'retransmit';
    return 'old-or-future';
  }

  /** Remembers our response to the peer's request `messageId` and moves the expected id on. */
  responded(messageId: number, bytes: readonly Buffer[]): void {
    this.cached = { messageId, bytes };
    this.expectedPeerId = (messageId + 1) >>> 0;
  }

  /** The cached response, for a retransmitted request. */
  cachedResponse(): readonly Buffer[] | null {
    return this.cached?.bytes ?? null;
  }

  /** Whether the outstanding request must be resent, or given up, at `now`. */
  due(now: number): RetransmitDue<H> | null {
    const request = this.outstandingRequest;
    if (request === null || now < request.nextAt) return null;
    if (request.resends >= this.policy.tries) {
      this.outstandingRequest = null;
      return { action: 'give-up', request, waitedMs: now - request.firstSentAt };
    }
    request.resends++;
    request.nextAt = now + this.policy.timeoutMs * Math.pow(this.policy.base, request.resends);
    return { action: 'resend', request };
  }
}
