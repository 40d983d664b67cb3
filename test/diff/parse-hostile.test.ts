// Everything here comes from outside (pull requests, pasted patches), so no input may throw, and
// whatever is returned must still be internally consistent.
import { describe, expect, it } from "vitest";
import { parseGitDiff, parsePatch, type DiffProblem, type FileDiff, type Hunk } from "../../src/diff/index.js";

const SAMPLE = [
  "From 1234 Mon Sep 17 00:00:00 2001",
  "Subject: [PATCH] sample",
  "---",
  " a.txt | 3 ++-",
  "",
  "diff --git a/a.txt b/a.txt",
  "index 1111111..2222222 100644",
  "--- a/a.txt",
  "+++ b/a.txt",
  "@@ -1,3 +1,4 @@ fn main() {",
  " one",
  "-two",
  "+TWO",
  "+three",
  " four",
  "\\ No newline at end of file",
  'diff --git "a/caf\\303\\251.txt" "b/caf\\303\\251.txt"',
  "similarity index 90%",
  'rename from "caf\\303\\251.txt"',
  "rename to cafe.txt",
  "diff --git a/bin b/bin",
  "GIT binary patch",
  "literal 3",
  "KcmZQzWB>pF",
  "",
  "literal 0",
  "HcmV?d00001",
  "",
  "diff --git a/new.txt b/new.txt",
  "new file mode 100755",
  "--- /dev/null",
  "+++ b/new.txt",
  "@@ -0,0 +1 @@",
  "+x",
  "-- ",
  "2.39.5",
  "",
].join("\n");

