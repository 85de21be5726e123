// Choosing a proposal: the responder's choice among the initiator's proposals (RFC 7296 2.7,
// 3.3.6), the initiator's check of the responder's choice, and the INVALID_KE_PAYLOAD helpers
// (RFC 7296 1.2, 1.3). Proposals are network input: nothing here throws on them.
import { ATTRIBUTE_KEY_LENGTH, ESN, INTEG, NOTIFY_ERROR, PROTOCOL, TRANSFORM_TYPE } from '../message/numbers.js';
import type { Proposal, Transform } from '../message/types.js';
import type { EncrAlgorithm } from './algorithms.js';
import { AES_KEY_BITS, fixedKeyBits, hasKeyLengthAttribute, isAead, isKnownEncr } from './algorithms.js';
import { describeProposal, describeSpec } from './payload.js';
import type { ProposalSpec } from './parse.js';

/** What one SA will use. */
export interface Negotiated {
  readonly encr: EncrAlgorithm;
  /** null with an AEAD. */
  readonly integ: number | null;
  /** null for ESP. */
  readonly prf: number | null;
  /** null when no key exchange is done (ESP without PFS). */
  readonly dh: number | null;
  /** true: 64-bit extended sequence numbers (always false for IKE). */
  readonly esn: boolean;
}

export interface SelectOptions {
  /** true: our order decides (strongSwan's default); false: the peer's order decides. */
  readonly preferOurs: boolean;
  /** Group of the KE payload received with the SA payload: chosen when the chosen proposal allows it. */
  readonly dhGroupOfKe?: number;
}

export type SelectResult =
  | { readonly ok: true; readonly chosen: Proposal; readonly negotiated: Negotiated }
  | {
    readonly ok: false;
    readonly reason: 'no-proposal-chosen';
    readonly notify: typeof NOTIFY_ERROR.NO_PROPOSAL_CHOSEN;
    /** One line for logs: what the peer offered and what we accept. */
    readonly detail: string;
    readonly ours: readonly string[];
    readonly theirs: readonly string[];
  };

export type ChosenCheckResult =
  | { readonly ok: true; readonly negotiated: Negotiated }
  | { readonly ok: false; readonly reason: 'invalid-chosen-proposal'; readonly detail: string };

const KNOWN_TYPES: readonly number[] = [
  TRANSFORM_TYPE.ENCR, TRANSFORM_TYPE.PRF, TRANSFORM_TYPE.INTEG, TRANSFORM_TYPE.DH, TRANSFORM_TYPE.ESN,
];

/** The Key Length a transform carries, or undefined when its attributes are not ones we understand. */
function wireKeyLength(t: Transform): number | null | undefined {
  let keyLength: number | null = null;
  for (const a of t.attributes) {
    // RFC 7296 3.3.5: Key Length is the only attribute, in TV format, at most once.
    if (a.type !== ATTRIBUTE_KEY_LENGTH || typeof a.value !== 'number' || keyLength !== null) return undefined;
    keyLength = a.value;
  }
  return keyLength;
}

/**
 * RFC 7296 3.3.6: a transform we do not understand, or with an attribute we do not understand,
 * is unacceptable; other transforms of the same type are still considered.
 */
function usable(t: Transform): boolean {
  const keyLength = wireKeyLength(t);
  if (keyLength === undefined) return false;
  if (t.type !== TRANSFORM_TYPE.ENCR) return keyLength === null;
  if (!isKnownEncr(t.id)) return false;
  return hasKeyLengthAttribute(t.id) ? keyLength !== null && AES_KEY_BITS.includes(keyLength) : keyLength === null;
}

function encrMatches(t: Transform, e: EncrAlgorithm): boolean {
  const expected = hasKeyLengthAttribute(e.id) ? e.keyBits : null;
  return t.id === e.id && wireKeyLength(t) === expected;
}

