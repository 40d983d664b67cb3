// What a CLI command may touch, injected so tests run commands in-process.

export interface CliIo {
  stdout(text: string): void;
  stderr(text: string): void;
  /** Directory relative paths are resolved against. */
  cwd: string;
  /** The environment settings are read from (LLM_*, NO_COLOR, FORCE_COLOR); tests pass their own. */
  env: Readonly<Record<string, string | undefined>>;
  /** Whether stdout is a terminal, where output is coloured by default. */
  stdoutIsTTY: boolean;
}

export const EXIT_OK = 0;
/** An unexpected failure (a bug, or git itself failing); for `review`, a finding at or above --fail-on. */
export const EXIT_FAILURE = 1;
/** The command line was wrong: unknown option, missing file, not a repository, unknown ref. */
export const EXIT_USAGE = 2;
/** `review` could not review: the model endpoint is unreachable or misconfigured, or git failed. */
export const EXIT_NOT_REVIEWED = 3;

/** A failure the user can fix; its message is one line that says how. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: number = EXIT_USAGE,
  ) {
    super(message);
    this.name = "CliError";
  }
}

/**
 * Colours on a terminal unless NO_COLOR is set (https://no-color.org); FORCE_COLOR turns them on
 * anywhere (and FORCE_COLOR=0 off), taking precedence as it does for Node itself.
 */
export function colorEnabled(io: CliIo): boolean {
  const force = io.env.FORCE_COLOR;
  if (force !== undefined) return force !== "0" && force !== "false";
  if (io.env.NO_COLOR) return false;
  return io.stdoutIsTTY && io.env.TERM !== "dumb";
}

export function processIo(): CliIo {
  return {
    stdout: (text) => void process.stdout.write(text),
    stderr: (text) => void process.stderr.write(text),
    cwd: process.cwd(),
    env: process.env,
    stdoutIsTTY: process.stdout.isTTY === true,
  };
}
