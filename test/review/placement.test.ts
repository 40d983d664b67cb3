import { describe, expect, it } from "vitest";
import { parsePatch, type FileDiff } from "../../src/diff/index.js";
import type { Finding } from "../../src/review/findings.js";
import { placeFindings } from "../../src/review/placement.js";

const patch = [
  "@@ -1,4 +1,5 @@",
  " export function mean(values) {",
  "+  if (values.length === 0) return 0;",
  "   let total = 0;",
  "-  for (const v of values) total += v",
  "+  for (const v of values) total += v;",
  "@@ -20,2 +21,2 @@ export function other() {",
  "   a();",
  "-  b();",
  "+  c();",
].join("\n");

const file: FileDiff = {
  path: "src/math.ts",
  oldPath: "src/math.ts",
  newPath: "src/math.ts",
  status: "modified",
  binary: false,
  oldMode: null,
  newMode: null,
  similarity: null,
  hunks: parsePatch(patch),
  additions: 3,
  deletions: 2,
  patchMissing: false,
};
const files = new Map([[file.path, file]]);

function finding(patch: Partial<Finding>): Finding {
  return { path: "src/math.ts", line: 2, startLine: null, severity: "major", title: "t", body: "b", suggestion: null, ...patch };
}

describe("placeFindings", () => {
  it("places findings on added and context lines, keeping real suggestions only", () => {
    const { inline, unplaced } = placeFindings(
      [
        finding({ line: 2, suggestion: "  if (!values.length) return NaN;\n" }),
        finding({ startLine: 1, line: 3 }),
        finding({ line: 4, suggestion: "  for (const v of values) total += v;" }),
      ],
      files,
    );
    expect(unplaced).toEqual([]);
    expect(inline.map((p) => [p.startLine, p.line, p.suggestion])).toEqual([
      [null, 2, "  if (!values.length) return NaN;"],
      [1, 3, null],
      // The suggestion equals the current line: not a suggestion.
      [null, 4, null],
    ]);
  });

  it("moves what cannot be placed to the summary with a reason", () => {
    const { inline, unplaced } = placeFindings(
      [finding({ line: 10 }), finding({ path: "src/other.ts", line: 1 }), finding({ line: 22, startLine: 3, suggestion: "x" })],
      files,
    );
    // A range across two hunks falls back to its last line, without the suggestion.
    expect(inline.map((p) => [p.startLine, p.line, p.suggestion])).toEqual([[null, 22, null]]);
    expect(unplaced.map((u) => u.reason)).toEqual(["line 10 is not a changed or context line of this diff", "the file is not part of this diff"]);
  });
});
