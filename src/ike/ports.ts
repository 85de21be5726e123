// What the IKE core needs from its host (the endpoint, or a test's in-memory twin). The core does
// no I/O (STYLE.md 1): it hands datagrams to send() and child SAs to installChildSa(), reads time
// from now(), and reports what happened through event(). Every method is synchronous.
import type { KeyMaterial, TransformSpec } from '../esp/transform-spec.js';
import type { RemovalReason } from '../sad/history.js';
import type { TrafficSelector } from '../spd/selector.js';

export interface UdpAddress {
  readonly address: string;
  readonly port: number;
}

/** One IKE message on the wire, without the non-ESP marker (the host adds it on port 4500). */
export interface IkeDatagram {
  readonly bytes: Buffer;
  readonly local: UdpAddress;
  readonly remote: UdpAddress;
}

/** One direction of a negotiated child SA, ready for the SAD. */
export interface ChildSaInstall {
  readonly connection: string;
  readonly child: string;
  /** Our name for the child SA instance, e.g. "net{3}" (strongSwan's unique id style). */
  readonly label: string;
  readonly direction: 'inbound' | 'outbound';
  readonly spi: number;
  /** Outer addresses and the RFC 3948 ports (ESP in UDP). */
  readonly src: string;
  readonly dst: string;
  readonly encapsulation: { readonly srcPort: number; readonly dstPort: number };
  readonly mode: 'tunnel' | 'transport';
  readonly transform: TransformSpec;
  readonly keys: KeyMaterial;
  readonly esn: boolean;
  readonly replayWindow: number;
  /** Ties the SA to its policy; stable across rekeys of the same child. */
  readonly reqid: number;
  readonly localTs: readonly TrafficSelector[];
  readonly remoteTs: readonly TrafficSelector[];
  /** Seconds from now; the IKE core rekeys before soft, the SAD enforces hard. */
  readonly hardLifetimeS: number;
}

/** The protect policy of a child (one per reqid); the host keeps it while any SA of the child lives. */
export interface ChildPolicy {
  readonly reqid: number;
  readonly name: string;
  readonly localTs: readonly TrafficSelector[];
  readonly remoteTs: readonly TrafficSelector[];
  readonly mode: 'tunnel' | 'transport';
  readonly localAddress: string;
  readonly peerAddress: string;
}

export type ChildRemovalReason = Extract<RemovalReason, 'rekeyed' | 'deleted-by-peer' | 'deleted-locally' | 'ike-closed' | 'peer-dead'>;

/** Things worth a log line, a metric or a `drops`-style record. */
export type IkeEvent =
  | { readonly type: 'ike-established'; readonly ikeSa: string; readonly connection: string; readonly peer: string; readonly role: 'initiator' | 'responder'; readonly proposal: string }
  | { readonly type: 'ike-rekeyed'; readonly ikeSa: string; readonly connection: string; readonly replaces: string; readonly role: 'initiator' | 'responder'; readonly proposal: string }
  | { readonly type: 'ike-closed'; readonly ikeSa: string; readonly connection: string | null; readonly reason: string }
  | { readonly type: 'ike-failed'; readonly ikeSa: string; readonly connection: string | null; readonly peer: string; readonly code: number; readonly name: string; readonly reason: string; readonly action: string }
  | { readonly type: 'child-installed'; readonly ikeSa: string; readonly connection: string; readonly child: string; readonly spiIn: number; readonly spiOut: number; readonly proposal: string; readonly rekeyOf: number | null }
  | { readonly type: 'child-failed'; readonly ikeSa: string; readonly connection: string; readonly child: string; readonly code: number; readonly name: string; readonly reason: string }
  | { readonly type: 'child-removed'; readonly ikeSa: string; readonly connection: string; readonly child: string; readonly spiIn: number; readonly spiOut: number; readonly reason: ChildRemovalReason }
  | { readonly type: 'message-dropped'; readonly peer: string; readonly reason: string; readonly detail: string }
  /**
   * A CHILD_SA re-created because one side lost its SAs: the peer told us with INVALID_SPI
   * (`invalid-spi`), our own inbound SA vanished while the peer still sends on it (`own-sa-lost`),
   * or the peer answered our rekey with CHILD_SA_NOT_FOUND (`child-sa-not-found`).
   */
  | { readonly type: 'invalid-spi-recovery'; readonly trigger: 'invalid-spi' | 'own-sa-lost' | 'child-sa-not-found'; readonly ikeSa: string; readonly connection: string; readonly child: string; readonly spiOut: number; readonly spiIn: number }
  /** Traffic hit a trap policy (start_action / close_action / dpd_action trap): the child is being negotiated. */
  | { readonly type: 'trap-triggered'; readonly connection: string; readonly child: string; readonly reqid: number }
  | { readonly type: 'simultaneous-rekey'; readonly ikeSa: string; readonly connection: string; readonly child: string | null; readonly won: boolean };

export interface IkeHost {
  now(): number;
  randomBytes(length: number): Buffer;
  send(datagram: IkeDatagram): void;
  /** A fresh inbound SPI, unused by any SA or tombstone (RFC 4303 2.1: 256 and up). */
  allocateSpi(): number;
  installChildSa(install: ChildSaInstall): void;
  /** Removes a child SA half; `successorSpi` names the SA that replaces it (rekey). */
  removeChildSa(direction: 'inbound' | 'outbound', spi: number, reason: ChildRemovalReason, successorSpi: number | null): void;
  installPolicy(policy: ChildPolicy): void;
  removePolicy(reqid: number): void;
  event(event: IkeEvent): void;
}
