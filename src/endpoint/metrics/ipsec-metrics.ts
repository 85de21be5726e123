// The metrics, in a private prom-client Registry (never the global one: a library user may have
// their own). Values are set from one MetricsSnapshot per scrape, in each metric's collect()
// hook, so the data path only keeps the plain counters it keeps anyway.
//
// Counters from a snapshot: a prom-client Counter cannot be set, but in collect() we reset it
// and inc() it by the snapshot's value. That keeps `# TYPE ... counter` in the exposition (a
// Gauge would say gauge, and PromQL's rate() would then be applied to a "gauge"), and since
// the snapshot's values only grow, the series behave as counters should. A daemon restart
// starts them at 0 again, which rate() treats as a counter reset, as it must.
import { Counter, Gauge, Registry, collectDefaultMetrics } from 'prom-client';
import type { MetricsSnapshot } from './snapshot.js';
import { capSaSeries, DEFAULT_MAX_SA_SERIES } from './sa-series.js';
import type { CappedSaSeries } from './sa-series.js';

export const METRIC_PREFIX = 'ipsec_ts_';

type Labels = Readonly<Record<string, string>>;
type Sample = readonly [labels: Labels, value: number];

interface Scrape {
  readonly snapshot: MetricsSnapshot;
  readonly sas: CappedSaSeries;
}

export interface IpsecMetrics {
  readonly registry: Registry;
  readonly contentType: string;
  /** The exposition text for this snapshot. Scrapes run one at a time. */
  render(snapshot: MetricsSnapshot): Promise<string>;
}

export function createIpsecMetrics(opts: { maxSaSeries?: number } = {}): IpsecMetrics {
  const maxSaSeries = opts.maxSaSeries ?? DEFAULT_MAX_SA_SERIES;
  if (!Number.isInteger(maxSaSeries) || maxSaSeries < 0) {
    throw new RangeError(`createIpsecMetrics: maxSaSeries must be an integer >= 0, not ${maxSaSeries}`);
  }
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: METRIC_PREFIX });
  let scrape: Scrape | null = null;
  const current = (): Scrape | null => scrape;
  defineDatapathMetrics(registry, current);
  defineSaMetrics(registry, current);
  const tun = tunMetrics(registry, current);
  let queue: Promise<unknown> = Promise.resolve();
  const renderNow = async (snapshot: MetricsSnapshot): Promise<string> => {
    scrape = { snapshot, sas: capSaSeries(snapshot.sas, maxSaSeries) };
    tun.present(snapshot.tun !== null);
    try {
      return await registry.metrics();
    } finally {
      scrape = null;
    }
  };
  return {
    registry,
    contentType: registry.contentType,
    render(snapshot) {
      const result = queue.then(() => renderNow(snapshot));
      queue = result.catch(() => undefined);
      return result;
    },
  };
}

/** A counter whose samples come from the scrape's snapshot. */
function snapshotCounter(
  registry: Registry, current: () => Scrape | null,
  name: string, help: string, labelNames: readonly string[], samples: (s: Scrape) => Iterable<Sample>,
): Counter {
  return new Counter({
    name, help, labelNames, registers: [registry],
    collect() {
      this.reset();
      const s = current();
      if (s === null) return;
      for (const [labels, value] of samples(s)) {
        if (Number.isFinite(value) && value >= 0) this.inc(labels, value);
      }
    },
  });
}

function snapshotGauge(
  registry: Registry, current: () => Scrape | null,
  name: string, help: string, labelNames: readonly string[], samples: (s: Scrape) => Iterable<Sample>,
): Gauge {
  return new Gauge({
    name, help, labelNames, registers: [registry],
    collect() {
      this.reset();
      const s = current();
      if (s === null) return;
      for (const [labels, value] of samples(s)) {
        if (Number.isFinite(value)) this.set(labels, value);
      }
    },
  });
}