function mulberry32(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** What must hold for any output, however bad the input. */
function checkHunk(hunk: Hunk): void {
  let oldNo = hunk.oldStart;
  let newNo = hunk.newStart;
  let oldCount = 0;
  let newCount = 0;
  for (const line of hunk.lines) {
    expect(typeof line.text).toBe("string");
    expect(line.text.includes("\n")).toBe(false);
    if (line.kind === "context" || line.kind === "del") {
      expect(line.oldLine).toBe(oldNo++);
      oldCount++;
    } else expect(line.oldLine).toBeNull();
    if (line.kind === "context" || line.kind === "add") {
      expect(line.newLine).toBe(newNo++);
      newCount++;
    } else expect(line.newLine).toBeNull();
  }
  expect(oldCount).toBeLessThanOrEqual(hunk.oldLines);
  expect(newCount).toBeLessThanOrEqual(hunk.newLines);
}

function checkFiles(files: FileDiff[]): void {
  for (const file of files) {
    expect(typeof file.path).toBe("string");
    expect(file.path).toBe(file.newPath ?? file.oldPath);
    if (file.status === "added") expect(file.oldPath).toBeNull();
    if (file.status === "deleted") expect(file.newPath).toBeNull();
    file.hunks.forEach(checkHunk);
  }
}

function parseCollecting(input: string | Uint8Array): { files: FileDiff[]; problems: DiffProblem[] } {
  const problems: DiffProblem[] = [];
  const files = parseGitDiff(input, { onProblem: (p) => problems.push(p) });
  return { files, problems };
}

describe("hostile and broken input", () => {
  it("reads the sample completely", () => {
    const { files, problems } = parseCollecting(SAMPLE);
    expect(problems).toEqual([]);
    expect(files.map((f) => [f.path, f.oldPath, f.status, f.binary, f.additions, f.deletions])).toEqual([
      ["a.txt", "a.txt", "modified", false, 2, 1],
      ["cafe.txt", "caf\u00e9.txt", "renamed", false, 0, 0],
      ["bin", "bin", "modified", true, 0, 0],
      ["new.txt", null, "added", false, 1, 0],
    ]);
    expect(files[0]?.hunks[0]?.lines.at(-1)).toMatchObject({ text: "four", noNewlineAtEof: true });
  });

  it("never throws on any truncation of a diff, and stays consistent", () => {
    for (let end = 0; end <= SAMPLE.length; end++) {
      const { files } = parseCollecting(SAMPLE.slice(0, end));
      checkFiles(files);
    }
  });

  it("never throws when any one line is removed or duplicated", () => {
    const lines = SAMPLE.split("\n");
    for (let n = 0; n < lines.length; n++) {
      checkFiles(parseGitDiff([...lines.slice(0, n), ...lines.slice(n + 1)].join("\n")));
      checkFiles(parseGitDiff([...lines.slice(0, n + 1), ...lines.slice(n)].join("\n")));
    }
  });

  it("never throws on random bytes or random diff-shaped line soup", () => {
    const random = mulberry32(42);
    const pieces = [
      "diff --git ",
      "a/x b/x",
      '"a/\\30',
      "--- ",
      "+++ ",
      "@@ -1,2 +1,3 @@",
      "@@ -0,0 +1 @@",
      "@@ -",
      " ",
      "+",
      "-",
      "\\",
      "\r",
      "rename from ",
      "copy to ",
      "GIT binary patch",
      "literal 9",
      "Binary files ",
      " and ",
      " differ",
      "index 1..2 100644",
      "new file mode ",
      "\u00e9",
      "\u0000",
    ];
    for (let round = 0; round < 400; round++) {
      const bytes = Uint8Array.from({ length: Math.floor(random() * 300) }, () => Math.floor(random() * 256));
      checkFiles(parseGitDiff(bytes));
      parsePatch(new TextDecoder().decode(bytes)).forEach(checkHunk);
      const soup = Array.from({ length: Math.floor(random() * 40) }, () =>
        Array.from({ length: 1 + Math.floor(random() * 3) }, () => pieces[Math.floor(random() * pieces.length)]).join(""),
      ).join("\n");
      checkFiles(parseGitDiff(soup));
      parsePatch(soup).forEach(checkHunk);
    }
  });

  it("reports a hunk that ends before its counts, with its line and path", () => {
    const diff = "diff --git a/t.txt b/t.txt\n--- a/t.txt\n+++ b/t.txt\n@@ -1,999999999 +1,999999999 @@\n same\n-old\n+new\n";
    const { files, problems } = parseCollecting(diff);
    expect(files[0]?.hunks[0]?.lines).toHaveLength(3);
    expect(problems).toEqual([{ message: expect.stringContaining("ended early: 999999997 old and 999999997 new line(s) missing"), line: 4, path: "t.txt" }]);
  });

  it("skips a hunk whose header cannot be read, and reads the next one", () => {
    const diff = ["--- a/t.txt", "+++ b/t.txt", "@@ -1 +1 @@", "-a", "+b", "@@ -99999999999,1 +1 @@", "-c", "+d", "@@ -5 +5 @@", "-e", "+f"].join("\n");
    const { files, problems } = parseCollecting(diff);
    expect(files[0]?.hunks.map((h) => h.lines.map((l) => l.text))).toEqual([
      ["a", "b"],
      ["e", "f"],
    ]);
    expect(problems).toEqual([{ message: expect.stringContaining("unreadable hunk header"), line: 6, path: "t.txt" }]);
  });

  it("explains colored input, combined diffs and bare patches", () => {
    const colored =
      "\u001b[1mdiff --git a/x b/x\u001b[m\n\u001b[1m--- a/x\u001b[m\n\u001b[1m+++ b/x\u001b[m\n\u001b[36m@@ -1 +1 @@\u001b[m\n\u001b[31m-a\u001b[m\n\u001b[32m+b\u001b[m\n";
    expect(parseCollecting(colored).problems.map((p) => p.message)).toEqual([expect.stringContaining("--no-color")]);

    const combined =
      "diff --cc f.txt\nindex 1,2..3\n--- a/f.txt\n+++ b/f.txt\n@@@ -1,1 -1,1 +1,1 @@@\n- a\n -b\n++c\ndiff --git a/g b/g\n--- a/g\n+++ b/g\n@@ -1 +1 @@\n-x\n+y\n";
    const merged = parseCollecting(combined);
    expect(merged.files.map((f) => f.path)).toEqual(["g"]);
    expect(merged.problems).toEqual([{ message: expect.stringContaining("combined (merge) diffs"), line: 1, path: null }]);

    expect(parseCollecting("@@ -1 +1 @@\n-a\n+b").problems.map((p) => p.message)).toEqual([
      "hunk without a file header; skipped",
      expect.stringContaining("for GitHub's per-file `patch` field use parsePatch()"),
    ]);
    expect(parseCollecting("")).toEqual({ files: [], problems: [] });
  });

  it("reads a diff whose every line was converted to CRLF", () => {
    const crlf = SAMPLE.split("\n").join("\r\n");
    const files = parseGitDiff(crlf);
    expect(files.map((f) => [f.path, f.oldPath, f.newMode])).toEqual([
      ["a.txt", "a.txt", "100644"],
      ["cafe.txt", "caf\u00e9.txt", null],
      ["bin", "bin", null],
      ["new.txt", null, "100755"],
    ]);
    expect(files[0]?.hunks[0]?.section).toBe("fn main() {");
    expect(files[0]?.hunks[0]?.lines.map((l) => [l.text, l.crlf])).toEqual([
      ["one", true],
      ["two", true],
      ["TWO", true],
      ["three", true],
      ["four", true],
    ]);
  });

  it("handles pathological headers without blowing up", () => {
    const spaces = " ".repeat(200_000);
    checkFiles(parseGitDiff(`diff --git a/${spaces} b/${spaces}\nold mode 100644\nnew mode 100755\n`));
    checkFiles(parseGitDiff(`diff --git ${"a ".repeat(50_000)}\n`));
    checkFiles(parseGitDiff('diff --git "a/unterminated\n--- "a/x\n+++ "b/\\q"\n@@ -1 +1 @@\n-a\n+b\n'));
    checkFiles(parseGitDiff(`--- a/x\n+++ b/x\n@@ -1,2 +1,2 @@\n${"\\\n".repeat(10_000)} a\n b\n`));
    const manyFiles = "diff --git a/x b/x\n".repeat(20_000);
    expect(parseGitDiff(manyFiles)).toHaveLength(20_000);
  });
});
