// `ipsec-ts keys export [-o file] [--ike-output file]`: the installed SAs' keys as a Wireshark
// esp_sa file, so a capture of the live traffic can be opened in Wireshark or given to
// `ipsec-ts diagnose`, and the IKE SAs' keys as its ikev2_decryption_table (both are files of a
// Wireshark profile directory, hence the default: side by side). The output is key material:
// a warning goes to stderr, and every file is created owner-only.
import { chmod, open } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { Command } from 'commander';
import { withControlSession } from '../endpoint/control/client-session.js';
import { SOCKET_OPTION_HELP, controlSocketPath } from '../endpoint/control/socket-path.js';
import type { KeysExportReply } from '../endpoint/control/handlers.js';
import type { Output } from './output.js';
import type { ControlVerbOptions } from './status-command.js';

export interface KeysExportOptions extends ControlVerbOptions {
  /** File to write ('-' or absent: stdout). */
  readonly output?: string;
  /** File for the IKE SAs' ikev2_decryption_table (default: beside --output). */
  readonly ikeOutput?: string;
}

/** The file name Wireshark reads the IKEv2 keys from in a profile directory. */
export const IKE_TABLE_NAME = 'ikev2_decryption_table';

/** Writes text to path with mode 0600, also when the file existed with wider permissions. */
export async function writeSecretFile(path: string, text: string): Promise<void> {
  const fh = await open(path, 'w', 0o600);
  try {
    await fh.chmod(0o600);
    await fh.writeFile(text, 'utf8');
  } finally {
    await fh.close();
  }
  await chmod(path, 0o600);
}

/** Where the ikev2_decryption_table goes: --ike-output, else beside the -o file, else nowhere. */
export function ikeTablePath(opts: KeysExportOptions): string | null {
  if (opts.ikeOutput !== undefined) return opts.ikeOutput;
  if (opts.output !== undefined && opts.output !== '-') return join(dirname(opts.output), IKE_TABLE_NAME);
  return null;
}

async function writeOrSay(path: string, text: string, out: Output): Promise<boolean> {
  try {
    await writeSecretFile(path, text);
    return true;
  } catch (err) {
    out.stderr(`ipsec-ts keys export: cannot write ${path}: ${(err as NodeJS.ErrnoException).code ?? String(err)}\n`);
    return false;
  }
}

export async function runKeysExport(opts: KeysExportOptions, out: Output): Promise<number> {
  return withControlSession(controlSocketPath(opts.socket, process.env), out, async (client) => {
    const r = (await client.call('keys.export')) as KeysExportReply;
    const body = opts.json === true ? `${JSON.stringify(r)}\n` : r.text;
    const toFile = opts.output !== undefined && opts.output !== '-';
    const ikePath = r.ikev2 === null ? null : ikeTablePath(opts);
    const where = [toFile ? opts.output! : 'this output', ...(ikePath === null ? [] : [ikePath])].join(' and ');
    out.stderr(`ipsec-ts keys export: warning: ${where} ${where.includes(' and ') ? 'hold' : 'holds'} key material (the SAs' encryption and integrity keys): anyone who has it can decrypt the traffic; keep it private and delete it when done\n`);
    if (toFile) {
      if (!(await writeOrSay(opts.output!, body, out))) return 2;
    } else {
      out.stdout(body);
    }
    if (r.ikev2 === null) return 0;
    if (ikePath === null) {
      if (opts.json !== true && r.ikev2.ikeSas > 0) out.stderr(`ipsec-ts keys export: the keys of ${r.ikev2.ikeSas} IKE SA(s) were not written: give --ike-output <file> (or -o, which puts ${IKE_TABLE_NAME} beside it)\n`);
      return 0;
    }
    if (!(await writeOrSay(ikePath, r.ikev2.text, out))) return 2;
    out.stderr(`ipsec-ts keys export: wrote the keys of ${r.ikev2.ikeSas} IKE SA(s) to ${ikePath} (Wireshark's ${IKE_TABLE_NAME})\n`);
    return 0;
  });
}

export function registerKeysCommand(program: Command, out: Output, setExit: (code: number) => void): void {
  const keys = program.command('keys').description("the running daemon's SA keys");
  keys
    .command('export')
    .description('write the installed SAs as a Wireshark esp_sa file and the IKE SAs as its ikev2_decryption_table (key material: keep it private)')
    .option('-o, --output <file>', "write the esp_sa file here (created with mode 0600); '-' or none: stdout")
    .option('--ike-output <file>', `write the IKE SAs' ${IKE_TABLE_NAME} here (mode 0600); default: ${IKE_TABLE_NAME} beside --output`)
    .option('--socket <path>', SOCKET_OPTION_HELP)
    .option('--json', 'print {"format","text"} as JSON')
    .action(async (opts: KeysExportOptions) => {
      setExit(await runKeysExport(opts, out));
    });
}
