// Proposals from strongSwan's keyword syntax (swanctl.conf `proposals` and `esp_proposals`,
// https://docs.strongswan.org/docs/latest/config/proposals.html): keywords joined by dashes,
// several algorithms of one kind allowed, their order being the preference.
//
//   parseProposalText('aes128gcm16-prfsha256-x25519', 'ike')
//   parseProposalText('aes256-sha256-modp2048', 'ike')      sha256 is integrity and (no prf keyword) the PRF
//   parseProposalText('aes256gcm16-sha384-ecp384', 'ike')   AEAD: sha384 only names the PRF
//   parseProposalText('aes128gcm16-x25519-esn', 'esp')      DH group: PFS on CREATE_CHILD_SA
//   parseProposalText('aes128gcm16', 'esp')                 no DH group: no PFS; ESN omitted: noesn
//
// This is configuration, so failures are values with a message meant for the person who wrote it.
import { editDistance } from '../../verdict/edit-distance.js';
import { DH_GROUP, ENCR, INTEG, PRF } from '../message/numbers.js';
import type { EncrAlgorithm } from './algorithms.js';
import { isAead, PRF_OF_INTEG } from './algorithms.js';

export type ProposalKind = 'ike' | 'esp';

/** One proposal: each list holds the acceptable algorithms of one transform type, preferred first. */
export interface ProposalSpec {
  readonly kind: ProposalKind;
  readonly encr: readonly EncrAlgorithm[];
  /** Empty for AEAD-only proposals (RFC 7296 3.3: no integrity algorithm with combined modes). */
  readonly integ: readonly number[];
  /** Empty for ESP. */
  readonly prf: readonly number[];
  /** Empty for ESP without PFS. */
  readonly dh: readonly number[];
  /** ESP only: the ESN modes accepted (true = 64-bit sequence numbers); empty for IKE. */
  readonly esn: readonly boolean[];
  /** The same proposal in canonical keywords (explicit PRFs, aliases resolved); parses back to this spec. */
  readonly text: string;
}

export type ProposalParseResult =
  | { readonly ok: true; readonly spec: ProposalSpec }
  | { readonly ok: false; readonly message: string };

export type ProposalListParseResult =
  | { readonly ok: true; readonly specs: readonly ProposalSpec[] }
  | { readonly ok: false; readonly message: string };

type Keyword =
  | { readonly type: 'encr'; readonly value: EncrAlgorithm }
  | { readonly type: 'integ' | 'prf' | 'dh'; readonly value: number }
  | { readonly type: 'esn'; readonly value: boolean };

/** Canonical keyword -> meaning, in the order the error messages list them. */
const CANONICAL = new Map<string, Keyword>();
/** Other spellings strongSwan accepts -> canonical keyword. */
const ALIASES = new Map<string, string>();

