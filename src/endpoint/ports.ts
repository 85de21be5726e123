// What the endpoint needs from the outside, as small interfaces: a log, durable state, and the
// inner-traffic device. The daemon plugs in pino, the SQLite store and the TUN device; a Node
// application embedding the endpoint can plug in nothing at all.
import type { KeyMaterial } from '../esp/transform-spec.js';
import type { DropQuery, DropRecord } from './drop-record.js';

export type LogFields = Record<string, unknown>;

export interface EndpointLog {
  debug(msg: string, fields?: LogFields): void;
  info(msg: string, fields?: LogFields): void;
  warn(msg: string, fields?: LogFields): void;
  error(msg: string, fields?: LogFields): void;
}

export const silentLog: EndpointLog = { debug() {}, info() {}, warn() {}, error() {} };

/**
 * Keeps an outbound SA's sequence numbers unique across restarts: start() gives the first
 * number to use (above everything a previous run may have used); ensure(n) must return before
 * number n leaves, and makes a durable reservation when n passes the reserved mark.
 */
export interface SequenceGuard {
  start(): number;
  ensure(nextSeq: number): void;
  readonly reservedThrough: number;
}

export interface EndpointPersistence {
  sequenceGuard(spi: number, keys: KeyMaterial): SequenceGuard;
  /** Stores a drop; returns the record as stored (with its id), or null if folded into an earlier one. */
  appendDrop(record: DropRecord): DropRecord | null;
  queryDrops(query: DropQuery): readonly DropRecord[];
}
