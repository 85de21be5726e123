// One request to one reply: checks the params, calls the handler and turns what it threw into
// an error code. A handler's ControlError keeps its code and message; anything else becomes a
// generic "internal" error, the real one goes to the log only (it may name internals).
import type { ControlHandlers, KeysExportReply } from './handlers.js';
import { ControlError } from './handlers.js';
import type { ParamParse } from './params.js';
import { dropQueryParam, entryParam, ikeEventsParam, optionalTextParam, textParam } from './params.js';
import type { ControlErrorBody, ControlLog, ControlMethod, ControlParams } from './protocol.js';

export type DispatchOutcome = { readonly ok: true; readonly result: unknown } | { readonly ok: false; readonly error: ControlErrorBody };

type Call = (h: ControlHandlers, p: ControlParams) => ParamParse<() => unknown>;

const SA_REF = 'an SPI (0x0a0b0001 or decimal) or an SA name';
const CONNECTION = 'the name of a connection (connections: in the config)';

function withParam<T>(parse: ParamParse<T>, run: (v: T) => unknown): ParamParse<() => unknown> {
  return parse.ok ? { ok: true, value: () => run(parse.value) } : parse;
}

const none = (run: () => unknown): ParamParse<() => unknown> => ({ ok: true, value: run });

/** Every method but drops.follow, which the connection handles (it streams, as ike.events with follow does). */
const CALLS: Readonly<Record<Exclude<ControlMethod, 'drops.follow'>, Call>> = {
  status: (h) => none(() => h.status()),
  'sa.list': (h) => none(() => h.saList()),
  'sa.show': (h, p) => withParam(textParam(p, 'ref', 'sa.show', SA_REF), (ref) => h.saShow(ref)),
  'sa.add': (h, p) => withParam(entryParam(p, 'sa.add', 'one SA in the shape of a `sas:` item of the config'), (e) => h.saAdd(e)),
  'sa.delete': (h, p) => withParam(textParam(p, 'ref', 'sa.delete', SA_REF), (ref) => h.saDelete(ref)),
  'sa.flush': (h) => none(() => h.saFlush()),
  'policy.list': (h) => none(() => h.policyList()),
  'policy.add': (h, p) => withParam(entryParam(p, 'policy.add', 'one policy in the shape of a `policies:` item of the config'), (e) => h.policyAdd(e)),
  'policy.delete': (h, p) => withParam(textParam(p, 'id', 'policy.delete', 'the id of a policy (see policy.list)'), (id) => h.policyDelete(id)),
  drops: (h, p) => withParam(dropQueryParam(p, 'drops'), (q) => h.drops(q)),
  stats: (h) => none(() => h.stats()),
  'keys.export': (h) => none(() => keysExport(h)),
  'ike.initiate': (h, p) => {
    const child = optionalTextParam(p, 'child', 'ike.initiate', 'the name of one of the connection\'s children');
    if (!child.ok) return child;
    return withParam(textParam(p, 'connection', 'ike.initiate', CONNECTION), (c) => h.ikeInitiate(c, child.value));
  },
  'ike.terminate': (h, p) => withParam(textParam(p, 'connection', 'ike.terminate', CONNECTION), (c) => h.ikeTerminate(c)),
  'ike.rekey': (h, p) => withParam(textParam(p, 'connection', 'ike.rekey', CONNECTION), (c) => h.ikeRekey(c)),
  'ike.list': (h) => none(() => h.ikeList()),
  // With follow: true the connection streams instead (connection.ts); here it is the list.
  'ike.events': (h, p) => withParam(ikeEventsParam(p, 'ike.events'), (e) => h.ikeEvents(e.query)),
};

function keysExport(h: ControlHandlers): KeysExportReply {
  const ike = h.ikeKeysExport();
  return { format: 'esp_sa', text: h.keysExport(), ikev2: ike === null ? null : { format: 'ikev2_decryption_table', ...ike } };
}

export async function dispatch(handlers: ControlHandlers, method: Exclude<ControlMethod, 'drops.follow'>, params: ControlParams, log: ControlLog): Promise<DispatchOutcome> {
  const call = CALLS[method](handlers, params);
  if (!call.ok) return { ok: false, error: { code: 'bad-request', message: call.message } };
  try {
    // Handlers are synchronous today; awaiting keeps an async one working too.
    const result: unknown = await call.value();
    if (method === 'keys.export') log('info', 'keys exported over the control socket', { method });
    return { ok: true, result: result ?? null };
  } catch (err) {
    return { ok: false, error: handlerFailure(err, method, log) };
  }
}

/** What a client is told when a handler throws; never crashes, never leaks a plain Error's text. */
export function handlerFailure(err: unknown, method: string, log: ControlLog): ControlErrorBody {
  if (err instanceof ControlError) return { code: err.code, message: err.message };
  log('error', 'control request failed inside the daemon', {
    method,
    error: err instanceof Error ? err.message : String(err),
    stack: err instanceof Error ? err.stack : undefined,
  });
  return { code: 'internal', message: `the daemon failed while handling ${method} (an internal error); its log has the details` };
}
