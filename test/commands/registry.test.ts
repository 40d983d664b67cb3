import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { parseCommand } from "../../src/commands/parse-command.js";
import { COMMANDS, commandTableMarkdown, HELP } from "../../src/commands/registry.js";

// Parsing, `/skywork help` and the README's table all come from the one registry.
describe("the command registry", () => {
  it.each(COMMANDS.map((command) => [command.verb, command] as const))("/skywork %s is parsed, listed in the help and in the README table", (verb, command) => {
    expect(parseCommand(`/skywork ${verb} some words`)).toEqual({ kind: "command", verb, instructions: "some words" });
    const usage = "argument" in command ? `/skywork ${verb} ${command.argument}` : `/skywork ${verb}`;
    expect(HELP.toString()).toContain(`- \`${usage}\`: ${command.help.toString()}`);
    expect(
      commandTableMarkdown()
        .split("\n")
        .filter((row) => row.startsWith(`| \`${usage}\` |`)),
    ).toHaveLength(command.readme.length);
  });

  it("knows no command the registry does not", () => {
    expect(parseCommand("/skywork approve")).toEqual({ kind: "unknown", word: "approve" });
    expect(
      HELP.toString()
        .split("\n")
        .filter((line) => line.startsWith("- ")).length,
    ).toBe(COMMANDS.length);
  });

  it("is the README's command table (run `npm run docs` to update)", () => {
    const readme = readFileSync(new URL("../../README.md", import.meta.url), "utf8");
    expect(readme).toContain(`<!-- generated:commands:start -->\n${commandTableMarkdown()}\n<!-- generated:commands:end -->`);
  });
});
