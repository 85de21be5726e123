// One negotiated CHILD_SA: a pair of ESP SAs (inbound SPI chosen by us, outbound by the peer)
// with the keys, selectors and timers that belong to them. The lifecycle is a union and every
// change goes through transition(), which refuses moves the protocol never makes.
//
//   installed ──rekey started──► rekeying ──successor installed──► rekeyed ──grace over──► deleted
//       │                            │
//       └───────delete sent / received, IKE SA closed──────► deleting ──► deleted
import type { ChildConfig } from '../connection.js';
import type { TrafficSelector } from '../../spd/selector.js';
import type { ChildRemovalReason, ChildSaInstall } from '../ports.js';

export type ChildSaState = 'installed' | 'rekeying' | 'rekeyed' | 'deleting' | 'deleted';

const ALLOWED: Readonly<Record<ChildSaState, readonly ChildSaState[]>> = {
  installed: ['rekeying', 'rekeyed', 'deleting', 'deleted'],
  rekeying: ['installed', 'rekeyed', 'deleting', 'deleted'],
  rekeyed: ['deleting', 'deleted'],
  deleting: ['deleted'],
  deleted: [],
};

export interface ChildSaInit {
  readonly uniqueId: number;
  readonly connection: string;
  readonly config: ChildConfig;
  readonly reqid: number;
  readonly spiIn: number;
  readonly spiOut: number;
  readonly mode: 'tunnel' | 'transport';
  readonly proposal: string;
  readonly esn: boolean;
  /** As installed: local = our side. */
  readonly localTs: readonly TrafficSelector[];
  readonly remoteTs: readonly TrafficSelector[];
  readonly installedAt: number;
  readonly rekeyAt: number;
  readonly expireAt: number;
  /** Whether the DH group of the ESP proposal (PFS) applies to its rekeys. */
  readonly pfsGroup: number | null;
}

export class ChildSa {
  private current: ChildSaState = 'installed';
  /** When a rekeyed SA's inbound half is finally removed. */
  graceUntil: number | null = null;
  successorSpiIn: number | null = null;
  removalReason: ChildRemovalReason | null = null;
  /** A rekey responder's new outbound half, installed once the old SA is deleted (see child-create.ts). */
  pendingOutbound: ChildSaInstall | null = null;
  /** The nonces of the exchange that created it: RFC 7296 2.8.1 settles simultaneous rekeys with them. */
  nonces: { readonly ni: Buffer; readonly nr: Buffer } | null = null;
  /** RFC 7296 2.8.1: while we rekey this child, the peer's rekey of it that we answered. */
  collidedWith: ChildSa | null = null;

  constructor(readonly init: ChildSaInit) {}

  get state(): ChildSaState {
    return this.current;
  }

  get label(): string {
    return `${this.init.config.name}{${this.init.uniqueId}}`;
  }

  get spiIn(): number {
    return this.init.spiIn;
  }

  get spiOut(): number {
    return this.init.spiOut;
  }

  /** Moves the lifecycle on; an impossible move is a programming error. */
  transition(to: ChildSaState): void {
    if (!ALLOWED[this.current].includes(to)) throw new Error(`CHILD_SA ${this.label}: ${this.current} -> ${to} is not a valid transition`);
    this.current = to;
  }

  /** Still carrying traffic in at least one direction (not yet gone). */
  get live(): boolean {
    return this.current !== 'deleted';
  }
}
