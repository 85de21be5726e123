// What the benchmark needs from each implementation: bring a fresh tunnel up between two
// namespaces (checked with a ping through it), say where its logs are, take it down again.
import { readFileSync } from 'node:fs';
import type { TunnelEnds } from './iperf3-run.js';

export type Implementation = 'strongSwan' | 'ipsec-ts';

export interface Tunnel {
  readonly ends: TunnelEnds;
  /** Folder for the logs of this tunnel (daemons, iperf3 servers). */
  readonly logDir: string;
  /** Resident memory of the two IPsec processes in KiB (summed), or null when unknown. */
  residentKib(): number | null;
  /** Stops the peers and deletes their namespaces; safe to call twice, never rejects. */
  down(): Promise<void>;
}

export interface TunnelKind {
  readonly implementation: Implementation;
  /** Why this one cannot run here (a missing tool or build), or null. */
  unavailableReason(): string | null;
  /**
   * Starts fresh peers, their files under runDir (kept by the caller when keepLogs is set);
   * rejects with a message that says what to check.
   */
  up(runDir: string, options: { readonly keepLogs: boolean }): Promise<Tunnel>;
}

/** VmRSS of a process in KiB (from /proc/<pid>/status), or null when it is gone. */
export function residentKibOf(pid: number): number | null {
  let status: string;
  try {
    status = readFileSync(`/proc/${pid}/status`, 'utf8');
  } catch {
    return null;
  }
  const m = /^VmRSS:\s+(\d+) kB/m.exec(status);
  return m === null ? null : Number(m[1]);
}
