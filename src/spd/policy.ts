// One SPD entry (RFC 4301 4.4.1.2): selectors, the direction it applies to, and the action
// BYPASS, DISCARD or PROTECT; PROTECT carries the template of the SA that must carry the
// traffic (mode, peer, and the reqid/label that links policy and SAs).
import { canonicalIp } from '../wire/address.js';
import { compileSelectorPair } from './match.js';
import { parseSelector } from './parse.js';
import type { SelectorPair, TrafficSelector } from './selector.js';

export type PolicyAction = 'bypass' | 'discard' | 'protect';
export type PolicyDirection = 'out' | 'in' | 'both';
export type IpsecMode = 'tunnel' | 'transport';

export interface SaTemplate {
  readonly mode: IpsecMode;
  /** Tunnel mode: the peer's tunnel endpoint (canonical text). Transport mode: null or the peer. */
  readonly peer: string | null;
  /** Links this policy to the SAs that serve it (as Linux XFRM does); a positive u32. */
  readonly reqid: number;
  /** Free-form name shown in verdicts and logs, e.g. the connection name. */
  readonly label: string | null;
}

export interface Policy {
  readonly id: string;
  readonly direction: PolicyDirection;
  readonly action: PolicyAction;
  readonly selectors: SelectorPair;
  /** Present exactly when action is 'protect'. */
  readonly template: SaTemplate | null;
}

/** Selectors either as TrafficSelector lists or as parseSelector text (one string or several). */
export type SelectorSideInit = readonly TrafficSelector[] | string | readonly string[];

export interface PolicyInit {
  readonly id: string;
  readonly direction?: PolicyDirection;
  readonly action: PolicyAction;
  readonly selectors: { readonly local: SelectorSideInit; readonly remote: SelectorSideInit };
  readonly template?: {
    readonly mode: IpsecMode;
    readonly peer?: string | null;
    readonly reqid: number;
    readonly label?: string | null;
  } | null;
}

const ACTIONS: readonly PolicyAction[] = ['bypass', 'discard', 'protect'];
const DIRECTIONS: readonly PolicyDirection[] = ['out', 'in', 'both'];

/**
 * Validates and freezes a policy. Throws TypeError for a wrong type and RangeError for a
 * wrong value, naming the field (policy.id, policy.selectors.local, policy.template.peer...).
 */
export function definePolicy(init: PolicyInit): Policy {
  if (typeof init !== 'object' || init === null) throw new TypeError('policy: expected an object');
  if (typeof init.id !== 'string' || init.id.trim() === '') throw new TypeError('policy.id: expected a non-empty string');
  const direction = init.direction ?? 'both';
  if (!DIRECTIONS.includes(direction)) throw new RangeError(`policy.direction: expected 'out', 'in' or 'both', got '${String(direction)}'`);
  if (!ACTIONS.includes(init.action)) throw new RangeError(`policy.action: expected 'bypass', 'discard' or 'protect', got '${String(init.action)}'`);
  const selectors = defineSelectors(init.selectors);
  const template = defineTemplate(init);
  return Object.freeze({ id: init.id, direction, action: init.action, selectors, template });
}

function defineSelectors(init: PolicyInit['selectors']): SelectorPair {
  if (typeof init !== 'object' || init === null) throw new TypeError('policy.selectors: expected { local, remote }');
  const pair: SelectorPair = Object.freeze({
    local: Object.freeze(selectorSide(init.local, 'policy.selectors.local')),
    remote: Object.freeze(selectorSide(init.remote, 'policy.selectors.remote')),
  });
  compileSelectorPair(pair); // throws RangeError on a malformed selector now, not per packet
  return pair;
}

function selectorSide(side: SelectorSideInit, field: string): TrafficSelector[] {
  if (typeof side === 'string') return withField(field, () => parseSelector(side));
  if (!Array.isArray(side)) throw new TypeError(`${field}: expected selector text or a TrafficSelector[]`);
  if (side.length === 0) throw new RangeError(`${field}: expected at least one selector`);
  return side.flatMap((item: string | TrafficSelector) =>
    typeof item === 'string' ? withField(field, () => parseSelector(item)) : [Object.freeze({ ...item })]);
}

function withField<T>(field: string, parse: () => T): T {
  try {
    return parse();
  } catch (e) {
    if (e instanceof RangeError) throw new RangeError(`${field}: ${e.message}`);
    throw e;
  }
}

function defineTemplate(init: PolicyInit): SaTemplate | null {
  const t = init.template ?? null;
  if (init.action !== 'protect') {
    if (t !== null) throw new RangeError(`policy.template: only a 'protect' policy has an SA template (action is '${init.action}')`);
    return null;
  }
  if (t === null || typeof t !== 'object') throw new TypeError("policy.template: a 'protect' policy needs { mode, peer, reqid }");
  if (t.mode !== 'tunnel' && t.mode !== 'transport') throw new RangeError(`policy.template.mode: expected 'tunnel' or 'transport', got '${String(t.mode)}'`);
  if (!Number.isInteger(t.reqid) || t.reqid < 1 || t.reqid > 0xffffffff) {
    throw new RangeError(`policy.template.reqid: expected an integer 1..4294967295, got ${String(t.reqid)}`);
  }
  const peer = t.peer === undefined || t.peer === null ? null : canonicalIp(t.peer);
  if (t.peer !== undefined && t.peer !== null && peer === null) throw new RangeError(`policy.template.peer: expected an IP address, got '${t.peer}'`);
  // RFC 4301 4.4.1.2: a tunnel-mode entry holds the remote tunnel address.
  if (t.mode === 'tunnel' && peer === null) throw new RangeError('policy.template.peer: tunnel mode needs the peer tunnel address');
  const label = t.label ?? null;
  if (label !== null && typeof label !== 'string') throw new TypeError('policy.template.label: expected a string or null');
  return Object.freeze({ mode: t.mode, peer, reqid: t.reqid, label });
}
