// The verdict contract (DESIGN.md): every inbound datagram ends in exactly one Verdict.
// Dropped packets carry a DropKind (Windows code and name, Linux counter, stage), the SPI
// and SA when known, and a Diagnosis with a cause, evidence and a next step.
import type { DropKind, DropKindId } from './drop-kinds.js';
import { DROP_KINDS } from './drop-kinds.js';

/**
 * Stable cause identifiers of DESIGN.md. `cause` in JSON output is one of these or null;
 * the finer `reason` below says more where no DESIGN cause applies.
 */
export type CauseId =
  | 'never-established'
  | 'expired'
  | 'deleted'
  | 'not-yet-installed'
  | 'wrong-destination'
  | 'our-outbound-spi'
  | 'reserved'
  | 'esn-mismatch'
  | 'duplicate'
  | 'too-old';

export const CAUSE_IDS: readonly CauseId[] = [
  'never-established', 'expired', 'deleted', 'not-yet-installed', 'wrong-destination',
  'our-outbound-spi', 'reserved', 'esn-mismatch', 'duplicate', 'too-old',
];

/** Evidence values are plain data so a diagnosis serialises to JSON as it is. */
export type EvidenceValue = string | number | boolean | null;
export type Evidence = Readonly<Record<string, EvidenceValue>>;

export interface Diagnosis {
  /** A DESIGN.md cause, or null when none applies. */
  readonly cause: CauseId | null;
  /** Finer machine-readable reason, e.g. 'icv-mismatch', 'bad-padding', 'truncated-esp'. */
  readonly reason: string;
  /** One sentence a person reads first. */
  readonly summary: string;
  readonly evidence: Evidence;
  /** What to check or do next. */
  readonly nextStep: string;
}

/** A reference to an SA small enough to put in every verdict. */
export interface SaRef {
  readonly id: number;
  readonly spi: number;
  readonly direction: 'inbound' | 'outbound';
  readonly label: string | null;
}

export interface Dropped {
  readonly verdict: 'dropped';
  readonly kind: DropKind;
  readonly spi: number | null;
  readonly sa: SaRef | null;
  readonly diagnosis: Diagnosis;
}

export interface Delivered {
  readonly verdict: 'delivered';
  readonly spi: number;
  readonly sa: SaRef;
  /** Sequence number as received, with the high half inferred for ESN SAs (0 otherwise). */
  readonly seqHi: number;
  readonly seqLo: number;
  /** ESP next header: 4 (IPv4) or 41 (IPv6) in tunnel mode, the upper protocol in transport mode. */
  readonly nextHeader: number;
  /** The inner IP packet (tunnel mode) or the rebuilt IP packet (transport mode). */
  readonly packet: Buffer;
}

/** A valid ESP packet whose next header is 59: traffic-flow-confidentiality dummy, discarded by design. */
export interface DummyDiscarded {
  readonly verdict: 'dummy';
  readonly spi: number;
  readonly sa: SaRef;
  readonly seqHi: number;
  readonly seqLo: number;
}

/** A UDP-encapsulated IKE message (non-ESP marker): handed to the key exchange. */
export interface IkeHandoff {
  readonly verdict: 'ike';
  /** The IKE message without the 4-byte non-ESP marker. */
  readonly message: Buffer;
}

/** An RFC 3948 NAT-keepalive (one 0xFF byte): consumed. */
export interface Keepalive {
  readonly verdict: 'keepalive';
}

export type Verdict = Delivered | Dropped | DummyDiscarded | IkeHandoff | Keepalive;

export function drop(kindId: DropKindId, spi: number | null, sa: SaRef | null, diagnosis: Diagnosis): Dropped {
  return { verdict: 'dropped', kind: DROP_KINDS[kindId], spi, sa, diagnosis };
}

export function diagnosis(cause: CauseId | null, reason: string, summary: string, evidence: Evidence, nextStep: string): Diagnosis {
  return { cause, reason, summary, evidence, nextStep };
}
