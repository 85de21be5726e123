// `ipsec-ts keys export [-o file]`: the installed SAs' keys as a Wireshark esp_sa file, so a
// capture of the live traffic can be opened in Wireshark or given to `ipsec-ts diagnose`.
// The output is key material: a warning goes to stderr, and a file is created owner-only.
import { chmod, open } from 'node:fs/promises';
import type { Command } from 'commander';
import { withControlSession } from '../endpoint/control/client-session.js';
import { SOCKET_OPTION_HELP, controlSocketPath } from '../endpoint/control/socket-path.js';
import type { Output } from './output.js';
import type { ControlVerbOptions } from './status-command.js';

export interface KeysExportOptions extends ControlVerbOptions {
  /** File to write ('-' or absent: stdout). */
  readonly output?: string;
}

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

export async function runKeysExport(opts: KeysExportOptions, out: Output): Promise<number> {
  return withControlSession(controlSocketPath(opts.socket, process.env), out, async (client) => {
    const r = (await client.call('keys.export')) as { format: string; text: string };
    const body = opts.json === true ? `${JSON.stringify(r)}\n` : r.text;
    const toFile = opts.output !== undefined && opts.output !== '-';
    out.stderr(`ipsec-ts keys export: warning: ${toFile ? `${opts.output} holds` : 'this output holds'} key material (the SAs' encryption and integrity keys): anyone who has it can decrypt the traffic; keep it private and delete it when done\n`);
    if (!toFile) {
      out.stdout(body);
      return 0;
    }
    try {
      await writeSecretFile(opts.output!, body);
    } catch (err) {
      out.stderr(`ipsec-ts keys export: cannot write ${opts.output}: ${(err as NodeJS.ErrnoException).code ?? String(err)}\n`);
      return 2;
    }
    return 0;
  });
}

export function registerKeysCommand(program: Command, out: Output, setExit: (code: number) => void): void {
  const keys = program.command('keys').description("the running daemon's SA keys");
  keys
    .command('export')
    .description('write the installed SAs as a Wireshark esp_sa file (key material: keep it private)')
    .option('-o, --output <file>', "write to this file (created with mode 0600); '-' or none: stdout")
    .option('--socket <path>', SOCKET_OPTION_HELP)
    .option('--json', 'print {"format","text"} as JSON')
    .action(async (opts: KeysExportOptions) => {
      setExit(await runKeysExport(opts, out));
    });
}
