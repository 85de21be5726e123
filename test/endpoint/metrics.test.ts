// The Prometheus endpoint: scraped over real HTTP on 127.0.0.1, the exposition text parsed by a
// strict little parser below (prom-client has none), values and labels checked against the
// snapshot the scrape was given.
import { createServer } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { startMetricsServer } from '../../src/endpoint/metrics/server.js';
import type { MetricsServer, MetricsServerOptions } from '../../src/endpoint/metrics/server.js';
import { isLoopbackAddress } from '../../src/endpoint/metrics/loopback.js';
import type { MetricsSnapshot, SaSample } from '../../src/endpoint/metrics/snapshot.js';
import type { EndpointLogger, LogFields } from '../../src/endpoint/log/logger.js';

// ---- exposition format parser (Prometheus text format 0.0.4) ----

interface Sample { readonly name: string; readonly labels: Record<string, string>; readonly value: number }
interface Family { type: string; help: string; samples: Sample[] }

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const SUFFIXES: Readonly<Record<string, readonly string[]>> = {
  counter: [''], gauge: [''], untyped: [''], histogram: ['_bucket', '_sum', '_count'], summary: ['', '_sum', '_count'],
};

// Prometheus reads values with Go's strconv.ParseFloat, which takes NaN and Inf in any case;
// prom-client writes NaN as 'Nan' (the event-loop lag before its first sample).
function parseValue(text: string): number {
  const special = /^([-+]?)(inf|infinity|nan)$/i.exec(text);
  if (special) return special[2]!.toLowerCase() === 'nan' ? NaN : special[1] === '-' ? -Infinity : Infinity;
  if (!/^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(text)) throw new Error(`bad sample value ${JSON.stringify(text)}`);
  return Number(text);
}

/** Parses `{a="x",b="y\"z"}` starting at text[0] === '{'; returns labels and the rest of the line. */
function parseLabels(text: string): [Record<string, string>, string] {
  const labels: Record<string, string> = {};
  let i = 1;
  while (text[i] !== '}') {
    const eq = text.indexOf('=', i);
    const name = text.slice(i, eq);
    if (!LABEL_NAME.test(name) || text[eq + 1] !== '"') throw new Error(`bad label at ${JSON.stringify(text.slice(i))}`);
    let value = '';
    let j = eq + 2;
    for (; text[j] !== '"'; j++) {
      if (j >= text.length) throw new Error('unterminated label value');
      if (text[j] === '\\') {
        j++;
        const esc = text[j];
        if (esc === 'n') value += '\n';
        else if (esc === '\\' || esc === '"') value += esc;
        else throw new Error(`bad escape \\${esc}`);
      } else value += text[j];
    }
    if (name in labels) throw new Error(`label ${name} twice`);
    labels[name] = value;
    i = j + 1;
    if (text[i] === ',') i++;
  }
  return [labels, text.slice(i + 1)];
}

function familyOf(families: Map<string, Family>, sampleName: string): Family | undefined {
  for (const [name, family] of families) {
    if (SUFFIXES[family.type]!.some((s) => name + s === sampleName)) return family;
  }
  return undefined;
}

function parseExposition(text: string): Map<string, Family> {
  const families = new Map<string, Family>();
  if (!text.endsWith('\n')) throw new Error('exposition must end with a newline');
  for (const line of text.slice(0, -1).split('\n')) {
    if (line === '') continue;
    const meta = /^# (HELP|TYPE) (\S+) (.*)$/.exec(line);
    if (meta) {
      const [, kind, name, rest] = meta as unknown as [string, string, string, string];
      if (!NAME.test(name)) throw new Error(`bad metric name ${name}`);
      const family = families.get(name) ?? { type: 'untyped', help: '', samples: [] };
      if (kind === 'TYPE') {
        if (!(rest in SUFFIXES)) throw new Error(`bad type ${rest}`);
        if (family.samples.length > 0) throw new Error(`TYPE after samples for ${name}`);
        family.type = rest;
      } else family.help = rest;
      families.set(name, family);
      continue;
    }
    if (line.startsWith('#')) continue;
    const name = /^[a-zA-Z_:][a-zA-Z0-9_:]*/.exec(line)?.[0];
    if (name === undefined) throw new Error(`bad line ${JSON.stringify(line)}`);
    let rest = line.slice(name.length);
    let labels: Record<string, string> = {};
    if (rest.startsWith('{')) [labels, rest] = parseLabels(rest);
    const fields = rest.trim().split(' ');
    if (!rest.startsWith(' ') || fields.length > 2) throw new Error(`bad sample ${JSON.stringify(line)}`);
    const family = familyOf(families, name);
    if (family === undefined) throw new Error(`sample ${name} before its # TYPE line`);
    family.samples.push({ name, labels, value: parseValue(fields[0]!) });
  }
  return families;
}

