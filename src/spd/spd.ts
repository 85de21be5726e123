// The security policy database (RFC 4301 4.4.1): an ordered list of policies searched first
// match wins, in a single ordered lookup (RFC 4301 4.4.1: an ordered, non-decorrelated SPD
// holds SPD-S, SPD-O and SPD-I entries interleaved in one list).
//
// Inbound decisions and how they are counted:
//
//   packet arrived in an SA (viaSa)   inside the SA's selectors  -> accept
//                                      outside                    -> drop wrong-sa-selectors
//                                        (ERROR_IPSEC_WRONG_SA, XfrmInTmplMismatch; RFC 4301 5.2 step 4)
//   clear text (viaSa null), first inbound policy that matches:
//     BYPASS                          -> accept
//     DISCARD                         -> drop clear-text-blocked   (XfrmInPolBlock: Linux
//                                        __xfrm_policy_check counts it when a block policy matches)
//     PROTECT                         -> drop clear-text-no-policy (see below)
//     none, default DISCARD           -> drop clear-text-no-policy (XfrmInNoPols: Linux counts it
//                                        when no policy matches and the default is block)
//     none, default BYPASS            -> accept
//
// A clear-text packet that matches PROTECT must be dropped (RFC 4301 5.2: clear text is
// looked up in SPD-I, which holds only BYPASS and DISCARD entries, and "if no match, discard").
// Windows calls it ERROR_IPSEC_CLEAR_TEXT_DROP. Linux counts it as XfrmInTmplMismatch (the
// allow policy's templates find no SA in the packet's sec_path), a counter no clear-text
// DropKind has yet; until one exists we report 'clear-text-no-policy' (no policy admits this
// packet in clear text) and say why in `reason: 'protect-needs-ipsec'`.
import type { DropKindId } from '../verdict/drop-kinds.js';
import type { CompiledSelectorPair } from './match.js';
import { PacketKey, compiledPairOf, pairMatches } from './match.js';
import type { Policy, PolicyAction, PolicyInit } from './policy.js';
import { definePolicy } from './policy.js';
import type { SelectorPair, SpdPacketFields, TrafficDirection } from './selector.js';

/** What happens to traffic that no policy matches. */
export type DefaultAction = 'discard' | 'bypass';

export interface SpdOptions {
  /**
   * RFC 4301 4.4.1 and 5: every SPD should end in a catch-all that discards, and a packet
   * that matches no policy MUST be discarded; that is the default here. 'bypass' behaves
   * like Linux XFRM's default policy "allow" (useful on hosts that protect a few flows only).
   */
  readonly defaultInbound?: DefaultAction;
  readonly defaultOutbound?: DefaultAction;
}

export interface OutboundDecision {
  readonly action: PolicyAction;
  /** The matching policy, or null when the default action applied. */
  readonly policy: Policy | null;
}

export type InboundAcceptReason = 'within-sa-selectors' | 'bypass-policy' | 'default-bypass';
export type InboundDropReason = 'outside-sa-selectors' | 'discard-policy' | 'protect-needs-ipsec' | 'no-matching-policy';

export type InboundPolicyResult =
  | { readonly verdict: 'accept'; readonly reason: InboundAcceptReason; readonly policy: Policy | null }
  | { readonly verdict: 'drop'; readonly reason: InboundDropReason; readonly kind: DropKindId; readonly policy: Policy | null };

interface Entry {
  readonly policy: Policy;
  readonly compiled: CompiledSelectorPair;
  readonly out: boolean;
  readonly in: boolean;
  /** Prebuilt so the per-packet path returns it without allocating. */
  readonly clearTextResult: InboundPolicyResult;
  readonly outboundDecision: OutboundDecision;
}

const WITHIN_SA: InboundPolicyResult = Object.freeze({ verdict: 'accept', reason: 'within-sa-selectors', policy: null });
const OUTSIDE_SA: InboundPolicyResult = Object.freeze({
  verdict: 'drop', reason: 'outside-sa-selectors', kind: 'wrong-sa-selectors', policy: null,
});
const DEFAULT_BYPASS: InboundPolicyResult = Object.freeze({ verdict: 'accept', reason: 'default-bypass', policy: null });
const DEFAULT_DISCARD: InboundPolicyResult = Object.freeze({
  verdict: 'drop', reason: 'no-matching-policy', kind: 'clear-text-no-policy', policy: null,
});

