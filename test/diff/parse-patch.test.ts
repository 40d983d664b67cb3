import { rmSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fromGitHubFile, githubFileProblems, parseGitDiff, parsePatch, type DiffProblem, type GitHubFileEntry } from "../../src/diff/index.js";
import { createGitRepo, type GitRepo } from "./git-fixture.js";

// GitHub's `patch` is the file's hunks exactly as git prints them, with the final newline dropped.
const GITHUB_PATCH = [
  "@@ -1,5 +1,6 @@",
  " import { a } from './a.js';",
  "-import { b } from './b.js';",
  "+import { b, c } from './b.js';",
  "+import { d } from './d.js';",
  " ",
  " export function f() {",
  "   return a();",
  "@@ -40,3 +41,3 @@ export function g() {",
  "   const x = 1;",
  "-  return x;",
  "+  return x + 1;",
  " }",
  "\\ No newline at end of file",
].join("\n");

describe("parsePatch (GitHub's per-file patch)", () => {
  it("reads hunks with line numbers and no phantom last line", () => {
    const hunks = parsePatch(GITHUB_PATCH);
    expect(hunks.map((h) => [h.oldStart, h.oldLines, h.newStart, h.newLines, h.section, h.lines.length])).toEqual([
      [1, 5, 1, 6, "", 7],
      [40, 3, 41, 3, "export function g() {", 4],
    ]);
    expect(hunks[0]?.lines.map((l) => [l.kind, l.oldLine, l.newLine])).toEqual([
      ["context", 1, 1],
      ["del", 2, null],
      ["add", null, 2],
      ["add", null, 3],
      ["context", 3, 4],
      ["context", 4, 5],
      ["context", 5, 6],
    ]);
    expect(hunks[0]?.lines[4]?.text).toBe("");
    expect(hunks[1]?.lines.at(-1)).toEqual({ kind: "context", text: "}", oldLine: 42, newLine: 43, crlf: false, noNewlineAtEof: true });
  });

  it("keeps CRLF out of the text", () => {
    const hunks = parsePatch("@@ -1,2 +1,2 @@\n a\r\n-b\r\n+c\r");
    expect(hunks[0]?.lines.map((l) => [l.text, l.crlf])).toEqual([
      ["a", true],
      ["b", true],
      ["c", true],
    ]);
  });

  it("reports lines outside hunks and short hunks", () => {
    const problems: DiffProblem[] = [];
    const hunks = parsePatch("junk\nmore junk\n@@ -1,3 +1,3 @@\n a\n-b\n+c", { onProblem: (p) => problems.push(p) });
    expect(hunks[0]?.lines).toHaveLength(3);
    expect(problems.map((p) => [p.line, p.message])).toEqual([
      [1, "2 line(s) outside any hunk ignored"],
      [3, expect.stringContaining("ended early: 1 old and 1 new line(s) missing")],
    ]);
  });

  describe("equals parseGitDiff on the same real diff", () => {
    let repo: GitRepo;
    beforeAll(() => {
      repo = createGitRepo();
      repo.write("src/a.ts", Array.from({ length: 60 }, (_, n) => `const v${n} = ${n};\n`).join(""));
      repo.write("b.txt", "x\r\ny\r\nz");
      repo.write("old.txt", "gone\n");
      repo.commit("init");
      repo.write("src/a.ts", Array.from({ length: 60 }, (_, n) => `const v${n} = ${n % 17 === 3 ? "changed" : n};\n`).join(""));
      repo.write("b.txt", "x\r\nY\r\nz\n");
      rmSync(join(repo.dir, "old.txt"));
      repo.write("new.txt", "hello\n");
    });
    afterAll(() => repo.remove());

    it("for every file", () => {
      repo.git("add", "-A");
      const diff = repo.git("diff", "--cached").toString("utf8");
      const files = parseGitDiff(diff);
      expect(files.map((f) => f.path)).toEqual(["b.txt", "new.txt", "old.txt", "src/a.ts"]);
      for (const file of files) {
        // Cut what GitHub would send as `patch`: from the first hunk header, without the final newline.
        const section = diff.split(/^diff --git /m).find((s) => s.startsWith(`a/${file.path} `)) as string;
        const patch = section.slice(section.indexOf("\n@@") + 1).replace(/\n$/, "");
        expect(parsePatch(patch), file.path).toEqual(file.hunks);
      }
    });
  });
});

