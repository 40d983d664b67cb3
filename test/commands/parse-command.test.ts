import { describe, expect, it } from "vitest";
import { mentionsCommand, parseCommand } from "../../src/commands/parse-command.js";

describe("parseCommand", () => {
  it("reads the verb and the instructions after it", () => {
    expect(parseCommand("/skywork fix use a Map here\nand keep the API")).toEqual({
      kind: "command",
      verb: "fix",
      instructions: "use a Map here\nand keep the API",
    });
    expect(parseCommand("Thanks!\n  /Skywork REVIEW")).toEqual({ kind: "command", verb: "review", instructions: "" });
    expect(parseCommand("/skywork")).toEqual({ kind: "command", verb: "help", instructions: "" });
  });

  it("reads /skywork learnings and /skywork forget <id>", () => {
    expect(parseCommand("/skywork learnings")).toEqual({ kind: "command", verb: "learnings", instructions: "" });
    expect(parseCommand("/skywork forget L3")).toEqual({ kind: "command", verb: "forget", instructions: "L3" });
  });

  it("reports an unknown verb", () => {
    expect(parseCommand("/skywork deploy prod")).toEqual({ kind: "unknown", word: "deploy" });
  });

  it("ignores quotes, code blocks and mentions inside a sentence", () => {
    expect(parseCommand("> /skywork fix\nquoted")).toEqual({ kind: "none" });
    expect(parseCommand("```\n/skywork fix\n```")).toEqual({ kind: "none" });
    expect(parseCommand("you could run /skywork fix here")).toEqual({ kind: "none" });
    expect(parseCommand("/skyworker fix")).toEqual({ kind: "none" });
    expect(mentionsCommand("> /skywork fix")).toBe(false);
    expect(mentionsCommand("ok\n/skywork review")).toBe(true);
  });

  it("bounds the instructions it keeps", () => {
    const parsed = parseCommand(`/skywork fix ${"x".repeat(10_000)}`);
    expect(parsed.kind === "command" && parsed.instructions.length).toBe(4_000);
  });
});
