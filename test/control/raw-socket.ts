// A bare Unix socket client for the protocol tests: send raw bytes, read reply lines one by one.
import { connect } from 'node:net';
import type { Socket } from 'node:net';

export interface RawSession {
  readonly socket: Socket;
  send(text: string): void;
  /** The next line from the server, parsed as JSON. */
  next(): Promise<Record<string, unknown>>;
  /** Settles when the server closes the connection. */
  readonly closed: Promise<void>;
  close(): void;
}

export function rawSession(path: string): Promise<RawSession> {
  return new Promise((resolve, reject) => {
    const socket = connect(path);
    const lines: string[] = [];
    const waiters: ((line: string) => void)[] = [];
    let buffered = '';
    let closedResolve: () => void = () => undefined;
    const closed = new Promise<void>((r) => { closedResolve = r; });
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => {
      buffered += chunk;
      let nl = buffered.indexOf('\n');
      while (nl >= 0) {
        const line = buffered.slice(0, nl);
        buffered = buffered.slice(nl + 1);
        const w = waiters.shift();
        if (w !== undefined) w(line);
        else lines.push(line);
        nl = buffered.indexOf('\n');
      }
    });
    socket.on('close', () => { closedResolve(); });
    // Before connect an error fails the session; after it (a reset when the server closes with
    // data in flight) it only ends it, which `closed` reports.
    socket.on('error', reject);
    socket.once('connect', () => {
      resolve({
        socket,
        closed,
        send: (text) => { socket.write(text); },
        next: () => new Promise((res) => {
          const line = lines.shift();
          const parse = (l: string): void => { res(JSON.parse(l) as Record<string, unknown>); };
          if (line !== undefined) parse(line);
          else waiters.push(parse);
        }),
        close: () => { socket.destroy(); },
      });
    });
  });
}
