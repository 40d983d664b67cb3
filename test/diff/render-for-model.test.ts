// The rendered text is part of every prompt: these are exact snapshots, so any change to the
// format shows up here and is made on purpose.
import { describe, expect, it } from "vitest";
import { fromGitHubFile, parseGitDiff, renderFileForModel, renderHunkForModel, type FileDiff, type GitHubFileEntry, type Hunk } from "../../src/diff/index.js";

const github = (patch: string, overrides: Partial<GitHubFileEntry> = {}): FileDiff =>
  fromGitHubFile({ filename: "src/app.ts", status: "modified", patch, additions: 0, deletions: 0, changes: 1, ...overrides });

const one = (diff: string): FileDiff => parseGitDiff(diff)[0] as FileDiff;

describe("renderFileForModel", () => {
  it("numbers context and added lines, leaves deleted lines blank", () => {
    const file = github(
      ["@@ -10,4 +10,4 @@ export function foo() {", "   const a = 1;", "+  const b = 2;", "-  const c = 3;", "   return a + b;", " }"].join("\n"),
    );
    expect(renderFileForModel(file)).toBe(
      [
        "## src/app.ts (modified)",
        "@@ -10,4 +10,4 @@ export function foo() {",
        "10     const a = 1;",
        "11 +   const b = 2;",
        "   -   const c = 3;",
        "12     return a + b;",
        "13   }",
      ].join("\n"),
    );
  });

  it("aligns the number column across the file's hunks and trims empty lines", () => {
    const file = github(["@@ -8,2 +8,3 @@", " a", "+", " b", "@@ -97,2 +99,2 @@ fn x()", "-c", "+d", " "].join("\n"));
    expect(renderFileForModel(file)).toBe(
      ["## src/app.ts (modified)", "@@ -8,2 +8,3 @@", "  8   a", "  9 +", " 10   b", "@@ -97,2 +99,2 @@ fn x()", "    - c", " 99 + d", "100"].join("\n"),
    );
  });

  it("writes clear headers for every kind of file", () => {
    const headers = [
      one("diff --git a/run.sh b/run.sh\nnew file mode 100755\n--- /dev/null\n+++ b/run.sh\n@@ -0,0 +1 @@\n+echo hi\n"),
      one("diff --git a/pkg/__init__.py b/pkg/__init__.py\nnew file mode 100644\nindex 0000000..e69de29\n"),
      one("diff --git a/old.txt b/old.txt\ndeleted file mode 100644\n--- a/old.txt\n+++ /dev/null\n@@ -1 +0,0 @@\n-bye\n"),
      one("diff --git a/a.ts b/b.ts\nsimilarity index 90%\nrename from a.ts\nrename to b.ts\n--- a/a.ts\n+++ b/b.ts\n@@ -1 +1 @@\n-x\n+y\n"),
      one("diff --git a/a.ts b/b.ts\nsimilarity index 100%\nrename from a.ts\nrename to b.ts\n"),
      one("diff --git a/a.ts b/c.ts\nsimilarity index 100%\ncopy from a.ts\ncopy to c.ts\n"),
      one("diff --git a/run b/run\nold mode 100644\nnew mode 100755\n"),
      one("diff --git a/img.png b/img.png\nindex 1111111..2222222 100644\nBinary files a/img.png and b/img.png differ\n"),
      one("diff --git a/link b/link\nnew file mode 120000\n--- /dev/null\n+++ b/link\n@@ -0,0 +1 @@\n+target\n\\ No newline at end of file\n"),
      github("", { filename: "package-lock.json", additions: 5000, changes: 5000 }),
      github("", { filename: "logo.png", status: "added", changes: 0 }),
      github("@@ -1 +1 @@\n-a\n+b", { filename: "evil\n## name.ts" }),
    ].map((file) => renderFileForModel(file).split("\n")[0]);
    expect(headers).toEqual([
      "## run.sh (added, mode 100755)",
      "## pkg/__init__.py (added, empty)",
      "## old.txt (deleted)",
      "## b.ts (renamed from a.ts)",
      "## b.ts (renamed from a.ts, no content changes)",
      "## c.ts (copied from a.ts, no content changes)",
      "## run (modified, mode 100644 -> 100755, no content changes)",
      "## img.png (modified, binary)",
      "## link (added, mode 120000)",
      "## package-lock.json (modified, diff not available)",
      "## logo.png (added, diff not available)",
      '## "evil\\n## name.ts" (modified)',
    ]);
  });

  it("renders a deleted file without a number column", () => {
    expect(renderFileForModel(one("diff --git a/old.txt b/old.txt\ndeleted file mode 100644\n--- a/old.txt\n+++ /dev/null\n@@ -1,2 +0,0 @@\n-bye\n-\n"))).toBe(
      ["## old.txt (deleted)", "@@ -1,2 +0,0 @@", "- bye", "-"].join("\n"),
    );
  });

  it("shows `\\ No newline at end of file` after its line", () => {
    const file = github("@@ -1,2 +1,2 @@\n x\n-y\n\\ No newline at end of file\n+z\n\\ No newline at end of file");
    expect(renderFileForModel(file)).toBe(
      ["## src/app.ts (modified)", "@@ -1,2 +1,2 @@", "1   x", "  - y", "\\ No newline at end of file", "2 + z", "\\ No newline at end of file"].join("\n"),
    );
  });

  it("marks CRLF lines only where a hunk mixes line endings", () => {
    const uniform = github("@@ -1,2 +1,2 @@\n a\r\n-b\r\n+B\r");
    expect(renderFileForModel(uniform)).toBe(["## src/app.ts (modified)", "@@ -1,2 +1,2 @@", "1   a", "  - b", "2 + B"].join("\n"));
    const mixed = github("@@ -1,2 +1,2 @@\n a\r\n-b\r\n+b");
    expect(renderFileForModel(mixed)).toBe(["## src/app.ts (modified)", "@@ -1,2 +1,2 @@", "1   a\u240d", "  - b\u240d", "2 + b"].join("\n"));
  });

  it("compresses long runs of deleted lines on request", () => {
    const dels = Array.from({ length: 6 }, (_, n) => `-old ${n + 1}`);
    const file = github(["@@ -1,12 +1,4 @@", " keep", ...dels, "+new", " mid", "-x1", "-x2", "-x3", " end"].join("\n"));
    expect(renderFileForModel(file, { compressDeletions: { keep: 2 } })).toBe(
      [
        "## src/app.ts (modified)",
        "@@ -1,12 +1,4 @@",
        "1   keep",
        "  - old 1",
        "  - old 2",
        "  - … (4 more deleted lines)",
        "2 + new",
        "3   mid",
        "  - x1",
        "  - x2",
        "  - x3",
        "4   end",
      ].join("\n"),
    );
    expect(
      renderFileForModel(file, { compressDeletions: { keep: 0 } })
        .split("\n")
        .slice(3, 5),
    ).toEqual(["  - … (6 more deleted lines)", "2 + new"]);
  });
});

describe("renderHunkForModel", () => {
  const base = github("@@ -5,2 +5,2 @@ fn f()\n a\n-b\n+c").hunks[0] as Hunk;

  it("recomputes the header from the lines, so extended hunks stay true", () => {
    // The context engine adds lines around the hunk without touching the header fields.
    const extended: Hunk = {
      ...base,
      lines: [
        { kind: "context", text: "before", oldLine: 4, newLine: 4, noNewlineAtEof: false },
        ...base.lines,
        { kind: "context", text: "after", oldLine: 7, newLine: 7, noNewlineAtEof: false },
      ],
    };
    expect(renderHunkForModel(extended)).toBe(["@@ -4,4 +4,4 @@ fn f()", "4   before", "5   a", "  - b", "6 + c", "7   after"].join("\n"));
  });

  it("takes a fixed number column width", () => {
    expect(renderHunkForModel(base, { lineNumberWidth: 4 })).toBe(["@@ -5,2 +5,2 @@ fn f()", "   5   a", "     - b", "   6 + c"].join("\n"));
  });

  it("is deterministic", () => {
    expect(renderHunkForModel(base)).toBe(renderHunkForModel(structuredClone(base)));
  });
});
