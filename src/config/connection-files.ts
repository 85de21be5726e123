// A valid connection entry as the ConnectionConfig the IKE manager runs: defaults applied,
// the PSK file, certificate chain and private key read (paths from the configuration file's
// folder), and the key checked against the certificate. Files holding secrets that others may
// read get the chmod 600 warning; messages name files, never their content.
import { resolve } from 'node:path';
import { parseIdentity } from '../ike/auth/identity.js';
import type { IkeIdentity } from '../ike/auth/identity.js';
import type { AuthConfig, ConnectionConfig } from '../ike/connection.js';
import type { ProposalSpec } from '../ike/proposal/parse.js';
import { parseProposalText } from '../ike/proposal/parse.js';
import { childConfigOf, DEFAULT_ESP_PROPOSALS } from './child-entry.js';
import type { ConfigFiles } from './config-files.js';
import { exposureText } from './config-files.js';
import type { ConnectionEntryOutput } from './connection-entry.js';
import { IKE_REKEY_MS } from './connection-entry.js';
import { certificatesOf, keyMatchesCertificate, privateKeyOf } from './credentials.js';
import type { Finding } from './finding.js';
import { error, warning } from './finding.js';
import type { FieldPath } from './issue.js';
import type { PskSource } from './ike-fields.js';
import { ANY, pskBytes } from './ike-fields.js';
import { rekeyTimesOf } from './rekey-times.js';
import { IKE_PORT, NAT_T_PORT } from '../packet/esp-header.js';

/** AEAD first, then AES-CBC for peers without GCM; each with a DH group every IKEv2 peer has. */
export const DEFAULT_IKE_PROPOSALS: readonly string[] = ['aes128gcm16-prfsha256-x25519', 'aes256gcm16-prfsha384-ecp384', 'aes256-sha256-modp2048'];

/** Shorter PSKs than this get a warning (see pskFindings). */
const SHORT_PSK_BYTES = 16;

export interface ConnectionContext {
  /** The configuration file's folder, for relative paths. */
  readonly base: string;
  readonly files: ConfigFiles;
  /** ike.port (null: off). */
  readonly ikePort: number | null;
  /** How many trusted CA certificates ike.ca_certs and ike.ca_dir gave. */
  readonly caCount: number;
}

type CredentialRead = { readonly ok: true; readonly bytes: Buffer; readonly path: string; readonly findings: Finding[] } | { readonly ok: false; readonly finding: Finding };

/** Reads a file a field names; `secret` (what it holds) turns on the chmod 600 warning. */
export function credentialRead(files: ConfigFiles, path: string, at: FieldPath, secret?: string): CredentialRead {
  const read = files.read(path);
  if (!read.ok) return { ok: false, finding: error(at, `cannot read ${path}: ${read.reason}`) };
  const exposure = secret === undefined ? null : exposureText(path, secret, read.mode);
  return { ok: true, bytes: read.bytes, path, findings: exposure === null ? [] : [warning(at, exposure)] };
}

/** The default proposals; the IKE layer refusing them is a bug, not a configuration problem. */
export function defaultProposals(kind: 'ike' | 'esp'): readonly ProposalSpec[] {
  return Object.freeze((kind === 'ike' ? DEFAULT_IKE_PROPOSALS : DEFAULT_ESP_PROPOSALS).map((text) => {
    const r = parseProposalText(text, kind);
    if (!r.ok) throw new Error(`assertion: default ${kind} proposal '${text}' does not parse: ${r.message}`);
    return r.spec;
  }));
}

function identityOfAddress(address: string): IkeIdentity {
  const r = parseIdentity(address);
  if (!r.ok) throw new Error(`assertion: address ${address} is not an identity: ${r.message}`);
  return r.identity;
}

