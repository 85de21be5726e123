// Key material must never reach a log. Two nets, so one mistake is not a leak:
//   1. pino's `redact` replaces fields with a secret's name, at the depths a path can name;
//   2. sanitizeLogFields() runs on every logged object before pino sees it: it replaces a
//      secret-named field at any depth, and any raw bytes (Buffer, Uint8Array, ArrayBuffer)
//      with '<N bytes>', so a key passed under an innocent name still cannot be printed.
// The message text itself is not inspected: never put keys into a message.

export const REDACT_CENSOR = '[redacted]';

/** Field names whose values are never logged (compared without case, '_' or '-'). */
export const SECRET_FIELD_NAMES: readonly string[] = [
  'encryptionKey', 'integrityKey', 'enc_key', 'auth_key', 'keys', 'key', 'secret', 'psk',
  'password', 'privateKey', 'sharedSecret',
];

// IKEv2 keys by their RFC 7296 2.14 names: SK_d, SK_ai, SK_ar, SK_ei, SK_er, SK_pi, SK_pr.
const IKE_KEY_NAME = /^sk(d|ai|ar|ei|er|pi|pr)$/;

const NORMALISED = new Set(SECRET_FIELD_NAMES.map(normaliseName));

/** pino redact paths reach this many levels below the top ('*.*.*.key'); the sanitizer has no limit. */
const REDACT_PATH_DEPTH = 3;

/** Nesting below which the sanitizer stops walking (a log field is not a database dump). */
const MAX_DEPTH = 12;

/** Fields pino writes itself; a logged field of the same name is renamed rather than duplicated. */
const RESERVED_FIELDS: ReadonlySet<string> = new Set(['level', 'time', 'msg', 'pid', 'hostname']);

function normaliseName(name: string): string {
  return name.toLowerCase().replace(/[_-]/g, '');
}

export function isSecretFieldName(name: string): boolean {
  const n = normaliseName(name);
  return NORMALISED.has(n) || IKE_KEY_NAME.test(n);
}

/** pino `redact.paths` for every secret name at the top level and up to REDACT_PATH_DEPTH below it. */
export function secretRedactPaths(): string[] {
  const paths: string[] = [];
  for (const name of SECRET_FIELD_NAMES) {
    for (let depth = 0; depth <= REDACT_PATH_DEPTH; depth++) paths.push([...Array<string>(depth).fill('*'), name].join('.'));
  }
  return paths;
}

/** A copy of `fields` that is safe to log: secrets censored, bytes summarised, reserved names renamed. */
export function sanitizeLogFields(fields: Readonly<Record<string, unknown>>): Record<string, unknown> {
  const out = sanitizeObject(fields, 0, new WeakSet());
  for (const name of RESERVED_FIELDS) {
    if (Object.prototype.hasOwnProperty.call(out, name)) {
      out[`${name}_`] = out[name];
      delete out[name];
    }
  }
  return out;
}

function bytesText(byteLength: number): string {
  return `<${byteLength} bytes>`;
}

function sanitizeValue(value: unknown, depth: number, seen: WeakSet<object>): unknown {
  if (typeof value === 'bigint') return value.toString();
  if (typeof value !== 'object' || value === null) return value;
  if (ArrayBuffer.isView(value)) return bytesText(value.byteLength);
  if (value instanceof ArrayBuffer || value instanceof SharedArrayBuffer) return bytesText(value.byteLength);
  if (value instanceof Date) return value;
  if (depth >= MAX_DEPTH) return '[too deep]';
  if (seen.has(value)) return '[circular]';
  seen.add(value);
  try {
    return sanitizeObjectLike(value, depth, seen);
  } finally {
    seen.delete(value);
  }
}

function sanitizeObjectLike(value: object, depth: number, seen: WeakSet<object>): unknown {
  if (Array.isArray(value)) return value.map((v) => sanitizeValue(v, depth + 1, seen));
  if (value instanceof Error) return sanitizeError(value, depth, seen);
  if (value instanceof Map) return sanitizeObject(Object.fromEntries(value), depth + 1, seen);
  if (value instanceof Set) return [...value].map((v) => sanitizeValue(v, depth + 1, seen));
  const toJSON = (value as { toJSON?: unknown }).toJSON;
  if (typeof toJSON === 'function') return sanitizeValue(toJSON.call(value), depth + 1, seen);
  return sanitizeObject(value as Record<string, unknown>, depth + 1, seen);
}

function sanitizeObject(value: Readonly<Record<string, unknown>>, depth: number, seen: WeakSet<object>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [name, v] of Object.entries(value)) {
    out[name] = isSecretFieldName(name) ? REDACT_CENSOR : sanitizeValue(v, depth, seen);
  }
  return out;
}

// Error's message and stack are not enumerable; keep them (and any code), walk the rest.
function sanitizeError(err: Error, depth: number, seen: WeakSet<object>): Record<string, unknown> {
  const out: Record<string, unknown> = { type: err.name, message: err.message, stack: err.stack };
  const rest = sanitizeObject(err as unknown as Record<string, unknown>, depth + 1, seen);
  if (err.cause !== undefined) out.cause = sanitizeValue(err.cause, depth + 1, seen);
  return { ...out, ...rest };
}
