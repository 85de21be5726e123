// Shapes shared by the three catalogs (Windows error codes, Linux xfrm_stat counters, DESIGN.md
// causes) that `ipsec-ts explain` and the diagnoses draw on. Every entry is plain data, so
// JSON.stringify(entry) is the `--json` output as it is.
import type { DropKindId } from './drop-kinds.js';
import type { CauseId } from './verdict.js';

/** Where a check is done: our own tool, a Linux host (kernel XFRM, strongSwan), Windows, a capture. */
export type CheckPlace = 'ipsec-ts' | 'linux' | 'strongswan' | 'windows' | 'capture';

/** One concrete thing to look at: a command, a counter, a log, an event ID. */
export interface Check {
  readonly where: CheckPlace;
  readonly how: string;
}

/**
 * The winerror.h block a code belongs to, as test/fixtures/winerror-ipsec.tsv names it:
 * IKE/AuthIP negotiation status, IPsec driver (packet) drops, IPsec DoS Protection; 'none' for
 * numbers in 13800..13932 that winerror.h leaves unassigned.
 */
export type WinLayer = 'ike' | 'packet' | 'dosp' | 'none';

/**
 * failure: something went wrong; status: reported for information, not a fault by itself;
 * range-marker: a BEGIN/END bound of a block, never reported as a result;
 * unassigned: no error has this number.
 */
export type WinKind = 'failure' | 'status' | 'range-marker' | 'unassigned';

/** The 32 counters of Linux /proc/net/xfrm_stat (net/xfrm/xfrm_proc.c, kernel 6.18). */
export type XfrmCounterName =
  | 'XfrmInError'
  | 'XfrmInBufferError'
  | 'XfrmInHdrError'
  | 'XfrmInNoStates'
  | 'XfrmInStateProtoError'
  | 'XfrmInStateModeError'
  | 'XfrmInStateSeqError'
  | 'XfrmInStateExpired'
  | 'XfrmInStateMismatch'
  | 'XfrmInStateInvalid'
  | 'XfrmInTmplMismatch'
  | 'XfrmInNoPols'
  | 'XfrmInPolBlock'
  | 'XfrmInPolError'
  | 'XfrmOutError'
  | 'XfrmOutBundleGenError'
  | 'XfrmOutBundleCheckError'
  | 'XfrmOutNoStates'
  | 'XfrmOutStateProtoError'
  | 'XfrmOutStateModeError'
  | 'XfrmOutStateSeqError'
  | 'XfrmOutStateExpired'
  | 'XfrmOutPolBlock'
  | 'XfrmOutPolDead'
  | 'XfrmOutPolError'
  | 'XfrmFwdHdrError'
  | 'XfrmOutStateInvalid'
  | 'XfrmAcquireError'
  | 'XfrmOutStateDirError'
  | 'XfrmInStateDirError'
  | 'XfrmInIptfsError'
  | 'XfrmOutNoQueueSpace';

/** A Windows IPsec error code (13800..13932) in our own words. */
export interface WinErrorEntry {
  readonly type: 'winerror';
  readonly code: number;
  /** '0x' + upper-case hex digits, the form winerror.h and the fixture use ('0x3656'). */
  readonly hex: string;
  /** The winerror.h symbol; null only for numbers no error is assigned to. */
  readonly name: string | null;
  readonly layer: WinLayer;
  readonly kind: WinKind;
  readonly meaning: string;
  readonly causes: readonly string[];
  readonly checks: readonly Check[];
  /** xfrm_stat counters that count the same event (derived from the counter catalog). */
  readonly linuxCounters: readonly XfrmCounterName[];
  /** IKEv2 notify types (RFC 7296 3.10.1) a strongSwan or ipsec-ts log shows for the same failure. */
  readonly ikev2Notify: readonly string[];
  /** DESIGN.md causes ipsec-ts can attach to a drop with this code (derived from the cause catalog). */
  readonly causeIds: readonly CauseId[];
  /** ipsec-ts drop kinds that report this code (derived from DROP_KINDS). */
  readonly dropKinds: readonly DropKindId[];
}

export type CounterDirection = 'inbound' | 'outbound' | 'forward';

/** A Linux /proc/net/xfrm_stat counter in our own words. */
export interface LinuxCounterEntry {
  readonly type: 'linux-counter';
  readonly name: XfrmCounterName;
  readonly direction: CounterDirection;
  readonly meaning: string;
  readonly causes: readonly string[];
  readonly checks: readonly Check[];
  /** Windows codes for the same event; empty where Windows has no counterpart. */
  readonly windowsCodes: readonly number[];
  /** Kernel availability or usage notes, or null. */
  readonly note: string | null;
  /** ipsec-ts drop kinds counted under this name (derived from DROP_KINDS). */
  readonly dropKinds: readonly DropKindId[];
}

/** A DESIGN.md cause identifier: what it means, what evidence ipsec-ts shows, what to do next. */
export interface CauseEntry {
  readonly type: 'cause';
  readonly id: CauseId;
  /** A short title for headings. */
  readonly title: string;
  readonly meaning: string;
  /** The evidence fields a diagnosis with this cause carries, in words. */
  readonly evidence: readonly string[];
  /** One sentence: the first thing to do. Diagnoses copy it into Diagnosis.nextStep. */
  readonly nextStep: string;
  readonly checks: readonly Check[];
  readonly windowsCodes: readonly number[];
  readonly linuxCounters: readonly XfrmCounterName[];
}

export type ExplainEntry = WinErrorEntry | LinuxCounterEntry | CauseEntry;

/** Builders keep the data files short and the `where` values typed. */
export function ipsecTs(how: string): Check {
  return { where: 'ipsec-ts', how };
}

export function linux(how: string): Check {
  return { where: 'linux', how };
}

export function strongswan(how: string): Check {
  return { where: 'strongswan', how };
}

export function windows(how: string): Check {
  return { where: 'windows', how };
}

export function capture(how: string): Check {
  return { where: 'capture', how };
}

/** '0x' + upper-case hex, as in winerror.h and the drop table (13910 -> '0x3656'). */
export function winHex(code: number): string {
  return '0x' + code.toString(16).toUpperCase();
}

/** What a counter data file writes; the catalog adds `type` and the derived `dropKinds`. */
export type CounterSpec = Omit<LinuxCounterEntry, 'type' | 'dropKinds'>;

/**
 * What a winerror data file writes; the catalog adds `type`, `hex` and the derived fields.
 * `kind` defaults to 'failure', `ikev2Notify` to none.
 */
export interface WinSpec {
  readonly code: number;
  readonly name: string | null;
  readonly layer: WinLayer;
  readonly kind?: WinKind;
  readonly meaning: string;
  readonly causes: readonly string[];
  readonly checks: readonly Check[];
  readonly ikev2Notify?: readonly string[];
}
