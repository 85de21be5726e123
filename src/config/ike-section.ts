// The daemon-wide `ike:` section: ports, half-open and cookie limits, retransmission, rekey
// grace, INVALID_SPI rate limit and the trusted CA certificates, as IkeSettings.
import { isAbsolute, resolve } from 'node:path';
import type * as z from 'zod';
import type { IkeSettings } from '../ike/connection.js';
import type { ConfigFiles } from './config-files.js';
import { credentialRead } from './connection-files.js';
import { certificatesOf } from './credentials.js';
import type { FieldParser } from './field.js';
import { accept, expectedGot, valueOf } from './field.js';
import type { Finding } from './finding.js';
import { error, fieldsOf } from './finding.js';
import { IKE_PORT } from './ike-fields.js';
import { durationIn, integerIn } from './numbers.js';
import { list, optional, optionalSection, required, section } from './schema-kit.js';
import { PATH } from './text-fields.js';

export const IKE_DEFAULTS = Object.freeze({
  /** RFC 7296 2: IKE messages go to UDP port 500 (and 4500 after NAT detection, 2.23). */
  port: 500,
  halfOpenLimit: 1000,
  cookieThreshold: 100,
  /** strongSwan's charon.retransmit_timeout, _base and _tries. */
  retransmitTimeoutMs: 4000,
  retransmitBase: 1.8,
  retransmitTries: 5,
  rekeyGraceMs: 30_000,
  invalidSpiIntervalMs: 1000,
});

const COUNT = integerIn(1, 1_000_000, 'a count of IKE SAs');
const THRESHOLD = integerIn(0, 1_000_000, 'a count of IKE SAs');
const BASE_EXPECTED = 'a multiplier from 1 to 10 (like 1.8)';

/** The factor each retransmission's timeout grows by. */
const RETRANSMIT_BASE: FieldParser<number> = {
  expected: BASE_EXPECTED,
  parse(value) {
    return typeof value === 'number' && Number.isFinite(value) && value >= 1 && value <= 10 ? accept(value) : expectedGot(BASE_EXPECTED, value);
  },
};

export const IKE_SECTION = optionalSection(section({
  port: optional(IKE_PORT),
  half_open_limit: optional(COUNT),
  cookie_threshold: optional(THRESHOLD),
  retransmit: optionalSection(section({
    timeout: optional(durationIn(100, 600_000)),
    base: optional(RETRANSMIT_BASE),
    tries: optional(integerIn(0, 20, 'a number of retransmissions')),
  }, 'retransmission')),
  rekey_grace: optional(durationIn(0, 3_600_000)),
  invalid_spi_interval: optional(durationIn(10, 3_600_000)),
  ca_certs: list(required(PATH), 'CA certificate files'),
  ca_dir: optional(PATH),
}, 'IKE settings'));

export type IkeSectionOutput = z.output<typeof IKE_SECTION>;

/** Checks across the `ike:` fields and the listen port. */
export function ikeSectionFindings(ike: unknown, listenPort: number | undefined): Finding[] {
  const f = fieldsOf(ike);
  const findings: Finding[] = [];
  const port = valueOf(IKE_PORT, f['port']);
  if (port !== undefined && port !== null && port === listenPort) {
    findings.push(error(['ike', 'port'], `expected a port other than listen.port (${listenPort}), got ${port}: IKE is always served on the listen port too; write 'off' for no second port`));
  }
  const limit = valueOf(COUNT, f['half_open_limit']) ?? IKE_DEFAULTS.halfOpenLimit;
  const threshold = valueOf(THRESHOLD, f['cookie_threshold']) ?? IKE_DEFAULTS.cookieThreshold;
  if (threshold >= limit && (f['cookie_threshold'] !== undefined || f['half_open_limit'] !== undefined)) {
    const at = f['cookie_threshold'] !== undefined && f['cookie_threshold'] !== null ? 'cookie_threshold' : 'half_open_limit';
    findings.push(error(['ike', at], `cookie_threshold (${threshold}) must be below half_open_limit (${limit}): cookies (RFC 7296 2.6) are demanded before requests are dropped`));
  }
  return findings;
}

/** IkeSettings with defaults, reading the CA files (relative paths from `base`). */
export function ikeSettingsOf(c: IkeSectionOutput, base: string, files: ConfigFiles): { settings: IkeSettings; findings: Finding[] } {
  const findings: Finding[] = [];
  const ca: Buffer[] = [];
  for (const [i, p] of (c?.ca_certs ?? []).entries()) {
    const read = credentialRead(files, resolve(base, p), ['ike', 'ca_certs', i]);
    if (!read.ok) {
      findings.push(read.finding);
      continue;
    }
    const certs = certificatesOf(read.bytes);
    if (certs.ok) ca.push(...certs.value);
    else findings.push(error(['ike', 'ca_certs', i], `${read.path}: ${certs.message}`));
  }
  if (c?.ca_dir !== undefined) findings.push(...caDirectory(resolve(base, c.ca_dir), files, ca));
  const settings: IkeSettings = Object.freeze({
    port: c?.port === undefined ? IKE_DEFAULTS.port : c.port,
    halfOpenLimit: c?.half_open_limit ?? IKE_DEFAULTS.halfOpenLimit,
    cookieThreshold: c?.cookie_threshold ?? IKE_DEFAULTS.cookieThreshold,
    retransmitTimeoutMs: c?.retransmit?.timeout ?? IKE_DEFAULTS.retransmitTimeoutMs,
    retransmitBase: c?.retransmit?.base ?? IKE_DEFAULTS.retransmitBase,
    retransmitTries: c?.retransmit?.tries ?? IKE_DEFAULTS.retransmitTries,
    rekeyGraceS: (c?.rekey_grace ?? IKE_DEFAULTS.rekeyGraceMs) / 1000,
    invalidSpiIntervalS: (c?.invalid_spi_interval ?? IKE_DEFAULTS.invalidSpiIntervalMs) / 1000,
    caCertificates: Object.freeze(ca),
  });
  return { settings, findings };
}

/** Certificate file names (as strongSwan's x509ca folder and OpenSSL's -CApath hold them). */
const CERT_FILE = /\.(pem|crt|cer|der)$/i;

/** Every certificate file in the folder (PEM or DER); other files (keys, READMEs) are skipped. */
function caDirectory(dir: string, files: ConfigFiles, out: Buffer[]): Finding[] {
  const listed = files.list(dir);
  if (!listed.ok) return [error(['ike', 'ca_dir'], `cannot read the folder ${dir}: ${listed.reason}`)];
  const findings: Finding[] = [];
  for (const path of listed.files.filter((p) => CERT_FILE.test(p))) {
    const read = files.read(isAbsolute(path) ? path : resolve(dir, path));
    if (!read.ok) {
      findings.push(error(['ike', 'ca_dir'], `cannot read ${path}: ${read.reason}`));
      continue;
    }
    const certs = certificatesOf(read.bytes);
    if (certs.ok) out.push(...certs.value);
    else findings.push(error(['ike', 'ca_dir'], `${path}: ${certs.message}; keep only CA certificates in ca_dir (files ending .pem, .crt, .cer or .der)`));
  }
  return findings;
}
