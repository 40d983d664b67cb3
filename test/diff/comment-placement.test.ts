import { describe, expect, it } from "vitest";
import {
  checkRightSideComment,
  checkRightSideRange,
  commentableRightLines,
  fromGitHubFile,
  indexDiff,
  nearestCommentableLine,
  parseGitDiff,
  type FileDiff,
} from "../../src/diff/index.js";

// New-file lines: hunk 0 covers 10-16 (12 and 13 added), hunk 1 covers 41-43, hunk 2 only deletes
// old lines 60-61 and has no RIGHT side at all.
const PATCH = [
  "@@ -10,6 +10,7 @@ class A {",
  " c10",
  " c11",
  "-d12",
  "+a12",
  "+a13",
  " c13",
  " c14",
  " c15",
  "@@ -40,4 +41,3 @@",
  " c40",
  "-d41",
  " c42",
  " c43",
  "@@ -60,2 +59,0 @@",
  "-d60",
  "-d61",
].join("\n");

const file: FileDiff = fromGitHubFile({ filename: "src/a.ts", status: "modified", patch: PATCH, additions: 2, deletions: 4, changes: 6 });

const reasonOf = (result: ReturnType<typeof checkRightSideRange>): string => (result.ok ? "ok" : result.reason);

describe("commentableRightLines", () => {
  it("gives one sorted range per hunk with a RIGHT side", () => {
    expect(commentableRightLines(file)).toEqual([
      { start: 10, end: 16, hunkIndex: 0 },
      { start: 41, end: 43, hunkIndex: 1 },
    ]);
  });

  it("is empty for deleted, binary and patchless files", () => {
    const deleted = parseGitDiff("diff --git a/x b/x\ndeleted file mode 100644\n--- a/x\n+++ /dev/null\n@@ -1,2 +0,0 @@\n-a\n-b\n")[0] as FileDiff;
    expect(commentableRightLines(deleted)).toEqual([]);
    expect(commentableRightLines({ ...file, binary: true })).toEqual([]);
    expect(commentableRightLines({ ...file, patchMissing: true })).toEqual([]);
  });
});