function defineDatapathMetrics(registry: Registry, current: () => Scrape | null): void {
  snapshotCounter(registry, current, `${METRIC_PREFIX}drops_total`,
    'Packets dropped, by Windows error (code, name) and Linux xfrm_stat counter (none: Linux has no counter for it).',
    ['code', 'name', 'linux_counter'],
    (s) => s.snapshot.drops.map((d) => [{ code: String(d.windowsCode), name: d.windowsName, linux_counter: d.linuxCounter }, d.count]));
  snapshotCounter(registry, current, `${METRIC_PREFIX}packets_total`,
    'Packets by how the data path ended them: delivered, dropped, dummy (RFC 4303 next header 59), keepalive (RFC 3948 NAT keepalive), ike (handed to the key exchange).',
    ['verdict'],
    (s) => Object.entries(s.snapshot.packets).map(([verdict, n]) => [{ verdict }, n]));
  snapshotCounter(registry, current, `${METRIC_PREFIX}udp_received_total`, 'UDP datagrams received on the ESP-in-UDP socket.', [],
    (s) => [[{}, s.snapshot.udp.received]]);
  snapshotCounter(registry, current, `${METRIC_PREFIX}udp_sent_total`, 'UDP datagrams sent from the ESP-in-UDP socket.', [],
    (s) => [[{}, s.snapshot.udp.sent]]);
  snapshotCounter(registry, current, `${METRIC_PREFIX}udp_send_errors_total`, 'UDP sends that failed (see the log for the socket error).', [],
    (s) => [[{}, s.snapshot.udp.sendErrors]]);
  snapshotGauge(registry, current, `${METRIC_PREFIX}uptime_seconds`, 'Seconds since the endpoint started.', [],
    (s) => [[{}, s.snapshot.uptimeSeconds]]);
}

function defineSaMetrics(registry: Registry, current: () => Scrape | null): void {
  const perSa = (help: string, field: 'packets' | 'bytes' | 'drops'): void => {
    snapshotCounter(registry, current, `${METRIC_PREFIX}sa_${field}_total`, help, ['sa', 'spi', 'direction'],
      (s) => s.sas.series.map((x) => [x.labels, x[field]]));
  };
  perSa('Packets accounted on the SA (sa="_other": SAs beyond the series cap, summed).', 'packets');
  perSa('Bytes of those packets (sa="_other": SAs beyond the series cap, summed).', 'bytes');
  perSa('Packets dropped on the SA (sa="_other": SAs beyond the series cap, summed).', 'drops');
  snapshotGauge(registry, current, `${METRIC_PREFIX}sas`, 'SAs installed, by direction and lifecycle state.', ['direction', 'state'],
    (s) => saCountsByState(s.snapshot));
  snapshotGauge(registry, current, `${METRIC_PREFIX}sa_series_folded`, 'SAs without their own per-SA series (summed into sa="_other").', [],
    (s) => [[{}, s.sas.folded]]);
}

// Every SA counts here, also those beyond the series cap: direction x state is a handful of series.
function saCountsByState(snapshot: MetricsSnapshot): Sample[] {
  const counts = new Map<string, { labels: Labels; n: number }>();
  for (const sa of snapshot.sas) {
    const key = `${sa.direction}/${sa.state}`;
    const entry = counts.get(key) ?? { labels: { direction: sa.direction, state: sa.state }, n: 0 };
    entry.n += 1;
    counts.set(key, entry);
  }
  return [...counts.values()].map(({ labels, n }) => [labels, n]);
}

/** TUN metrics exist only while the endpoint has a TUN device (absent, not 0, without one). */
function tunMetrics(registry: Registry, current: () => Scrape | null): { present(yes: boolean): void } {
  const defs: readonly [string, string, (t: NonNullable<MetricsSnapshot['tun']>) => number][] = [
    ['tun_read_total', 'Packets read from the TUN device (traffic to protect).', (t) => t.read],
    ['tun_written_total', 'Packets written to the TUN device (delivered inbound traffic).', (t) => t.written],
    ['tun_write_errors_total', 'Writes to the TUN device that failed.', (t) => t.writeErrors],
    ['tun_read_drops_total', 'Packets read from the TUN device that were not sent (policy, no SA, ...).', (t) => t.readDrops],
  ];
  let registered = false;
  return {
    present(yes) {
      if (yes === registered) return;
      registered = yes;
      for (const [name, help, of] of defs) {
        if (!yes) registry.removeSingleMetric(`${METRIC_PREFIX}${name}`);
        else snapshotCounter(registry, current, `${METRIC_PREFIX}${name}`, help, [], (s) => (s.snapshot.tun === null ? [] : [[{}, of(s.snapshot.tun)]]));
      }
    },
  };
}