function buildKeywords(): void {
  for (const keyBits of [128, 192, 256]) {
    CANONICAL.set(`aes${keyBits}`, { type: 'encr', value: { id: ENCR.AES_CBC, keyBits } });
  }
  const gcm: ReadonlyArray<readonly [number, number, number]> = [
    [ENCR.AES_GCM_16, 16, 128], [ENCR.AES_GCM_12, 12, 96], [ENCR.AES_GCM_8, 8, 64],
  ];
  for (const keyBits of [128, 192, 256]) {
    for (const [id, icvBytes, icvBits] of gcm) {
      CANONICAL.set(`aes${keyBits}gcm${icvBytes}`, { type: 'encr', value: { id, keyBits } });
      ALIASES.set(`aes${keyBits}gcm${icvBits}`, `aes${keyBits}gcm${icvBytes}`);
    }
  }
  CANONICAL.set('chacha20poly1305', { type: 'encr', value: { id: ENCR.CHACHA20_POLY1305, keyBits: 256 } });
  CANONICAL.set('sha256', { type: 'integ', value: INTEG.HMAC_SHA2_256_128 });
  CANONICAL.set('sha384', { type: 'integ', value: INTEG.HMAC_SHA2_384_192 });
  CANONICAL.set('sha512', { type: 'integ', value: INTEG.HMAC_SHA2_512_256 });
  CANONICAL.set('prfsha256', { type: 'prf', value: PRF.HMAC_SHA2_256 });
  CANONICAL.set('prfsha384', { type: 'prf', value: PRF.HMAC_SHA2_384 });
  CANONICAL.set('prfsha512', { type: 'prf', value: PRF.HMAC_SHA2_512 });
  CANONICAL.set('modp2048', { type: 'dh', value: DH_GROUP.MODP_2048 });
  CANONICAL.set('ecp256', { type: 'dh', value: DH_GROUP.ECP_256 });
  CANONICAL.set('ecp384', { type: 'dh', value: DH_GROUP.ECP_384 });
  CANONICAL.set('ecp521', { type: 'dh', value: DH_GROUP.ECP_521 });
  CANONICAL.set('x25519', { type: 'dh', value: DH_GROUP.CURVE25519 });
  CANONICAL.set('x448', { type: 'dh', value: DH_GROUP.CURVE448 });
  ALIASES.set('curve25519', 'x25519');
  ALIASES.set('curve448', 'x448');
  CANONICAL.set('esn', { type: 'esn', value: true });
  CANONICAL.set('noesn', { type: 'esn', value: false });
}
buildKeywords();

const TYPE_WORDS: Readonly<Record<Keyword['type'], string>> = {
  encr: 'encryption', integ: 'integrity', prf: 'PRF', dh: 'key exchange', esn: 'ESN',
};

function allowedTypes(kind: ProposalKind): readonly Keyword['type'][] {
  // RFC 7296 3.3.3: IKE has a PRF and no ESN; ESP has ESN and no PRF.
  return kind === 'ike' ? ['encr', 'integ', 'prf', 'dh'] : ['encr', 'integ', 'dh', 'esn'];
}

function keywordsOfType(type: Keyword['type']): string[] {
  return [...CANONICAL].filter(([, k]) => k.type === type).map(([word]) => word);
}

function validKeywordsText(kind: ProposalKind): string {
  return allowedTypes(kind).map((t) => `${TYPE_WORDS[t]}: ${keywordsOfType(t).join(', ')}`).join('; ');
}

function nearestKeyword(word: string, kind: ProposalKind): string | null {
  const types = allowedTypes(kind);
  const candidates = [...CANONICAL].filter(([, k]) => types.includes(k.type)).map(([w]) => w);
  candidates.push(...[...ALIASES].filter(([, c]) => candidates.includes(c)).map(([a]) => a));
  let best: string | null = null;
  let bestDistance = Infinity;
  for (const c of candidates) {
    const d = editDistance(word, c);
    if (d < bestDistance) { best = c; bestDistance = d; }
  }
  return best !== null && bestDistance <= Math.max(2, Math.floor(word.length / 3)) ? best : null;
}

/** Canonical keyword of an encryption algorithm (for the canonical text). */
function encrKeyword(a: EncrAlgorithm): string {
  for (const [word, k] of CANONICAL) {
    if (k.type === 'encr' && k.value.id === a.id && k.value.keyBits === a.keyBits) return word;
  }
  throw new Error(`assertion: no keyword for encryption ${a.id}/${a.keyBits}`);
}

function numberKeyword(type: 'integ' | 'prf' | 'dh', value: number): string {
  for (const [word, k] of CANONICAL) if (k.type === type && k.value === value) return word;
  throw new Error(`assertion: no keyword for ${type} ${value}`);
}

interface Collected {
  encr: EncrAlgorithm[];
  integ: number[];
  prf: number[];
  dh: number[];
  esn: boolean[];
  /** Keyword spelling per encryption algorithm, for messages. */
  encrWords: string[];
  integWords: string[];
}

