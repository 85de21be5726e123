// The ipsec-ts command line: one file per command, wired here with commander.
// Exit status: 0 success, 1 the command found problems (drops), 2 usage or input errors.
import { Command, CommanderError } from 'commander';
import { readFileSync } from 'node:fs';
import { runExplain } from './explain-command.js';
import { runDiagnose } from './diagnose-command.js';
import type { DiagnoseOptions } from './diagnose-command.js';
import type { Output } from './output.js';
import { processOutput } from './output.js';
import { registerStatusCommand } from './status-command.js';
import { registerSaCommand } from './sa-command.js';
import { registerPolicyCommand } from './policy-command.js';
import { registerDropsCommand } from './drops-command.js';
import { registerStatsCommand } from './stats-command.js';
import { registerKeysCommand } from './keys-command.js';
import { registerIkeCommands } from './ike-command.js';
import { runDemoCommand } from './demo-command.js';
import { runUp } from './up-command.js';

/** The package's version: package.json is two folders up from src/cli, three from dist/src/cli. */
function packageVersion(): string {
  for (const rel of ['../../package.json', '../../../package.json']) {
    try {
      const pkg = JSON.parse(readFileSync(new URL(rel, import.meta.url), 'utf8')) as { name?: string; version?: string };
      if (pkg.name === 'ipsec-ts' && typeof pkg.version === 'string') return pkg.version;
    } catch {
      // not at this level; try the next one
    }
  }
  return 'unknown';
}

function buildProgram(out: Output, setExit: (code: number) => void): Command {
  const program = new Command('ipsec-ts')
    .description('A userspace IPsec stack that says why every refused packet was refused')
    .version(packageVersion())
    .showHelpAfterError('(run `ipsec-ts --help` for usage)')
    .configureOutput({ writeOut: (s) => out.stdout(s), writeErr: (s) => out.stderr(s) })
    .exitOverride();

  program
    .command('explain')
    .description('explain a Windows IPsec error (13800-13932, decimal or hex), its name, a Linux xfrm_stat counter, or a cause id')
    .argument('<what>', 'e.g. 13910, 0x3656, ERROR_IPSEC_BAD_SPI, XfrmInNoStates, never-established')
    .option('--json', 'print the entry as JSON')
    .action((what: string, opts: { json?: boolean }) => {
      setExit(runExplain(what, { json: opts.json === true }, out));
    });

  program
    .command('diagnose')
    .description('replay a capture through the inbound engine and give every ESP packet a verdict with its reason')
    .argument('<capture>', 'pcap or pcapng file')
    .requiredOption('-k, --keys <file>', 'Wireshark esp_sa key file (as Wireshark or strongSwan save-keys write it)')
    .option('--json', 'write JSON Lines, one object per ESP packet, instead of the table')
    .option('--replay-window <n>', 'anti-replay window size per SA (0 = off)', '64')
    .option('--udp-port <ports>', 'more UDP ports that carry ESP-in-UDP, besides 4500 (RFC 3948); repeat or comma-separate', collect, [])
    .option('--esn <spis>', "SAs that use extended sequence numbers: SPIs (repeat or comma-separate) or 'all'; Wireshark 4.0 key files cannot say it", collect)
    .option('--no-progress', 'no progress bar on stderr')
    .option('--quiet', 'only the summary (table mode)')
    .action(async (capture: string, opts: DiagnoseOptions) => {
      setExit(await runDiagnose(capture, opts, out));
    });

  program
    .command('up')
    .description('run the IPsec endpoint (daemon) from a YAML config until SIGINT or SIGTERM')
    .requiredOption('-c, --config <file>', 'the YAML configuration (docs/CONFIG.md; examples/daemon/)')
    .option('--log-level <level>', 'override log.level: trace, debug, info, warn, error, fatal or silent')
    .action(async (opts: { config: string; logLevel?: string }) => {
      setExit(await runUp({ config: opts.config, logLevel: opts.logLevel }, out, packageVersion()));
    });

  program
    .command('demo')
    .description('two endpoints on loopback: traffic flows, then every way a packet dies happens live and is diagnosed')
    .option('--expire-after <seconds>', 'hard lifetime of the SA that expires during the demo', '1')
    .action(async (opts: { expireAfter: string }) => {
      const expireAfter = Number(opts.expireAfter);
      if (!Number.isFinite(expireAfter) || expireAfter <= 0 || expireAfter > 60) {
        out.stderr(`ipsec-ts demo: --expire-after must be a number of seconds from 0 to 60, got '${opts.expireAfter}'\n`);
        setExit(2);
        return;
      }
      setExit(await runDemoCommand({ expireAfter }, out, packageVersion()));
    });

  registerStatusCommand(program, out, setExit);
  registerSaCommand(program, out, setExit);
  registerPolicyCommand(program, out, setExit);
  registerDropsCommand(program, out, setExit);
  registerStatsCommand(program, out, setExit);
  registerKeysCommand(program, out, setExit);
  registerIkeCommands(program, out, setExit);
  return program;
}

/** Repeatable options: --udp-port 4501 --udp-port 4502 (each value may also be a comma list). */
function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

export async function main(argv: readonly string[], out: Output = processOutput()): Promise<number> {
  let exitCode = 0;
  const program = buildProgram(out, (code) => { exitCode = code; });
  try {
    await program.parseAsync([...argv], { from: 'user' });
  } catch (err) {
    if (err instanceof CommanderError) {
      // --help and --version end here with exit code 0; usage errors with 2.
      return err.exitCode === 0 ? 0 : 2;
    }
    throw err;
  }
  return exitCode;
}
