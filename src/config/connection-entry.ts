// One IKEv2 connection (swanctl.conf `connections.<conn>`): its schema and the checks across
// its fields. Files it names (PSK file, certificate, key) are read in connection-config.ts.
import type * as z from 'zod';
import { ipVersionOf } from '../wire/address.js';
import { valueOf } from './field.js';
import type { Finding } from './finding.js';
import { error, fieldsOf } from './finding.js';
import type { FieldPath } from './issue.js';
import { CHILD_ENTRY, childEntryFindings, START_ACTION } from './child-entry.js';
import { ANY, DPD_DELAY, IDENTITY, proposalField, PSK, REMOTE_ADDRESS, REMOTE_IDENTITY } from './ike-fields.js';
import { PORT } from './numbers.js';
import { REKEY_FIELDS, rekeyTimeFindings } from './rekey-times.js';
import { list, optional, required, section } from './schema-kit.js';
import { BOOLEAN, ENTRY_NAME, IP_ADDRESS, oneOf, PATH } from './text-fields.js';

/** swanctl.conf: connections.<conn>.rekey_time = 4h. */
export const IKE_REKEY_MS = 4 * 3_600_000;

export const AUTH_METHOD = oneOf(['psk', 'pubkey'] as const);

const LOCAL_END = section({
  address: optional(IP_ADDRESS),
  id: optional(IDENTITY),
  auth: required(AUTH_METHOD),
  cert: optional(PATH),
  key: optional(PATH),
}, 'our side (local)');

const REMOTE_END = section({
  address: required(REMOTE_ADDRESS),
  port: optional(PORT),
  id: optional(REMOTE_IDENTITY),
  auth: required(AUTH_METHOD),
}, "the peer's side (remote)");

export const CONNECTION_ENTRY = section({
  name: required(ENTRY_NAME),
  local: LOCAL_END,
  remote: REMOTE_END,
  psk: optional(PSK),
  proposals: list(required(proposalField('ike')), 'IKE proposals'),
  ...REKEY_FIELDS,
  dpd_delay: optional(DPD_DELAY),
  encap: optional(BOOLEAN),
  initial_contact: optional(BOOLEAN),
  children: list(CHILD_ENTRY, 'child SAs'),
}, 'a connection');

export type ConnectionEntryOutput = z.output<typeof CONNECTION_ENTRY>;

const given = (v: unknown): boolean => v !== undefined && v !== null;
const entries = (value: unknown): unknown[] => (Array.isArray(value) ? value : []);

/** Checks across the fields of one connection (and its children). */
export function connectionEntryFindings(raw: unknown, path: FieldPath): Finding[] {
  const f = fieldsOf(raw);
  const children = entries(f['children']);
  return [
    ...children.flatMap((c, i) => childEntryFindings(c, [...path, 'children', i])),
    ...uniqueChildNames(children, path),
    ...authFindings(f, path),
    ...addressFindings(f, children, path),
    ...rekeyTimeFindings(raw, path, IKE_REKEY_MS, 'IKE SA'),
    ...emptyLists(f, children, path),
  ];
}

function uniqueChildNames(children: readonly unknown[], path: FieldPath): Finding[] {
  const seen = new Map<string, number>();
  const findings: Finding[] = [];
  children.forEach((c, i) => {
    const name = valueOf(ENTRY_NAME, fieldsOf(c)['name']);
    if (name === undefined) return;
    const first = seen.get(name);
    if (first === undefined) seen.set(name, i);
    else findings.push(error([...path, 'children', i, 'name'], `the name '${name}' is taken by children[${first}]; every child SA of a connection needs its own name`));
  });
  return findings;
}

