// Every `/skywork` command, once: parsing (parse-command.ts), `/skywork help` (command-job.ts) and
// the README's command table (`npm run docs`) are derived from this table. A new command is one
// entry here and its handler in command-job.ts (the compiler asks for it).
import { code, join, md, type Markup } from "../github/markup.js";

export interface CommandSpec {
  /** The word after `/skywork`. */
  readonly verb: string;
  /** What may follow the verb, as the help and the README write it: "[instructions]", "<id>". */
  readonly argument?: string;
  /** `/skywork help`'s line for it. */
  readonly help: Markup;
  /** The README's rows: where it can be written and what happens then (Markdown). */
  readonly readme: ReadonlyArray<{ readonly where: string; readonly what: string }>;
}

export const COMMANDS = [
  {
    verb: "review",
    help: md`review this pull request again, in full.`,
    readme: [{ where: "a pull request", what: "A full review of the current head, even if it was reviewed before; only new findings are posted." }],
  },
  {
    verb: "fix",
    argument: "[instructions]",
    help: md`on an issue, a pull request or a review thread, make the change and propose it as commits or a pull request for a human to review.`,
    readme: [
      { where: "an issue", what: 'A branch `skywork/fix-<issue>-<id>` from the default branch and a pull request that says "Fixes #N".' },
      {
        where: "a pull request",
        what: "Commits on its branch when `fix.push: true`; otherwise a pull request into its branch. On a fork's PR: a pull request in this repository, never a push to the fork. Without instructions, the bot's open findings are the task.",
      },
      { where: "a review thread", what: "The thread's first comment (e.g. one of the bot's findings) is the task." },
    ],
  },
  {
    verb: "learnings",
    help: md`what the reviewer learned from findings maintainers dismissed here (a 👎, a thread resolved unchanged, a reply such as "not an issue"), with ids.`,
    readme: [{ where: "anywhere", what: "What the reviewer learned from findings maintainers dismissed in this repository, with their ids." }],
  },
  {
    verb: "forget",
    argument: "<id>",
    help: md`remove one learning, so later reviews may flag it again.`,
    readme: [{ where: "anywhere", what: "Removes one learning (`/skywork forget L3`): later reviews may flag it again." }],
  },
  {
    verb: "help",
    help: md`this message.`,
    readme: [{ where: "anywhere", what: "The commands and this repository's effective configuration, with any problems in it." }],
  },
] as const satisfies readonly CommandSpec[];

export type CommandVerb = (typeof COMMANDS)[number]["verb"];

/** What a bare `/skywork` means. */
export const DEFAULT_VERB: CommandVerb = "help";

export function isCommandVerb(word: string): word is CommandVerb {
  return COMMANDS.some((command) => command.verb === word);
}

/** How a command is written: "/skywork fix [instructions]". */
function usage(command: CommandSpec): string {
  return command.argument === undefined ? `/skywork ${command.verb}` : `/skywork ${command.verb} ${command.argument}`;
}

/** The list of commands every help and unknown-command reply starts with. */
export const HELP: Markup = md`**Skywork commands** (for people with write access):

${join(COMMANDS.map((command: CommandSpec) => md`- ${code(usage(command))}: ${command.help}`))}`;

/** The README's command table (`npm run docs`). */
export function commandTableMarkdown(): string {
  const rows = COMMANDS.flatMap((command: CommandSpec) => command.readme.map((row) => `| \`${usage(command)}\` | ${row.where} | ${row.what} |`));
  return ["| Command | Where | What happens |", "| --- | --- | --- |", ...rows].join("\n");
}
