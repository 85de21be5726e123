// One command-line request cycle: connect, run the command's calls, close; failures become a
// message on stderr and the exit status the CLI promises (1: the daemon refused, 2: no daemon).
import type { ControlClient } from './client.js';
import { ControlConnectError, ControlRemoteError, connectControl } from './client.js';

export interface SessionOutput {
  stderr(text: string): void;
}

/** Runs fn with a connected client; returns fn's exit status, or 1 / 2 after printing why. */
export async function withControlSession(path: string, out: SessionOutput, fn: (client: ControlClient) => Promise<number>): Promise<number> {
  let client: ControlClient;
  try {
    client = await connectControl(path);
  } catch (err) {
    return sessionFailure(err, out);
  }
  try {
    return await fn(client);
  } catch (err) {
    return sessionFailure(err, out);
  } finally {
    client.close();
  }
}

export function sessionFailure(err: unknown, out: SessionOutput): number {
  if (err instanceof ControlRemoteError) {
    out.stderr(`ipsec-ts: the daemon refused (${err.code}): ${err.message}\n`);
    return 1;
  }
  if (err instanceof ControlConnectError) {
    out.stderr(`ipsec-ts: ${err.message}\n`);
    return 2;
  }
  throw err;
}