/** Our acceptable values per type for one spec, given the encryption chosen (for integrity). */
function ourValues(spec: ProposalSpec, type: number, aead: boolean): readonly number[] {
  switch (type) {
    case TRANSFORM_TYPE.PRF: return spec.prf;
    // RFC 7296 3.3: with a combined mode, integrity is absent or the single value NONE.
    case TRANSFORM_TYPE.INTEG: return aead ? [INTEG.NONE] : spec.integ;
    // RFC 7296 3.3.3: DH is optional for ESP; a peer may still list NONE (0) when we want no PFS.
    case TRANSFORM_TYPE.DH: return spec.dh.length > 0 ? spec.dh : spec.kind === 'esp' ? [0] : [];
    case TRANSFORM_TYPE.ESN: return spec.esn.map((e) => (e ? ESN.YES : ESN.NO));
    default: return [];
  }
}

/** Is the type mandatory in a proposal of this spec (RFC 7296 3.3.3)? */
function mandatory(spec: ProposalSpec, type: number, aead: boolean): boolean {
  switch (type) {
    case TRANSFORM_TYPE.ENCR: return true;
    case TRANSFORM_TYPE.PRF: return spec.kind === 'ike';
    case TRANSFORM_TYPE.INTEG: return !aead;
    // Our PFS demand: an ESP proposal of ours with groups needs the peer to offer one.
    case TRANSFORM_TYPE.DH: return spec.kind === 'ike' || spec.dh.length > 0;
    case TRANSFORM_TYPE.ESN: return spec.kind === 'esp';
    default: return false;
  }
}

/**
 * The preferred transform of `theirs` whose value is in `ours`, or null. preferOurs: the first
 * of our values the peer offers; otherwise the first of their transforms we accept.
 */
function pick(theirs: readonly Transform[], ours: readonly number[], preferOurs: boolean, wanted?: number): Transform | null {
  if (wanted !== undefined && ours.includes(wanted)) {
    const t = theirs.find((x) => x.id === wanted);
    if (t) return t;
  }
  if (preferOurs) {
    for (const v of ours) {
      const t = theirs.find((x) => x.id === v);
      if (t) return t;
    }
    return null;
  }
  return theirs.find((x) => ours.includes(x.id)) ?? null;
}

/** Candidate encryption transforms of theirs in preference order, each with our algorithm. */
function encrCandidates(theirs: readonly Transform[], ours: readonly EncrAlgorithm[], preferOurs: boolean): [Transform, EncrAlgorithm][] {
  const out: [Transform, EncrAlgorithm][] = [];
  if (preferOurs) {
    for (const e of ours) for (const t of theirs) if (encrMatches(t, e)) out.push([t, e]);
  } else {
    for (const t of theirs) for (const e of ours) if (encrMatches(t, e)) out.push([t, e]);
  }
  return out;
}

interface Match {
  readonly transforms: readonly Transform[];
  readonly negotiated: Negotiated;
}

function byType(p: Proposal): Map<number, Transform[]> | null {
  const m = new Map<number, Transform[]>();
  for (const t of p.transforms) {
    // RFC 7296 3.3.6: a proposal with a transform type we do not understand is unacceptable.
    if (!KNOWN_TYPES.includes(t.type)) return null;
    const list = m.get(t.type) ?? [];
    list.push(t);
    m.set(t.type, list);
  }
  return m;
}

/** Matches one of our specs against one of their proposals. */
function matchPair(spec: ProposalSpec, theirs: Proposal, options: SelectOptions): Match | null {
  const types = byType(theirs);
  if (!types) return null;
  const usableOf = (type: number): Transform[] => (types.get(type) ?? []).filter(usable);
  for (const [encrT, encr] of encrCandidates(usableOf(TRANSFORM_TYPE.ENCR), spec.encr, options.preferOurs)) {
    const m = completeMatch(spec, types, usableOf, encrT, encr, options);
    if (m) return m;
  }
  return null;
}

function completeMatch(spec: ProposalSpec, types: Map<number, Transform[]>, usableOf: (type: number) => Transform[],
  encrT: Transform, encr: EncrAlgorithm, options: SelectOptions): Match | null {
  const aead = isAead(encr.id);
  const chosen: Transform[] = [encrT];
  for (const type of KNOWN_TYPES.slice(1)) {
    if (!types.has(type)) {
      if (mandatory(spec, type, aead)) return null;
      continue;
    }
    const wanted = type === TRANSFORM_TYPE.DH ? options.dhGroupOfKe : undefined;
    const t = pick(usableOf(type), ourValues(spec, type, aead), options.preferOurs, wanted);
    if (!t) return null;
    chosen.push(t);
  }
  return { transforms: chosen, negotiated: negotiatedOf(encr, chosen) };
}

