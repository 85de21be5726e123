// `ipsec-ts explain <what>`: resolve what a person typed (a Windows code in decimal or hex, a
// winerror name in any of its forms, a Linux xfrm_stat counter, a DESIGN.md cause or a drop kind)
// to a catalog entry, or say why not and suggest close names.
import type { ExplainEntry } from './catalog-types.js';
import { causeById, CAUSE_CATALOG } from './cause-catalog.js';
import { DROP_KINDS } from './drop-kinds.js';
import type { DropKindId } from './drop-kinds.js';
import { editDistance } from './edit-distance.js';
import { LINUX_COUNTER_CATALOG, linuxCounterByName } from './linux-counters.js';
import {
  WINERROR_CATALOG, WINERROR_FIRST, WINERROR_LAST, nameForms, normaliseName, winErrorByCode, winErrorByName,
} from './winerror-catalog.js';

export { formatExplanation, formatLookupFailure } from './explain-format.js';

/** How the input was recognised. */
export type ExplainMatch = 'code' | 'hex' | 'hresult' | 'name' | 'counter' | 'cause' | 'drop-kind';

export type ExplainLookup =
  | { readonly ok: true; readonly entry: ExplainEntry; readonly matchedBy: ExplainMatch }
  | { readonly ok: false; readonly message: string; readonly suggestions: readonly string[] };

const RANGE_TEXT = `${WINERROR_FIRST}-${WINERROR_LAST} (0x35E8-0x366C)`;
const MAX_SUGGESTIONS = 8;

// 13910, and 13910L as winerror.h writes it.
const DECIMAL = /^([0-9]+)L?$/i;
// 0x3656 / 0X3656, and the assembler style 3656h.
const HEX = /^(?:0x([0-9a-f]+)|([0-9a-f]+)h)$/i;
// HRESULT_FROM_WIN32(code) = 0x8007xxxx: Windows tools often print a Win32 error that way.
const HRESULT_WIN32 = 0x80070000;

/**
 * Resolves `what` to a catalog entry. Never throws for any string: unknown input gives
 * `{ ok: false, message, suggestions }`, where suggestions are inputs that would resolve.
 */
export function lookupExplanation(what: string): ExplainLookup {
  if (typeof what !== 'string') throw new TypeError('lookupExplanation: what must be a string');
  const text = what.trim();
  if (text === '') {
    return failure(
      'nothing to explain: give a Windows IPsec error (13910 or 0x3656), its name (ERROR_IPSEC_BAD_SPI), ' +
        'a Linux xfrm_stat counter (XfrmInNoStates) or a cause (never-established)',
      [],
    );
  }
  return lookupNumber(text) ?? lookupWord(text) ?? unknownWord(text);
}

function lookupNumber(text: string): ExplainLookup | null {
  const decimal = DECIMAL.exec(text);
  if (decimal !== null) return byNumber(Number(decimal[1]), 'code', text);
  const hex = HEX.exec(text);
  if (hex !== null) return byNumber(parseInt(hex[1] ?? hex[2]!, 16), 'hex', text);
  return null;
}

function byNumber(value: number, matchedBy: 'code' | 'hex', text: string): ExplainLookup {
  const entry = Number.isSafeInteger(value) ? winErrorByCode(value) : undefined;
  if (entry !== undefined) return { ok: true, entry, matchedBy };
  const fromHresult = hresultCode(value);
  if (matchedBy === 'hex' && fromHresult !== undefined) return { ok: true, entry: fromHresult, matchedBy: 'hresult' };
  return failure(`${text} is not a Windows IPsec error code: ipsec-ts explains ${RANGE_TEXT}`, numberHints(value, matchedBy));
}

function hresultCode(value: number): ExplainEntry | undefined {
  if (value < HRESULT_WIN32 || value > HRESULT_WIN32 + 0xffff) return undefined;
  return winErrorByCode(value - HRESULT_WIN32);
}

/** A decimal that reads as an IPsec code in hex ("3656") was probably meant as hex. */
function numberHints(value: number, matchedBy: 'code' | 'hex'): string[] {
  if (matchedBy !== 'code' || !Number.isSafeInteger(value)) return [];
  const asHex = parseInt(String(value), 16);
  return winErrorByCode(asHex) !== undefined ? [`0x${String(value)}`] : [];
}

