// `skywork <command> …`: dispatches to one module per subcommand. Importable, so tests run the CLI
// in-process; src/cli/main.ts is the process entry.
import { CliError, EXIT_FAILURE, EXIT_OK, EXIT_USAGE, type CliIo } from "./io.js";
import { packCommand } from "./pack-command.js";

type Command = (argv: readonly string[], io: CliIo) => Promise<number>;

const COMMANDS: Record<string, { run: Command; summary: string }> = {
  pack: { run: packCommand, summary: "show how a diff is packed into model requests (exact token counts)" },
};

export function usage(): string {
  const width = Math.max(...Object.keys(COMMANDS).map((name) => name.length));
  const lines = Object.entries(COMMANDS).map(([name, { summary }]) => `  ${name.padEnd(width)}  ${summary}`);
  return `Usage: skywork <command> [options]\n\nCommands:\n${lines.join("\n")}\n\nRun \`skywork <command> --help\` for a command's options.\n`;
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
    return EXIT_FAILURE;
  }
}