function clearTextResultFor(policy: Policy): InboundPolicyResult {
  switch (policy.action) {
    case 'bypass': return Object.freeze({ verdict: 'accept', reason: 'bypass-policy', policy });
    case 'discard': return Object.freeze({ verdict: 'drop', reason: 'discard-policy', kind: 'clear-text-blocked', policy });
    case 'protect': return Object.freeze({ verdict: 'drop', reason: 'protect-needs-ipsec', kind: 'clear-text-no-policy', policy });
  }
}

function checkDefault(value: unknown, field: string): DefaultAction {
  if (value === undefined) return 'discard';
  if (value !== 'discard' && value !== 'bypass') throw new RangeError(`${field}: expected 'discard' or 'bypass', got '${String(value)}'`);
  return value;
}

export class SecurityPolicyDatabase {
  private entries: Entry[] = [];
  private readonly key = new PacketKey();
  private readonly inboundDefault: InboundPolicyResult;
  private readonly outboundDefault: OutboundDecision;

  constructor(options: SpdOptions = {}) {
    const inbound = checkDefault(options.defaultInbound, 'options.defaultInbound');
    const outbound = checkDefault(options.defaultOutbound, 'options.defaultOutbound');
    this.inboundDefault = inbound === 'bypass' ? DEFAULT_BYPASS : DEFAULT_DISCARD;
    this.outboundDefault = Object.freeze({ action: outbound, policy: null });
  }

  get size(): number {
    return this.entries.length;
  }

  /**
   * Inserts a policy at position (0 = searched first; default: last) and returns the frozen
   * policy. Throws RangeError for a duplicate id or a position outside 0..size.
   */
  add(policy: Policy | PolicyInit, position: number = this.entries.length): Policy {
    const p = definePolicy(policy);
    if (this.entries.some((e) => e.policy.id === p.id)) throw new RangeError(`policy.id: '${p.id}' is already in the SPD`);
    if (!Number.isInteger(position) || position < 0 || position > this.entries.length) {
      throw new RangeError(`position: expected an integer 0..${this.entries.length}, got ${position}`);
    }
    const entry: Entry = Object.freeze({
      policy: p,
      compiled: compiledPairOf(p.selectors),
      out: p.direction !== 'in',
      in: p.direction !== 'out',
      clearTextResult: clearTextResultFor(p),
      outboundDecision: Object.freeze({ action: p.action, policy: p }),
    });
    this.entries = [...this.entries.slice(0, position), entry, ...this.entries.slice(position)];
    return p;
  }

  /** Removes the policy with this id; false when there is none. */
  remove(id: string): boolean {
    const before = this.entries.length;
    this.entries = this.entries.filter((e) => e.policy.id !== id);
    return this.entries.length !== before;
  }

  get(id: string): Policy | null {
    return this.entries.find((e) => e.policy.id === id)?.policy ?? null;
  }

  /** The policies in search order. */
  list(): readonly Policy[] {
    return this.entries.map((e) => e.policy);
  }

  /** First outbound policy that matches (source = local side), or null. */
  lookupOutbound(fields: SpdPacketFields): Policy | null {
    return this.find(fields, 'out')?.policy ?? null;
  }

  /** First inbound policy that matches (destination = local side), or null. */
  lookupInbound(fields: SpdPacketFields): Policy | null {
    return this.find(fields, 'in')?.policy ?? null;
  }

  /** The outbound action, with the default applied when no policy matches (RFC 4301 5.1). */
  decideOutbound(fields: SpdPacketFields): OutboundDecision {
    return this.find(fields, 'out')?.outboundDecision ?? this.outboundDefault;
  }

  /**
   * Inbound policy check. viaSa: the selectors of the SA the packet was decrypted with, or
   * null for a clear-text packet. See the table at the top of this file. Fields whose
   * addresses are not valid text match no policy.
   */
  checkInbound(fields: SpdPacketFields, viaSa: SelectorPair | null): InboundPolicyResult {
    if (viaSa !== null) {
      const compiled = compiledPairOf(viaSa);
      return this.key.load(fields) && pairMatches(compiled, this.key, 'in') ? WITHIN_SA : OUTSIDE_SA;
    }
    return this.find(fields, 'in')?.clearTextResult ?? this.inboundDefault;
  }

  private find(fields: SpdPacketFields, direction: TrafficDirection): Entry | null {
    const key = this.key;
    if (!key.load(fields)) return null;
    const entries = this.entries;
    const outbound = direction === 'out';
    for (let i = 0; i < entries.length; i++) {
      const e = entries[i]!;
      if ((outbound ? e.out : e.in) && pairMatches(e.compiled, key, direction)) return e;
    }
    return null;
  }
}
