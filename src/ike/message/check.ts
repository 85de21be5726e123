// Which payloads each exchange carries: the semantic check that runs after the syntax decoder,
// once on the outer chain and, for protected exchanges, once on the decrypted inner chain. Each
// exchange and direction is a list of shapes (alternatives) taken from RFC 7296 1.2-1.5, 2.6 and
// 2.16; a chain is accepted when one shape fits it exactly. Unknown payloads are not counted:
// they got here without the critical bit, and RFC 7296 2.5 says to skip them.
import { NOTIFY_ERROR, NOTIFY_STATUS, EXCHANGE, FIRST_STATUS_NOTIFY } from './numbers.js';
import type { ExchangeName } from './numbers.js';
import type { Payload, PayloadKind } from './types.js';

export type PayloadPhase = 'outer' | 'inner';

interface Shape {
  readonly name: string;
  readonly required: readonly PayloadKind[];
  readonly optional: readonly PayloadKind[];
  /** Kinds that may appear more than once (every other kind at most once). */
  readonly repeatable: readonly PayloadKind[];
  /** Kinds that come all together or not at all: the Child SA's SA, TSi, TSr (RFC 7296 1.3). */
  readonly together?: readonly PayloadKind[];
  /** Error-only answers: at least one Notify must be of such a type. */
  readonly needsNotify?: (notifyType: number) => boolean;
}

export type PayloadCheck =
  | { readonly ok: true; readonly shape: string }
  | {
    readonly ok: false;
    /** The shape the chain came closest to. */
    readonly shape: string;
    readonly missing: readonly PayloadKind[];
    readonly notAllowed: readonly PayloadKind[];
    readonly duplicated: readonly PayloadKind[];
    /** RFC 7296 2.21: a request with missing or misplaced payloads is answered INVALID_SYNTAX. */
    readonly notify: number;
    readonly detail: string;
  };

const isError = (t: number): boolean => t < FIRST_STATUS_NOTIFY;
const ANNOUNCE: readonly PayloadKind[] = ['NOTIFY', 'VENDOR'];
const CHILD: readonly PayloadKind[] = ['SA', 'TSi', 'TSr'];

const shape = (name: string, required: readonly PayloadKind[], optional: readonly PayloadKind[], extra: Partial<Shape> = {}): Shape =>
  ({ name, required, optional: [...optional, ...ANNOUNCE], repeatable: ANNOUNCE, ...extra });

/** RFC 7296 1.2, 2.6: an IKE_SA_INIT response may be only N(COOKIE) or an error such as INVALID_KE_PAYLOAD. */
const INIT_ERROR = shape('error', ['NOTIFY'], [], { needsNotify: (t) => isError(t) || t === NOTIFY_STATUS.COOKIE });
/** RFC 7296 2.21: a failed request is answered with an error Notify alone. */
const ERROR = shape('error', ['NOTIFY'], [], { needsNotify: isError });
const INIT = shape('init', ['SA', 'KE', 'NONCE'], ['CERTREQ'], { repeatable: [...ANNOUNCE, 'CERTREQ'] });
/** RFC 7296 3.14: the protected exchanges carry everything inside SK (or SKF, RFC 7383). */
const SEALED: readonly Shape[] = [
  { name: 'sealed', required: ['SK'], optional: [], repeatable: [] },
  { name: 'fragment', required: ['SKF'], optional: [], repeatable: [] },
];
const INFO = shape('informational', [], ['DELETE', 'CP'], { repeatable: [...ANNOUNCE, 'DELETE'] });
const CHILD_SA = shape('child', ['SA', 'NONCE', 'TSi', 'TSr'], ['KE']);
/** RFC 7296 1.3.2: rekeying the IKE SA: SA, Ni/Nr, KE and no traffic selectors. */
const IKE_REKEY = shape('ike-rekey', ['SA', 'NONCE', 'KE'], []);

type Key = `${ExchangeName}/${'request' | 'response'}/${PayloadPhase}`;

