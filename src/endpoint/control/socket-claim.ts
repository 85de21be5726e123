// Before a daemon listens on its control socket path: make the parent directory (owner-only) if
// it is missing, and find out what is already at the path. A live daemon is left alone and
// named; a socket nobody listens on (a crashed daemon's) is removed.
import { connect } from 'node:net';
import { chmod, lstat, mkdir, unlink } from 'node:fs/promises';
import { dirname } from 'node:path';
import { LineSplitter } from './line-splitter.js';
import { CONTROL_PROTOCOL } from './protocol.js';

export type ControlServerFailure = 'in-use' | 'not-a-socket' | 'foreign' | 'denied' | 'io';

/** Why a control server could not start, with a message saying what to do. */
export class ControlServerError extends Error {
  constructor(readonly code: ControlServerFailure, message: string) {
    super(message);
    this.name = 'ControlServerError';
  }
}

export type SocketProbe =
  | { readonly kind: 'live'; readonly pid: number | null }
  | { readonly kind: 'stale' }
  | { readonly kind: 'absent' }
  | { readonly kind: 'foreign'; readonly detail: string }
  | { readonly kind: 'denied' };

const PROBE_TIMEOUT_MS = 1000;

/** Connects to path and waits for the hello line; never throws. */
export function probeControlSocket(path: string, timeoutMs = PROBE_TIMEOUT_MS): Promise<SocketProbe> {
  return new Promise((resolve) => {
    const socket = connect(path);
    const splitter = new LineSplitter(4096);
    const done = (p: SocketProbe): void => {
      clearTimeout(timer);
      socket.destroy();
      resolve(p);
    };
    const timer = setTimeout(() => done({ kind: 'foreign', detail: `nothing answered within ${timeoutMs} ms` }), timeoutMs);
    socket.on('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'ECONNREFUSED') done({ kind: 'stale' });
      else if (err.code === 'ENOENT') done({ kind: 'absent' });
      else if (err.code === 'EACCES' || err.code === 'EPERM') done({ kind: 'denied' });
      else done({ kind: 'foreign', detail: err.code ?? err.message });
    });
    socket.on('data', (chunk: Buffer) => {
      const first = splitter.push(chunk)[0];
      if (first === undefined) return;
      done(first.kind === 'line' ? helloProbe(first.text) : { kind: 'foreign', detail: 'it sent an overlong line' });
    });
    socket.on('end', () => done({ kind: 'foreign', detail: 'it closed the connection without a greeting' }));
  });
}

function helloProbe(line: string): SocketProbe {
  try {
    const hello = JSON.parse(line) as { protocol?: unknown; pid?: unknown };
    if (hello.protocol !== CONTROL_PROTOCOL) return { kind: 'foreign', detail: 'it does not speak the ipsec-ts control protocol' };
    return { kind: 'live', pid: typeof hello.pid === 'number' ? hello.pid : null };
  } catch {
    return { kind: 'foreign', detail: 'its greeting is not JSON' };
  }
}

/** Makes the path free for listen(), or throws ControlServerError saying why it cannot be. */
export async function claimSocketPath(path: string): Promise<void> {
  await ensureParentDir(path);
  const existing = await lstat(path).catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') return null;
    throw new ControlServerError('io', `cannot inspect control socket path ${path}: ${err.message}`);
  });
  if (existing === null) return;
  if (!existing.isSocket()) {
    throw new ControlServerError('not-a-socket', `${path} exists and is not a socket: remove it, or set control.socket to another path`);
  }
  const probe = await probeControlSocket(path);
  switch (probe.kind) {
    case 'live':
      throw new ControlServerError('in-use', `another ipsec-ts daemon is running (pid ${probe.pid ?? 'unknown'}) on ${path}: stop it first, or give this one another control.socket`);
    case 'denied':
      throw new ControlServerError('denied', `permission denied on ${path}: it belongs to another user's daemon; run as that user (or root), or use another control.socket`);
    case 'foreign':
      throw new ControlServerError('foreign', `something other than an ipsec-ts daemon listens on ${path} (${probe.detail}): stop it, or use another control.socket`);
    case 'stale':
      await unlink(path).catch((err: NodeJS.ErrnoException) => {
        if (err.code !== 'ENOENT') throw new ControlServerError('io', `cannot remove the stale control socket ${path}: ${err.message}`);
      });
      return;
    case 'absent':
      return;
  }
}

/** The socket's directory: created owner-only when missing (an existing one is left as it is). */
async function ensureParentDir(path: string): Promise<void> {
  const dir = dirname(path);
  try {
    const made = await mkdir(dir, { recursive: true, mode: 0o700 });
    if (made !== undefined) await chmod(dir, 0o700);
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    throw new ControlServerError(e.code === 'EACCES' ? 'denied' : 'io', `cannot create the control socket directory ${dir}: ${e.message}`);
  }
}
