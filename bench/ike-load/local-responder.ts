// An in-process IKE responder on UDP sockets (our IkeManager, nothing installed anywhere): what
// the load client's test runs against without root or namespaces. Same connection shape as the
// benchmark's daemon: remote address %any, the client's identity fixed, PSK, one child.
import { randomBytes } from 'node:crypto';
import { parseIdentity } from '../../src/ike/auth/identity.js';
import type { ConnectionConfig } from '../../src/ike/connection.js';
import { IkeManager } from '../../src/ike/manager.js';
import type { IkeEvent, IkeHost } from '../../src/ike/ports.js';
import { loadConnection, loadSettings } from './connection.js';
import { openIkeSockets } from './udp-sockets.js';

export interface LocalResponderOptions {
  readonly address: string;
  readonly psk: Buffer;
  /** Our identity and the one the client must prove. */
  readonly id: string;
  readonly clientId: string;
}

export interface LocalResponder {
  /** The UDP port IKE_SA_INIT goes to (the NAT-T socket is only used after a NAT switch). */
  readonly port: number;
  /** Events by type, e.g. counts['child-installed']. */
  readonly counts: Readonly<Record<string, number>>;
  /** IKE SAs the responder holds right now (half-open ones included). */
  ikeSas(): number;
  close(): Promise<void>;
}

function responderConnection(options: LocalResponderOptions): ConnectionConfig {
  const base = loadConnection({
    local: options.address, target: options.address, port: 0, psk: options.psk, id: options.id, remoteId: options.clientId,
    ikeProposal: 'aes128gcm16-prfsha256-x25519', espProposal: 'aes128gcm16', localTs: '10.2.0.0/24', remoteTs: '10.1.0.0/24', encap: false,
  });
  const clientId = parseIdentity(options.clientId);
  if (!base.ok || !clientId.ok) throw new RangeError(base.ok ? `clientId: ${options.clientId}` : base.message);
  return { ...base.connection, name: 'load-responder', remoteAddress: '%any', remoteId: clientId.identity };
}

export async function startLocalResponder(options: LocalResponderOptions): Promise<LocalResponder> {
  const sockets = await openIkeSockets(options.address, 0, 0);
  const counts: Record<string, number> = {};
  let nextSpi = 0x1000;
  const host: IkeHost = {
    now: () => Date.now(),
    randomBytes: (n) => randomBytes(n),
    send: (d) => sockets.send(d),
    allocateSpi: () => ++nextSpi,
    installChildSa: () => undefined,
    removeChildSa: () => undefined,
    installPolicy: () => undefined,
    removePolicy: () => undefined,
    event: (e: IkeEvent) => {
      counts[e.type] = (counts[e.type] ?? 0) + 1;
    },
  };
  const settings = loadSettings(sockets.ikePort, 30_000);
  const manager = new IkeManager({ host, settings, connections: [responderConnection(options)], trust: null, natPort: sockets.natPort, localAddress: options.address });
  sockets.onDatagram((bytes, local, remote) => manager.receive(bytes, local, remote));
  const timer = setInterval(() => manager.tick(Date.now()), 100);
  return {
    port: sockets.ikePort,
    counts,
    ikeSas: () => manager.all().length,
    close: async () => {
      clearInterval(timer);
      await sockets.close();
    },
  };
}
