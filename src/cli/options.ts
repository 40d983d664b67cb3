// Command-line parsing shared by the commands: strict options, and errors that point at --help.
import { parseArgs, type ParseArgsConfig } from "node:util";
import { CliError } from "./io.js";

type Options = NonNullable<ParseArgsConfig["options"]>;

/** Parses `argv` strictly (no positionals, no unknown options) into typed values. */
export function parseOptions<const T extends Options>(command: string, argv: readonly string[], options: T) {
  try {
    return parseArgs({ args: [...argv], allowPositionals: false, strict: true, options }).values;
  } catch (error) {
    // parseArgs explains the problem in its first sentence; the help is one flag away.
    const message = (error as Error).message.split(/\.\s/)[0]?.replace(/\.$/, "") ?? "bad arguments";
    throw new CliError(`${message}. See \`skywork ${command} --help\`.`);
  }
}

/** A positive whole number (`32_768` allowed), or `fallback` when the option is absent. */
export function positiveInt(raw: string | undefined, flag: string, fallback: number): number;
export function positiveInt(raw: string | undefined, flag: string): number | undefined;
export function positiveInt(raw: string | undefined, flag: string, fallback?: number): number | undefined {
  if (raw === undefined) return fallback;
  const digits = raw.replace(/_/g, "");
  if (!/^\d+$/.test(digits) || Number(digits) < 1) throw new CliError(`${flag} must be a positive whole number, got ${JSON.stringify(raw)}.`);
  return Number(digits);
}