/** The connection, or null when one of its files is wrong (the findings say why). */
export function connectionConfigOf(e: ConnectionEntryOutput, index: number, ctx: ConnectionContext): { config: ConnectionConfig | null; findings: Finding[] } {
  const path: FieldPath = ['connections', index];
  const findings: Finding[] = [];
  const psk = e.psk === undefined ? null : pskOf(e.psk, [...path, 'psk'], ctx, findings);
  const localAuth = localAuthOf(e, path, ctx, findings);
  if (e.remote.auth === 'pubkey' && ctx.caCount === 0) {
    findings.push(error([...path, 'remote', 'auth'], 'the peer proves itself with a certificate, but no CA certificate is configured to check it: set ike.ca_certs or ike.ca_dir'));
  }
  const localAddress = e.local.address ?? null;
  // No identity to default to: connectionEntryFindings reported it.
  const localId = e.local.id ?? (localAddress === null ? null : identityOfAddress(localAddress));
  if (psk === undefined || localAuth === null || localId === null || findings.some((f) => f.severity === 'error')) return { config: null, findings };
  const remoteKnown = e.remote.address === ANY ? null : e.remote.address;
  const t = rekeyTimesOf(e, IKE_REKEY_MS);
  const esp = defaultProposals('esp');
  const config: ConnectionConfig = Object.freeze({
    name: e.name,
    localAddress,
    remoteAddress: e.remote.address,
    // RFC 7296 2: the peer listens for IKE on UDP 500; 2.23: without a port-500 socket of our own
    // we start on 4500, towards the peer's 4500.
    remotePort: e.remote.port ?? (ctx.ikePort === null ? NAT_T_PORT : IKE_PORT),
    localId,
    remoteId: e.remote.id !== undefined ? e.remote.id : remoteKnown === null ? null : identityOfAddress(remoteKnown),
    localAuth,
    remoteAuth: Object.freeze({ method: e.remote.auth }),
    psk,
    ikeProposals: Object.freeze(e.proposals === undefined || e.proposals.length === 0 ? [...defaultProposals('ike')] : [...e.proposals]),
    ikeRekeyTimeS: t.rekeyMs / 1000,
    ikeLifeTimeS: t.lifeMs / 1000,
    ikeRandTimeS: t.randMs / 1000,
    dpdDelayS: (e.dpd_delay ?? 0) / 1000,
    forceEncapsulation: e.encap ?? true,
    initialContact: e.initial_contact ?? true,
    children: Object.freeze((e.children ?? []).map((c) => childConfigOf(c, esp))),
  });
  return { config, findings };
}

/** The PSK bytes (undefined: an error was reported). */
function pskOf(source: PskSource, at: FieldPath, ctx: ConnectionContext, findings: Finding[]): Buffer | undefined {
  let key: Buffer;
  if (source.kind === 'inline') {
    key = source.key;
  } else {
    const read = credentialRead(ctx.files, resolve(ctx.base, source.path), [...at, 'file'], 'a pre-shared key');
    if (!read.ok) {
      findings.push(read.finding);
      return undefined;
    }
    findings.push(...read.findings);
    // Editors end files with a newline; it is not part of the key.
    const parsed = pskBytes(read.bytes.toString('utf8').replace(/\r?\n$/, ''));
    if (!parsed.ok) {
      findings.push(error([...at, 'file'], `${read.path}: ${parsed.message}`));
      return undefined;
    }
    key = parsed.value;
  }
  if (key.length < SHORT_PSK_BYTES) {
    // RFC 7296 2.15: whoever receives our AUTH payload (a peer, or an attacker posing as one) can test guesses offline.
    findings.push(warning(at, `a pre-shared key of ${key.length} bytes can be guessed offline by anyone who gets our AUTH payload; use at least ${SHORT_PSK_BYTES} random bytes (openssl rand -hex 32)`));
  }
  return key;
}

function localAuthOf(e: ConnectionEntryOutput, path: FieldPath, ctx: ConnectionContext, findings: Finding[]): AuthConfig | null {
  if (e.local.auth === 'psk') return Object.freeze({ method: 'psk' });
  // Absent cert or key: connectionEntryFindings reported it already.
  if (e.local.cert === undefined || e.local.key === undefined) return null;
  const certAt: FieldPath = [...path, 'local', 'cert'];
  const keyAt: FieldPath = [...path, 'local', 'key'];
  const certRead = credentialRead(ctx.files, resolve(ctx.base, e.local.cert), certAt);
  const keyRead = credentialRead(ctx.files, resolve(ctx.base, e.local.key), keyAt, 'a private key');
  if (!certRead.ok) findings.push(certRead.finding);
  if (!keyRead.ok) findings.push(keyRead.finding);
  if (!certRead.ok || !keyRead.ok) return null;
  findings.push(...keyRead.findings);
  const chain = certificatesOf(certRead.bytes);
  const key = privateKeyOf(keyRead.bytes);
  if (!chain.ok) findings.push(error(certAt, `${certRead.path}: ${chain.message}`));
  if (!key.ok) findings.push(error(keyAt, `${keyRead.path}: ${key.message}`));
  if (!chain.ok || !key.ok) return null;
  if (!keyMatchesCertificate(key.value, chain.value[0]!)) {
    findings.push(error(keyAt, `the private key in ${keyRead.path} does not belong to the certificate in ${certRead.path} (their public keys differ); give the key the certificate was issued for`));
    return null;
  }
  return Object.freeze({ method: 'pubkey', certificates: chain.value, privateKey: key.value });
}
