// Every counter of Linux /proc/net/xfrm_stat with its meaning, causes, checks and the Windows
// codes for the same event. The counter list and its order are those of net/xfrm/xfrm_proc.c
// (kernel 6.18: 28 classic counters, then XfrmOutStateDirError and XfrmInStateDirError from
// 6.10, then the IP-TFS counters XfrmInIptfsError and XfrmOutNoQueueSpace).
import type { CounterSpec, LinuxCounterEntry, XfrmCounterName } from './catalog-types.js';
import { windows } from './catalog-types.js';
import { explainCmd } from './cli-hints.js';
import type { DropKindId } from './drop-kinds.js';
import { DROP_KINDS } from './drop-kinds.js';
import { INBOUND_COUNTERS } from './linux-counters-inbound.js';
import { OUTBOUND_COUNTERS } from './linux-counters-outbound.js';

/** The counters in the order /proc/net/xfrm_stat prints them. */
export const XFRM_STAT_COUNTERS: readonly XfrmCounterName[] = Object.freeze([
  'XfrmInError', 'XfrmInBufferError', 'XfrmInHdrError', 'XfrmInNoStates', 'XfrmInStateProtoError',
  'XfrmInStateModeError', 'XfrmInStateSeqError', 'XfrmInStateExpired', 'XfrmInStateMismatch',
  'XfrmInStateInvalid', 'XfrmInTmplMismatch', 'XfrmInNoPols', 'XfrmInPolBlock', 'XfrmInPolError',
  'XfrmOutError', 'XfrmOutBundleGenError', 'XfrmOutBundleCheckError', 'XfrmOutNoStates',
  'XfrmOutStateProtoError', 'XfrmOutStateModeError', 'XfrmOutStateSeqError', 'XfrmOutStateExpired',
  'XfrmOutPolBlock', 'XfrmOutPolDead', 'XfrmOutPolError', 'XfrmFwdHdrError', 'XfrmOutStateInvalid',
  'XfrmAcquireError', 'XfrmOutStateDirError', 'XfrmInStateDirError', 'XfrmInIptfsError',
  'XfrmOutNoQueueSpace',
] as const);

function dropKindsCountedAs(name: XfrmCounterName): DropKindId[] {
  return Object.values(DROP_KINDS)
    .filter((k) => k.linuxCounter === name)
    .map((k) => k.id);
}

/** Where Windows has the same event, say which code so the reader can follow it there. */
function windowsCheck(codes: readonly number[]): LinuxCounterEntry['checks'] {
  if (codes.length === 0) return [];
  const list = codes.join(', ');
  return [windows(`Windows reports the same event as ${list}: ${explainCmd(codes[0]!)} says where Windows shows it`)];
}

function toEntry(spec: CounterSpec): LinuxCounterEntry {
  return Object.freeze({
    type: 'linux-counter',
    ...spec,
    checks: Object.freeze([...spec.checks, ...windowsCheck(spec.windowsCodes)]),
    dropKinds: Object.freeze(dropKindsCountedAs(spec.name)),
  });
}

function entryOrFail(byName: Map<XfrmCounterName, LinuxCounterEntry>, name: XfrmCounterName): LinuxCounterEntry {
  const entry = byName.get(name);
  // A data file lost a counter: an impossible state for shipped code, caught at load time.
  if (entry === undefined) throw new Error(`linux-counters: no catalog entry for ${name}`);
  return entry;
}

function buildCatalog(): ReadonlyMap<XfrmCounterName, LinuxCounterEntry> {
  const byName = new Map<XfrmCounterName, LinuxCounterEntry>();
  for (const spec of [...INBOUND_COUNTERS, ...OUTBOUND_COUNTERS]) byName.set(spec.name, toEntry(spec));
  // Present them in kernel order, whatever order the data files use.
  return new Map(XFRM_STAT_COUNTERS.map((name) => [name, entryOrFail(byName, name)]));
}

/** Every xfrm_stat counter, keyed by its exact kernel name, in kernel order. */
export const LINUX_COUNTER_CATALOG: ReadonlyMap<XfrmCounterName, LinuxCounterEntry> = buildCatalog();

const BY_LOWER_NAME = new Map([...LINUX_COUNTER_CATALOG.values()].map((e) => [e.name.toLowerCase(), e]));

export function isXfrmCounterName(name: string): name is XfrmCounterName {
  return LINUX_COUNTER_CATALOG.has(name as XfrmCounterName);
}

/** Case-insensitive lookup ('xfrminnostates' finds XfrmInNoStates). */
export function linuxCounterByName(name: string): LinuxCounterEntry | undefined {
  if (typeof name !== 'string') throw new TypeError('linuxCounterByName: name must be a string');
  return BY_LOWER_NAME.get(name.trim().toLowerCase());
}