function pushUnique<T>(list: T[], value: T, same: (a: T, b: T) => boolean = (a, b) => a === b): boolean {
  if (list.some((x) => same(x, value))) return false;
  list.push(value);
  return true;
}

function collect(words: readonly string[], kind: ProposalKind, text: string): Collected | string {
  const c: Collected = { encr: [], integ: [], prf: [], dh: [], esn: [], encrWords: [], integWords: [] };
  for (const word of words) {
    if (word === '') return `empty keyword in '${text}': keywords are separated by single dashes`;
    const k = CANONICAL.get(ALIASES.get(word) ?? word);
    if (!k) {
      const near = nearestKeyword(word, kind);
      const hint = near === null ? '' : ` (did you mean '${near}'?)`;
      return `unknown algorithm '${word}' in ${kind.toUpperCase()} proposal '${text}'${hint}; valid keywords are ${validKeywordsText(kind)}`;
    }
    if (!allowedTypes(kind).includes(k.type)) return wrongKindMessage(word, k.type, kind, text);
    addKeyword(c, k, word);
  }
  return c;
}

function addKeyword(c: Collected, k: Keyword, word: string): void {
  // A repeated algorithm adds nothing (strongSwan ignores repeats as well).
  switch (k.type) {
    case 'encr':
      if (pushUnique(c.encr, k.value, (a, b) => a.id === b.id && a.keyBits === b.keyBits)) c.encrWords.push(word);
      return;
    case 'integ':
      if (pushUnique(c.integ, k.value)) c.integWords.push(word);
      return;
    case 'prf': pushUnique(c.prf, k.value); return;
    case 'dh': pushUnique(c.dh, k.value); return;
    case 'esn': pushUnique(c.esn, k.value); return;
  }
}

function wrongKindMessage(word: string, type: Keyword['type'], kind: ProposalKind, text: string): string {
  if (type === 'prf') {
    return `'${word}' in '${text}' is a PRF, which only IKE proposals have (RFC 7296 3.3.3); an ESP proposal takes encryption, integrity, key exchange and esn/noesn`;
  }
  return `'${word}' in '${text}' is an ESN mode, which only ESP proposals have (RFC 7296 3.3.3); an ${kind.toUpperCase()} proposal takes encryption, integrity, PRF and key exchange`;
}

/** Checks the combination; returns the spec or a message saying what cannot work. */
function build(c: Collected, kind: ProposalKind, text: string): ProposalParseResult {
  const fail = (message: string): ProposalParseResult => ({ ok: false, message });
  if (c.encr.length === 0) {
    return fail(`${kind.toUpperCase()} proposal '${text}' has no encryption algorithm; add one of ${keywordsOfType('encr').join(', ')}`);
  }
  const aeadWords = c.encrWords.filter((_, i) => isAead(c.encr[i]!.id));
  const classicWords = c.encrWords.filter((_, i) => !isAead(c.encr[i]!.id));
  if (aeadWords.length > 0 && classicWords.length > 0) {
    // RFC 7296 3.3: combined-mode and classic ciphers go in two separate proposals.
    return fail(`proposal '${text}' mixes AEAD (${aeadWords.join(', ')}) and non-AEAD (${classicWords.join(', ')}) encryption; RFC 7296 3.3 requires them in separate proposals`);
  }
  const aead = aeadWords.length > 0;
  if (!aead && c.integ.length === 0) {
    return fail(`${classicWords.join(', ')} in '${text}' does not protect integrity; add an integrity algorithm (${keywordsOfType('integ').join(', ')}) or use an AEAD such as aes128gcm16`);
  }
  return kind === 'ike' ? buildIke(c, aead, text) : buildEsp(c, aead, text);
}