describe("fromGitHubFile", () => {
  const entry = (overrides: Partial<GitHubFileEntry>): GitHubFileEntry => ({
    filename: "src/x.ts",
    status: "modified",
    additions: 0,
    deletions: 0,
    changes: 0,
    ...overrides,
  });

  it("maps a modified file with its patch", () => {
    const file = fromGitHubFile(entry({ patch: GITHUB_PATCH, additions: 3, deletions: 2, changes: 5 }));
    expect({ ...file, hunks: file.hunks.length }).toEqual({
      path: "src/x.ts",
      oldPath: "src/x.ts",
      newPath: "src/x.ts",
      status: "modified",
      binary: false,
      oldMode: null,
      newMode: null,
      similarity: null,
      hunks: 2,
      additions: 3,
      deletions: 2,
      patchMissing: false,
    });
  });

  it("maps every GitHub status", () => {
    const cases: [GitHubFileEntry, object][] = [
      [
        entry({ status: "added", patch: "@@ -0,0 +1,2 @@\n+a\n+b", additions: 2, changes: 2 }),
        { status: "added", oldPath: null, newPath: "src/x.ts", patchMissing: false },
      ],
      [
        entry({ status: "removed", patch: "@@ -1 +0,0 @@\n-a", deletions: 1, changes: 1 }),
        { status: "deleted", oldPath: "src/x.ts", newPath: null, patchMissing: false },
      ],
      [entry({ status: "renamed", previous_filename: "src/old.ts" }), { status: "renamed", oldPath: "src/old.ts", patchMissing: false, hunks: [] }],
      [
        entry({ status: "renamed", previous_filename: "src/old.ts", patch: "@@ -1 +1 @@\n-a\n+b", additions: 1, deletions: 1, changes: 2 }),
        { status: "renamed", oldPath: "src/old.ts", patchMissing: false },
      ],
      [entry({ status: "copied", previous_filename: "src/base.ts" }), { status: "copied", oldPath: "src/base.ts", patchMissing: false }],
      [entry({ status: "changed" }), { status: "modified", patchMissing: false, hunks: [] }],
      [entry({ status: "unchanged" }), { status: "modified", patchMissing: false }],
      // Binary: GitHub sends no patch and no line counts.
      [entry({ filename: "logo.png", status: "added" }), { status: "added", binary: false, patchMissing: true }],
      [entry({ filename: "logo.png", status: "modified" }), { status: "modified", patchMissing: true }],
      // Too large: counts but no patch.
      [
        entry({ filename: "package-lock.json", additions: 4000, deletions: 3000, changes: 7000 }),
        { additions: 4000, deletions: 3000, patchMissing: true, hunks: [] },
      ],
    ];
    for (const [input, expected] of cases) expect(fromGitHubFile(input), JSON.stringify(input)).toMatchObject(expected);
  });

  it("works directly with Array#map", () => {
    const files = [entry({ filename: "a" }), entry({ filename: "b", status: "removed" })].map(fromGitHubFile);
    expect(files.map((f) => [f.path, f.status])).toEqual([
      ["a", "modified"],
      ["b", "deleted"],
    ]);
  });

  it("reports patches that disagree with GitHub's counts", () => {
    expect(githubFileProblems(entry({ patch: GITHUB_PATCH, additions: 3, deletions: 2, changes: 5 }))).toEqual([]);
    expect(githubFileProblems(entry({ patch: "@@ -1,2 +1,2 @@\n a\n-b", additions: 1, deletions: 1, changes: 2 }))).toEqual([
      { message: expect.stringContaining("ended early"), line: 1, path: "src/x.ts" },
      { message: "patch shows +0 -1 but GitHub counts +1 -1; the patch may be incomplete", line: null, path: "src/x.ts" },
    ]);
  });
});
