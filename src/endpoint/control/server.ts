// The daemon's control socket: a Unix stream socket, owner-only, speaking the JSON protocol of
// docs/CONTROL.md to `ipsec-ts status|sa|policy|drops|stats|keys` and to scripts.
import { createServer } from 'node:net';
import type { Server, Socket } from 'node:net';
import { chmod, stat, unlink } from 'node:fs/promises';
import { ControlConnection } from './connection.js';
import type { ControlHandlers } from './handlers.js';
import type { ControlLog } from './protocol.js';
import { ControlServerError, claimSocketPath } from './socket-claim.js';

export { ControlServerError } from './socket-claim.js';

export interface ControlServerOptions {
  readonly path: string;
  /** Permissions of the socket file; default 0o600 (only the daemon's user may connect). */
  readonly mode?: number;
  readonly handlers: ControlHandlers;
  readonly log?: ControlLog;
}

export interface ControlServerStats {
  readonly connections: number;
  readonly followers: number;
  /** Bytes waiting in all connections' write buffers (bounded: followers drop, see follower.ts). */
  readonly bufferedBytes: number;
}

export interface ControlServer {
  readonly path: string;
  stats(): ControlServerStats;
  /** Stops listening, ends every connection and follow, removes the socket file. */
  close(): Promise<void>;
}

const silent: ControlLog = () => undefined;

export async function startControlServer(opts: ControlServerOptions): Promise<ControlServer> {
  if (typeof opts.path !== 'string' || opts.path === '') throw new TypeError('startControlServer: path must be a non-empty string');
  const mode = opts.mode ?? 0o600;
  if (!Number.isInteger(mode) || mode < 0 || mode > 0o777) throw new RangeError(`startControlServer: mode must be file permissions 0..0o777, got ${mode}`);
  const log = opts.log ?? silent;
  await claimSocketPath(opts.path);
  const connections = new Set<ControlConnection>();
  const server = createServer((socket: Socket) => {
    const c = new ControlConnection(socket, opts.handlers, log);
    connections.add(c);
    socket.on('close', () => { connections.delete(c); });
  });
  await listen(server, opts.path);
  // listen() creates the file with the process umask: narrow it at once (the parent directory
  // made by claimSocketPath is owner-only, so nobody else can reach it in between).
  await chmod(opts.path, mode);
  const ino = (await stat(opts.path)).ino;
  log('info', 'control socket listening', { path: opts.path, mode: `0${mode.toString(8)}` });
  return {
    path: opts.path,
    stats: () => ({
      connections: connections.size,
      followers: [...connections].reduce((n, c) => n + c.following, 0),
      bufferedBytes: [...connections].reduce((n, c) => n + c.buffered, 0),
    }),
    close: () => closeServer(server, connections, opts.path, ino),
  };
}

function listen(server: Server, path: string): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) => {
      const message = err.code === 'EADDRINUSE'
        ? `${path} was taken by another process while this daemon started: check for a second ipsec-ts daemon`
        : `cannot listen on control socket ${path}: ${err.message}`;
      reject(new ControlServerError(err.code === 'EACCES' ? 'denied' : 'io', message));
    });
    server.listen(path, () => {
      server.removeAllListeners('error');
      server.on('error', () => undefined);
      resolve();
    });
  });
}

async function closeServer(server: Server, connections: Set<ControlConnection>, path: string, ino: number): Promise<void> {
  const closed = new Promise<void>((resolve) => { server.close(() => { resolve(); }); });
  for (const c of connections) c.stop();
  connections.clear();
  await closed;
  // Remove the file only if it is still ours: a newer daemon may have replaced it.
  const now = await stat(path).catch(() => null);
  if (now !== null && now.ino === ino) await unlink(path).catch(() => undefined);
}