const SHAPES: Readonly<Record<Key, readonly Shape[]>> = {
  'IKE_SA_INIT/request/outer': [INIT], // RFC 7296 1.2
  'IKE_SA_INIT/response/outer': [INIT, INIT_ERROR],
  'IKE_SA_INIT/request/inner': [],
  'IKE_SA_INIT/response/inner': [],
  'IKE_AUTH/request/outer': SEALED,
  'IKE_AUTH/response/outer': SEALED,
  'IKE_AUTH/request/inner': [
    // RFC 7296 1.2: IDi, [CERT+], [CERTREQ+], [IDr], AUTH, [CP], SA, TSi, TSr (child optional, RFC 6023).
    shape('auth', ['IDi', 'AUTH'], ['CERT', 'CERTREQ', 'IDr', 'CP', ...CHILD], { repeatable: [...ANNOUNCE, 'CERT', 'CERTREQ'], together: CHILD }),
    // RFC 7296 2.16: leaving AUTH out asks for EAP; then EAP rounds, then AUTH alone.
    shape('eap-start', ['IDi'], ['CERTREQ', 'IDr', 'CP', ...CHILD], { repeatable: [...ANNOUNCE, 'CERTREQ'], together: CHILD }),
    shape('eap', ['EAP'], []),
    shape('eap-auth', ['AUTH'], []),
  ],
  'IKE_AUTH/response/inner': [
    shape('auth', ['IDr', 'AUTH'], ['CERT', 'CP', ...CHILD], { repeatable: [...ANNOUNCE, 'CERT'], together: CHILD }),
    shape('eap-start', ['IDr', 'AUTH', 'EAP'], ['CERT'], { repeatable: [...ANNOUNCE, 'CERT'] }),
    shape('eap', ['EAP'], []),
    shape('eap-auth', ['AUTH'], ['CP', ...CHILD], { together: CHILD }),
    ERROR,
  ],
  'CREATE_CHILD_SA/request/outer': SEALED,
  'CREATE_CHILD_SA/response/outer': SEALED,
  'CREATE_CHILD_SA/request/inner': [CHILD_SA, IKE_REKEY], // RFC 7296 1.3
  'CREATE_CHILD_SA/response/inner': [CHILD_SA, IKE_REKEY, ERROR],
  'INFORMATIONAL/request/outer': SEALED,
  'INFORMATIONAL/response/outer': SEALED,
  'INFORMATIONAL/request/inner': [INFO], // RFC 7296 1.4: any of N, D, CP, or none (liveness)
  'INFORMATIONAL/response/inner': [INFO],
};

const EXCHANGE_NAMES: ReadonlyMap<number, ExchangeName> = new Map(Object.entries(EXCHANGE).map(([name, n]) => [n, name as ExchangeName]));

export function checkPayloads(exchangeType: number, isResponse: boolean, payloads: readonly Payload[], phase: PayloadPhase): PayloadCheck {
  const name = EXCHANGE_NAMES.get(exchangeType);
  const counted = payloads.filter((p) => p.kind !== 'UNKNOWN');
  if (name === undefined) return refuse('unknown-exchange', [], kindsOf(counted), [], `exchange type ${exchangeType} is not one we take part in`);
  const shapes = SHAPES[`${name}/${isResponse ? 'response' : 'request'}/${phase}`];
  if (shapes.length === 0) return refuse('none', [], kindsOf(counted), [], `${name} has no ${phase} payloads`);
  let best: PayloadCheck | null = null;
  for (const s of shapes) {
    const r = fit(s, counted);
    if (r.ok) return r;
    if (best === null || (!best.ok && score(r) < score(best))) best = r;
  }
  return best!;
}

function fit(s: Shape, payloads: readonly Payload[]): PayloadCheck {
  const counts = new Map<PayloadKind, number>();
  for (const p of payloads) counts.set(p.kind, (counts.get(p.kind) ?? 0) + 1);
  const missing = s.required.filter((k) => !counts.has(k));
  if (s.together && s.together.some((k) => counts.has(k))) missing.push(...s.together.filter((k) => !counts.has(k) && !missing.includes(k)));
  if (s.needsNotify && !payloads.some((p) => p.kind === 'NOTIFY' && s.needsNotify!(p.notifyType)) && !missing.includes('NOTIFY')) missing.push('NOTIFY');
  const notAllowed = [...counts.keys()].filter((k) => !s.required.includes(k) && !s.optional.includes(k));
  const duplicated = [...counts].filter(([k, n]) => n > 1 && !s.repeatable.includes(k) && !notAllowed.includes(k)).map(([k]) => k);
  if (missing.length + notAllowed.length + duplicated.length === 0) return { ok: true, shape: s.name };
  const parts = [
    missing.length > 0 ? `missing ${missing.join(' ')}` : '',
    notAllowed.length > 0 ? `not allowed ${notAllowed.join(' ')}` : '',
    duplicated.length > 0 ? `more than once ${duplicated.join(' ')}` : '',
  ].filter((t) => t !== '');
  return refuse(s.name, missing, notAllowed, duplicated, `as ${s.name}: ${parts.join('; ')}`);
}

function refuse(shapeName: string, missing: readonly PayloadKind[], notAllowed: readonly PayloadKind[], duplicated: readonly PayloadKind[], detail: string): PayloadCheck {
  return { ok: false, shape: shapeName, missing, notAllowed, duplicated, notify: NOTIFY_ERROR.INVALID_SYNTAX, detail };
}

function score(r: PayloadCheck): number {
  return r.ok ? 0 : r.missing.length + r.notAllowed.length + r.duplicated.length;
}

function kindsOf(payloads: readonly Payload[]): PayloadKind[] {
  return [...new Set(payloads.map((p) => p.kind))];
}
