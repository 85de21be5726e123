// Request parameters to the arguments of ControlHandlers, or a message saying what is wrong.
// Never throws: the params come from whoever can open the socket.
import type { DropQuery } from '../drop-record.js';
import type { IkeEventQuery } from './handlers.js';
import type { ControlParams } from './protocol.js';

export type ParamParse<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly message: string };

/** Most drops one request may ask for; the handler's own default (1000) applies when none is given. */
export const MAX_DROPS_LIMIT = 100_000;

const ok = <T>(value: T): ParamParse<T> => ({ ok: true, value });
const fail = <T>(message: string): ParamParse<T> => ({ ok: false, message });

/** A non-empty string parameter (an SA reference, a policy id). */
export function textParam(params: ControlParams, name: string, method: string, what: string): ParamParse<string> {
  const v = params[name];
  if (typeof v !== 'string' || v.trim() === '') return fail(`${method} needs params.${name}: ${what}`);
  return ok(v);
}

/** The entry of sa.add / policy.add: any JSON object; the handler validates it like the config. */
export function entryParam(params: ControlParams, method: string, what: string): ParamParse<unknown> {
  const v = params.entry;
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return fail(`${method} needs params.entry: ${what}, as a JSON object`);
  return ok(v);
}

/** An SPI as a number (0..2^32-1) or text ("0x0a0b0001" or decimal). */
export function spiValue(v: unknown): number | null {
  if (typeof v === 'number') return Number.isInteger(v) && v >= 0 && v <= 0xffffffff ? v : null;
  if (typeof v !== 'string') return null;
  const t = v.trim();
  const n = /^0x[0-9a-f]{1,8}$/i.test(t) ? Number.parseInt(t.slice(2), 16) : /^\d{1,10}$/.test(t) ? Number(t) : NaN;
  return Number.isInteger(n) && n <= 0xffffffff ? n : null;
}

/** A time as ms since the epoch, or ISO 8601 text. */
function timeValue(v: unknown): number | null {
  if (typeof v === 'number') return Number.isFinite(v) ? v : null;
  if (typeof v !== 'string') return null;
  const t = Date.parse(v);
  return Number.isNaN(t) ? null : t;
}

/** params of drops / drops.follow: since?, spi?, code?, limit?. */
export function dropQueryParam(params: ControlParams, method: string): ParamParse<DropQuery> {
  const q: { since?: number; spi?: number; code?: number; limit?: number } = {};
  if (params.since !== undefined) {
    const since = timeValue(params.since);
    if (since === null) return fail(`${method}: params.since must be ms since the epoch or an ISO 8601 time, e.g. "2026-11-27T09:00:00Z"`);
    q.since = since;
  }
  if (params.spi !== undefined) {
    const spi = spiValue(params.spi);
    if (spi === null) return fail(`${method}: params.spi must be an SPI, 0..4294967295 or "0x" and up to 8 hex digits`);
    q.spi = spi;
  }
  if (params.code !== undefined) {
    if (typeof params.code !== 'number' || !Number.isInteger(params.code) || params.code < 0) {
      return fail(`${method}: params.code must be a Windows error code as a number, e.g. 13910 (ERROR_IPSEC_BAD_SPI)`);
    }
    q.code = params.code;
  }
  if (params.limit !== undefined) {
    if (typeof params.limit !== 'number' || !Number.isInteger(params.limit) || params.limit < 1 || params.limit > MAX_DROPS_LIMIT) {
      return fail(`${method}: params.limit must be a whole number from 1 to ${MAX_DROPS_LIMIT}`);
    }
    q.limit = params.limit;
  }
  return ok(q);
}

/** An optional non-empty string parameter (ike.initiate's child); absent or null gives null. */
export function optionalTextParam(params: ControlParams, name: string, method: string, what: string): ParamParse<string | null> {
  const v = params[name];
  if (v === undefined || v === null) return ok(null);
  return textParam(params, name, method, what);
}

/** Most IKE events one request may ask for (the daemon keeps fewer than this). */
export const MAX_IKE_EVENTS_LIMIT = 10_000;

export interface IkeEventsParams {
  readonly query: IkeEventQuery;
  readonly follow: boolean;
}

/** params of ike.events: after?, connection?, limit?, follow?. */
export function ikeEventsParam(params: ControlParams, method: string): ParamParse<IkeEventsParams> {
  const q: { after?: number; connection?: string; limit?: number } = {};
  const { after, connection, limit, follow } = params;
  if (after !== undefined) {
    if (typeof after !== 'number' || !Number.isInteger(after) || after < 0) return fail(`${method}: params.after must be an event id (a whole number >= 0) from an earlier reply`);
    q.after = after;
  }
  if (connection !== undefined) {
    if (typeof connection !== 'string' || connection.trim() === '') return fail(`${method}: params.connection must be the name of a connection`);
    q.connection = connection;
  }
  if (limit !== undefined) {
    if (typeof limit !== 'number' || !Number.isInteger(limit) || limit < 1 || limit > MAX_IKE_EVENTS_LIMIT) {
      return fail(`${method}: params.limit must be a whole number from 1 to ${MAX_IKE_EVENTS_LIMIT}`);
    }
    q.limit = limit;
  }
  if (follow !== undefined && typeof follow !== 'boolean') return fail(`${method}: params.follow must be true or false`);
  return ok({ query: q, follow: follow === true });
}
