// The drop table of DESIGN.md as data: every way the inbound path can refuse a packet,
// with the Windows error a Windows admin knows and the Linux XFRM counter a Linux admin knows.

export type Stage =
  | 'parse'
  | 'sa-lookup'
  | 'sa-state'
  | 'replay'
  | 'integrity'
  | 'trailer'
  | 'selectors'
  | 'policy'
  | 'dos-guard';

/** Linux /proc/net/xfrm_stat counter names used by the inbound path ('none' where Linux has none). */
export type LinuxCounter =
  | 'XfrmInHdrError'
  | 'XfrmInNoStates'
  | 'XfrmInStateExpired'
  | 'XfrmInStateSeqError'
  | 'XfrmInStateProtoError'
  | 'XfrmInStateMismatch'
  | 'XfrmInTmplMismatch'
  | 'XfrmInNoPols'
  | 'XfrmInPolBlock'
  | 'XfrmOutNoStates'
  | 'XfrmOutStateSeqError'
  | 'XfrmOutPolBlock'
  | 'none';

export interface DropKind {
  /** Stable identifier of the row, used as a key for counters. */
  readonly id: DropKindId;
  readonly code: number;
  readonly name: string;
  readonly hex: string;
  readonly linuxCounter: LinuxCounter;
  readonly stage: Stage;
}

export type DropKindId =
  | 'invalid-packet'
  | 'bad-spi'
  | 'lifetime-expired'
  | 'replay'
  | 'integrity'
  | 'invalid-trailer'
  | 'wrong-sa-selectors'
  | 'wrong-sa-state'
  | 'clear-text-no-policy'
  | 'clear-text-blocked'
  | 'throttle'
  | 'outbound-no-sa'
  | 'outbound-seq-exhausted'
  | 'outbound-blocked';

function kind(id: DropKindId, code: number, name: string, linuxCounter: LinuxCounter, stage: Stage): DropKind {
  return Object.freeze({ id, code, name, hex: '0x' + code.toString(16).toUpperCase(), linuxCounter, stage });
}

export const DROP_KINDS: Readonly<Record<DropKindId, DropKind>> = Object.freeze({
  'invalid-packet': kind('invalid-packet', 13914, 'ERROR_IPSEC_INVALID_PACKET', 'XfrmInHdrError', 'parse'),
  'bad-spi': kind('bad-spi', 13910, 'ERROR_IPSEC_BAD_SPI', 'XfrmInNoStates', 'sa-lookup'),
  'lifetime-expired': kind('lifetime-expired', 13911, 'ERROR_IPSEC_SA_LIFETIME_EXPIRED', 'XfrmInStateExpired', 'sa-state'),
  replay: kind('replay', 13913, 'ERROR_IPSEC_REPLAY_CHECK_FAILED', 'XfrmInStateSeqError', 'replay'),
  integrity: kind('integrity', 13915, 'ERROR_IPSEC_INTEGRITY_CHECK_FAILED', 'XfrmInStateProtoError', 'integrity'),
  'invalid-trailer': kind('invalid-trailer', 13914, 'ERROR_IPSEC_INVALID_PACKET', 'XfrmInStateProtoError', 'trailer'),
  'wrong-sa-selectors': kind('wrong-sa-selectors', 13912, 'ERROR_IPSEC_WRONG_SA', 'XfrmInTmplMismatch', 'selectors'),
  'wrong-sa-state': kind('wrong-sa-state', 13912, 'ERROR_IPSEC_WRONG_SA', 'XfrmInStateMismatch', 'selectors'),
  'clear-text-no-policy': kind('clear-text-no-policy', 13916, 'ERROR_IPSEC_CLEAR_TEXT_DROP', 'XfrmInNoPols', 'policy'),
  'clear-text-blocked': kind('clear-text-blocked', 13916, 'ERROR_IPSEC_CLEAR_TEXT_DROP', 'XfrmInPolBlock', 'policy'),
  throttle: kind('throttle', 13918, 'ERROR_IPSEC_THROTTLE_DROP', 'none', 'dos-guard'),
  // Outbound refusals use the same shape so a sender learns why too.
  'outbound-no-sa': kind('outbound-no-sa', 13910, 'ERROR_IPSEC_BAD_SPI', 'XfrmOutNoStates', 'sa-lookup'),
  'outbound-seq-exhausted': kind('outbound-seq-exhausted', 13911, 'ERROR_IPSEC_SA_LIFETIME_EXPIRED', 'XfrmOutStateSeqError', 'sa-state'),
  'outbound-blocked': kind('outbound-blocked', 13916, 'ERROR_IPSEC_CLEAR_TEXT_DROP', 'XfrmOutPolBlock', 'policy'),
});
