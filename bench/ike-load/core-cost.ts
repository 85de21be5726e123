// Not part of the benchmark: what one responder handshake costs the IKE core alone (no sockets,
// no SAD, no other process on the CPU). An initiator and a responder IkeManager exchange
// datagrams in memory: IKE_SA_INIT, IKE_AUTH with one child, DELETE; the time inside the
// responder's receive() is summed. Run it under --cpu-prof to see the core's hot spots.
//   node [--cpu-prof] dist/bench/ike-load/core-cost.js [--handshakes 2000]
import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { parseIdentity } from '../../src/ike/auth/identity.js';
import { IkeManager } from '../../src/ike/manager.js';
import type { IkeDatagram, IkeHost, UdpAddress } from '../../src/ike/ports.js';
import { CHILD_NAME, CONNECTION_NAME, loadConnection, loadSettings } from './connection.js';

const PSK = randomBytes(32);
const I: UdpAddress = { address: '198.51.100.11', port: 500 };
const R: UdpAddress = { address: '198.51.100.2', port: 500 };

function memoryHost(outbox: IkeDatagram[], events: string[]): IkeHost {
  let spi = 0x1000;
  return {
    now: () => performance.now(), randomBytes: (n) => randomBytes(n), send: (d) => void outbox.push(d), allocateSpi: () => ++spi,
    installChildSa: () => undefined, removeChildSa: () => undefined, installPolicy: () => undefined, removePolicy: () => undefined,
    event: (e) => void events.push(e.type),
  };
}

function responder(outbox: IkeDatagram[], events: string[]): IkeManager {
  const base = loadConnection({ local: R.address, target: R.address, port: 500, psk: PSK, id: 'responder@bench.test', remoteId: 'client@bench.test',
    ikeProposal: 'aes128gcm16-prfsha256-x25519', espProposal: 'aes128gcm16', localTs: '10.2.0.0/24', remoteTs: '10.1.0.0/24', encap: true });
  const clientId = parseIdentity('client@bench.test');
  if (!base.ok || !clientId.ok) throw new Error('bad responder connection');
  const connection = { ...base.connection, name: 'load-responder', remoteAddress: '%any' as const, remoteId: clientId.identity };
  return new IkeManager({ host: memoryHost(outbox, events), settings: loadSettings(500, 30_000), connections: [connection], trust: null, natPort: 4500, localAddress: R.address });
}

/** One handshake plus DELETE; returns the milliseconds spent inside the responder. */
function handshake(r: IkeManager, toResponder: IkeDatagram[], toInitiator: IkeDatagram[], iEvents: string[]): number {
  const c = loadConnection({ local: I.address, target: R.address, port: 500, psk: PSK, id: 'client@bench.test', remoteId: 'responder@bench.test',
    ikeProposal: 'aes128gcm16-prfsha256-x25519', espProposal: 'aes128gcm16', localTs: '10.1.0.0/24', remoteTs: '10.2.0.0/24', encap: false });
  if (!c.ok) throw new Error(c.message);
  const i = new IkeManager({ host: memoryHost(toResponder, iEvents), settings: loadSettings(500, 30_000), connections: [c.connection], trust: null, natPort: 4500, localAddress: I.address });
  i.initiate(CONNECTION_NAME, CHILD_NAME);
  let spent = 0;
  let deleted = false;
  for (let steps = 0; steps < 20 && (toResponder.length > 0 || toInitiator.length > 0); steps++) {
    for (const d of toResponder.splice(0)) {
      const t = performance.now();
      r.receive(d.bytes, d.remote, d.local);
      spent += performance.now() - t;
    }
    for (const d of toInitiator.splice(0)) i.receive(d.bytes, d.remote, d.local);
    if (!deleted && iEvents.includes('child-installed')) {
      deleted = true;
      i.terminate(CONNECTION_NAME);
    }
  }
  if (!iEvents.includes('ike-closed')) throw new Error(`handshake did not complete: ${iEvents.join(', ')}`);
  iEvents.length = 0;
  return spent;
}

const { values } = parseArgs({ options: { handshakes: { type: 'string', default: '2000' } } });
const n = Number(values.handshakes);
const toResponder: IkeDatagram[] = [];
const toInitiator: IkeDatagram[] = [];
const rEvents: string[] = [];
const r = responder(toInitiator, rEvents);
for (let k = 0; k < Math.min(200, n); k++) handshake(r, toResponder, toInitiator, []);
let total = 0;
const cpu = process.cpuUsage();
for (let k = 0; k < n; k++) total += handshake(r, toResponder, toInitiator, []);
const used = process.cpuUsage(cpu);
console.log(`responder IKE core: ${(total / n).toFixed(3)} ms per handshake (IKE_SA_INIT + IKE_AUTH + DELETE, ${n} handshakes, wall time inside receive())`);
console.log(`both sides: ${((used.user + used.system) / 1000 / n).toFixed(3)} ms CPU per handshake; responder SAs left: ${r.all().length}`);
