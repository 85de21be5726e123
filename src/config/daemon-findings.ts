// Checks across the whole configuration: names and SPIs that must be unique, policies and
// SAs that do not meet, the TUN device's MTU against its addresses, exposure of the
// control socket and the metrics endpoint. Each looks only at fields that are valid alone.
import { spiHex } from '../wire/bytes.js';
import { ipVersionOf } from '../wire/address.js';
import { valueOf } from './field.js';
import type { Finding } from './finding.js';
import { error, fieldsOf, warning } from './finding.js';
import { DEFAULTS, MIN_MTU_V6 } from './daemon-schema.js';
import { BIND_PORT, FILE_MODE, integerIn, SPI } from './numbers.js';
import { connectionEntryFindings } from './connection-entry.js';
import { ikeSectionFindings } from './ike-section.js';
import { ACTION, policyEntryFindings } from './policy-entry.js';
import { DEFAULT_REQID, DIRECTION, REQID, saEntryFindings } from './sa-entry.js';
import { ENTRY_NAME, HOST_PORT, INTERFACE_ADDRESS, IP_ADDRESS, isLoopback } from './text-fields.js';

const MTU = integerIn(0, 65535);

const entries = (value: unknown): unknown[] => (Array.isArray(value) ? value : []);

export function daemonFindings(raw: unknown): Finding[] {
  const f = fieldsOf(raw);
  return [
    ...entries(f['sas']).flatMap((sa, i) => saEntryFindings(sa, ['sas', i])),
    ...entries(f['policies']).flatMap((p, i) => policyEntryFindings(p, ['policies', i])),
    ...uniqueSaNames(entries(f['sas'])),
    ...uniqueSpis(entries(f['sas']), wildcardListen(f)),
    ...uniquePolicyNames(entries(f['policies'])),
    ...reqidLinks(entries(f['sas']), entries(f['policies'])),
    ...tunFindings(f['tun']),
    ...exposureFindings(f),
    ...entries(f['connections']).flatMap((c, i) => connectionEntryFindings(c, ['connections', i])),
    ...uniqueConnectionNames(entries(f['connections'])),
    ...ikeSectionFindings(f['ike'], listenPort(f)),
  ];
}

function listenPort(f: Readonly<Record<string, unknown>>): number | undefined {
  const port = fieldsOf(f['listen'])['port'];
  return port === undefined || port === null ? DEFAULTS.listenPort : valueOf(BIND_PORT, port);
}

function uniqueConnectionNames(connections: readonly unknown[]): Finding[] {
  const seen = new Map<string, number>();
  const findings: Finding[] = [];
  connections.forEach((c, i) => {
    const name = valueOf(ENTRY_NAME, fieldsOf(c)['name']);
    if (name === undefined) return;
    const first = seen.get(name);
    if (first === undefined) seen.set(name, i);
    else findings.push(error(['connections', i, 'name'], `the name '${name}' is taken by connections[${first}]; every connection needs its own name`));
  });
  return findings;
}

function wildcardListen(f: Readonly<Record<string, unknown>>): boolean {
  const address = valueOf(IP_ADDRESS, fieldsOf(f['listen'])['address']) ?? DEFAULTS.listenAddress;
  return address === '0.0.0.0' || address === '::';
}

/** The name an SA will have (its own, or the default built from direction and SPI). */
function saName(sa: unknown): string | undefined {
  const f = fieldsOf(sa);
  if (f['name'] !== undefined && f['name'] !== null) return valueOf(ENTRY_NAME, f['name']);
  const direction = valueOf(DIRECTION, f['direction']);
  const spi = valueOf(SPI, f['spi']);
  return direction === undefined || spi === undefined ? undefined : `${direction}-${spiHex(spi)}`;
}

function uniqueSaNames(sas: readonly unknown[]): Finding[] {
  const seen = new Map<string, number>();
  const findings: Finding[] = [];
  sas.forEach((sa, i) => {
    const name = saName(sa);
    if (name === undefined) return;
    const first = seen.get(name);
    if (first === undefined) seen.set(name, i);
    else findings.push(error(['sas', i, 'name'], `the name '${name}' is taken by sas[${first}]; every SA needs its own name`));
  });
  return findings;
}

/**
 * RFC 4301 4.1: an SA is found by SPI, destination and protocol. Inbound SAs are matched on the
 * SPI alone when we listen on a wildcard address (we cannot see where a datagram was sent).
 */
