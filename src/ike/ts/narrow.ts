// Traffic selector narrowing (RFC 7296 2.9). The responder answers with the part of the
// initiator's TSi/TSr that its own policy allows; the initiator checks that the answer is part of
// what it asked for. An SA covers TSi x TSr, and (A x B) n (C x D) = (A n C) x (B n D), so each
// side narrows on its own: TSi against our remote selectors, TSr against our local ones.
import type { TrafficSelector } from '../../spd/selector.js';
import { NOTIFY_ERROR } from '../message/numbers.js';
import type { SelectorBox } from './box.js';
import { boxOf, containsBox, coveredBy, intersectBoxes, selectorOfBox } from './box.js';

export interface ConfiguredSides {
  /** Our side of the SA (the responder's TSr). */
  readonly local: readonly TrafficSelector[];
  /** The peer's side (the responder's TSi). */
  readonly remote: readonly TrafficSelector[];
}

export interface ProposedSelectors {
  readonly tsi: readonly TrafficSelector[];
  readonly tsr: readonly TrafficSelector[];
}

export type TsFailure = {
  readonly ok: false;
  readonly reason: 'ts-unacceptable';
  readonly notify: typeof NOTIFY_ERROR.TS_UNACCEPTABLE;
  readonly detail: string;
};

export type NarrowResult =
  | { readonly ok: true; readonly tsi: readonly TrafficSelector[]; readonly tsr: readonly TrafficSelector[] }
  | TsFailure;

export type AcceptResult = { readonly ok: true } | TsFailure;

/** A bound on the work a peer's selector lists can cause (pairwise intersections, subtraction). */
export const MAX_SELECTORS = 64;

function failure(detail: string): TsFailure {
  return { ok: false, reason: 'ts-unacceptable', notify: NOTIFY_ERROR.TS_UNACCEPTABLE, detail };
}

function boxes(list: readonly TrafficSelector[]): SelectorBox[] {
  return list.map(boxOf).filter((b): b is SelectorBox => b !== null);
}

function describe(list: readonly TrafficSelector[]): string {
  if (list.length === 0) return '(none)';
  return list.map((t) => {
    const range = t.startAddress === t.endAddress ? t.startAddress : `${t.startAddress}-${t.endAddress}`;
    const ports = t.startPort === 0 && t.endPort === 65535 ? '' : t.startPort === 65535 && t.endPort === 0 ? '/opaque' : `/${t.startPort}-${t.endPort}`;
    return t.protocol === 0 && ports === '' ? range : `${range}[${t.protocol}${ports}]`;
  }).join(', ');
}

/** Pairwise intersections, proposed order first, without boxes another one already covers. */
function intersectLists(proposed: readonly SelectorBox[], config: readonly SelectorBox[]): SelectorBox[] {
  const all: SelectorBox[] = [];
  for (const p of proposed) {
    for (const c of config) {
      const cut = intersectBoxes(p, c);
      if (cut) all.push(cut);
    }
  }
  // Drop a box contained in another (of two equal boxes, the later one).
  return all.filter((b, i) => !all.some((o, j) => j !== i && containsBox(o, b) && (!containsBox(b, o) || j < i)));
}

/**
 * RFC 7296 2.9: the initiator's first selector may describe the packet that triggered the
 * request. When a narrowed selector covers it, that one goes first, so the SA surely carries it.
 */
function triggerFirst(result: SelectorBox[], first: SelectorBox | undefined): SelectorBox[] {
  if (!first) return result;
  const i = result.findIndex((b) => containsBox(b, first));
  return i <= 0 ? result : [result[i]!, ...result.slice(0, i), ...result.slice(i + 1)];
}

/** The responder's narrowing of the initiator's TSi/TSr to its configured selectors. */
export function narrowTrafficSelectors(config: ConfiguredSides, proposed: ProposedSelectors, role: 'responder'): NarrowResult {
  if (role !== 'responder') throw new RangeError(`narrowTrafficSelectors: role must be 'responder', got '${String(role)}'`);
  if (proposed.tsi.length > MAX_SELECTORS || proposed.tsr.length > MAX_SELECTORS) {
    return failure(`the peer proposed ${proposed.tsi.length} TSi and ${proposed.tsr.length} TSr selectors; we consider at most ${MAX_SELECTORS} per list`);
  }
  const tsiBoxes = boxes(proposed.tsi);
  const tsrBoxes = boxes(proposed.tsr);
  const tsi = triggerFirst(intersectLists(tsiBoxes, boxes(config.remote)), tsiBoxes[0]);
  const tsr = triggerFirst(intersectLists(tsrBoxes, boxes(config.local)), tsrBoxes[0]);
  if (tsi.length === 0 || tsr.length === 0) {
    const side = tsi.length === 0 ? `TSi ${describe(proposed.tsi)} does not meet our remote selectors ${describe(config.remote)}`
      : `TSr ${describe(proposed.tsr)} does not meet our local selectors ${describe(config.local)}`;
    return failure(side);
  }
  return { ok: true, tsi: Object.freeze(tsi.map(selectorOfBox)), tsr: Object.freeze(tsr.map(selectorOfBox)) };
}

function subsetProblem(name: string, answer: readonly TrafficSelector[], asked: readonly TrafficSelector[]): string | null {
  if (answer.length === 0) return `the response has no ${name} selectors`;
  if (answer.length > MAX_SELECTORS) return `the response has ${answer.length} ${name} selectors; we consider at most ${MAX_SELECTORS}`;
  const cover = boxes(asked);
  for (const ts of answer) {
    const b = boxOf(ts);
    if (b === null) return `${name} selector ${describe([ts])} matches nothing`;
    const covered = coveredBy(b, cover);
    if (covered === 'too-complex') return `${name} selector ${describe([ts])} could not be checked against ours (too many pieces)`;
    if (!covered) return `${name} selector ${describe([ts])} is not inside what we proposed (${describe(asked)})`;
  }
  return null;
}

/** The initiator's check (RFC 7296 2.9): the responder may narrow, never widen. */
export function acceptNarrowed(proposed: ProposedSelectors, response: ProposedSelectors): AcceptResult {
  const problem = subsetProblem('TSi', response.tsi, proposed.tsi) ?? subsetProblem('TSr', response.tsr, proposed.tsr);
  return problem === null ? { ok: true } : failure(problem);
}