function family(families: Map<string, Family>, name: string): Family {
  const f = families.get(name);
  if (f === undefined) throw new Error(`metric ${name} missing; have ${[...families.keys()].join(', ')}`);
  return f;
}

/** Value of the one sample whose labels are exactly `labels`. */
function valueOf(families: Map<string, Family>, name: string, labels: Record<string, string> = {}): number | undefined {
  const matches = family(families, name).samples.filter((s) => s.name === name
    && Object.keys(s.labels).length === Object.keys(labels).length
    && Object.entries(labels).every(([k, v]) => s.labels[k] === v));
  expect(matches.length, `${name}${JSON.stringify(labels)} appears ${matches.length} times`).toBeLessThanOrEqual(1);
  return matches[0]?.value;
}

// ---- fixtures ----

function sa(name: string, spi: number, direction: 'inbound' | 'outbound', packets: number, extra: Partial<SaSample> = {}): SaSample {
  return { name, spi, direction, packets, bytes: packets * 100, drops: 0, state: 'mature', ...extra };
}

function snapshot(over: Partial<MetricsSnapshot> = {}): MetricsSnapshot {
  return {
    drops: [
      { windowsName: 'ERROR_IPSEC_BAD_SPI', windowsCode: 13910, linuxCounter: 'XfrmInNoStates', count: 7 },
      { windowsName: 'ERROR_IPSEC_REPLAY_CHECK_FAILED', windowsCode: 13913, linuxCounter: 'XfrmInStateSeqError', count: 2 },
      { windowsName: 'ERROR_IPSEC_THROTTLE_DROP', windowsCode: 13918, linuxCounter: 'none', count: 1 },
    ],
    packets: { delivered: 1000, dropped: 10, dummy: 3, keepalive: 4, ike: 5 },
    sas: [
      sa('site-b-in', 0x0a0b0001, 'inbound', 600, { drops: 9 }),
      sa('site-b-out', 0x0b0a0001, 'outbound', 400),
      sa('old-in', 0x0a0b0000, 'inbound', 50, { state: 'dying' }),
    ],
    udp: { received: 1022, sent: 404, sendErrors: 1 },
    tun: { read: 410, written: 1000, writeErrors: 0, readDrops: 6 },
    uptimeSeconds: 12.5,
    ...over,
  };
}

const servers: MetricsServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

async function start(over: Partial<MetricsServerOptions> & Pick<MetricsServerOptions, 'collect'>): Promise<MetricsServer> {
  const server = await startMetricsServer({ address: '127.0.0.1', port: 0, ...over });
  servers.push(server);
  return server;
}

function urlOf(server: MetricsServer, path = '/metrics'): string {
  const { address, port } = server.address();
  return `http://${address}:${port}${path}`;
}

async function scrape(server: MetricsServer): Promise<Map<string, Family>> {
  const res = await fetch(urlOf(server));
  expect(res.status).toBe(200);
  return parseExposition(await res.text());
}

interface LogLine { readonly level: string; readonly msg: string; readonly fields: LogFields }

function recordingLogger(lines: LogLine[], bindings: LogFields = {}): EndpointLogger {
  const at = (level: string) => (msg: string, fields: LogFields = {}): void => {
    lines.push({ level, msg, fields: { ...bindings, ...fields } });
  };
  return {
    trace: at('trace'), debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error'), fatal: at('fatal'),
    child: (more) => recordingLogger(lines, { ...bindings, ...more }),
  };
}

