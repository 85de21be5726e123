// The control protocol's wire format: newline-delimited JSON over a Unix stream socket
// (docs/CONTROL.md). The server greets with a hello line; each request line gets exactly one
// reply line with the same id; drops.follow and ike.events {follow: true} then stream event lines
// under its id.
import type { LogFields } from '../ports.js';

export const CONTROL_PROTOCOL = 'ipsec-ts-control';
export const CONTROL_PROTOCOL_VERSION = 1;

/** Longest request line the server accepts (bytes, newline excluded); longer closes the connection. */
export const MAX_REQUEST_LINE = 1024 * 1024;

export const CONTROL_METHODS = [
  'status', 'sa.list', 'sa.show', 'sa.add', 'sa.delete', 'sa.flush',
  'policy.list', 'policy.add', 'policy.delete', 'drops', 'drops.follow', 'stats', 'keys.export',
  'ike.initiate', 'ike.terminate', 'ike.rekey', 'ike.list', 'ike.events',
] as const;

export type ControlMethod = (typeof CONTROL_METHODS)[number];

/** Error codes of a reply: the four a handler raises (ControlError) and two of the server's own. */
export type ControlErrorCode = 'not-found' | 'invalid' | 'conflict' | 'unavailable' | 'bad-request' | 'internal';

export const CONTROL_ERROR_CODES: readonly ControlErrorCode[] = ['not-found', 'invalid', 'conflict', 'unavailable', 'bad-request', 'internal'];

export interface ControlHello {
  readonly protocol: typeof CONTROL_PROTOCOL;
  readonly version: number;
  /** The daemon's process id, so a second daemon can name the one in its way. */
  readonly pid: number;
}

export type ControlParams = Readonly<Record<string, unknown>>;

export interface ControlRequest {
  readonly id: number;
  readonly method: ControlMethod;
  readonly params: ControlParams;
}

export interface ControlErrorBody {
  readonly code: ControlErrorCode;
  readonly message: string;
}

/** Server to client: a reply (result or error) or an event of a follow. */
export type ControlMessage =
  | { readonly id: number | null; readonly result: unknown }
  | { readonly id: number | null; readonly error: ControlErrorBody }
  | { readonly id: number; readonly event: unknown };

/** What a follower receives when events were dropped because it did not read fast enough. */
export interface LostNotice {
  readonly lost: number;
}

/** Where the server logs (the daemon passes its logger; nothing is logged without one). */
export type ControlLog = (level: 'debug' | 'info' | 'warn' | 'error', msg: string, fields: LogFields) => void;

export type RequestParse =
  | { readonly ok: true; readonly request: ControlRequest }
  | { readonly ok: false; readonly id: number | null; readonly message: string };

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function isControlMethod(m: string): m is ControlMethod {
  return (CONTROL_METHODS as readonly string[]).includes(m);
}

/** One request line to a request, or a bad-request message; never throws. */
export function parseRequestLine(line: string): RequestParse {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch (err) {
    const why = err instanceof Error ? err.message : 'syntax error';
    return { ok: false, id: null, message: `request is not valid JSON (${why}): send one JSON object per line, e.g. {"id":1,"method":"status"}` };
  }
  if (!isRecord(value)) return { ok: false, id: null, message: 'request must be a JSON object like {"id":1,"method":"status","params":{}}' };
  const id = typeof value.id === 'number' && Number.isFinite(value.id) ? value.id : null;
  if (id === null) return { ok: false, id: null, message: 'request needs a numeric "id"; the reply carries the same id' };
  if (typeof value.method !== 'string') return { ok: false, id, message: `request needs a "method": one of ${CONTROL_METHODS.join(', ')}` };
  if (!isControlMethod(value.method)) {
    return { ok: false, id, message: `unknown method '${value.method.slice(0, 64)}'; known methods: ${CONTROL_METHODS.join(', ')}` };
  }
  const params = value.params === undefined || value.params === null ? {} : value.params;
  if (!isRecord(params)) return { ok: false, id, message: `"params" of ${value.method} must be a JSON object` };
  return { ok: true, request: { id, method: value.method, params } };
}

export function encodeLine(message: ControlMessage | ControlHello | ControlRequest): string {
  return `${JSON.stringify(message)}\n`;
}

export function helloMessage(pid: number): ControlHello {
  return { protocol: CONTROL_PROTOCOL, version: CONTROL_PROTOCOL_VERSION, pid };
}

export function errorMessage(id: number | null, code: ControlErrorCode, message: string): ControlMessage {
  return { id, error: { code, message } };
}
