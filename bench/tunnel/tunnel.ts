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
  /** User + system CPU seconds the two IPsec processes used so far (all threads), or null. */
  cpuSeconds(): number | null;
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

const CLOCK_TICKS_PER_SECOND = 100; // USER_HZ: what /proc/<pid>/stat counts in on Linux

/** utime + stime of a process in seconds (from /proc/<pid>/stat), or null when it is gone. */
export function cpuSecondsOf(pid: number): number | null {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return null;
  }
  // proc(5): the command name in parentheses may hold spaces; fields 14 and 15 follow it.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ticks = Number(fields[11]) + Number(fields[12]);
  return Number.isFinite(ticks) ? ticks / CLOCK_TICKS_PER_SECOND : null;
}

/** The sum over pids, or null when any of them is unknown or gone. */
export function sumOver(pids: readonly (number | null)[], of: (pid: number) => number | null): number | null {
  let sum = 0;
  for (const pid of pids) {
    const v = pid === null ? null : of(pid);
    if (v === null) return null;
    sum += v;
  }
  return sum;
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