// ---- tests ----

describe('GET /metrics', () => {
  it('serves the snapshot in the Prometheus text format with the registry content type', async () => {
    const server = await start({ collect: () => snapshot() });
    const res = await fetch(urlOf(server));
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8');
    const m = parseExposition(await res.text());
    expect(valueOf(m, 'ipsec_ts_drops_total', { code: '13910', name: 'ERROR_IPSEC_BAD_SPI', linux_counter: 'XfrmInNoStates' })).toBe(7);
    expect(valueOf(m, 'ipsec_ts_drops_total', { code: '13913', name: 'ERROR_IPSEC_REPLAY_CHECK_FAILED', linux_counter: 'XfrmInStateSeqError' })).toBe(2);
    expect(valueOf(m, 'ipsec_ts_drops_total', { code: '13918', name: 'ERROR_IPSEC_THROTTLE_DROP', linux_counter: 'none' })).toBe(1);
    const packets = Object.fromEntries(family(m, 'ipsec_ts_packets_total').samples.map((s) => [s.labels.verdict, s.value]));
    expect(packets).toEqual({ delivered: 1000, dropped: 10, dummy: 3, keepalive: 4, ike: 5 });
  });

  it('gives every SA its packet, byte and drop series, labelled with name, SPI in hex and direction', async () => {
    const m = await scrape(await start({ collect: () => snapshot() }));
    const labels = { sa: 'site-b-in', spi: '0x0a0b0001', direction: 'inbound' };
    expect(valueOf(m, 'ipsec_ts_sa_packets_total', labels)).toBe(600);
    expect(valueOf(m, 'ipsec_ts_sa_bytes_total', labels)).toBe(60_000);
    expect(valueOf(m, 'ipsec_ts_sa_drops_total', labels)).toBe(9);
    expect(valueOf(m, 'ipsec_ts_sa_packets_total', { sa: 'site-b-out', spi: '0x0b0a0001', direction: 'outbound' })).toBe(400);
    expect(family(m, 'ipsec_ts_sa_packets_total').samples).toHaveLength(3);
    expect(valueOf(m, 'ipsec_ts_sas', { direction: 'inbound', state: 'mature' })).toBe(1);
    expect(valueOf(m, 'ipsec_ts_sas', { direction: 'inbound', state: 'dying' })).toBe(1);
    expect(valueOf(m, 'ipsec_ts_sas', { direction: 'outbound', state: 'mature' })).toBe(1);
    expect(valueOf(m, 'ipsec_ts_sa_series_folded')).toBe(0);
  });

  it('serves UDP, TUN and uptime figures', async () => {
    const m = await scrape(await start({ collect: () => snapshot() }));
    expect(valueOf(m, 'ipsec_ts_udp_received_total')).toBe(1022);
    expect(valueOf(m, 'ipsec_ts_udp_sent_total')).toBe(404);
    expect(valueOf(m, 'ipsec_ts_udp_send_errors_total')).toBe(1);
    expect(valueOf(m, 'ipsec_ts_tun_read_total')).toBe(410);
    expect(valueOf(m, 'ipsec_ts_tun_written_total')).toBe(1000);
    expect(valueOf(m, 'ipsec_ts_tun_write_errors_total')).toBe(0);
    expect(valueOf(m, 'ipsec_ts_tun_read_drops_total')).toBe(6);
    expect(valueOf(m, 'ipsec_ts_uptime_seconds')).toBe(12.5);
  });

  it('declares the running totals as counters and the levels as gauges', async () => {
    const m = await scrape(await start({ collect: () => snapshot() }));
    for (const name of ['drops', 'packets', 'sa_packets', 'sa_bytes', 'sa_drops', 'udp_received', 'udp_sent', 'udp_send_errors',
      'tun_read', 'tun_written', 'tun_write_errors', 'tun_read_drops']) {
      expect(family(m, `ipsec_ts_${name}_total`).type, name).toBe('counter');
      expect(family(m, `ipsec_ts_${name}_total`).help, name).not.toBe('');
    }
    for (const name of ['sas', 'uptime_seconds', 'sa_series_folded']) expect(family(m, `ipsec_ts_${name}`).type, name).toBe('gauge');
  });

  it("includes prom-client's process metrics under the ipsec_ts_ prefix", async () => {
    const m = await scrape(await start({ collect: () => snapshot() }));
    expect(family(m, 'ipsec_ts_process_cpu_user_seconds_total').type).toBe('counter');
    expect(valueOf(m, 'ipsec_ts_process_resident_memory_bytes')).toBeGreaterThan(0);
    expect([...m.keys()].filter((name) => !name.startsWith('ipsec_ts_'))).toEqual([]);
  });

  it('shows the new values on the next scrape, and drops the series of SAs that are gone', async () => {
    let current = snapshot();
    const server = await start({ collect: () => current });
    const before = await scrape(server);
    expect(valueOf(before, 'ipsec_ts_sa_packets_total', { sa: 'old-in', spi: '0x0a0b0000', direction: 'inbound' })).toBe(50);
    current = snapshot({
      packets: { delivered: 1500, dropped: 12, dummy: 3, keepalive: 6, ike: 5 },
      drops: [{ windowsName: 'ERROR_IPSEC_BAD_SPI', windowsCode: 13910, linuxCounter: 'XfrmInNoStates', count: 9 }],
      sas: [sa('site-b-in', 0x0a0b0001, 'inbound', 900)],
      uptimeSeconds: 27,
    });
    const after = await scrape(server);
    expect(valueOf(after, 'ipsec_ts_packets_total', { verdict: 'delivered' })).toBe(1500);
    expect(valueOf(after, 'ipsec_ts_drops_total', { code: '13910', name: 'ERROR_IPSEC_BAD_SPI', linux_counter: 'XfrmInNoStates' })).toBe(9);
    expect(valueOf(after, 'ipsec_ts_drops_total', { code: '13913', name: 'ERROR_IPSEC_REPLAY_CHECK_FAILED', linux_counter: 'XfrmInStateSeqError' })).toBeUndefined();
    expect(valueOf(after, 'ipsec_ts_sa_packets_total', { sa: 'site-b-in', spi: '0x0a0b0001', direction: 'inbound' })).toBe(900);
    expect(valueOf(after, 'ipsec_ts_sa_packets_total', { sa: 'old-in', spi: '0x0a0b0000', direction: 'inbound' })).toBeUndefined();
    expect(valueOf(after, 'ipsec_ts_sas', { direction: 'inbound', state: 'dying' })).toBeUndefined();
    expect(valueOf(after, 'ipsec_ts_uptime_seconds')).toBe(27);
  });

  it('leaves the TUN metrics out while there is no TUN device, and adds them when there is', async () => {
    let current = snapshot({ tun: null });
    const server = await start({ collect: () => current });
    const without = await scrape(server);
    expect([...without.keys()].filter((n) => n.includes('_tun_'))).toEqual([]);
    current = snapshot();
    expect(valueOf(await scrape(server), 'ipsec_ts_tun_read_total')).toBe(410);
    current = snapshot({ tun: null });
    expect([...(await scrape(server)).keys()].filter((n) => n.includes('_tun_'))).toEqual([]);
  });

  it('adds up drop entries that carry the same labels', async () => {
    const drop = { windowsName: 'ERROR_IPSEC_INVALID_PACKET', windowsCode: 13914, linuxCounter: 'XfrmInStateProtoError' };
    const m = await scrape(await start({ collect: () => snapshot({ drops: [{ ...drop, count: 3 }, { ...drop, count: 4 }] }) }));
    expect(valueOf(m, 'ipsec_ts_drops_total', { code: '13914', name: drop.windowsName, linux_counter: drop.linuxCounter })).toBe(7);
  });

  it('escapes SA names with quotes, backslashes and newlines so that they read back unchanged', async () => {
    const name = 'odd "name" \\ with\nnewline';
    const m = await scrape(await start({ collect: () => snapshot({ sas: [sa(name, 0x1000, 'inbound', 5)] }) }));
    expect(valueOf(m, 'ipsec_ts_sa_packets_total', { sa: name, spi: '0x00001000', direction: 'inbound' })).toBe(5);
  });

  it('calls collect once per scrape', async () => {
    let calls = 0;
    const server = await start({ collect: () => { calls++; return snapshot(); } });
    await scrape(server);
    await scrape(server);
    expect(calls).toBe(2);
  });
});

