// What every exchange module needs from the manager: the host (I/O, time, SAD), the settings,
// and a few manager services. Exchanges never reach into the manager's maps directly.
import type { ConnectionConfig, IkeSettings } from '../connection.js';
import type { ChildRemovalReason, IkeHost, UdpAddress } from '../ports.js';
import type { IkeSa } from '../sa/ike-sa.js';
import type { ChildSa } from '../sa/child-sa.js';
import type { TrustStore } from '../auth/certs.js';
import type { KeyExchange } from '../crypto/dh.js';

export interface IkeFailure {
  /** winerror code and name (src/verdict catalog), e.g. 13801 ERROR_IPSEC_IKE_AUTH_FAIL. */
  readonly code: number;
  readonly name: string;
  /** What went wrong, in words naming the field or value. */
  readonly reason: string;
  /** What the operator can do about it. */
  readonly action: string;
}

export interface ExchangeContext {
  readonly host: IkeHost;
  readonly settings: IkeSettings;
  readonly trust: TrustStore | null;
  /** strongSwan-style unique ids: IKE SAs and CHILD_SAs count separately. */
  nextIkeSaId(): number;
  nextChildSaId(): number;
  /**
   * Stable per (connection, child, peer address): the policy and all SAs of that child with that
   * peer share it, across rekeys; two peers of one `%any` connection never share a policy.
   */
  reqidOf(connection: string, child: string, peer: string): number;
  /** Indexes the SA by our SPI (call again once the responder's SPI is known). */
  register(sa: IkeSa): void;
  /** Closes the IKE SA and every child under it; never sends anything. */
  close(sa: IkeSa, reason: string, childReason: ChildRemovalReason): void;
  /** Records an IKE failure (ike-failed event) and closes the SA. */
  fail(sa: IkeSa, failure: IkeFailure): void;
  /** Connections this message could belong to, by the addresses it used. */
  connectionsFor(local: UdpAddress, remote: UdpAddress): readonly ConnectionConfig[];
  /** A child's SAs are gone: the manager releases (or keeps, as a trap) its policy and runs its close/dpd action. */
  childGone(sa: IkeSa, child: ChildSa, reason: ChildRemovalReason): void;
  /** RFC 7296 2.4: the peer says it has no other IKE SA with us: drop every older one with the same identities. */
  initialContact(sa: IkeSa): void;
  /** The DH key pair for a new IKE SA we initiate (normally fresh; see IkeManagerOptions). */
  newKeyExchange(group: number): KeyExchange | null;
  /** Our IKE port for NAT-T (where ESP goes too). */
  readonly natPort: number;
}
