// IKEv2 inside the daemon: the manager, its host, the optional port-500 socket, the timer that
// drives retransmissions and rekeys, and the two places ESP meets IKE: IKE messages arriving on
// the ESP port (non-ESP marker, RFC 3948 2.2) and ESP on an unknown SPI from a peer we hold an
// IKE SA with (answered with INVALID_SPI, RFC 7296 2.21.4).
import { X509Certificate } from 'node:crypto';
import type { ConnectionConfig, IkeSettings } from '../ike/connection.js';
import { TrustStore } from '../ike/auth/certs.js';
import { IkeManager } from '../ike/manager.js';
import type { IkeDatagram } from '../ike/ports.js';
import { UdpTransport } from '../io/udp/udp-transport.js';
import type { IpsecEndpoint } from './endpoint.js';
import { EndpointIkeHost } from './ike-host.js';
import type { EndpointLog } from './ports.js';

const NON_ESP_MARKER = Buffer.alloc(4);
const TICK_MS = 250;

export interface IkeRuntime {
  readonly manager: IkeManager;
  readonly host: EndpointIkeHost;
  /** The IKE-only port (500 by default), or null when IKE runs on the ESP port only. */
  readonly ikePort: number | null;
  close(): Promise<void>;
}

export async function startIkeRuntime(endpoint: IpsecEndpoint, connections: readonly ConnectionConfig[], settings: IkeSettings,
  log: EndpointLog): Promise<IkeRuntime> {
  const listen = endpoint.listen;
  let ikeSocket: UdpTransport | null = null;
  const send = (d: IkeDatagram): void => {
    if (d.local.port === listen.port) endpoint.sendDatagram(Buffer.concat([NON_ESP_MARKER, d.bytes]), d.remote.address, d.remote.port);
    else ikeSocket?.send(d.bytes, d.remote.port, d.remote.address);
  };
  const host = new EndpointIkeHost(endpoint, send, log);
  const trust = settings.caCertificates.length === 0 ? null : TrustStore.fromCertificates(settings.caCertificates.map((der) => new X509Certificate(der)));
  const manager = new IkeManager({ host, settings, connections, trust, natPort: listen.port, localAddress: listen.address });
  endpoint.setIkeHandler((bytes, from, to) => manager.receive(bytes, { address: localAddressFor(to, from.address, connections), port: listen.port }, from));
  endpoint.on('drop', (record, verdict) => {
    // A packet for a trap policy (start_action trap) with no SA yet: negotiate it (an "acquire").
    if (record.direction === 'outbound' && record.kind === 'outbound-no-sa') {
      const policy = record.evidence['policy'];
      if (typeof policy === 'string' && policy.startsWith('ike-')) manager.acquire(Number(policy.slice(4)));
      return;
    }
    if (record.direction !== 'inbound' || verdict.kind.code !== 13910 || verdict.spi === null || record.peer === null) return;
    if (!worthInvalidSpi(record.cause, record.reason)) return;
    manager.onUnknownEspSpi(verdict.spi, addressOfPeer(record.peer));
  });
  if (settings.port !== null && settings.port !== listen.port) {
    const port = settings.port;
    ikeSocket = await UdpTransport.bind(listen.address, port, (payload, from) => {
      manager.receive(payload, { address: localAddressFor(listen.address, from.address, connections), port }, { address: from.address, port: from.port });
    });
  }
  const timer = setInterval(() => manager.tick(Date.now()), TICK_MS);
  timer.unref();
  manager.startAll();
  return {
    manager, host, ikePort: ikeSocket?.port ?? null,
    async close() {
      clearInterval(timer);
      for (const name of manager.connectionNames()) manager.terminate(name);
      await ikeSocket?.close();
    },
  };
}

/**
 * Which BAD_SPI drops mean the peer sends on an SA we no longer have and should be told
 * (RFC 7296 2.21.4): an SPI we never knew (we lost our state), one deleted here but not by a rekey,
 * or one that expired here. Not: a packet racing a negotiation (not-yet-installed), a late packet
 * after a rekey's grace period, or a packet on our own outbound SPI.
 */
function worthInvalidSpi(cause: string | null, reason: string): boolean {
  if (cause === 'never-established' || cause === 'expired') return true;
  return cause === 'deleted' && reason !== 'rekeyed';
}

/** With a wildcard listen address, our address is the one a connection to this peer names. */
function localAddressFor(listen: string, peer: string, connections: readonly ConnectionConfig[]): string {
  if (listen !== '0.0.0.0' && listen !== '::') return listen;
  return connections.find((c) => c.remoteAddress === peer && c.localAddress !== null)?.localAddress ?? listen;
}

/** "198.51.100.2:4500" or "[2001:db8::1]:4500" -> the address. */
function addressOfPeer(peer: string): string {
  if (peer.startsWith('[')) return peer.slice(1, peer.indexOf(']'));
  return peer.slice(0, peer.lastIndexOf(':'));
}

