// `skywork <command> …`: dispatches to one module per subcommand. Importable, so tests run the CLI
// in-process; src/cli/main.ts is the process entry.
import { CliError, EXIT_FAILURE, EXIT_NOT_REVIEWED, EXIT_OK, EXIT_USAGE, type CliIo } from "./io.js";
import { packCommand } from "./pack-command.js";
import { reviewCommand } from "./review-command.js";

type Command = (argv: readonly string[], io: CliIo) => Promise<number>;

const COMMANDS: Record<string, { run: Command; summary: string; crashExitCode: number }> = {
  review: {
    run: reviewCommand,
    summary: "review a local branch (base...head) with your model, as the App would review its pull request",
    // 1 means "a finding at or above --fail-on", so a crash must not look like it.
    crashExitCode: EXIT_NOT_REVIEWED,
  },
  pack: {
    run: packCommand,
    summary: "show how a diff is packed into model requests (exact token counts); needs no model",
    crashExitCode: EXIT_FAILURE,
  },
};

const EXAMPLES: ReadonlyArray<readonly [string, string]> = [
  ["skywork review --base main", "review this branch's commits since main"],
  ["skywork review --base main --fail-on major", "in CI: exit 1 on a major or critical finding"],
  ["skywork review --base main --dry-run", "what would be sent, without calling the model"],
  ["skywork pack --diff change.patch --json", "pack a patch file, as JSON"],
];

export function usage(): string {
  const width = Math.max(...Object.keys(COMMANDS).map((name) => name.length));
  const commands = Object.entries(COMMANDS).map(([name, { summary }]) => `  ${name.padEnd(width)}  ${summary}`);
  const exampleWidth = Math.max(...EXAMPLES.map(([line]) => line.length));
  const examples = EXAMPLES.map(([line, what]) => `  ${line.padEnd(exampleWidth)}  ${what}`);
  return `Usage: skywork <command> [options]

Commands:
${commands.join("\n")}

Examples:
${examples.join("\n")}

The model endpoint is configured as for the App: LLM_BASE_URL (default http://127.0.0.1:8000/v1),
LLM_API_KEY, LLM_MODEL, LLM_CONTEXT_TOKENS, LLM_ANSWER_TOKENS.
Run \`skywork <command> --help\` for a command's options and exit codes.
`;
}

/** Runs one command line (without the node and script arguments) and returns the exit code. */
export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === "help" || name === "--help" || name === "-h") {
    (name === undefined ? io.stderr : io.stdout)(usage());
    return name === undefined ? EXIT_USAGE : EXIT_OK;
  }
  const command = Object.hasOwn(COMMANDS, name) ? COMMANDS[name] : undefined;
  if (!command) {
    io.stderr(`skywork: unknown command ${JSON.stringify(name)}. Commands: ${Object.keys(COMMANDS).join(", ")}.\n`);
    return EXIT_USAGE;
  }
  try {
    return await command.run(rest, io);
  } catch (error) {
    if (error instanceof CliError) {
      io.stderr(`skywork ${name}: ${error.message}\n`);
      return error.exitCode;
    }
    io.stderr(`skywork ${name}: unexpected error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    return command.crashExitCode;
  }
}
