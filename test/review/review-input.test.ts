import { describe, expect, it } from "vitest";
import { validateRepoConfig } from "../../src/config/repo-config.js";
import { REVIEW_SYSTEM_PROMPT } from "../../src/review/prompt.js";
import { answerReserve, reviewPackInput } from "../../src/review/review-input.js";

// The worker, `skywork review` and `skywork pack` pack what this one function builds.
describe("reviewPackInput", () => {
  const { config } = validateRepoConfig({ review: { instructions: "Prefer Result types.", ignore: ["docs/**"] } });
  const header = { owner: "acme", repo: "shop", number: 7, title: "Add totals", body: null, baseRef: "main", headRef: "feature" };

  it("takes the repository's instructions and ignore globs from its configuration, flags' globs on top", () => {
    const input = reviewPackInput({ config, header, files: [], extraIgnore: ["*.snap"] });
    expect(input.system).toBe(REVIEW_SYSTEM_PROMPT);
    expect(input.ignore).toEqual(["docs/**", "*.snap"]);
    expect(input.preamble({ index: 0, total: 1 })).toContain("Prefer Result types.");
    expect(input.source).toBeUndefined();
  });

  it("lets the guidance block supersede the bare instructions", () => {
    const input = reviewPackInput({ config, header, guidance: "Guidance from AGENTS.md: keep functions small.", files: [] });
    const preamble = input.preamble({ index: 0, total: 1 });
    expect(preamble).toContain("keep functions small");
    expect(preamble).not.toContain("Prefer Result types.");
  });

  it("reads each file once however often the review re-packs", async () => {
    const reads: string[] = [];
    const input = reviewPackInput({ config, header, files: [], source: { read: async (path) => (reads.push(path), `content of ${path}`) } });
    expect(await input.source!.read("a.ts")).toBe("content of a.ts");
    expect(await input.source!.read("a.ts")).toBe("content of a.ts");
    expect(reads).toEqual(["a.ts"]);
  });

  it("never reserves more than half the window for the answer", () => {
    expect(answerReserve(6_144, 32_768)).toBe(6_144);
    expect(answerReserve(6_144, 8_192)).toBe(4_096);
  });
});
