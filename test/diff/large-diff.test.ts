// Correctness at scale; the time it takes is measured and reported separately, not asserted.
import { describe, expect, it } from "vitest";
import { commentableRightLines, parseGitDiff, renderFileForModel } from "../../src/diff/index.js";
import { syntheticDiff } from "./synthetic-diff.js";

describe("a 3,000-file diff with 100,000 changed lines", () => {
  const diff = syntheticDiff(3_000, 100_000);

  it("parses every file, hunk and line with the right numbers", () => {
    for (const input of [diff.text, new TextEncoder().encode(diff.text)]) {
      const files = parseGitDiff(input);
      expect(files).toHaveLength(3_000);
      expect(files.reduce((n, f) => n + f.additions + f.deletions, 0)).toBe(100_000);
      expect(files[1234]?.path).toBe("src/module34/file1234.ts");

      for (const file of files) {
        let shift = 0;
        for (const hunk of file.hunks) {
          expect(hunk.newStart).toBe(hunk.oldStart + shift);
          let oldNo = hunk.oldStart;
          let newNo = hunk.newStart;
          for (const line of hunk.lines) {
            if (line.kind !== "add" && line.oldLine !== oldNo++) throw new Error(`${file.path}: old numbering broken`);
            if (line.kind !== "del" && line.newLine !== newNo++) throw new Error(`${file.path}: new numbering broken`);
            if (line.kind === "context" && line.text !== `context ${line.oldLine}`) throw new Error(`${file.path}: context text`);
          }
          expect([oldNo - hunk.oldStart, newNo - hunk.newStart]).toEqual([hunk.oldLines, hunk.newLines]);
          shift += hunk.newLines - hunk.oldLines;
        }
      }

      const last = files.at(-1);
      expect(last?.hunks.at(-1)?.lines.at(-1)).toMatchObject({ kind: "context", oldLine: 109, newLine: 120 });
      expect(commentableRightLines(last!).at(0)).toEqual({ start: 1, end: 14, hunkIndex: 0 });
      expect(renderFileForModel(last!).split("\n")[2]).toBe("  1   context 1");
    }
  });
});
