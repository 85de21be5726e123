// The messages between the load client and its worker processes (node IPC, JSON): the plan goes
// down, the worker says it is bound and ready, `go` starts every worker at once, the report comes
// back. Buffers travel as hex.
import type { WorkerPlan } from './load-generator.js';
import type { WorkerReport } from './report.js';

export type WirePlan = Omit<WorkerPlan, 'psk'> & { readonly pskHex: string; readonly natPort: number };

export type ToWorker = { readonly type: 'plan'; readonly plan: WirePlan } | { readonly type: 'go' };

export type FromWorker =
  | { readonly type: 'ready' }
  | { readonly type: 'report'; readonly report: WorkerReport }
  | { readonly type: 'error'; readonly message: string };

export function toWire(plan: WorkerPlan, natPort: number): WirePlan {
  const { psk, ...rest } = plan;
  return { ...rest, pskHex: psk.toString('hex'), natPort };
}

export function fromWire(wire: WirePlan): { plan: WorkerPlan; natPort: number } {
  const { pskHex, natPort, ...rest } = wire;
  return { plan: { ...rest, psk: Buffer.from(pskHex, 'hex') }, natPort };
}
