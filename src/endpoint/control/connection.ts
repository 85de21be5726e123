// One client connection of the control server: greets, reads request lines, answers each in
// order, and runs the drops.follow and ike.events follow streams it asked for until it goes away. Nothing a client
// sends can crash the daemon: bad input gets an error reply, an overlong line ends the connection.
import type { Socket } from 'node:net';
import type { DropRecord } from '../drop-record.js';
import { dispatch, handlerFailure } from './dispatch.js';
import { DropFollower } from './follower.js';
import type { ControlHandlers, IkeEventRecord } from './handlers.js';
import { LineSplitter } from './line-splitter.js';
import { dropQueryParam, ikeEventsParam } from './params.js';
import type { ControlLog, ControlMessage, ControlRequest } from './protocol.js';
import { MAX_REQUEST_LINE, encodeLine, errorMessage, helloMessage, parseRequestLine } from './protocol.js';

export class ControlConnection {
  private readonly splitter = new LineSplitter(MAX_REQUEST_LINE);
  private readonly followers = new Map<number, DropFollower>();
  /** Requests are answered one after another, in the order they came. */
  private queue: Promise<void> = Promise.resolve();
  private closed = false;

  constructor(private readonly socket: Socket, private readonly handlers: ControlHandlers, private readonly log: ControlLog) {
    socket.on('data', (chunk: Buffer) => { this.onData(chunk); });
    socket.on('error', (err: NodeJS.ErrnoException) => { this.log('debug', 'control connection error', { error: err.code ?? err.message }); });
    socket.on('close', () => { this.stop(); });
    this.send(helloMessage(process.pid));
  }

  /** Bytes waiting in this connection's write buffer. */
  get buffered(): number { return this.socket.writableLength; }

  get following(): number { return this.followers.size; }

  stop(): void {
    if (this.closed) return;
    this.closed = true;
    for (const f of this.followers.values()) f.stop();
    this.followers.clear();
    this.socket.destroy();
  }

  private onData(chunk: Buffer): void {
    for (const ev of this.splitter.push(chunk)) {
      if (ev.kind === 'too-long') {
        this.send(errorMessage(null, 'bad-request', `request line longer than ${MAX_REQUEST_LINE} bytes; the connection is closed: send one request per line`));
        this.socket.end();
        this.socket.pause();
        return;
      }
      const line = ev.text;
      this.queue = this.queue.then(() => this.onLine(line)).catch((err: unknown) => {
        this.log('error', 'control request could not be answered', { error: err instanceof Error ? err.message : String(err) });
      });
    }
    // A client that sends but does not read: stop reading until our replies drain.
    if (this.socket.writableNeedDrain && !this.socket.isPaused()) {
      this.socket.pause();
      this.socket.once('drain', () => { if (!this.closed) this.socket.resume(); });
    }
  }

  private async onLine(line: string): Promise<void> {
    if (this.closed) return;
    const parsed = parseRequestLine(line);
    if (!parsed.ok) {
      this.send(errorMessage(parsed.id, 'bad-request', parsed.message));
      return;
    }
    const req = parsed.request;
    if (req.method === 'drops.follow') {
      this.followDrops(req);
      return;
    }
    if (req.method === 'ike.events' && req.params.follow === true) {
      this.followIke(req);
      return;
    }
    const outcome = await dispatch(this.handlers, req.method, req.params, this.log);
    if (!outcome.ok) return this.send({ id: req.id, error: outcome.error });
    let reply: string;
    try {
      reply = encodeLine({ id: req.id, result: outcome.result });
    } catch (err) {
      // A result JSON cannot carry (a BigInt, a cycle) is the daemon's bug, not the client's.
      return this.send({ id: req.id, error: handlerFailure(err, req.method, this.log) });
    }
    this.write(reply);
  }

  private followDrops(req: ControlRequest): void {
    const query = dropQueryParam(req.params, 'drops.follow');
    if (!query.ok) return this.send(errorMessage(req.id, 'bad-request', query.message));
    this.startFollow(req, (push) => this.handlers.followDrops(query.value, (r: DropRecord) => { push(r); }));
  }

  private followIke(req: ControlRequest): void {
    const params = ikeEventsParam(req.params, 'ike.events');
    if (!params.ok) return this.send(errorMessage(req.id, 'bad-request', params.message));
    this.startFollow(req, (push) => this.handlers.followIkeEvents(params.value.query, (r: IkeEventRecord) => { push(r); }));
  }

  /** Subscribes a follower under the request's id; the handler may refuse (e.g. no IKE). */
  private startFollow(req: ControlRequest, subscribe: (push: (event: unknown) => void) => () => void): void {
    if (this.followers.has(req.id)) return this.send(errorMessage(req.id, 'bad-request', `id ${req.id} is already following on this connection; use a new id`));
    const follower = new DropFollower(this.socket, req.id);
    try {
      follower.attach(subscribe((event) => { follower.push(event); }));
    } catch (err) {
      follower.stop();
      return this.send({ id: req.id, error: handlerFailure(err, req.method, this.log) });
    }
    this.followers.set(req.id, follower);
    this.send({ id: req.id, result: { following: true } });
  }

  private send(message: ControlMessage | ReturnType<typeof helloMessage>): void {
    this.write(encodeLine(message));
  }

  private write(line: string): void {
    if (this.closed || !this.socket.writable) return;
    this.socket.write(line);
  }
}
