// Numeric fields: integers in a range, SPIs, ports, durations, byte counts and file modes.
// YAML 1.2 (core schema) reads 0x1001 as 4097 and 0600 as decimal 600, so the loader hands
// the parsers of SPIs, keys and modes the text as written (see yaml-source.ts RAW_TEXT_KEYS).
import type { FieldParser, Parsed } from './field.js';
import { accept, expectedGot, quotedNumberHint, reject } from './field.js';
import { describeValue } from './issue.js';

/** An integer from min to max; floats, negatives, text and booleans are refused. */
export function integerIn(min: number, max: number, what = 'an integer'): FieldParser<number> {
  const expected = `${what} from ${min} to ${max}`;
  return {
    expected,
    parse(value) {
      if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
        return expectedGot(expected, value, quotedNumberHint(value));
      }
      return accept(value);
    },
  };
}

/** UDP ports of an SA or a peer: 1..65535. */
export const PORT = integerIn(1, 65535, 'a port');
/** A port we bind: 0 asks the system for a free one. */
export const BIND_PORT = integerIn(0, 65535, 'a port');

const SPI_EXPECTED = 'an SPI from 0x100 to 0xffffffff (hex like 0x1000 or decimal)';

/** RFC 4303 2.1: SPI 0 is reserved for local use and 1-255 by IANA; an SPI is 32 bits. */
export const SPI: FieldParser<number> = {
  expected: SPI_EXPECTED,
  parse(value) {
    const text = typeof value === 'number' ? String(value) : typeof value === 'string' ? value.trim() : null;
    if (text === null) return expectedGot(SPI_EXPECTED, value);
    const n = /^0x[0-9a-f]{1,16}$/i.test(text) ? parseInt(text.slice(2), 16) : /^\d{1,20}$/.test(text) ? Number(text) : NaN;
    if (Number.isNaN(n)) return expectedGot(SPI_EXPECTED, value);
    if (n < 256) return reject(`expected ${SPI_EXPECTED}, got ${text} (RFC 4303 reserves 0-255)`);
    if (n > 0xffffffff) return reject(`expected ${SPI_EXPECTED}, got ${text} (an SPI is 32 bits)`);
    return accept(n);
  },
};

const DURATION_UNITS: Readonly<Record<string, number>> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };
const DURATION_TEXT = /^(?:\d+(?:ms|s|m|h|d))+$/;

/**
 * A duration in milliseconds from min to max: plain seconds (20, 0.5) or text with units
 * ms, s, m, h, d, combinable (500ms, 20s, 5m, 1h30m, 1d).
 */
export function durationIn(minMs: number, maxMs: number): FieldParser<number> {
  const expected = `a duration from ${durationText(minMs)} to ${durationText(maxMs)} (like 1500ms, 20s, 5m, 1h30m, 1d, or plain seconds)`;
  return {
    expected,
    parse(value) {
      const ms = durationMs(value);
      if (ms === null || ms < minMs || ms > maxMs) return expectedGot(expected, value);
      return accept(ms);
    },
  };
}

function durationMs(value: unknown): number | null {
  if (typeof value === 'number') return Number.isFinite(value) && value >= 0 ? Math.round(value * 1000) : null;
  if (typeof value !== 'string') return null;
  const text = value.trim();
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  if (!DURATION_TEXT.test(text)) return null;
  let total = 0;
  for (const m of text.matchAll(/(\d+)(ms|s|m|h|d)/g)) total += Number(m[1]) * DURATION_UNITS[m[2]!]!;
  return Number.isSafeInteger(total) ? total : null;
}

/** Milliseconds as the shortest exact text with one unit: 20s, 5m, 1d, 500ms. */
export function durationText(ms: number): string {
  for (const unit of ['d', 'h', 'm', 's'] as const) {
    const size = DURATION_UNITS[unit]!;
    if (ms >= size && ms % size === 0) return `${ms / size}${unit}`;
  }
  return `${ms}ms`;
}

const SIZE_FACTORS: Readonly<Record<string, number>> = { '': 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3, t: 1024 ** 4 };

/** A byte count: an integer, or one with a 1024-based suffix k, M, G, T (B or iB may follow). */
export function byteCountIn(min: number, max: number): FieldParser<number> {
  const expected = `a byte count from ${min}: an integer or one with a suffix k, M, G or T (1024-based: 1k = 1024, 1M = 1048576)`;
  return {
    expected,
    parse(value) {
      const n = byteCount(value);
      if (n === null || n < min || n > max) return expectedGot(expected, value);
      return accept(n);
    },
  };
}

function byteCount(value: unknown): number | null {
  if (typeof value === 'number') return Number.isInteger(value) ? value : null;
  if (typeof value !== 'string') return null;
  const m = /^(\d+)\s*([kKmMgGtT]?)(?:i?B)?$/.exec(value.trim());
  if (!m) return null;
  const n = Number(m[1]) * SIZE_FACTORS[m[2]!.toLowerCase()]!;
  return Number.isSafeInteger(n) ? n : null;
}

const MODE_EXPECTED = "a file mode in octal from 0000 to 0777 (like 0600, \"0660\" or 0o600)";

/**
 * A Unix file mode. Text is always octal, as chmod reads it (0600, 600, 0o600); a number
 * (from JSON or a program) is the mode's value itself.
 */
export const FILE_MODE: FieldParser<number> = {
  expected: MODE_EXPECTED,
  parse(value): Parsed<number> {
    if (typeof value === 'number') {
      return Number.isInteger(value) && value >= 0 && value <= 0o777 ? accept(value) : expectedGot(MODE_EXPECTED, value);
    }
    if (typeof value !== 'string') return expectedGot(MODE_EXPECTED, value);
    const m = /^(?:0o|0)?([0-7]{1,3})$/i.exec(value.trim());
    if (!m) return reject(`expected ${MODE_EXPECTED}, got ${describeValue(value)}`);
    return accept(parseInt(m[1]!, 8));
  },
};
