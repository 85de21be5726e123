// How codecs report a refusal. A payload codec sees only its body and says where in it the
// problem is (`at`); the chain decoder turns that into an IkeDecodeFailure with the offset in the
// decoded bytes and the notify RFC 7296 asks for.
import { NOTIFY_ERROR } from './numbers.js';
import type { IkeDecodeFailure, IkeDecodeReason } from './types.js';

/** A refusal inside one payload body; `at` is relative to the body's first octet. */
export interface BodyFailure {
  readonly ok: false;
  readonly reason: IkeDecodeReason;
  readonly detail: string;
  readonly at: number;
  /** Overrides the default INVALID_SYNTAX (null: drop silently, e.g. a bad fragment, RFC 7383 2.6.2). */
  readonly notify?: number | null;
}

export type BodyResult<T> = { readonly ok: true; readonly value: T } | BodyFailure;

export function bodyFailure(detail: string, at: number, reason: IkeDecodeReason = 'malformed-payload'): BodyFailure {
  return { ok: false, reason, detail, at };
}

/**
 * RFC 7296 2.21.1/2.21.2: a message that does not parse is answered (when an answer is due at
 * all, which the exchange layer decides) with INVALID_SYNTAX.
 */
export function syntaxFailure(reason: IkeDecodeReason, detail: string, offset: number, notify: number | null = NOTIFY_ERROR.INVALID_SYNTAX): IkeDecodeFailure {
  return { ok: false, reason, detail, offset, notify, notifyData: null };
}