function lookupWord(text: string): ExplainLookup | null {
  const cause = causeById(text);
  if (cause !== undefined) return { ok: true, entry: cause, matchedBy: 'cause' };
  const dropKind = dropKindById(text);
  if (dropKind !== undefined) return { ok: true, entry: dropKind, matchedBy: 'drop-kind' };
  const counter = linuxCounterByName(text);
  if (counter !== undefined) return { ok: true, entry: counter, matchedBy: 'counter' };
  const named = winErrorByName(text);
  if (named !== undefined) return { ok: true, entry: named, matchedBy: 'name' };
  return null;
}

/** A drop kind id from a verdict ('bad-spi') explains the Windows code it reports. */
function dropKindById(text: string): ExplainEntry | undefined {
  const id = text.toLowerCase();
  if (!Object.hasOwn(DROP_KINDS, id)) return undefined;
  return winErrorByCode(DROP_KINDS[id as DropKindId].code);
}

function unknownWord(text: string): ExplainLookup {
  return failure(
    `no Windows IPsec error, xfrm_stat counter or cause is called "${text}"`,
    suggestionsFor(text),
  );
}

function failure(message: string, suggestions: readonly string[]): ExplainLookup {
  return { ok: false, message, suggestions: Object.freeze([...suggestions]) };
}

/** A spelling the input can be compared with, and the input that resolves to it. */
interface Candidate {
  readonly form: string;
  readonly canonical: string;
  readonly style: 'upper' | 'lower' | 'kebab';
}

function buildCandidates(): readonly Candidate[] {
  const list: Candidate[] = [];
  for (const entry of WINERROR_CATALOG.values()) {
    if (entry.name === null) continue;
    for (const form of nameForms(entry.name)) list.push({ form, canonical: entry.name, style: 'upper' });
  }
  for (const name of LINUX_COUNTER_CATALOG.keys()) list.push({ form: name.toLowerCase(), canonical: name, style: 'lower' });
  for (const id of CAUSE_CATALOG.keys()) list.push({ form: id, canonical: id, style: 'kebab' });
  for (const id of Object.keys(DROP_KINDS)) list.push({ form: id, canonical: id, style: 'kebab' });
  return Object.freeze(list);
}

const CANDIDATES = buildCandidates();

function spelled(text: string, style: Candidate['style']): string {
  if (style === 'upper') return normaliseName(text);
  if (style === 'lower') return text.toLowerCase();
  return text.toLowerCase().replace(/[\s_]+/g, '-');
}

/** Allowed distance grows with length: one slip in a short word, more in a long name. */
function tolerance(length: number): number {
  if (length <= 4) return 1;
  return length <= 10 ? 2 : 3;
}

/**
 * Close names: within a small edit distance of one of a candidate's spellings, or (for inputs of
 * three characters or more) contained in it. Closest first, at most MAX_SUGGESTIONS.
 */
export function suggestionsFor(text: string): string[] {
  if (typeof text !== 'string') throw new TypeError('suggestionsFor: text must be a string');
  const best = new Map<string, number>();
  for (const candidate of CANDIDATES) {
    const score = scoreOf(spelled(text.trim(), candidate.style), candidate.form);
    if (score === null) continue;
    const known = best.get(candidate.canonical);
    if (known === undefined || score < known) best.set(candidate.canonical, score);
  }
  return [...best.entries()]
    .sort(([a, sa], [b, sb]) => sa - sb || a.localeCompare(b))
    .slice(0, MAX_SUGGESTIONS)
    .map(([canonical]) => canonical);
}

function scoreOf(query: string, form: string): number | null {
  if (query === '') return null;
  const limit = tolerance(query.length);
  // The distance is at least the length difference: skip hopeless pairs cheaply.
  if (Math.abs(query.length - form.length) <= limit) {
    const distance = editDistance(query, form);
    if (distance <= limit) return distance;
  }
  // Substring hits rank after every close spelling.
  return query.length >= 3 && form.includes(query) ? limit + 1 : null;
}
