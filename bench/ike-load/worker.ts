// A load worker process (forked by client.ts): binds its sockets on its own local address, says
// ready, runs the load on `go`, sends the report and exits.
import { LoadGenerator } from './load-generator.js';
import { openIkeSockets } from './udp-sockets.js';
import type { FromWorker, ToWorker } from './worker-protocol.js';
import { fromWire } from './worker-protocol.js';

function tell(message: FromWorker): Promise<void> {
  return new Promise((resolve) => {
    if (process.send === undefined || !process.connected) resolve();
    else process.send(message, undefined, {}, () => resolve());
  });
}

let generator: LoadGenerator | null = null;
let close: (() => Promise<void>) | null = null;

async function onMessage(message: ToWorker): Promise<void> {
  try {
    if (message.type === 'plan') {
      const { plan, natPort } = fromWire(message.plan);
      const sockets = await openIkeSockets(plan.local, 0, natPort);
      let closing: Promise<void> | null = null;
      close = () => (closing ??= sockets.close());
      generator = new LoadGenerator(plan, sockets);
      await tell({ type: 'ready' });
      return;
    }
    if (generator === null) throw new Error('go before plan');
    const report = await generator.run();
    await tell({ type: 'report', report });
  } catch (err) {
    await tell({ type: 'error', message: (err as Error).message });
  }
  await close?.();
  if (process.connected) process.disconnect();
}

if (process.send === undefined) {
  console.error('worker.js is started by client.js (it needs an IPC channel)');
  process.exitCode = 2;
} else {
  process.on('message', (m: ToWorker) => void onMessage(m));
  // The client went away (or gave up on us): release the sockets so the event loop empties and
  // the process ends by itself. Not process.exit(): a worker once hung for good inside it (main
  // thread on a futex), holding the client's pipes open.
  process.on('disconnect', () => void close?.());
}
