// Every Windows IPsec error code 13800-13932 (winerror.h) with its name, hex form and layer, and in
// our own words what it means, its typical causes and how to check them on Windows, on Linux and
// strongSwan, and in ipsec-ts. Numbers without an error (13919-13924) get an explicit entry too,
// so every number of the range has an answer.
//
// The Linux counters, DESIGN.md causes and drop kinds of an entry are derived from the counter
// catalog, the cause catalog and DROP_KINDS, so the cross references cannot disagree.
import type { WinErrorEntry, WinSpec, XfrmCounterName } from './catalog-types.js';
import { winHex } from './catalog-types.js';
import { CAUSE_CATALOG } from './cause-catalog.js';
import type { DropKindId } from './drop-kinds.js';
import { DROP_KINDS } from './drop-kinds.js';
import { LINUX_COUNTER_CATALOG } from './linux-counters.js';
import type { CauseId } from './verdict.js';
import { DATAPATH_CODES } from './winerror-datapath.js';
import { IKE_NEGOTIATION_CODES } from './winerror-ike-negotiation.js';
import { IKE_PAYLOAD_CODES } from './winerror-ike-payload.js';
import { IKE_SESSION_CODES } from './winerror-ike-session.js';

/** The range of Windows IPsec errors ipsec-ts explains. */
export const WINERROR_FIRST = 13800;
export const WINERROR_LAST = 13932;

function countersFor(code: number): XfrmCounterName[] {
  return [...LINUX_COUNTER_CATALOG.values()].filter((c) => c.windowsCodes.includes(code)).map((c) => c.name);
}

function causesFor(code: number): CauseId[] {
  return [...CAUSE_CATALOG.values()].filter((c) => c.windowsCodes.includes(code)).map((c) => c.id);
}

function dropKindsFor(code: number): DropKindId[] {
  return Object.values(DROP_KINDS).filter((k) => k.code === code).map((k) => k.id);
}

function toEntry(spec: WinSpec): WinErrorEntry {
  return Object.freeze({
    type: 'winerror',
    code: spec.code,
    hex: winHex(spec.code),
    name: spec.name,
    layer: spec.layer,
    kind: spec.kind ?? 'failure',
    meaning: spec.meaning,
    causes: Object.freeze([...spec.causes]),
    checks: Object.freeze([...spec.checks]),
    linuxCounters: Object.freeze(countersFor(spec.code)),
    ikev2Notify: Object.freeze([...(spec.ikev2Notify ?? [])]),
    causeIds: Object.freeze(causesFor(spec.code)),
    dropKinds: Object.freeze(dropKindsFor(spec.code)),
  });
}

function buildCatalog(): ReadonlyMap<number, WinErrorEntry> {
  const specs = [...IKE_NEGOTIATION_CODES, ...IKE_PAYLOAD_CODES, ...IKE_SESSION_CODES, ...DATAPATH_CODES];
  const byCode = new Map<number, WinErrorEntry>();
  for (const spec of specs) {
    // Two entries for one code would make lookups depend on file order: refuse at load time.
    if (byCode.has(spec.code)) throw new Error(`winerror-catalog: code ${spec.code} defined twice`);
    byCode.set(spec.code, toEntry(spec));
  }
  const ordered = new Map<number, WinErrorEntry>();
  for (let code = WINERROR_FIRST; code <= WINERROR_LAST; code++) {
    const entry = byCode.get(code);
    if (entry === undefined) throw new Error(`winerror-catalog: no entry for code ${code}`);
    ordered.set(code, entry);
  }
  if (ordered.size !== byCode.size) throw new Error('winerror-catalog: entries outside 13800-13932');
  return ordered;
}

/** Every code of 13800..13932 in order, including range markers and unassigned numbers. */
export const WINERROR_CATALOG: ReadonlyMap<number, WinErrorEntry> = buildCatalog();

const BY_NAME = new Map(
  [...WINERROR_CATALOG.values()].flatMap((e) => (e.name === null ? [] : [[e.name, e] as const])),
);

/** The entry for a code of 13800..13932, or undefined outside the range. */
export function winErrorByCode(code: number): WinErrorEntry | undefined {
  if (typeof code !== 'number') throw new TypeError('winErrorByCode: code must be a number');
  if (!Number.isInteger(code)) throw new RangeError(`winErrorByCode: code must be an integer, got ${code}`);
  return WINERROR_CATALOG.get(code);
}

/**
 * The short forms a name may be given in: the full winerror.h symbol, without ERROR_, and without
 * ERROR_IPSEC_ (ERROR_IPSEC_BAD_SPI, IPSEC_BAD_SPI, BAD_SPI).
 */
export function nameForms(name: string): string[] {
  const forms = [name];
  if (name.startsWith('ERROR_')) forms.push(name.slice('ERROR_'.length));
  if (name.startsWith('ERROR_IPSEC_')) forms.push(name.slice('ERROR_IPSEC_'.length));
  return forms;
}

const BY_FORM = new Map(
  [...BY_NAME.entries()].flatMap(([name, entry]) => nameForms(name).map((form) => [form, entry] as const)),
);

/**
 * Looks a winerror name up in any of its forms, case-insensitively, with '-' or spaces accepted for
 * '_' ('bad spi', 'ipsec-bad-spi' and 'ERROR_IPSEC_BAD_SPI' all find 13910).
 */
export function winErrorByName(name: string): WinErrorEntry | undefined {
  if (typeof name !== 'string') throw new TypeError('winErrorByName: name must be a string');
  return BY_FORM.get(normaliseName(name));
}

/** Upper case, with runs of '-', '_' and spaces made one '_'. */
export function normaliseName(text: string): string {
  return text.trim().toUpperCase().replace(/[\s_-]+/g, '_');
}
