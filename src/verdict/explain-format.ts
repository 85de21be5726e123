// Terminal text for `ipsec-ts explain`: a heading, then the sections what it means, typical
// causes, how to check (grouped by where), and the equivalents under the other names.
// Prose is wrapped; checks are printed one per line unwrapped so commands copy cleanly.
import type { CauseEntry, Check, CheckPlace, ExplainEntry, LinuxCounterEntry, WinErrorEntry } from './catalog-types.js';
import { winErrorByCode } from './winerror-catalog.js';

const WIDTH = 100;
const INDENT = '  ';

const PLACE_TITLES: Readonly<Record<CheckPlace, string>> = {
  'ipsec-ts': 'ipsec-ts (drops, sa, stats and up talk to the live daemon; diagnose and explain work offline)',
  linux: 'Linux (kernel XFRM)',
  strongswan: 'strongSwan',
  windows: 'Windows',
  capture: 'Packet capture',
};

const PLACE_ORDER: readonly CheckPlace[] = ['ipsec-ts', 'linux', 'strongswan', 'windows', 'capture'];

const LAYER_TITLES: Readonly<Record<WinErrorEntry['layer'], string>> = {
  ike: 'IKE/AuthIP negotiation (IKEEXT service)',
  packet: 'IPsec driver, packet processing',
  dosp: 'IPsec DoS Protection',
  none: 'no layer: unassigned',
};

/** The whole explanation of one entry, ending with a newline. */
export function formatExplanation(entry: ExplainEntry): string {
  if (typeof entry !== 'object' || entry === null) throw new TypeError('formatExplanation: entry must be a catalog entry');
  switch (entry.type) {
    case 'winerror':
      return joinSections(formatWinError(entry));
    case 'linux-counter':
      return joinSections(formatCounter(entry));
    case 'cause':
      return joinSections(formatCause(entry));
    default:
      throw new TypeError('formatExplanation: entry must be a winerror, linux-counter or cause entry');
  }
}

/** The failure of a lookup, for stderr: the message, then the suggestions if any. */
export function formatLookupFailure(failure: { readonly message: string; readonly suggestions: readonly string[] }): string {
  const lines = [`ipsec-ts explain: ${failure.message}`];
  if (failure.suggestions.length > 0) lines.push(`did you mean: ${failure.suggestions.join(', ')}`);
  return lines.join('\n') + '\n';
}

function formatWinError(e: WinErrorEntry): string[] {
  const title = e.name === null ? `${e.code} (${e.hex}): not assigned` : `${e.code} (${e.hex}) ${e.name}`;
  return [
    `${title}\nWindows IPsec error code, ${LAYER_TITLES[e.layer]}${kindNote(e.kind)}`,
    section('What it means', wrap(e.meaning, INDENT)),
    section('Typical causes', bullets(e.causes)),
    section('How to check', checks(e.checks)),
    section('Equivalents', winEquivalents(e)),
  ];
}

function kindNote(kind: WinErrorEntry['kind']): string {
  if (kind === 'status') return '; a status report, not a failure by itself';
  if (kind === 'range-marker') return '; a range marker, never an actual result';
  if (kind === 'unassigned') return '; no error has this number';
  return '';
}

function winEquivalents(e: WinErrorEntry): string {
  return lines([
    listLine('Linux xfrm_stat', e.linuxCounters, e.layer === 'ike'
      ? 'none: IKE runs in user space (charon on strongSwan), the kernel does not count it'
      : 'none: the kernel has no counter for this event'),
    e.ikev2Notify.length > 0 ? listLine('IKEv2 notify (RFC 7296)', e.ikev2Notify, '') : null,
    e.causeIds.length > 0 ? listLine('ipsec-ts causes (ipsec-ts explain <cause>)', e.causeIds, '') : null,
    e.dropKinds.length > 0 ? listLine('ipsec-ts drop kinds', e.dropKinds, '') : null,
  ]);
}

function formatCounter(e: LinuxCounterEntry): string[] {
  return [
    `${e.name}\nLinux /proc/net/xfrm_stat counter, ${e.direction}`,
    section('What it means', wrap(e.meaning, INDENT)),
    section('Typical causes', bullets(e.causes)),
    section('How to check', checks(e.checks)),
    section('Equivalents', lines([
      listLine('Windows', e.windowsCodes.map(describeCode), 'none: Windows has no code for this event'),
      e.dropKinds.length > 0 ? listLine('ipsec-ts drop kinds', e.dropKinds, '') : null,
    ])),
    e.note === null ? '' : section('Note', wrap(e.note, INDENT)),
  ];
}

function formatCause(e: CauseEntry): string[] {
  return [
    `${e.id}: ${e.title}\nipsec-ts diagnosis cause`,
    section('What it means', wrap(e.meaning, INDENT)),
    section('Evidence ipsec-ts shows', bullets(e.evidence)),
    section('Next step', wrap(e.nextStep, INDENT)),
    section('How to check', checks(e.checks)),
    section('Equivalents', lines([
      listLine('Windows', e.windowsCodes.map(describeCode), 'none'),
      listLine('Linux xfrm_stat', e.linuxCounters, 'none'),
    ])),
  ];
}

function describeCode(code: number): string {
  const entry = winErrorByCode(code);
  return entry?.name ? `${code} ${entry.name}` : String(code);
}

function listLine(label: string, items: readonly string[], empty: string): string {
  return wrap(`${label}: ${items.length > 0 ? items.join(', ') : empty}`, INDENT, INDENT + INDENT);
}

function checks(list: readonly Check[]): string {
  const groups = PLACE_ORDER.map((place) => {
    const hows = list.filter((c) => c.where === place).map((c) => `${INDENT}${INDENT}- ${c.how}`);
    return hows.length === 0 ? null : `${INDENT}${PLACE_TITLES[place]}\n${hows.join('\n')}`;
  });
  return lines(groups);
}

function bullets(items: readonly string[]): string {
  return items.map((item) => wrap(item, `${INDENT}- `, `${INDENT}  `)).join('\n');
}

function section(title: string, body: string): string {
  return `${title}\n${body}`;
}

function lines(parts: readonly (string | null)[]): string {
  return parts.filter((p): p is string => p !== null && p !== '').join('\n');
}

function joinSections(parts: readonly string[]): string {
  return parts.filter((p) => p !== '').join('\n\n') + '\n';
}

/** Greedy word wrap; `first` prefixes the first line, `rest` the following ones. */
export function wrap(text: string, first: string, rest: string = first): string {
  const out: string[] = [];
  let line = first;
  let empty = true;
  for (const word of text.split(/\s+/).filter((w) => w !== '')) {
    if (!empty && line.length + 1 + word.length > WIDTH) {
      out.push(line);
      line = rest + word;
    } else {
      line += (empty ? '' : ' ') + word;
    }
    empty = false;
  }
  out.push(line);
  return out.join('\n');
}
