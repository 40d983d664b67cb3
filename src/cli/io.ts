// What a CLI command may touch, injected so tests run commands in-process.

export interface CliIo {
  stdout(text: string): void;
  stderr(text: string): void;
  /** Directory relative paths are resolved against. */
  cwd: string;
}

export const EXIT_OK = 0;
/** An unexpected failure (a bug, or git itself failing). */
export const EXIT_FAILURE = 1;
/** The command line was wrong: unknown option, missing file, not a repository, unknown ref. */
export const EXIT_USAGE = 2;

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

export function processIo(): CliIo {
  return {
    stdout: (text) => void process.stdout.write(text),
    stderr: (text) => void process.stderr.write(text),
    cwd: process.cwd(),
  };
}