describe('other requests', () => {
  it('answers 404 for any other path, and still serves /metrics with a query string', async () => {
    const server = await start({ collect: () => snapshot() });
    for (const path of ['/', '/metric', '/metrics/x', '/favicon.ico']) {
      const res = await fetch(urlOf(server, path));
      expect(res.status, path).toBe(404);
      expect(await res.text()).toContain('/metrics');
    }
    expect((await fetch(urlOf(server, '/metrics?name[]=x'))).status).toBe(200);
  });

  it('answers 405 with Allow: GET for other methods on /metrics', async () => {
    const server = await start({ collect: () => snapshot() });
    for (const method of ['POST', 'PUT', 'DELETE']) {
      const res = await fetch(urlOf(server), { method, body: method === 'DELETE' ? null : 'x' });
      expect(res.status, method).toBe(405);
      expect(res.headers.get('allow')).toBe('GET');
      await res.text();
    }
  });

  it('answers 500 and logs the error when collect throws, and recovers on the next scrape', async () => {
    const lines: LogLine[] = [];
    let fail = true;
    const server = await start({ collect: () => { if (fail) throw new Error('store closed'); return snapshot(); }, log: recordingLogger(lines) });
    const res = await fetch(urlOf(server));
    expect(res.status).toBe(500);
    expect(await res.text()).not.toContain('store closed');
    expect(lines).toContainEqual(expect.objectContaining({ level: 'error', msg: 'metrics scrape failed', fields: expect.objectContaining({ component: 'metrics' }) }));
    fail = false;
    expect(valueOf(await scrape(server), 'ipsec_ts_packets_total', { verdict: 'delivered' })).toBe(1000);
  });
});

