// Where a command writes: the process streams in real use, buffers in tests.
export interface Output {
  stdout(text: string): void;
  stderr(text: string): void;
  /** True when stderr is an interactive terminal (progress bars only then). */
  readonly stderrIsTTY: boolean;
}

export function processOutput(): Output {
  return {
    stdout: (s) => { process.stdout.write(s); },
    stderr: (s) => { process.stderr.write(s); },
    stderrIsTTY: process.stderr.isTTY === true,
  };
}
