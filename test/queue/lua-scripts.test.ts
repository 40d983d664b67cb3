// The app's Redis scripts keep BullMQ's convention: one file each, named with the number of keys
// it takes, an Input/Output header, and no key beyond what the name declares.
import { readdirSync, readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";

const DIR = new URL("../../src/queue/lua/", import.meta.url);

describe("src/queue/lua", () => {
  const files = readdirSync(DIR).filter((f) => f.endsWith(".lua"));

  it("holds the scripts, each named <name>-<number of keys>.lua", () => {
    expect(files.length).toBeGreaterThanOrEqual(8);
    for (const file of files) expect(file).toMatch(/^[a-z-]+-\d+\.lua$/);
  });

  it("documents each script's keys, arguments and reply, and uses no key it does not declare", () => {
    for (const file of files) {
      const text = readFileSync(new URL(file, DIR), "utf8");
      const withIncludes = text.replace(/^--- @include "([\w-]+)"$/gm, (_l, name: string) => readFileSync(new URL(`includes/${name}.lua`, DIR), "utf8"));
      expect(text.startsWith("--[[\n"), file).toBe(true);
      expect(text, file).toMatch(/\n {2}Input:/);
      expect(text, file).toMatch(/\n {2}Output:/);
      const declared = Number(/-(\d+)\.lua$/.exec(file)?.[1]);
      const used = Math.max(0, ...[...withIncludes.matchAll(/KEYS\[(\d+)\]/g)].map((m) => Number(m[1])));
      expect(used, file).toBeLessThanOrEqual(declared);
    }
  });
});
