import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { GENERATED_FILES, updateGeneratedSections } from "../src/config/docs.js";

describe("README", () => {
  const readme = readFileSync(new URL("../README.md", import.meta.url), "utf8");

  it("has configuration and command tables generated from the code (run `npm run docs` to update)", () => {
    expect(readme).toBe(updateGeneratedSections(readme));
  });

  it("ships the generated JSON Schema of .github/skywork.yml (run `npm run docs` to update)", () => {
    for (const file of GENERATED_FILES) {
      expect(readFileSync(new URL(`../${file.path}`, import.meta.url), "utf8")).toBe(file.render());
    }
  });

  it("gives the one-line start and test commands", () => {
    expect(readme).toContain("npm install && npm start");
    expect(readme).toContain("npm install && npm test");
  });
});
