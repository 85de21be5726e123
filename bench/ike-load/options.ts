// The load client's command line: who to load, how hard, for how long. Parsing is separate from
// the client so the test can check what a command line means without opening sockets.
//
//   node dist/bench/ike-load/client.js --target 198.51.100.2 --port 500 --concurrency 64
//        --seconds 10 --psk <text|0xhex> --id client@bench.test [--remote-id responder@bench.test]
//        [--workers 2] [--local 198.51.100.11,198.51.100.12] [--rate 500] [--no-delete] [--json]
import { isIP } from 'node:net';
import { parseArgs } from 'node:util';
import type { WorkerPlan } from './load-generator.js';

export const DEFAULTS = Object.freeze({
  port: 500,
  natPort: 4500,
  concurrency: 64,
  seconds: 10,
  workers: 2,
  ikeProposal: 'aes128gcm16-prfsha256-x25519',
  espProposal: 'aes128gcm16',
  localTs: '10.1.0.0/24',
  remoteTs: '10.2.0.0/24',
  remoteId: '%any',
  /** A handshake that has not finished after this long counts as failed ("timeout"). */
  timeoutMs: 5000,
});

/** The whole client: what each worker's plan holds, plus how the load is split between workers. */
export interface LoadOptions extends Omit<WorkerPlan, 'local' | 'concurrency' | 'rate'> {
  /** One local address per worker; each worker binds its IKE socket and its NAT-T socket there. */
  readonly locals: readonly string[];
  /** Our NAT-T port (0: any free port, only sensible when the target port is not 500). */
  readonly natPort: number;
  /** Handshakes in flight at most, over all workers. */
  readonly concurrency: number;
  /** Handshakes started per second over all workers, or null: keep `concurrency` in flight. */
  readonly rate: number | null;
  readonly workers: number;
  readonly json: boolean;
}

export type OptionsResult = { readonly ok: true; readonly options: LoadOptions } | { readonly ok: false; readonly message: string };

function wholeNumber(text: string | undefined, fallback: number, what: string, min: number, max: number): number | string {
  if (text === undefined) return fallback;
  const n = Number(text);
  return Number.isInteger(n) && n >= min && n <= max ? n : `${what} takes a whole number from ${min} to ${max}, got '${text}'`;
}

/** `0x...` is hex key material, anything else the key's text (swanctl.conf secrets read the same way). */
export function pskOf(text: string): Buffer | string {
  if (text.length === 0) return '--psk must not be empty';
  if (!/^0x/i.test(text)) return Buffer.from(text, 'utf8');
  const hex = text.slice(2);
  return hex.length > 0 && hex.length % 2 === 0 && /^[0-9a-f]+$/i.test(hex) ? Buffer.from(hex, 'hex') : `--psk: '${text}' is not an even number of hex digits after 0x`;
}

const SPEC = {
  target: { type: 'string' }, port: { type: 'string' }, local: { type: 'string' }, 'nat-port': { type: 'string' },
  concurrency: { type: 'string' }, rate: { type: 'string' }, seconds: { type: 'string' }, workers: { type: 'string' },
  psk: { type: 'string' }, id: { type: 'string' }, 'remote-id': { type: 'string' },
  'ike-proposal': { type: 'string' }, 'esp-proposal': { type: 'string' }, 'local-ts': { type: 'string' }, 'remote-ts': { type: 'string' },
  'no-delete': { type: 'boolean', default: false }, encap: { type: 'boolean', default: false },
  timeout: { type: 'string' }, json: { type: 'boolean', default: false }, help: { type: 'boolean', default: false },
} as const;

export const USAGE = [
  'usage: node dist/bench/ike-load/client.js --target ADDR --psk KEY --id ID [options]',
  '  --port N            responder IKE port (default 500)',
  '  --local A[,B...]    one local address per worker (default 127.0.0.1; NAT-D needs real addresses)',
  '  --workers N         client processes (default: one per --local address)',
  '  --nat-port N        our NAT-T port on each local address (default 4500; 0 = any free port)',
  '  --concurrency N     handshakes in flight over all workers (default 64)',
  '  --rate R            start R handshakes/s over all workers instead of keeping N in flight',
  '  --seconds S         measuring time (default 10)',
  '  --remote-id ID      the responder identity to insist on (default %any)',
  '  --ike-proposal P    default aes128gcm16-prfsha256-x25519; --esp-proposal P default aes128gcm16',
  '  --local-ts / --remote-ts   child selectors (default 10.1.0.0/24 and 10.2.0.0/24)',
  '  --no-delete         leave each IKE SA up (the responder accumulates them)',
  '  --encap             fake our NAT-D hash so IKE_AUTH moves to port 4500 (strongSwan encap = yes)',
  '  --timeout MS        a handshake not done after this long fails as "timeout" (default 5000)',
  '  --json              print the report as JSON',
].join('\n');

