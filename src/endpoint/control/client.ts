// The CLI's side of the control socket: connect, check the greeting, call methods by id, follow
// streams. Every failure is an error class whose message says what the user can do about it.
import { connect } from 'node:net';
import type { Socket } from 'node:net';
import type { ControlErrorCode, ControlHello, ControlMethod, ControlParams } from './protocol.js';
import { CONTROL_PROTOCOL, CONTROL_PROTOCOL_VERSION, encodeLine } from './protocol.js';
import { LineSplitter } from './line-splitter.js';

/** Replies can be large (a thousand drops with evidence); a line beyond this is refused. */
const MAX_REPLY_LINE = 64 * 1024 * 1024;
const HELLO_TIMEOUT_MS = 5000;

/** The daemon cannot be reached (exit status 2 in the CLI). */
export class ControlConnectError extends Error {
  constructor(readonly code: string, message: string) {
    super(message);
    this.name = 'ControlConnectError';
  }
}

/** The daemon answered with an error (exit status 1 in the CLI). */
export class ControlRemoteError extends Error {
  constructor(readonly code: ControlErrorCode, message: string) {
    super(message);
    this.name = 'ControlRemoteError';
  }
}

export type FollowMethod = 'drops.follow' | 'ike.events';

export interface ControlFollow {
  /** Ends the follow (and its connection). */
  close(): void;
  /** Settles when the stream ends: after close(), or when the daemon goes away. */
  readonly ended: Promise<void>;
}

export interface ControlClient {
  readonly path: string;
  readonly hello: ControlHello;
  call(method: ControlMethod, params?: ControlParams): Promise<unknown>;
  /** Starts a stream (drops.follow, ike.events with follow: true): resolves once the daemon confirms; events go to onEvent. */
  follow(method: FollowMethod, params: ControlParams, onEvent: (event: unknown) => void): Promise<ControlFollow>;
  close(): void;
}

/** The message for a failed connect, by errno. */
export function connectFailureMessage(path: string, code: string | undefined, detail: string): string {
  switch (code) {
    case 'ENOENT':
      return `no daemon is listening on ${path}: start one with \`ipsec-ts up -c <config>\`, or pass --socket`;
    case 'EACCES':
    case 'EPERM':
      return `permission denied on ${path}: the control socket is owner-only; run as the daemon's user (or root)`;
    case 'ECONNREFUSED':
      return `${path} is a stale control socket (no daemon is listening; it may have stopped or crashed): start one with \`ipsec-ts up -c <config>\`, which replaces it, or pass --socket`;
    case 'ENOTSOCK':
      return `${path} is not a socket: pass --socket with the daemon's control.socket path`;
    default:
      return `cannot connect to ${path} (${code ?? detail}): check --socket and that the daemon runs`;
  }
}

type Pending = { resolve(v: unknown): void; reject(e: Error): void };
type Incoming = { id?: unknown; result?: unknown; error?: { code?: unknown; message?: unknown }; event?: unknown };

class Connection implements ControlClient {
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private readonly streams = new Map<number, (event: unknown) => void>();
  private endedResolve: () => void = () => undefined;
  readonly ended = new Promise<void>((r) => { this.endedResolve = r; });
  private gone: Error | null = null;

  constructor(readonly path: string, private readonly socket: Socket, readonly hello: ControlHello) {}

  onMessage(m: Incoming): void {
    const id = typeof m.id === 'number' ? m.id : null;
    if (id !== null && 'event' in m) {
      this.streams.get(id)?.(m.event);
      return;
    }
    const error = m.error === undefined ? null : remoteError(m.error);
    if (id === null) {
      // A reply without an id (the daemon could not read our request): fail whatever waits.
      for (const p of this.pending.values()) p.reject(error ?? new ControlRemoteError('internal', 'the daemon sent a reply without an id'));
      this.pending.clear();
      return;
    }
    const p = this.pending.get(id);
    if (p === undefined) return;
    this.pending.delete(id);
    if (error !== null) p.reject(error);
    else p.resolve(m.result);
  }

  onGone(err: Error): void {
    if (this.gone === null) this.gone = err;
    for (const p of this.pending.values()) p.reject(this.gone);
    this.pending.clear();
    this.streams.clear();
    this.endedResolve();
  }

  call(method: ControlMethod, params: ControlParams = {}): Promise<unknown> {
    if (this.streams.size > 0) return Promise.reject(new TypeError('ControlClient.call: this connection is following a stream; open another with connectControl'));
    return this.send(method, params);
  }