function buildIke(c: Collected, aead: boolean, text: string): ProposalParseResult {
  // strongSwan: without a prf keyword, each integrity keyword also names the matching PRF;
  // with an AEAD the integrity keywords do nothing else (they are stripped).
  const prf = c.prf.length > 0 ? c.prf : c.integ.map((i) => PRF_OF_INTEG.get(i)!);
  const integ = aead ? [] : c.integ;
  if (prf.length === 0) {
    return { ok: false, message: `IKE proposal '${text}' has no PRF; add one of ${keywordsOfType('prf').join(', ')} (or, with an AEAD, an integrity keyword such as sha256 that implies it)` };
  }
  if (c.dh.length === 0) {
    return { ok: false, message: `IKE proposal '${text}' has no key exchange method (RFC 7296 3.3.3 makes it mandatory for IKE); add one of ${keywordsOfType('dh').join(', ')}` };
  }
  return { ok: true, spec: freezeSpec('ike', c.encr, integ, [...new Set(prf)], c.dh, []) };
}

function buildEsp(c: Collected, aead: boolean, text: string): ProposalParseResult {
  if (aead && c.integ.length > 0) {
    return { ok: false, message: `ESP proposal '${text}' combines the AEAD ${c.encrWords.join(', ')} with integrity ${c.integWords.join(', ')}; an AEAD protects integrity itself (RFC 7296 3.3), drop the integrity keyword` };
  }
  // strongSwan: without esn/noesn the proposal offers noesn.
  const esn = c.esn.length > 0 ? c.esn : [false];
  return { ok: true, spec: freezeSpec('esp', c.encr, c.integ, [], c.dh, esn) };
}

function canonicalText(s: Omit<ProposalSpec, 'text'>): string {
  return [
    ...s.encr.map(encrKeyword),
    ...s.integ.map((v) => numberKeyword('integ', v)),
    ...s.prf.map((v) => numberKeyword('prf', v)),
    ...s.dh.map((v) => numberKeyword('dh', v)),
    ...s.esn.map((e) => (e ? 'esn' : 'noesn')),
  ].join('-');
}

function freezeSpec(kind: ProposalKind, encr: readonly EncrAlgorithm[], integ: readonly number[], prf: readonly number[],
  dh: readonly number[], esn: readonly boolean[]): ProposalSpec {
  const base = {
    kind,
    encr: Object.freeze(encr.map((e) => Object.freeze({ id: e.id, keyBits: e.keyBits }))),
    integ: Object.freeze([...integ]),
    prf: Object.freeze([...prf]),
    dh: Object.freeze([...dh]),
    esn: Object.freeze([...esn]),
  };
  return Object.freeze({ ...base, text: canonicalText(base) });
}

/** Parses one proposal in strongSwan's keyword syntax. */
export function parseProposalText(text: string, kind: ProposalKind): ProposalParseResult {
  if (typeof text !== 'string') throw new TypeError('parseProposalText: text must be a string');
  if (kind !== 'ike' && kind !== 'esp') throw new TypeError("parseProposalText: kind must be 'ike' or 'esp'");
  const trimmed = text.trim().toLowerCase();
  if (trimmed === '') {
    const example = kind === 'ike' ? 'aes128gcm16-prfsha256-x25519' : 'aes128gcm16-esn';
    return { ok: false, message: `empty ${kind.toUpperCase()} proposal; expected keywords joined by dashes, e.g. '${example}'` };
  }
  const collected = collect(trimmed.split('-'), kind, trimmed);
  if (typeof collected === 'string') return { ok: false, message: collected };
  return build(collected, kind, trimmed);
}

/** Parses several proposals, most preferred first; the message names the failing one. */
export function parseProposalList(texts: readonly string[], kind: ProposalKind): ProposalListParseResult {
  if (!Array.isArray(texts)) throw new TypeError('parseProposalList: texts must be an array of strings');
  if (texts.length === 0) return { ok: false, message: `no ${kind.toUpperCase()} proposals: give at least one` };
  const specs: ProposalSpec[] = [];
  for (const [i, text] of texts.entries()) {
    const r = parseProposalText(text, kind);
    if (!r.ok) return { ok: false, message: `proposal ${i + 1}: ${r.message}` };
    specs.push(r.spec);
  }
  return { ok: true, specs: Object.freeze(specs) };
}