describe('the server', () => {
  it('frees its port on close(), also with a keep-alive scraper connected, and close() can be called twice', async () => {
    const server = await startMetricsServer({ address: '127.0.0.1', port: 0, collect: () => snapshot() });
    const { port } = server.address();
    await scrape(server);
    await server.close();
    await server.close();
    await expect(fetch(urlOf(server))).rejects.toThrow();
    const probe = createServer();
    await new Promise<void>((resolve, reject) => {
      probe.once('error', reject);
      probe.listen(port, '127.0.0.1', () => resolve());
    });
    await new Promise<void>((resolve) => probe.close(() => resolve()));
  });

  it('rejects with what to do next when the port is taken', async () => {
    const first = await start({ collect: () => snapshot() });
    const { port } = first.address();
    await expect(startMetricsServer({ address: '127.0.0.1', port, collect: () => snapshot() }))
      .rejects.toThrow(new RegExp(`cannot listen on 127\\.0\\.0\\.1:${port} \\(EADDRINUSE\\).*choose another metrics`));
  });

  it('refuses a port outside 0..65535 before listening', async () => {
    await expect(startMetricsServer({ address: '127.0.0.1', port: 70000, collect: () => snapshot() })).rejects.toThrow(RangeError);
  });

  it('logs where it listens, and warns when that is not a loopback address', async () => {
    const quiet: LogLine[] = [];
    await start({ collect: () => snapshot(), log: recordingLogger(quiet) });
    expect(quiet.map((l) => l.level)).toEqual(['info']);
    expect(quiet[0]!.fields.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/metrics$/);
    const loud: LogLine[] = [];
    const open = await start({ address: '0.0.0.0', collect: () => snapshot(), log: recordingLogger(loud) });
    expect(loud).toContainEqual(expect.objectContaining({ level: 'warn', msg: expect.stringContaining('non-loopback'), fields: expect.objectContaining({ address: '0.0.0.0' }) }));
    expect(valueOf(await scrape(open), 'ipsec_ts_uptime_seconds')).toBe(12.5);
  });

  it('tells loopback addresses from others', () => {
    for (const a of ['127.0.0.1', '127.3.2.1', '::1', '0:0:0:0:0:0:0:1', '::ffff:127.0.0.1', 'localhost', 'LOCALHOST']) expect(isLoopbackAddress(a), a).toBe(true);
    for (const a of ['0.0.0.0', '::', '10.0.0.1', '::ffff:10.0.0.1', 'fe80::1', '::2', '128.0.0.1', 'example.org']) expect(isLoopbackAddress(a), a).toBe(false);
  });
});