describe("checkRightSideRange", () => {
  it("accepts a single line on an added or a context line", () => {
    const added = checkRightSideRange(file, { line: 12 });
    expect(added).toEqual({
      ok: true,
      hunk: file.hunks[0],
      lines: [{ kind: "add", text: "a12", oldLine: null, newLine: 12, crlf: false, noNewlineAtEof: false }],
      range: { line: 12 },
    });
    expect(reasonOf(checkRightSideRange(file, { line: 10 }))).toBe("ok");
    expect(reasonOf(checkRightSideRange(file, { line: 43 }))).toBe("ok");
  });

  it("accepts a multi-line range inside one hunk and returns exactly its RIGHT lines", () => {
    const result = checkRightSideRange(file, { startLine: 11, line: 14 });
    expect(result.ok && result.lines.map((l) => [l.newLine, l.text])).toEqual([
      [11, "c11"],
      [12, "a12"],
      [13, "a13"],
      [14, "c13"],
    ]);
    expect(result.ok && result.range).toEqual({ line: 14, startLine: 11 });
    // The deleted line between 41 and 42 is not part of what a suggestion replaces.
    const second = checkRightSideRange(file, { startLine: 41, line: 42 });
    expect(second.ok && second.lines.map((l) => l.text)).toEqual(["c40", "c42"]);
  });

  it("drops a start_line equal to line, which GitHub would reject", () => {
    const result = checkRightSideRange(file, { startLine: 13, line: 13 });
    expect(result.ok && result.range).toEqual({ line: 13 });
  });

  it("rejects a range across two hunks", () => {
    expect(reasonOf(checkRightSideRange(file, { startLine: 15, line: 42 }))).toBe(
      "start_line 15 and line 42 of src/a.ts are in different hunks (10-16 and 41-43); GitHub requires one hunk",
    );
  });

  it("rejects deleted lines, which have no RIGHT-side number", () => {
    // Old lines 60 and 61 were deleted in a hunk with no RIGHT side.
    expect(reasonOf(checkRightSideRange(file, { line: 60 }))).toBe("line 60 of src/a.ts is not in the diff; commentable lines: 10-16, 41-43");
    const deleted = parseGitDiff("diff --git a/x b/x\ndeleted file mode 100644\n--- a/x\n+++ /dev/null\n@@ -1,2 +0,0 @@\n-a\n-b\n")[0] as FileDiff;
    expect(reasonOf(checkRightSideRange(deleted, { line: 1 }))).toBe("x is deleted; a RIGHT-side comment needs a line of the new file");
  });

  it("rejects lines outside every hunk, and start lines outside the diff", () => {
    expect(reasonOf(checkRightSideRange(file, { line: 30 }))).toBe("line 30 of src/a.ts is not in the diff; commentable lines: 10-16, 41-43");
    expect(reasonOf(checkRightSideRange(file, { line: 17 }))).toContain("not in the diff");
    expect(reasonOf(checkRightSideRange(file, { line: 9 }))).toContain("not in the diff");
    expect(reasonOf(checkRightSideRange(file, { startLine: 5, line: 12 }))).toBe(
      "start_line 5 of src/a.ts is not in the diff; commentable lines: 10-16, 41-43",
    );
  });

  it("rejects reversed ranges and bad numbers", () => {
    expect(reasonOf(checkRightSideRange(file, { startLine: 14, line: 12 }))).toBe("start_line 14 must precede line 12");
    for (const line of [0, -1, 1.5, Number.NaN, Number.POSITIVE_INFINITY]) {
      expect(reasonOf(checkRightSideRange(file, { line }))).toContain("positive integers");
    }
  });

  it("explains why files without a usable diff take no comments", () => {
    expect(reasonOf(checkRightSideRange({ ...file, hunks: [], patchMissing: true }, { line: 1 }))).toContain("GitHub sent no diff for src/a.ts");
    expect(reasonOf(checkRightSideRange({ ...file, binary: true }, { line: 12 }))).toContain("is binary");
    const modeOnly = parseGitDiff("diff --git a/run b/run\nold mode 100644\nnew mode 100755\n")[0] as FileDiff;
    expect(reasonOf(checkRightSideRange(modeOnly, { line: 1 }))).toContain("has no changed lines");
  });
});

describe("checkRightSideComment", () => {
  const renamed = fromGitHubFile({
    filename: "src/new.ts",
    previous_filename: "src/old.ts",
    status: "renamed",
    patch: "@@ -1 +1 @@\n-a\n+b",
    additions: 1,
    deletions: 1,
    changes: 2,
  });
  const index = indexDiff([file, renamed]);

  it("finds the file by path", () => {
    expect(reasonOf(checkRightSideComment(index, { path: "src/a.ts", line: 12 }))).toBe("ok");
    expect(reasonOf(checkRightSideComment(index, { path: "src/new.ts", line: 1 }))).toBe("ok");
  });

  it("rejects unknown paths, and points from a renamed file's old path to its new one", () => {
    expect(reasonOf(checkRightSideComment(index, { path: "README.md", line: 1 }))).toBe("README.md is not part of this diff");
    expect(reasonOf(checkRightSideComment(index, { path: "src/old.ts", line: 1 }))).toBe("src/old.ts was renamed to src/new.ts; comment on the new path");
  });
});

describe("nearestCommentableLine", () => {
  it("keeps a commentable line, and moves an outside line to the closest hunk edge", () => {
    expect(nearestCommentableLine(file, 12, 0)).toBe(12);
    expect(nearestCommentableLine(file, 18, 3)).toBe(16);
    expect(nearestCommentableLine(file, 39, 3)).toBe(41);
    expect(nearestCommentableLine(file, 28, 20)).toBe(16);
    expect(nearestCommentableLine(file, 30, 5)).toBeNull();
  });

  it("prefers the earlier line on a tie", () => {
    const twoHunks = fromGitHubFile({
      filename: "t",
      status: "modified",
      patch: "@@ -1,2 +1,2 @@\n a\n-b\n+c\n@@ -6,2 +6,2 @@\n d\n-e\n+f",
      additions: 2,
      deletions: 2,
      changes: 4,
    });
    expect(nearestCommentableLine(twoHunks, 4, 2)).toBe(2);
  });
});
