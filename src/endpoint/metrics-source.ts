// Reads the endpoint's counters into the plain snapshot the Prometheus endpoint renders.
import { DROP_KINDS } from '../verdict/drop-kinds.js';
import { spiHex } from '../wire/bytes.js';
import type { IpsecEndpoint } from './endpoint.js';
import type { MetricsSnapshot, TunCounts } from './metrics/snapshot.js';

export function metricsSnapshotOf(endpoint: IpsecEndpoint, tun: (() => TunCounts) | null): MetricsSnapshot {
  const c = endpoint.inbound.counters;
  const snap = c.snapshot();
  const drops = Object.values(DROP_KINDS)
    .map((k) => ({ windowsName: k.name, windowsCode: k.code, linuxCounter: k.linuxCounter ?? 'none', count: c.drop(k.id) }))
    .filter((d) => d.count > 0);
  return {
    drops,
    packets: { delivered: snap.delivered, dropped: snap.dropped, dummy: snap.dummy, keepalive: snap.keepalive, ike: snap.ike },
    sas: endpoint.sad.list().map((sa) => ({
      name: sa.config.label ?? spiHex(sa.spi), spi: sa.spi, direction: sa.config.direction,
      packets: sa.packets, bytes: sa.bytes, drops: Object.values(sa.dropSummary()).reduce((a, b) => a + (b ?? 0), 0), state: sa.state,
    })),
    udp: endpoint.udpStats(),
    tun: tun === null ? null : tun(),
    uptimeSeconds: Math.round((Date.now() - endpoint.startedAt) / 1000),
  };
}