describe('per-SA series cap', () => {
  it('gives the first 10,000 SAs their own series and sums the rest per direction into sa="_other"', async () => {
    const sas: SaSample[] = [];
    for (let i = 0; i < 10_000; i++) sas.push(sa(`sa-${i}`, 0x1000 + i, i % 2 === 0 ? 'inbound' : 'outbound', 1));
    sas.push(sa('late-in-1', 0x9000_0001, 'inbound', 10, { drops: 1 }));
    sas.push(sa('late-in-2', 0x9000_0002, 'inbound', 20, { drops: 2 }));
    sas.push(sa('late-out', 0x9000_0003, 'outbound', 30));
    const m = await scrape(await start({ collect: () => snapshot({ sas }) }));
    const series = family(m, 'ipsec_ts_sa_packets_total').samples;
    expect(series).toHaveLength(10_002);
    expect(valueOf(m, 'ipsec_ts_sa_packets_total', { sa: 'sa-9999', spi: '0x0000370f', direction: 'outbound' })).toBe(1);
    expect(series.some((s) => s.labels.sa!.startsWith('late'))).toBe(false);
    expect(valueOf(m, 'ipsec_ts_sa_packets_total', { sa: '_other', spi: '_other', direction: 'inbound' })).toBe(30);
    expect(valueOf(m, 'ipsec_ts_sa_bytes_total', { sa: '_other', spi: '_other', direction: 'inbound' })).toBe(3000);
    expect(valueOf(m, 'ipsec_ts_sa_drops_total', { sa: '_other', spi: '_other', direction: 'inbound' })).toBe(3);
    expect(valueOf(m, 'ipsec_ts_sa_packets_total', { sa: '_other', spi: '_other', direction: 'outbound' })).toBe(30);
    expect(valueOf(m, 'ipsec_ts_sa_series_folded')).toBe(3);
    expect(valueOf(m, 'ipsec_ts_sas', { direction: 'inbound', state: 'mature' })).toBe(5002);
  });

  it('takes a smaller cap from the options', async () => {
    const sas = [sa('a', 1, 'inbound', 1), sa('b', 2, 'inbound', 2), sa('c', 3, 'outbound', 4)];
    const m = await scrape(await start({ collect: () => snapshot({ sas }), maxSaSeries: 1 }));
    expect(family(m, 'ipsec_ts_sa_packets_total').samples.map((s) => [s.labels.sa, s.labels.direction, s.value]))
      .toEqual([['a', 'inbound', 1], ['_other', 'inbound', 2], ['_other', 'outbound', 4]]);
  });
});

describe('the test parser', () => {
  it('rejects exposition text that breaks the format', () => {
    expect(() => parseExposition('x 1')).toThrow(/newline/);
    expect(() => parseExposition('x 1\n')).toThrow(/before its # TYPE/);
    expect(() => parseExposition('# TYPE x counter\nx{a="1} 2\n')).toThrow();
    expect(() => parseExposition('# TYPE x counter\nx 1 2 3\n')).toThrow(/bad sample/);
    expect(() => parseExposition('# TYPE x counter\nx one\n')).toThrow(/bad sample value/);
    expect(parseExposition('# TYPE x gauge\nx Nan\n# TYPE y gauge\ny -Inf\n').get('y')!.samples[0]!.value).toBe(-Infinity);
    expect(parseExposition('# HELP x h\n# TYPE x counter\nx{a="q\\"\\\\"} 2\n').get('x')!.samples).toEqual([{ name: 'x', labels: { a: 'q"\\' }, value: 2 }]);
  });
});
