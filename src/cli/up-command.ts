// `ipsec-ts up -c <config>`: load and check the config, start the daemon, run until SIGINT or
// SIGTERM, then stop cleanly (the store is flushed last). A config with errors prints every
// problem with file, line and field and exits 2 before anything starts.
import { loadConfigFile, formatConfigIssue } from '../config/load.js';
import { parsePolicyEntry, parseSaEntry } from '../config/entries.js';
import { transformName } from '../config/transform-names.js';
import { startDaemon } from '../endpoint/daemon.js';
import { createLogger } from '../endpoint/log/logger.js';
import type { LogLevel } from '../config/types.js';
import type { Output } from './output.js';

export interface UpOptions {
  readonly config: string;
  readonly logLevel?: string;
  /** Resolves when the daemon should stop (default: SIGINT or SIGTERM). */
  readonly stopSignal?: Promise<void>;
  /** Called once the daemon is up (tests). */
  readonly onReady?: (info: { readonly controlSocket: string; readonly port: number }) => void;
}

const LEVELS: readonly string[] = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'];

export async function runUp(opts: UpOptions, out: Output, version: string): Promise<number> {
  if (opts.logLevel !== undefined && !LEVELS.includes(opts.logLevel)) {
    out.stderr(`ipsec-ts up: --log-level must be one of ${LEVELS.join(', ')}, got '${opts.logLevel}'\n`);
    return 2;
  }
  const loaded = await loadConfigFile(opts.config);
  if (!loaded.ok) {
    for (const issue of loaded.errors) out.stderr(`${formatConfigIssue(issue)}\n`);
    out.stderr(`ipsec-ts up: ${loaded.errors.length} problem${loaded.errors.length === 1 ? '' : 's'} in ${opts.config}; nothing was started (docs/CONFIG.md describes every key)\n`);
    return 2;
  }
  for (const w of loaded.warnings) out.stderr(`warning: ${w}\n`);
  const config = loaded.config;
  const log = createLogger({ level: (opts.logLevel ?? config.log.level) as LogLevel });
  let daemon;
  try {
    daemon = await startDaemon(config, { version, log, parseSaEntry, parsePolicyEntry, transformName });
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    log.error('ipsec-ts could not start', { error: message });
    out.stderr(`ipsec-ts up: ${message}\n`);
    return 2;
  }
  out.stderr(`ipsec-ts ${version} is up: ESP in UDP on ${daemon.endpoint.listen.address}:${daemon.endpoint.listen.port}` +
    `${daemon.tun === null ? ' (no TUN device: library API only)' : `, tunnel device ${daemon.tun.name} (MTU ${daemon.tun.mtu})`}` +
    `, control socket ${daemon.controlSocket}${daemon.metrics === null ? '' : `, metrics on http://${daemon.metrics.address}:${daemon.metrics.port}/metrics`}\n`);
  opts.onReady?.({ controlSocket: daemon.controlSocket, port: daemon.endpoint.listen.port });
  await (opts.stopSignal ?? untilSignal());
  await daemon.stop();
  return 0;
}

function untilSignal(): Promise<void> {
  return new Promise((resolve) => {
    const stop = (): void => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      resolve();
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
}
