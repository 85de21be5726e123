// Where the CLI looks for the daemon's control socket when --socket is not given.

/** The config's default: state dir /var/lib/ipsec-ts, socket control.sock inside it. */
export const DEFAULT_CONTROL_SOCKET = '/var/lib/ipsec-ts/control.sock';

/** The environment variable that overrides the default (a --socket option overrides both). */
export const CONTROL_SOCKET_ENV = 'IPSEC_TS_SOCKET';

export function controlSocketPath(option: string | undefined, env: Readonly<Record<string, string | undefined>>): string {
  if (option !== undefined && option !== '') return option;
  const fromEnv = env[CONTROL_SOCKET_ENV];
  return fromEnv !== undefined && fromEnv !== '' ? fromEnv : DEFAULT_CONTROL_SOCKET;
}

export const SOCKET_OPTION_HELP = `the daemon's control socket (default: $${CONTROL_SOCKET_ENV}, else ${DEFAULT_CONTROL_SOCKET})`;