  async follow(method: FollowMethod, params: ControlParams, onEvent: (event: unknown) => void): Promise<ControlFollow> {
    if (typeof onEvent !== 'function') throw new TypeError('ControlClient.follow: onEvent must be a function');
    const id = this.nextId;
    this.streams.set(id, onEvent);
    try {
      await this.send(method, method === 'ike.events' ? { ...params, follow: true } : params);
    } catch (err) {
      this.streams.delete(id);
      throw err;
    }
    return { close: () => { this.close(); }, ended: this.ended };
  }

  close(): void {
    this.socket.destroy();
  }

  private send(method: ControlMethod, params: ControlParams): Promise<unknown> {
    if (this.gone !== null) return Promise.reject(this.gone);
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.socket.write(encodeLine({ id, method, params }));
    });
  }
}

function remoteError(e: { code?: unknown; message?: unknown }): ControlRemoteError {
  const code = typeof e.code === 'string' ? (e.code as ControlErrorCode) : 'internal';
  return new ControlRemoteError(code, typeof e.message === 'string' ? e.message : 'the daemon reported an error without a message');
}

/** Connects and waits for the daemon's greeting; rejects with ControlConnectError. */
export function connectControl(path: string, opts: { readonly timeoutMs?: number } = {}): Promise<ControlClient> {
  if (typeof path !== 'string' || path === '') throw new TypeError('connectControl: path must be a non-empty string');
  const timeoutMs = opts.timeoutMs ?? HELLO_TIMEOUT_MS;
  return new Promise((resolve, reject) => {
    const socket = connect(path);
    const splitter = new LineSplitter(MAX_REPLY_LINE);
    let conn: Connection | null = null;
    const fail = (err: ControlConnectError): void => {
      clearTimeout(timer);
      socket.destroy();
      reject(err);
    };
    const timer = setTimeout(() => {
      fail(new ControlConnectError('ETIMEDOUT', `${path} did not greet within ${timeoutMs} ms: is it an ipsec-ts control socket? check --socket`));
    }, timeoutMs);
    socket.on('error', (err: NodeJS.ErrnoException) => {
      if (conn === null) fail(new ControlConnectError(err.code ?? 'EIO', connectFailureMessage(path, err.code, err.message)));
      else conn.onGone(new ControlConnectError(err.code ?? 'EIO', `the connection to the daemon on ${path} failed (${err.code ?? err.message})`));
    });
    socket.on('close', () => {
      if (conn === null) fail(new ControlConnectError('ECONNRESET', `${path} closed the connection before greeting: is it an ipsec-ts control socket? check --socket`));
      else conn.onGone(new ControlConnectError('ECONNRESET', `the daemon on ${path} closed the connection (it may have stopped)`));
    });
    socket.on('data', (chunk: Buffer) => {
      for (const ev of splitter.push(chunk)) {
        if (ev.kind === 'too-long') {
          socket.destroy();
          return;
        }
        const message = parseLine(ev.text);
        if (conn !== null) {
          if (message !== null) conn.onMessage(message);
          continue;
        }
        const hello = helloOf(message);
        if (typeof hello === 'string') return fail(new ControlConnectError('EPROTO', `${path}: ${hello}`));
        clearTimeout(timer);
        conn = new Connection(path, socket, hello);
        resolve(conn);
      }
    });
  });
}

function parseLine(text: string): Incoming | null {
  try {
    const v: unknown = JSON.parse(text);
    return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Incoming) : null;
  } catch {
    return null;
  }
}

/** The greeting, or what is wrong with it. */
function helloOf(m: Incoming | null): ControlHello | string {
  const h = m as { protocol?: unknown; version?: unknown; pid?: unknown } | null;
  if (h === null || h.protocol !== CONTROL_PROTOCOL) return 'this is not an ipsec-ts control socket (no greeting): check --socket';
  if (h.version !== CONTROL_PROTOCOL_VERSION) {
    return `the daemon speaks control protocol version ${String(h.version)}, this ipsec-ts speaks ${CONTROL_PROTOCOL_VERSION}: use the ipsec-ts that matches the daemon`;
  }
  return { protocol: CONTROL_PROTOCOL, version: CONTROL_PROTOCOL_VERSION, pid: typeof h.pid === 'number' ? h.pid : 0 };
}
