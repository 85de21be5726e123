// Loading the daemon's YAML configuration: read, parse, validate, resolve. Bad input never
// throws; every problem comes back as a ConfigIssue with file, line, column and field path.
import { readFile, stat } from 'node:fs/promises';
import { DAEMON_CONFIG } from './daemon-schema.js';
import { daemonConfigOf, resolvedFindings } from './daemon-config.js';
import { daemonFindings } from './daemon-findings.js';
import type { ConfigFiles } from './config-files.js';
import { DISK_FILES, exposureText } from './config-files.js';
import type { Finding } from './finding.js';
import type { ConfigIssue } from './issue.js';
import { formatConfigIssue, pathText, sortIssues } from './issue.js';
import type { DaemonConfig } from './types.js';
import { anchorPath, validate } from './validate.js';
import type { SourceProblem, YamlSource } from './yaml-source.js';
import { readYaml } from './yaml-source.js';

export type { ConfigIssue } from './issue.js';
export { formatConfigIssue } from './issue.js';

export type ConfigResult =
  | { readonly ok: true; readonly config: DaemonConfig; readonly warnings: string[] }
  | { readonly ok: false; readonly errors: ConfigIssue[] };

/**
 * Parses configuration text; `source` names it in messages and anchors relative paths. Files
 * the configuration names (PSK files, certificates, keys, CA certificates) are read through
 * `files` (the disk unless a test hands in its own).
 */
export function parseConfigText(text: string, source: string, files: ConfigFiles = DISK_FILES): ConfigResult {
  if (typeof text !== 'string') return failure([{ source, line: null, column: null, path: '', message: 'expected configuration text' }]);
  const yaml = readYaml(text);
  const issueOf = (p: SourceProblem): ConfigIssue => ({
    source, line: p.position?.line ?? null, column: p.position?.column ?? null, path: pathText(p.path), message: p.message,
  });
  if (yaml.syntaxErrors.length > 0) return failure(yaml.syntaxErrors.map(issueOf));
  const checked = validate(DAEMON_CONFIG, yaml.value, daemonFindings);
  const findings = [...checked.findings];
  const resolved = checked.output === undefined ? null : daemonConfigOf(checked.output, source, files);
  const config = resolved?.config ?? null;
  if (resolved !== null && checked.output !== undefined) findings.push(...resolved.findings, ...resolvedFindings(resolved.config, checked.output));
  const located = (f: Finding): ConfigIssue => locateFinding(f, yaml, source);
  const errors = [...yaml.structureErrors.map(issueOf), ...findings.filter((f) => f.severity === 'error').map(located)];
  if (errors.length > 0 || config === null) return failure(errors);
  const warnings = [...yaml.warnings.map(issueOf), ...findings.filter((f) => f.severity === 'warning').map(located)];
  return { ok: true, config, warnings: sortIssues(warnings).map(formatConfigIssue) };
}

function locateFinding(f: Finding, yaml: YamlSource, source: string): ConfigIssue {
  const position = yaml.locate(anchorPath(f));
  return { source, line: position?.line ?? null, column: position?.column ?? null, path: pathText(f.path), message: f.message };
}

function failure(errors: ConfigIssue[]): ConfigResult {
  return { ok: false, errors: sortIssues(errors) };
}

/**
 * Reads and parses a configuration file. Warns when the file holds keys and others than its
 * owner may read it.
 */
export async function loadConfigFile(path: string): Promise<ConfigResult> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    return failure([{ source: path, line: null, column: null, path: '', message: unreadableMessage(e) }]);
  }
  const result = parseConfigText(text, path);
  if (!result.ok) return result;
  const secrets = secretsIn(result.config, text);
  if (secrets === null) return result;
  const exposure = await exposureWarning(path, secrets);
  return exposure === null ? result : { ...result, warnings: [exposure, ...result.warnings] };
}

/** What secrets the file itself holds ('SA keys', 'a pre-shared key'), or null for none. */
function secretsIn(config: DaemonConfig, text: string): string | null {
  const saKeys = config.sas.some((sa) => sa.keys.encryptionKey.length > 0 || sa.keys.integrityKey.length > 0);
  // A PSK given as { file: ... } lives in that file (checked on its own); only inline ones count here.
  const inlinePsk = config.connections.some((c) => c.psk !== null) && inlinePskGiven(text);
  if (saKeys && inlinePsk) return 'SA keys and a pre-shared key';
  return saKeys ? 'SA keys' : inlinePsk ? 'a pre-shared key' : null;
}

function inlinePskGiven(text: string): boolean {
  const yaml = readYaml(text);
  const connections = (yaml.value as { connections?: unknown } | undefined)?.connections;
  return Array.isArray(connections) && connections.some((c) => {
    const psk = (c as { psk?: unknown } | null)?.psk;
    return typeof psk === 'string';
  });
}

async function exposureWarning(path: string, secrets: string): Promise<string | null> {
  if (process.platform === 'win32') return null;
  try {
    return exposureText(path, secrets, (await stat(path)).mode & 0o777);
  } catch {
    return null;
  }
}

function unreadableMessage(e: unknown): string {
  const code = (e as { code?: unknown } | null)?.code;
  const reason = e instanceof Error ? e.message : String(e);
  switch (code) {
    case 'ENOENT': return `cannot read the configuration: no such file (ENOENT); check the path, or start from examples/daemon/host-a.yaml`;
    case 'EACCES':
    case 'EPERM': return `cannot read the configuration: permission denied (${code}); run as a user who may read it (the daemon usually runs as root)`;
    case 'EISDIR': return 'cannot read the configuration: this is a directory (EISDIR); give the path of the YAML file';
    default: return `cannot read the configuration: ${reason}; check that the path names a readable YAML file`;
  }
}
