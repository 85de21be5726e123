// The daemon's structured log: one JSON object per line, for journald, `jq` and log shippers.
//   {"level":"info","time":"2026-11-27T09:00:00.259Z","pid":4242,"sa":"site-b-in","msg":"SA installed"}
// pino does the writing; the rest of the code sees only EndpointLogger, so it does not depend on
// pino's types and tests can pass nullLogger or a fake. Secrets: see secret-fields.ts.
import pino from 'pino';
import type { DestinationStream, Logger } from 'pino';
import type { LogLevel } from '../../config/types.js';
import type { EndpointLog, LogFields } from '../ports.js';
import { REDACT_CENSOR, sanitizeLogFields, secretRedactPaths } from './secret-fields.js';

export type { LogFields } from '../ports.js';

/** The levels, most verbose first; 'silent' logs nothing. */
export const LOG_LEVELS: readonly LogLevel[] = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'];

export interface EndpointLogger extends EndpointLog {
  trace(msg: string, fields?: LogFields): void;
  debug(msg: string, fields?: LogFields): void;
  info(msg: string, fields?: LogFields): void;
  warn(msg: string, fields?: LogFields): void;
  error(msg: string, fields?: LogFields): void;
  fatal(msg: string, fields?: LogFields): void;
  /** A logger that adds `bindings` to every line (e.g. { component: 'metrics' }). */
  child(bindings: LogFields): EndpointLogger;
}

export interface LoggerOptions {
  readonly level: LogLevel;
  /**
   * Where lines go: a file descriptor (default 1, stdout) or a stream. A descriptor is written
   * synchronously, so the last lines before a crash or process.exit() are not lost.
   */
  readonly destination?: NodeJS.WritableStream | number;
}

export function createLogger(opts: LoggerOptions): EndpointLogger {
  if (!LOG_LEVELS.includes(opts.level)) {
    throw new RangeError(`createLogger: level must be one of ${LOG_LEVELS.join(', ')}, not ${JSON.stringify(opts.level)}`);
  }
  const pinoOpts = {
    level: opts.level,
    base: { pid: process.pid },
    timestamp: pino.stdTimeFunctions.isoTime,
    redact: { paths: secretRedactPaths(), censor: REDACT_CENSOR },
    // Errors are already turned into plain { type, message, stack, ... } by the sanitizer
    // (formatters.log runs first); pino's own err serializer would call them 'Object'.
    serializers: { err: (value: unknown) => value },
    formatters: {
      level: (label: string) => ({ level: label }),
      log: (fields: Record<string, unknown>) => sanitizeLogFields(fields),
    },
  };
  return wrap(pino(pinoOpts, destinationOf(opts.destination ?? 1)));
}

function destinationOf(destination: NodeJS.WritableStream | number): DestinationStream {
  if (typeof destination !== 'number') return destination as unknown as DestinationStream;
  if (!Number.isInteger(destination) || destination < 0) {
    throw new RangeError(`createLogger: destination must be a file descriptor (integer >= 0) or a stream, not ${destination}`);
  }
  return pino.destination({ dest: destination, sync: true });
}

function wrap(logger: Logger): EndpointLogger {
  const at = (level: Exclude<LogLevel, 'silent'>) => (msg: string, fields?: LogFields): void => {
    if (fields === undefined) logger[level](msg);
    else logger[level](fields, msg);
  };
  return {
    trace: at('trace'),
    debug: at('debug'),
    info: at('info'),
    warn: at('warn'),
    error: at('error'),
    fatal: at('fatal'),
    // Sanitized here rather than in formatters.bindings: pino redacts bindings before that
    // formatter would run, and its wildcard redaction throws on a Buffer (@pinojs/redact 0.4).
    child: (bindings) => wrap(logger.child(sanitizeLogFields(bindings))),
  };
}

/** Logs nothing: for tests and for library users who bring no logger. */
export const nullLogger: EndpointLogger = {
  trace() {},
  debug() {},
  info() {},
  warn() {},
  error() {},
  fatal() {},
  child: () => nullLogger,
};
