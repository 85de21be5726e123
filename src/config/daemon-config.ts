// The validated file as the DaemonConfig the daemon runs: defaults applied, paths made
// absolute (relative ones are taken from the configuration file's folder), and the files
// that connections and `ike:` name (keys, certificates) read.
import { dirname, join, resolve } from 'node:path';
import type { ConnectionConfig } from '../ike/connection.js';
import type { ConfigFiles } from './config-files.js';
import { connectionConfigOf } from './connection-files.js';
import { ikeSettingsOf } from './ike-section.js';
import type { Finding } from './finding.js';
import { error } from './finding.js';
import type { DaemonConfigOutput } from './daemon-schema.js';
import { DEFAULTS } from './daemon-schema.js';
import { manualSaOf } from './sa-entry.js';
import { policyInitOf } from './policy-entry.js';
import type { DaemonConfig } from './types.js';

/** Linux sockaddr_un.sun_path holds 108 bytes, the terminating NUL included. */
const MAX_SOCKET_PATH = 107;

/** The configuration, and what reading its files found (errors mean it must not run). */
export function daemonConfigOf(c: DaemonConfigOutput, source: string, files: ConfigFiles): { config: DaemonConfig; findings: Finding[] } {
  const file = resolve(source);
  const base = dirname(file);
  const ike = ikeSettingsOf(c.ike, base, files);
  const findings = [...ike.findings];
  const connections: ConnectionConfig[] = [];
  for (const [i, entry] of (c.connections ?? []).entries()) {
    const r = connectionConfigOf(entry, i, { base, files, ikePort: ike.settings.port, caCount: ike.settings.caCertificates.length });
    findings.push(...r.findings);
    if (r.config !== null) connections.push(r.config);
  }
  const stateDir = resolve(base, c.state_dir ?? DEFAULTS.stateDir);
  const socket = c.control?.socket === undefined ? join(stateDir, DEFAULTS.controlSocketName) : resolve(base, c.control.socket);
  const metricsOn = c.metrics !== undefined;
  const config: DaemonConfig = Object.freeze({
    source: file,
    listen: Object.freeze({ address: c.listen?.address ?? DEFAULTS.listenAddress, port: c.listen?.port ?? DEFAULTS.listenPort }),
    stateDir,
    control: Object.freeze({ socket, mode: c.control?.mode ?? DEFAULTS.controlMode }),
    log: Object.freeze({ level: c.log?.level ?? DEFAULTS.logLevel }),
    metrics: metricsOn ? Object.freeze({ ...(c.metrics?.listen ?? DEFAULTS.metricsListen) }) : null,
    keepaliveMs: c.nat_keepalive === undefined ? DEFAULTS.keepaliveMs : c.nat_keepalive,
    sequenceReserveBlock: c.sequence_reserve ?? DEFAULTS.sequenceReserve,
    tun: c.tun === undefined ? null : Object.freeze({
      name: c.tun.name ?? DEFAULTS.tunName,
      addresses: Object.freeze([...(c.tun.addresses ?? [])]),
      mtu: c.tun.mtu ?? DEFAULTS.tunMtu,
      routes: Object.freeze([...(c.tun.routes ?? [])]),
    }),
    defaultAction: c.default_action ?? DEFAULTS.defaultAction,
    sas: Object.freeze((c.sas ?? []).map(manualSaOf)),
    policies: Object.freeze((c.policies ?? []).map(policyInitOf)),
    connections: Object.freeze(connections),
    ike: ike.settings,
  });
  return { config, findings };
}

/** Checks that need the resolved paths. */
export function resolvedFindings(config: DaemonConfig, c: DaemonConfigOutput): Finding[] {
  const bytes = Buffer.byteLength(config.control.socket);
  if (bytes <= MAX_SOCKET_PATH) return [];
  const given = c.control?.socket !== undefined;
  const path = given ? ['control', 'socket'] : ['state_dir'];
  const whose = given ? 'control.socket' : `the control socket in state_dir (${config.control.socket})`;
  return [error(path, `${whose} is ${bytes} bytes long; a Unix socket path holds at most ${MAX_SOCKET_PATH}: choose a shorter path${given ? '' : ' or set control.socket'}`)];
}