function uniqueSpis(sas: readonly unknown[], wildcard: boolean): Finding[] {
  const seen = new Map<string, number>();
  const findings: Finding[] = [];
  sas.forEach((sa, i) => {
    const f = fieldsOf(sa);
    const spi = valueOf(SPI, f['spi']);
    const direction = valueOf(DIRECTION, f['direction']);
    const dst = valueOf(IP_ADDRESS, f['dst']);
    if (spi === undefined || direction === undefined || dst === undefined) return;
    const spiOnly = direction === 'in' && wildcard;
    const key = spiOnly ? `in|${spi}` : `${direction}|${spi}|${dst}`;
    const first = seen.get(key);
    if (first === undefined) {
      seen.set(key, i);
      return;
    }
    const why = spiOnly
      ? `listening on a wildcard address, inbound SAs are told apart by SPI alone (listen on one address to tell them apart by destination too)`
      : `each (SPI, direction, destination) names one SA`;
    findings.push(error(['sas', i, 'spi'], `SPI ${spiHex(spi)} is already used by the ${direction === 'in' ? 'inbound' : 'outbound'} SA sas[${first}]${spiOnly ? '' : ` to ${dst}`}: ${why}; pick another SPI`));
  });
  return findings;
}

function uniquePolicyNames(policies: readonly unknown[]): Finding[] {
  const seen = new Map<string, number>();
  const findings: Finding[] = [];
  policies.forEach((p, i) => {
    const name = valueOf(ENTRY_NAME, fieldsOf(p)['name']);
    if (name === undefined) return;
    const first = seen.get(name);
    if (first === undefined) seen.set(name, i);
    else findings.push(error(['policies', i, 'name'], `the name '${name}' is taken by policies[${first}]; every policy needs its own name`));
  });
  return findings;
}

/** Policies find their SAs by reqid (as Linux XFRM does); say when one side has no partner. */
function reqidLinks(sas: readonly unknown[], policies: readonly unknown[]): Finding[] {
  const reqidOf = (entry: unknown): number => {
    const v = fieldsOf(entry)['reqid'];
    return v === undefined || v === null ? DEFAULT_REQID : valueOf(REQID, v) ?? -1;
  };
  const outbound = new Set(sas.filter((sa) => valueOf(DIRECTION, fieldsOf(sa)['direction']) === 'out').map(reqidOf));
  const protecting = new Set(policies.filter((p) => valueOf(ACTION, fieldsOf(p)['action']) === 'protect').map(reqidOf));
  const findings: Finding[] = [];
  policies.forEach((p, i) => {
    const reqid = reqidOf(p);
    if (valueOf(ACTION, fieldsOf(p)['action']) !== 'protect' || reqid < 0 || outbound.has(reqid)) return;
    findings.push(warning(['policies', i, 'reqid'], `no outbound SA has reqid ${reqid}: traffic this policy protects is dropped until one is added (\`ipsec-ts sa add\`)`));
  });
  sas.forEach((sa, i) => {
    const reqid = reqidOf(sa);
    if (reqid < 0 || protecting.has(reqid) || valueOf(DIRECTION, fieldsOf(sa)['direction']) === undefined) return;
    findings.push(warning(['sas', i, 'reqid'], `no 'protect' policy has reqid ${reqid}: ${valueOf(DIRECTION, fieldsOf(sa)['direction']) === 'out'
      ? 'no traffic is sent through this SA' : "packets from this SA are not checked against any policy's selectors"}`));
  });
  return findings;
}

function tunFindings(tun: unknown): Finding[] {
  const f = fieldsOf(tun);
  const mtu = f['mtu'] === undefined || f['mtu'] === null ? DEFAULTS.tunMtu : valueOf(MTU, f['mtu']);
  const v6 = entries(f['addresses']).some((a) => {
    const text = valueOf(INTERFACE_ADDRESS, a);
    return text !== undefined && ipVersionOf(text.split('/')[0]!) === 6;
  });
  if (mtu === undefined || !v6 || mtu >= MIN_MTU_V6) return [];
  return [error(['tun', 'mtu'], `expected an MTU of at least ${MIN_MTU_V6} with IPv6 addresses (RFC 8200 5), got ${mtu}`)];
}

function exposureFindings(f: Readonly<Record<string, unknown>>): Finding[] {
  const findings: Finding[] = [];
  const metrics = valueOf(HOST_PORT, fieldsOf(f['metrics'])['listen']);
  if (metrics !== undefined && !isLoopback(metrics.address)) {
    findings.push(warning(['metrics', 'listen'], `${metrics.address} is not a loopback address: anyone who reaches it can read the metrics (SPIs, peers, counters); put a firewall rule or a proxy in front`));
  }
  const mode = valueOf(FILE_MODE, fieldsOf(f['control'])['mode']);
  if (mode !== undefined && (mode & 0o002) !== 0) {
    findings.push(warning(['control', 'mode'], `mode 0${mode.toString(8).padStart(3, '0')} lets every local user control the daemon (add and delete SAs); use 0600 or 0660`));
  }
  return findings;
}