function negotiatedOf(encr: EncrAlgorithm, chosen: readonly Transform[]): Negotiated {
  const id = (type: number): number | null => chosen.find((t) => t.type === type)?.id ?? null;
  const integ = id(TRANSFORM_TYPE.INTEG);
  const dh = id(TRANSFORM_TYPE.DH);
  return Object.freeze({
    encr: Object.freeze({ id: encr.id, keyBits: encr.keyBits }),
    integ: integ === INTEG.NONE ? null : integ,
    prf: id(TRANSFORM_TYPE.PRF),
    dh: dh === 0 ? null : dh,
    esn: id(TRANSFORM_TYPE.ESN) === ESN.YES,
  });
}

function kindOf(protocolId: number): ProposalSpec['kind'] | null {
  return protocolId === PROTOCOL.IKE ? 'ike' : protocolId === PROTOCOL.ESP ? 'esp' : null;
}

function protocolLabel(protocolId: number): string {
  return protocolId === PROTOCOL.IKE ? 'IKE' : protocolId === PROTOCOL.ESP ? 'ESP' : protocolId === PROTOCOL.AH ? 'AH' : `PROTO${protocolId}`;
}

/**
 * The responder's choice (RFC 7296 2.7): the proposal to echo (their number and SPI, exactly one
 * transform of each type they sent) and what it means; or NO_PROPOSAL_CHOSEN with both sides' offers.
 */
export function selectProposal(ours: readonly ProposalSpec[], theirs: readonly Proposal[], protocolId: number,
  options: SelectOptions): SelectResult {
  const kind = kindOf(protocolId);
  const mine = kind === null ? [] : ours.filter((s) => s.kind === kind);
  const candidates = theirs.filter((p) => p.protocolId === protocolId);
  const pairs: [ProposalSpec, Proposal][] = options.preferOurs
    ? mine.flatMap((s) => candidates.map((p) => [s, p] as [ProposalSpec, Proposal]))
    : candidates.flatMap((p) => mine.map((s) => [s, p] as [ProposalSpec, Proposal]));
  for (const [spec, p] of pairs) {
    const m = matchPair(spec, p, options);
    if (m) {
      const chosen: Proposal = Object.freeze({ number: p.number, protocolId: p.protocolId, spi: p.spi, transforms: Object.freeze([...m.transforms]) });
      return { ok: true, chosen, negotiated: m.negotiated };
    }
  }
  return noProposalChosen(ours, theirs, protocolId);
}

function noProposalChosen(ours: readonly ProposalSpec[], theirs: readonly Proposal[], protocolId: number): SelectResult {
  const oursText = ours.map((s) => `${s.kind.toUpperCase()}:${describeSpec(s)}`);
  const theirsText = theirs.map((p) => `#${p.number} ${protocolLabel(p.protocolId)}:${describeProposal(p)}`);
  const detail = `no ${protocolLabel(protocolId)} proposal chosen: peer offered ${theirsText.join(', ') || 'nothing'}; `
    + `we accept ${oursText.join(', ') || 'nothing'}`;
  return { ok: false, reason: 'no-proposal-chosen', notify: NOTIFY_ERROR.NO_PROPOSAL_CHOSEN, detail, ours: oursText, theirs: theirsText };
}

function sameTransform(a: Transform, b: Transform): boolean {
  const ka = wireKeyLength(a);
  return a.type === b.type && a.id === b.id && ka !== undefined && ka === wireKeyLength(b);
}

/**
 * The initiator's check of the response's SA payload (RFC 7296 2.7, 3.3.6): exactly one
 * proposal, numbered as one we offered, same protocol and SPI size, one transform per type, each
 * transform one we offered in that proposal and every type we offered answered. A NONE integrity
 * or key exchange we did not offer at all is tolerated (some responders add it).
 */
