// Reads the JSON iperf3 prints with --json (checked against iperf 3.12). Never throws: a run that
// failed or printed something else becomes a typed failure the report can show.
//
// UDP: end.sum_sent is what the client offered, end.sum_received what arrived at the server;
// the loss is end.sum.lost_percent (lost / sent datagrams, as the server counted them).
// TCP: end.sum_received is the goodput at the server; end.sum_sent carries the retransmits.

export interface UdpResult {
  readonly ok: true;
  readonly protocol: 'udp';
  /** The -b the client was given, bit/s (0 = unlimited). */
  readonly targetBps: number;
  readonly sentBps: number;
  readonly receivedBps: number;
  readonly lostPercent: number;
  readonly packets: number;
  readonly lostPackets: number;
  readonly seconds: number;
}

export interface TcpResult {
  readonly ok: true;
  readonly protocol: 'tcp';
  readonly sentBps: number;
  readonly receivedBps: number;
  readonly retransmits: number;
  readonly seconds: number;
}

export interface Iperf3Failure {
  readonly ok: false;
  readonly reason: 'not-json' | 'iperf3-error' | 'missing-field';
  readonly detail: string;
}

export type Iperf3Result = UdpResult | TcpResult | Iperf3Failure;

type Json = Record<string, unknown>;

function isObject(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** The number at path, or the path that was missing. */
function numberAt(root: Json, path: readonly string[]): number | string {
  let node: unknown = root;
  for (const key of path) {
    if (!isObject(node)) return path.join('.');
    node = node[key];
  }
  return typeof node === 'number' && Number.isFinite(node) ? node : path.join('.');
}

function missing(path: string): Iperf3Failure {
  return { ok: false, reason: 'missing-field', detail: `iperf3 JSON has no number at ${path}: is this iperf3 --json output of a finished test?` };
}

function parseUdp(doc: Json): UdpResult | Iperf3Failure {
  const fields = {
    targetBps: numberAt(doc, ['start', 'test_start', 'target_bitrate']),
    sentBps: numberAt(doc, ['end', 'sum_sent', 'bits_per_second']),
    receivedBps: numberAt(doc, ['end', 'sum_received', 'bits_per_second']),
    lostPercent: numberAt(doc, ['end', 'sum', 'lost_percent']),
    packets: numberAt(doc, ['end', 'sum', 'packets']),
    lostPackets: numberAt(doc, ['end', 'sum', 'lost_packets']),
    seconds: numberAt(doc, ['end', 'sum_received', 'seconds']),
  };
  for (const v of Object.values(fields)) if (typeof v === 'string') return missing(v);
  const n = fields as { [K in keyof typeof fields]: number };
  return { ok: true, protocol: 'udp', ...n };
}

function parseTcp(doc: Json): TcpResult | Iperf3Failure {
  const fields = {
    sentBps: numberAt(doc, ['end', 'sum_sent', 'bits_per_second']),
    receivedBps: numberAt(doc, ['end', 'sum_received', 'bits_per_second']),
    retransmits: numberAt(doc, ['end', 'sum_sent', 'retransmits']),
    seconds: numberAt(doc, ['end', 'sum_received', 'seconds']),
  };
  for (const v of Object.values(fields)) if (typeof v === 'string') return missing(v);
  const n = fields as { [K in keyof typeof fields]: number };
  return { ok: true, protocol: 'tcp', ...n };
}

export function parseIperf3Json(text: string): Iperf3Result {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (err) {
    const head = text.trim().slice(0, 120);
    return { ok: false, reason: 'not-json', detail: `iperf3 output is not JSON (${(err as Error).message}); it began: ${head === '' ? '(empty)' : head}` };
  }
  if (!isObject(doc)) return { ok: false, reason: 'not-json', detail: 'iperf3 output is JSON but not an object: was --json given?' };
  if (typeof doc.error === 'string') return { ok: false, reason: 'iperf3-error', detail: `iperf3: ${doc.error}` };
  const start = doc.start;
  const protocol = isObject(start) && isObject(start.test_start) ? start.test_start.protocol : undefined;
  if (protocol === 'UDP') return parseUdp(doc);
  if (protocol === 'TCP') return parseTcp(doc);
  return missing('start.test_start.protocol');
}
