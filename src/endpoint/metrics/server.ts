// The opt-in Prometheus endpoint: GET /metrics on its own small HTTP server, nothing else.
// Off unless the config has `metrics:`; meant for 127.0.0.1 (a scraper on the host, or a
// tunnel). Listening elsewhere works, with a warning: SA names, SPIs and traffic counts are
// no secret like keys, but they are not for everyone either.
import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { EndpointLogger } from '../log/logger.js';
import { nullLogger } from '../log/logger.js';
import { createIpsecMetrics } from './ipsec-metrics.js';
import type { IpsecMetrics } from './ipsec-metrics.js';
import { isLoopbackAddress } from './loopback.js';
import type { MetricsSnapshot } from './snapshot.js';

export const METRICS_PATH = '/metrics';

export interface MetricsServerOptions {
  readonly address: string;
  /** 0 picks a free port (tests). */
  readonly port: number;
  /** Called once per scrape. */
  readonly collect: () => MetricsSnapshot;
  readonly log?: EndpointLogger;
  /** SAs with their own per-SA series; the rest are summed into sa="_other" (default 10,000). */
  readonly maxSaSeries?: number;
}

export interface MetricsServer {
  /** Stops listening and ends open connections (keep-alive scrapers included). */
  close(): Promise<void>;
  address(): { address: string; port: number };
}

export async function startMetricsServer(opts: MetricsServerOptions): Promise<MetricsServer> {
  checkOptions(opts);
  const log = (opts.log ?? nullLogger).child({ component: 'metrics' });
  const metrics = createIpsecMetrics(opts.maxSaSeries === undefined ? {} : { maxSaSeries: opts.maxSaSeries });
  const server = createServer((req, res) => {
    handle(req, res, metrics, opts.collect, log).catch((err: unknown) => log.error('metrics request failed', { err }));
  });
  await listen(server, opts.address, opts.port);
  const bound = server.address() as AddressInfo;
  const url = `http://${bound.family === 'IPv6' ? `[${bound.address}]` : bound.address}:${bound.port}${METRICS_PATH}`;
  log.info('metrics endpoint listening', { url });
  if (!isLoopbackAddress(opts.address)) {
    log.warn('metrics endpoint listens on a non-loopback address: other hosts can read SA names, SPIs and traffic counts; '
      + 'set metrics.address to 127.0.0.1 or firewall the port', { address: opts.address, port: bound.port });
  }
  server.on('error', (err) => log.error('metrics server error', { err }));
  return serverHandle(server, bound);
}

function checkOptions(opts: MetricsServerOptions): void {
  if (typeof opts.address !== 'string' || opts.address === '') {
    throw new TypeError('startMetricsServer: address must be an IP address or host name (e.g. 127.0.0.1)');
  }
  if (!Number.isInteger(opts.port) || opts.port < 0 || opts.port > 65535) {
    throw new RangeError(`startMetricsServer: port must be an integer 0..65535, not ${opts.port}`);
  }
  if (typeof opts.collect !== 'function') throw new TypeError('startMetricsServer: collect must be a function returning a MetricsSnapshot');
}

function listen(server: Server, address: string, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (err: NodeJS.ErrnoException): void => {
      server.off('listening', onListening);
      reject(new Error(`metrics endpoint cannot listen on ${address}:${port} (${err.code ?? err.message}): `
        + 'choose another metrics.address/metrics.port in the config, or stop what holds that port', { cause: err }));
    };
    const onListening = (): void => {
      server.off('error', onError);
      resolve();
    };
    server.once('error', onError);
    server.once('listening', onListening);
    server.listen({ host: address, port });
  });
}

async function handle(req: IncomingMessage, res: ServerResponse, metrics: IpsecMetrics,
  collect: () => MetricsSnapshot, log: EndpointLogger): Promise<void> {
  const path = new URL(req.url ?? '/', 'http://metrics.invalid').pathname;
  if (path !== METRICS_PATH) return reply(res, 404, `not found: the metrics are at ${METRICS_PATH}\n`);
  if (req.method !== 'GET') {
    res.setHeader('Allow', 'GET');
    return reply(res, 405, `method ${req.method ?? '?'} not allowed: use GET ${METRICS_PATH}\n`);
  }
  let body: string;
  try {
    body = await metrics.render(collect());
  } catch (err) {
    log.error('metrics scrape failed', { err });
    return reply(res, 500, 'metrics scrape failed; the daemon log says why\n');
  }
  reply(res, 200, body, metrics.contentType);
}

function reply(res: ServerResponse, status: number, body: string, contentType = 'text/plain; charset=utf-8'): void {
  res.writeHead(status, { 'Content-Type': contentType, 'Cache-Control': 'no-store' });
  res.end(body);
}

function serverHandle(server: Server, bound: AddressInfo): MetricsServer {
  let closing: Promise<void> | null = null;
  return {
    address: () => ({ address: bound.address, port: bound.port }),
    close() {
      closing ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      return closing;
    },
  };
}
