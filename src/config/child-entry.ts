// One child SA of a connection (swanctl.conf `children.<child>`): its selectors, ESP
// proposals, lifetimes and actions, and the ChildConfig it becomes.
import type * as z from 'zod';
import type { ProposalSpec } from '../ike/proposal/parse.js';
import type { ChildConfig } from '../ike/connection.js';
import type { ConfiguredSelector } from '../ike/ts/config.js';
import { PORTS_ANY } from '../spd/selector.js';
import type { Finding } from './finding.js';
import { error, fieldsOf } from './finding.js';
import type { FieldPath } from './issue.js';
import { proposalField, TS_ITEM } from './ike-fields.js';
import { integerIn } from './numbers.js';
import { REKEY_FIELDS, rekeyTimeFindings, rekeyTimesOf } from './rekey-times.js';
import { DEFAULT_REPLAY_WINDOW } from './sa-entry.js';
import { list, optional, required, section } from './schema-kit.js';
import { ENTRY_NAME, oneOf } from './text-fields.js';

/** swanctl.conf: children.<child>.rekey_time = 1h. */
export const CHILD_REKEY_MS = 3_600_000;
/** Our ESP transforms (esp/), AEAD first; no DH group: rekeys without PFS unless asked. */
export const DEFAULT_ESP_PROPOSALS: readonly string[] = ['aes128gcm16-esn-noesn', 'aes256gcm16-esn-noesn', 'chacha20poly1305-esn-noesn'];

export const START_ACTION = oneOf(['none', 'trap', 'start'] as const);
const CLOSE_ACTION = oneOf(['none', 'trap', 'start'] as const);
const DPD_ACTION = oneOf(['clear', 'trap', 'restart'] as const);
const IPSEC_MODE = oneOf(['tunnel', 'transport'] as const);
/** replay/window.ts MAX_REPLAY_WINDOW; 0 turns anti-replay off. */
const REPLAY_WINDOW = integerIn(0, 65536, 'a window size in packets');

export const CHILD_ENTRY = section({
  name: required(ENTRY_NAME),
  local_ts: list(required(TS_ITEM), 'traffic selectors'),
  remote_ts: list(required(TS_ITEM), 'traffic selectors'),
  mode: optional(IPSEC_MODE),
  esp_proposals: list(required(proposalField('esp')), 'ESP proposals'),
  start_action: optional(START_ACTION),
  ...REKEY_FIELDS,
  replay_window: optional(REPLAY_WINDOW),
  close_action: optional(CLOSE_ACTION),
  dpd_action: optional(DPD_ACTION),
}, 'a child SA');

export type ChildEntryOutput = z.output<typeof CHILD_ENTRY>;

/** Checks across the fields of one child: lifetimes, empty lists. */
export function childEntryFindings(raw: unknown, path: FieldPath): Finding[] {
  const f = fieldsOf(raw);
  const findings = rekeyTimeFindings(raw, path, CHILD_REKEY_MS, 'child SA');
  for (const key of ['local_ts', 'remote_ts'] as const) {
    if (Array.isArray(f[key]) && f[key].length === 0) {
      findings.push(error([...path, key], "expected at least one traffic selector, got an empty list (leave the key out for 'dynamic')"));
    }
  }
  if (f['esp_proposals'] !== undefined && Array.isArray(f['esp_proposals']) && f['esp_proposals'].length === 0) {
    findings.push(error([...path, 'esp_proposals'], 'expected at least one ESP proposal, got an empty list (leave the key out for the defaults)'));
  }
  return findings;
}

/** swanctl.conf: local_ts and remote_ts default to dynamic (the IKE SA's own addresses). */
const DYNAMIC: readonly ConfiguredSelector[] = Object.freeze([Object.freeze({ kind: 'dynamic', protocol: 0, ...PORTS_ANY })]);

function selectorsOf(items: readonly (readonly ConfiguredSelector[])[] | undefined): readonly ConfiguredSelector[] {
  return items === undefined || items.length === 0 ? DYNAMIC : Object.freeze(items.flat());
}

/** The ChildConfig of a valid entry, defaults applied. */
export function childConfigOf(e: ChildEntryOutput, espDefaults: readonly ProposalSpec[]): ChildConfig {
  const t = rekeyTimesOf(e, CHILD_REKEY_MS);
  return Object.freeze({
    name: e.name,
    localTs: selectorsOf(e.local_ts),
    remoteTs: selectorsOf(e.remote_ts),
    mode: e.mode ?? 'tunnel',
    espProposals: Object.freeze(e.esp_proposals === undefined || e.esp_proposals.length === 0 ? [...espDefaults] : [...e.esp_proposals]),
    startAction: e.start_action ?? 'none',
    rekeyTimeS: t.rekeyMs / 1000,
    lifeTimeS: t.lifeMs / 1000,
    randTimeS: t.randMs / 1000,
    replayWindow: e.replay_window ?? DEFAULT_REPLAY_WINDOW,
    closeAction: e.close_action ?? 'none',
    dpdAction: e.dpd_action ?? 'clear',
  });
}