function authFindings(f: Readonly<Record<string, unknown>>, path: FieldPath): Finding[] {
  const local = fieldsOf(f['local']);
  const remote = fieldsOf(f['remote']);
  const localAuth = valueOf(AUTH_METHOD, local['auth']);
  const remoteAuth = valueOf(AUTH_METHOD, remote['auth']);
  const findings: Finding[] = [];
  if ((localAuth === 'psk' || remoteAuth === 'psk') && !given(f['psk'])) {
    const side = localAuth === 'psk' ? 'local' : 'remote';
    findings.push(error([...path, 'psk'], `missing: ${side}.auth is psk, so the connection needs a pre-shared key (hex 0x..., text in quotes, or { file: path })`, 'parent'));
  }
  if (localAuth === 'pubkey' && remoteAuth === 'pubkey' && given(f['psk'])) {
    findings.push(error([...path, 'psk'], 'neither side authenticates with psk (both are pubkey); remove psk'));
  }
  if (localAuth === 'pubkey') {
    for (const key of ['cert', 'key'] as const) {
      if (given(local[key])) continue;
      const what = key === 'cert' ? 'our certificate (a PEM file; a chain may follow it)' : 'the private key of our certificate (a PEM file)';
      findings.push(error([...path, 'local', key], `missing: local.auth is pubkey, so it needs ${key}: ${what}`, 'parent'));
    }
  }
  if (localAuth === 'psk') {
    for (const key of ['cert', 'key'] as const) {
      if (given(local[key])) findings.push(error([...path, 'local', key], `only local.auth: pubkey uses ${key} (this side is psk); remove it`));
    }
  }
  if (remoteAuth === 'psk' && given(remote['id']) && valueOf(REMOTE_IDENTITY, remote['id']) === null) {
    findings.push(error([...path, 'remote', 'id'], "expected the peer's identity, got %any: with psk the identity selects the key; only a certificate can prove an arbitrary identity"));
  }
  return findings;
}

function addressFindings(f: Readonly<Record<string, unknown>>, children: readonly unknown[], path: FieldPath): Finding[] {
  const local = fieldsOf(f['local']);
  const remote = fieldsOf(f['remote']);
  const localAddress = valueOf(IP_ADDRESS, local['address']);
  const remoteAddress = valueOf(REMOTE_ADDRESS, remote['address']);
  const findings: Finding[] = [];
  if (remoteAddress === ANY) {
    children.forEach((c, i) => {
      const action = valueOf(START_ACTION, fieldsOf(c)['start_action']);
      if (action === undefined || action === 'none') return;
      findings.push(error([...path, 'children', i, 'start_action'], `expected 'none' with remote.address %any, got '${action}': we cannot start (or trap traffic towards) a peer whose address we do not know`));
    });
    if (!given(remote['id']) && valueOf(AUTH_METHOD, remote['auth']) === 'psk') {
      findings.push(error([...path, 'remote', 'id'], "missing: with remote.address %any and psk, remote.id names the peer whose key this is (expected an IKE identity)", 'parent'));
    }
  }
  if (localAddress !== undefined && remoteAddress !== undefined && remoteAddress !== ANY && ipVersionOf(localAddress) !== ipVersionOf(remoteAddress)) {
    findings.push(error([...path, 'remote', 'address'], `expected an IPv${ipVersionOf(localAddress)} address like local.address (${localAddress}), got ${remoteAddress}: IKE runs over one IP version`));
  }
  if (!given(local['id']) && localAddress === undefined && !given(local['address'])) {
    findings.push(error([...path, 'local', 'id'], 'missing: local.id (our IKE identity) defaults to local.address, and neither is given (expected an IKE identity)', 'parent'));
  }
  return findings;
}

function emptyLists(f: Readonly<Record<string, unknown>>, children: readonly unknown[], path: FieldPath): Finding[] {
  const findings: Finding[] = [];
  if (Array.isArray(f['proposals']) && f['proposals'].length === 0) {
    findings.push(error([...path, 'proposals'], 'expected at least one IKE proposal, got an empty list (leave the key out for the defaults)'));
  }
  if (!given(f['children'])) {
    findings.push(error([...path, 'children'], 'missing: expected a list of child SAs (at least one: a connection without children carries no traffic)', 'parent'));
  } else if (Array.isArray(f['children']) && children.length === 0) {
    findings.push(error([...path, 'children'], 'expected at least one child SA, got an empty list: a connection without children carries no traffic'));
  }
  return findings;
}
