// Reading `/skywork <command> [instructions]` out of a comment. Only a line that starts with the
// command counts: a quote (`> /skywork fix`) or a code block that mentions it does not. The
// commands themselves are registry.ts's.
import { DEFAULT_VERB, isCommandVerb, type CommandVerb } from "./registry.js";

export type ParsedCommand = { kind: "command"; verb: CommandVerb; instructions: string } | { kind: "unknown"; word: string } | { kind: "none" };

/** Free-text instructions longer than this are cut (they go into a prompt). */
const MAX_INSTRUCTIONS = 4_000;

export function parseCommand(body: string | null | undefined): ParsedCommand {
  if (!body) return { kind: "none" };
  const lines = body.replace(/\r\n?/g, "\n").split("\n");
  let fence: string | null = null;
  for (const [index, line] of lines.entries()) {
    const opener = /^ {0,3}(`{3,}|~{3,})/.exec(line);
    if (fence) {
      if (opener && opener[1]!.startsWith(fence)) fence = null;
      continue;
    }
    if (opener) {
      fence = opener[1]!;
      continue;
    }
    const match = /^ {0,3}\/skywork(?![\w-])(?:\s+(\S+))?(.*)$/i.exec(line);
    if (!match) continue;
    const word = (match[1] ?? DEFAULT_VERB).toLowerCase();
    if (!isCommandVerb(word)) return { kind: "unknown", word: word.slice(0, 40) };
    const rest = [match[2] ?? "", ...lines.slice(index + 1)].join("\n").trim();
    return { kind: "command", verb: word, instructions: rest.slice(0, MAX_INSTRUCTIONS) };
  }
  return { kind: "none" };
}

/** Cheap test for the webhook intake: could this comment hold a command at all? */
export function mentionsCommand(body: string | null | undefined): boolean {
  return typeof body === "string" && /^ {0,3}\/skywork\b/im.test(body);
}