export function parseLoadOptions(argv: readonly string[]): OptionsResult {
  let values: ReturnType<typeof parseArgs<{ options: typeof SPEC }>>['values'];
  try {
    values = parseArgs({ args: [...argv], options: SPEC, strict: true }).values;
  } catch (err) {
    return { ok: false, message: (err as Error).message };
  }
  if (values.help === true) return { ok: false, message: USAGE };
  if (values.target === undefined || isIP(values.target) === 0) return { ok: false, message: `--target takes the responder's IP address, got '${values.target ?? ''}'` };
  if (values.psk === undefined) return { ok: false, message: '--psk is required (text, or 0x followed by hex)' };
  if (values.id === undefined || values.id === '') return { ok: false, message: '--id is required (our IKE identity, e.g. client@bench.test)' };
  const psk = pskOf(values.psk);
  if (typeof psk === 'string') return { ok: false, message: psk };
  const locals = (values.local ?? (isIP(values.target) === 6 ? '::1' : '127.0.0.1')).split(',').filter((a) => a !== '');
  const badLocal = locals.find((a) => isIP(a) === 0 || a === '0.0.0.0' || a === '::');
  if (badLocal !== undefined || locals.length === 0) return { ok: false, message: `--local takes concrete IP addresses (NAT detection hashes them), got '${values.local ?? ''}'` };
  const numbers = {
    port: wholeNumber(values.port, DEFAULTS.port, '--port', 1, 65535),
    natPort: wholeNumber(values['nat-port'], DEFAULTS.natPort, '--nat-port', 0, 65535),
    concurrency: wholeNumber(values.concurrency, DEFAULTS.concurrency, '--concurrency', 1, 100_000),
    rate: values.rate === undefined ? null : wholeNumber(values.rate, 0, '--rate', 1, 1_000_000),
    seconds: wholeNumber(values.seconds, DEFAULTS.seconds, '--seconds', 1, 3600),
    workers: wholeNumber(values.workers, defaultWorkers(locals.length, values['nat-port']), '--workers', 1, 64),
    timeoutMs: wholeNumber(values.timeout, DEFAULTS.timeoutMs, '--timeout', 100, 600_000),
  };
  for (const v of Object.values(numbers)) if (typeof v === 'string') return { ok: false, message: v };
  const n = numbers as { [K in keyof typeof numbers]: Exclude<(typeof numbers)[K], string> };
  // RFC 7296 2.23: after NAT detection both ends move to 4500; our IKE core assumes the peer's
  // NAT-T port equals ours, so a responder on port 500 needs our NAT-T port to be 4500 too.
  if (n.port === 500 && n.natPort !== 4500) return { ok: false, message: `--nat-port must be 4500 when --port is 500 (the responder's NAT-T port), got ${n.natPort}` };
  // Every worker binds the NAT-T port on its address: two workers on one address need port 0.
  if (n.workers > locals.length && n.natPort !== 0) {
    return { ok: false, message: `${n.workers} workers need ${n.workers} --local addresses (each binds NAT-T port ${n.natPort}), got ${locals.length}; add addresses or use --nat-port 0` };
  }
  return {
    ok: true,
    options: {
      target: values.target, port: n.port, locals, natPort: n.natPort, concurrency: n.concurrency, rate: n.rate,
      seconds: n.seconds, workers: n.workers, psk, id: values.id, remoteId: values['remote-id'] ?? DEFAULTS.remoteId,
      ikeProposal: values['ike-proposal'] ?? DEFAULTS.ikeProposal, espProposal: values['esp-proposal'] ?? DEFAULTS.espProposal,
      localTs: values['local-ts'] ?? DEFAULTS.localTs, remoteTs: values['remote-ts'] ?? DEFAULTS.remoteTs,
      delete: values['no-delete'] !== true, encap: values.encap === true, timeoutMs: n.timeoutMs, json: values.json === true,
    },
  };
}

/** One worker per address; with --nat-port 0 several can share one address. */
function defaultWorkers(addresses: number, natPortText: string | undefined): number {
  return natPortText === '0' ? Math.max(addresses, DEFAULTS.workers) : addresses;
}

/** Worker i's share of a total (concurrency, rate): the remainder goes to the first workers. */
export function shareOf(total: number, workers: number, i: number): number {
  return Math.floor(total / workers) + (i < total % workers ? 1 : 0);
}
