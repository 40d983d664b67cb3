import { describe, expect, it } from "vitest";
import { unlistedNote } from "../../src/review/review-job.js";
import { code } from "../../src/github/markup.js";
import { fileList } from "../../src/review/review-body.js";

describe("code", () => {
  it("shows a hostile file name literally, without opening an HTML comment or a marker", () => {
    const shown = code("src/<!-- skywork:review:{} -->.ts").toString();
    expect(shown).not.toContain("<!--");
    expect(shown.startsWith("`")).toBe(true);
  });
});

describe("fileList", () => {
  it("names every file once, grouped by reason and folder", () => {
    const lines = fileList(
      [
        { path: "src/gen/a.ts", reason: "generated" },
        { path: "src/gen/b.ts", reason: "generated" },
        { path: "package-lock.json", reason: "lockfile" },
        { path: "lib/c.ts", reason: "over the request cap" },
      ],
      10_000,
    );
    expect(lines.map(String)).toEqual([
      "- generated:",
      "  - `src/gen/` `a.ts`, `b.ts`",
      "- lockfile:",
      "  - `package-lock.json`",
      "- over the request cap:",
      "  - `lib/` `c.ts`",
    ]);
  });

  it("stays within its budget for thousands of files, counting per folder what it cannot name", () => {
    const entries = Array.from({ length: 3_000 }, (_, i) => ({
      path: `packages/p${i % 40}/src/generated/file_${i}.ts`,
      reason: "over the request cap (review.max_requests: 8)",
    }));
    const lines = fileList(entries, 30_000);
    const text = lines.map(String).join("\n");
    expect(text.length).toBeLessThan(31_000);
    const named = (text.match(/`file_\d+\.ts`/g) ?? []).length;
    const more = Number(/…and (\d+) more files/.exec(text)?.[1]);
    expect(named).toBeGreaterThan(500);
    expect(named + more).toBe(3_000);
  });
});

describe("unlistedNote", () => {
  it("says how many files GitHub did not list, and nothing when it listed them all", () => {
    expect(unlistedNote({ changed_files: 3_000 }, 3_000)).toEqual([]);
    expect(unlistedNote({ changed_files: 3_412 }, 3_000)).toEqual([
      "GitHub lists only the first 3,000 of this pull request's 3,412 changed files: the other 412 could not be read and were not reviewed. Split the pull request to have them reviewed.",
    ]);
  });
});