export function checkChosenProposal(offered: readonly Proposal[], chosen: readonly Proposal[]): ChosenCheckResult {
  const fail = (detail: string): ChosenCheckResult => ({ ok: false, reason: 'invalid-chosen-proposal', detail });
  if (chosen.length !== 1) return fail(`the response carries ${chosen.length} proposals, RFC 7296 2.7 requires exactly one`);
  const p = chosen[0]!;
  const o = offered.find((x) => x.number === p.number);
  if (!o) return fail(`the response chose proposal #${p.number}, which we did not offer (offered ${offered.map((x) => `#${x.number}`).join(', ')})`);
  if (p.protocolId !== o.protocolId) return fail(`proposal #${p.number} came back as protocol ${p.protocolId}, we offered ${o.protocolId}`);
  if (p.spi.length !== o.spi.length) return fail(`proposal #${p.number} came back with a ${p.spi.length}-octet SPI, expected ${o.spi.length}`);
  const problem = chosenTransformProblem(o, p);
  if (problem !== null) return fail(`proposal #${p.number} ${problem}`);
  const encrT = p.transforms.find((t) => t.type === TRANSFORM_TYPE.ENCR)!;
  const keyBits = wireKeyLength(encrT) ?? fixedKeyBits(encrT.id) ?? 0;
  return { ok: true, negotiated: negotiatedOf({ id: encrT.id, keyBits }, p.transforms) };
}

function chosenTransformProblem(o: Proposal, p: Proposal): string | null {
  const seen = new Set<number>();
  for (const t of p.transforms) {
    if (seen.has(t.type)) return `carries two transforms of type ${t.type}`;
    seen.add(t.type);
    const offeredType = o.transforms.some((x) => x.type === t.type);
    const toleratedNone = !offeredType && (t.type === TRANSFORM_TYPE.INTEG || t.type === TRANSFORM_TYPE.DH) && t.id === 0 && t.attributes.length === 0;
    if (!toleratedNone && !o.transforms.some((x) => sameTransform(x, t))) {
      return `chose ${describeProposal({ ...p, transforms: [t] })} (type ${t.type}), which we did not offer in it`;
    }
  }
  for (const t of o.transforms) {
    if (!seen.has(t.type)) return `answers no transform of type ${t.type}, which we offered`;
  }
  if (!seen.has(TRANSFORM_TYPE.ENCR)) return 'has no encryption transform';
  return null;
}

/** Our key exchange groups, preferred first, without repeats (the KE payload to send first). */
export function dhGroupsOf(specs: readonly ProposalSpec[]): number[] {
  return [...new Set(specs.flatMap((s) => s.dh))];
}

/**
 * RFC 7296 1.2: after INVALID_KE_PAYLOAD the initiator retries with the group the responder asks
 * for, but only if it offered that group itself; otherwise asking again cannot succeed.
 */
export function isAcceptableKeGroup(specs: readonly ProposalSpec[], group: number): boolean {
  return dhGroupsOf(specs).includes(group);
}

/** RFC 7296 1.2, 1.3: the responder's group when it differs from the KE payload's, else null. */
export function invalidKeGroup(negotiated: Negotiated, dhGroupOfKe: number | null): number | null {
  return negotiated.dh !== null && negotiated.dh !== dhGroupOfKe ? negotiated.dh : null;
}

/** RFC 7296 3.10.1: INVALID_KE_PAYLOAD carries the accepted group in two octets. */
export function invalidKeNotifyData(group: number): Buffer {
  if (!Number.isInteger(group) || group < 0 || group > 0xffff) throw new RangeError(`invalidKeNotifyData: group must be 0..65535, got ${group}`);
  const b = Buffer.alloc(2);
  b.writeUInt16BE(group, 0);
  return b;
}

/** The group an INVALID_KE_PAYLOAD notify asks for, or null when its data is not two octets. */
export function parseInvalidKeNotifyData(data: Buffer): number | null {
  return data.length === 2 ? data.readUInt16BE(0) : null;
}
