// `ipsec-ts up`: the endpoint with everything around it. Order matters at start: the store
// first (a broken store must stop us before any packet leaves), then the UDP socket, the
// policies and SAs, the TUN device, the control socket and the metrics endpoint. At stop, the
// reverse, and the store is flushed last.
import type { DaemonConfig } from '../config/types.js';
import type { TransformSpec } from '../esp/transform-spec.js';
import type { PolicyInit } from '../spd/policy.js';
import { drop, diagnosis } from '../verdict/verdict.js';
import { openTunDevice } from '../io/tun/tun-device.js';
import type { TunDevice } from '../io/tun/tun-device.js';
import { IpsecEndpoint } from './endpoint.js';
import type { EntryParse } from './control-handlers.js';
import { createControlHandlers } from './control-handlers.js';
import { startControlServer } from './control/server.js';
import type { ControlServer } from './control/server.js';
import { startMetricsServer } from './metrics/server.js';
import type { MetricsServer } from './metrics/server.js';
import { metricsSnapshotOf } from './metrics-source.js';
import type { EndpointLogger } from './log/logger.js';
import { StateStore } from './store/state-store.js';
import { startIkeRuntime } from './ike-runtime.js';
import type { IkeRuntime } from './ike-runtime.js';
import type { ManualSaConfig } from '../config/types.js';
import { DAEMON_NODE_FLAGS, missingDaemonNodeFlags } from './node-flags.js';

export interface DaemonDeps {
  readonly version: string;
  readonly log: EndpointLogger;
  readonly parseSaEntry: (entry: unknown) => EntryParse<ManualSaConfig>;
  readonly parsePolicyEntry: (entry: unknown) => EntryParse<PolicyInit>;
  readonly transformName: (spec: TransformSpec) => string;
}

export interface RunningDaemon {
  readonly endpoint: IpsecEndpoint;
  readonly controlSocket: string;
  readonly metrics: { readonly address: string; readonly port: number } | null;
  readonly tun: { readonly name: string; readonly mtu: number } | null;
  stop(): Promise<void>;
}

/** Starts the daemon; throws an Error whose message tells the user what to do. Cleans up on failure. */
export async function startDaemon(config: DaemonConfig, deps: DaemonDeps): Promise<RunningDaemon> {
  const log = deps.log;
  const cleanups: (() => Promise<void> | void)[] = [];
  const undo = async (): Promise<void> => {
    for (const f of cleanups.splice(0).reverse()) {
      try {
        await f();
      } catch (err) {
        log.warn('cleanup step failed', { error: String(err) });
      }
    }
  };
  try {
    const store = StateStore.open(config.stateDir, {
      reserveBlock: config.sequenceReserveBlock,
      onBackgroundError: (err) => log.error('the drop log could not be written', { error: err.message, reason: err.reason }),
    });
    cleanups.push(() => store.close());
    const persistence = store;

    const endpoint = await IpsecEndpoint.open({
      listen: config.listen, defaultAction: config.defaultAction, keepaliveMs: config.keepaliveMs,
      log: log.child({ component: 'endpoint' }), persistence,
    });
    cleanups.push(() => endpoint.close());
    for (const p of config.policies) endpoint.addPolicy(p);
    for (const sa of config.sas) endpoint.addSa(sa);

    // IKE after the manual SAs: its children take reqids of their own (ike/manager.ts).
    let ike: IkeRuntime | null = null;
    if (config.connections.length > 0) {
      ike = await startIkeRuntime(endpoint, config.connections, config.ike, log.child({ component: 'ike' }));
      const runtime = ike;
      cleanups.push(() => runtime.close());
    }

    let tun: TunDevice | null = null;
    if (config.tun !== null) {
      tun = await openTunDevice(config.tun);
      const device = tun;
      cleanups.push(() => device.close());
      wireTun(endpoint, device);
    }

    const handlers = createControlHandlers({
      endpoint, version: deps.version, configFile: config.source, stateDir: config.stateDir, persistence,
      tun: tun === null ? null : { name: tun.name, mtu: tun.mtu, stats: () => tun!.stats() },
      parseSaEntry: deps.parseSaEntry, parsePolicyEntry: deps.parsePolicyEntry, transformName: deps.transformName, ike,
    });
    const control: ControlServer = await startControlServer({
      path: config.control.socket, mode: config.control.mode, handlers,
      log: (level, msg, fields) => log[level](msg, fields),
    });
    cleanups.push(() => control.close());

    let metrics: MetricsServer | null = null;
    if (config.metrics !== null) {
      const device = tun;
      metrics = await startMetricsServer({
        address: config.metrics.address, port: config.metrics.port, log,
        collect: () => metricsSnapshotOf(endpoint, device === null ? null : () => device.stats()),
      });
      const m = metrics;
      cleanups.push(() => m.close());
    }
    log.info('ipsec-ts is up', {
      listen: endpoint.listen, control: config.control.socket, tun: tun?.name ?? null,
      metrics: metrics?.address() ?? null, sas: config.sas.length, policies: config.policies.length,
    });
    const missing = missingDaemonNodeFlags();
    if (missing.length > 0) {
      log.warn('node runs without the daemon\'s GC flags: expect delivery bursts (and UDP loss in receivers with small socket buffers) above about 100 Mbit/s', {
        missing, advice: `start the daemon through the ipsec-ts launcher (bin/ipsec-ts.js), or run node ${DAEMON_NODE_FLAGS.join(' ')} bin/ipsec-ts.js up ...`,
      });
    }
    return {
      endpoint, controlSocket: config.control.socket, metrics: metrics?.address() ?? null,
      tun: tun === null ? null : { name: tun.name, mtu: tun.mtu },
      stop: async () => {
        await undo();
        log.info('ipsec-ts stopped');
      },
    };
  } catch (err) {
    await undo();
    throw err;
  }
}

/**
 * Packets the kernel routes into the TUN device go out protected; delivered packets go back in.
 * A packet routed into the device that no PROTECT policy covers cannot go out in the clear from
 * here (it would come straight back): it is refused with a diagnosis. Both ways go in batches:
 * the ESP datagrams of one TUN batch leave in one flush, and the packets delivered from one UDP
 * batch enter the device in one writeBatch.
 */
function wireTun(endpoint: IpsecEndpoint, tun: TunDevice): void {
  tun.onPackets((packets) => {
    for (const p of packets) {
      const r = endpoint.send(p);
      if (r.verdict === 'bypass') {
        endpoint.recordOutboundDrop(drop('outbound-blocked', null, null, diagnosis(null, 'no-protect-policy',
          `a packet routed into ${tun.name} matches no PROTECT policy, so it cannot leave through the tunnel`,
          { device: tun.name }, `Route only protected prefixes into ${tun.name}, or add a PROTECT policy for this traffic (\`ipsec-ts policy add\`).`)));
      }
    }
    endpoint.flush();
  });
  const pending: Buffer[] = [];
  let scheduled = false;
  const writePending = (): void => {
    scheduled = false;
    if (pending.length === 0) return;
    tun.writeBatch(pending);
    pending.length = 0;
  };
  endpoint.on('delivered', (packet) => {
    pending.push(packet);
    // 'batch-end' writes them; the microtask covers packets delivered outside a UDP batch.
    if (!scheduled) {
      scheduled = true;
      queueMicrotask(writePending);
    }
  });
  endpoint.on('batch-end', writePending);
}
