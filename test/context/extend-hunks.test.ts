import { describe, expect, it } from "vitest";
import { renderFileForModel, type FileDiff } from "../../src/diff/index.js";
import { extendHunks, hunkNewSpan } from "../../src/context/extend-hunks.js";
import { splitSource } from "../../src/context/source-text.js";
import { gitDiffOf, random } from "./fixtures.js";

/** A file and a random edit of it: replaced, inserted and deleted lines, some near each other. */
function randomEdit(seed: number): { before: string; after: string } {
  const rand = random(seed);
  const before: string[] = [];
  const length = 20 + Math.floor(rand() * 120);
  for (let i = 0; i < length; i++) before.push(rand() < 0.1 ? "" : `line ${i} ${"x".repeat(Math.floor(rand() * 5))}`);
  const after: string[] = [];
  for (const [i, line] of before.entries()) {
    const roll = rand();
    if (roll < 0.05) continue;
    if (roll < 0.1) after.push(`changed ${i}`);
    else after.push(line);
    if (rand() < 0.04) after.push(`inserted after ${i}`);
  }
  const noFinalNewline = rand() < 0.2;
  return { before: `${before.join("\n")}\n`, after: `${after.join("\n")}${noFinalNewline ? "" : "\n"}` };
}

function onlyFile(files: FileDiff[]): FileDiff {
  expect(files).toHaveLength(1);
  return files[0] as FileDiff;
}

describe("extendHunks", () => {
  // Extending -U0 hunks by n lines on each side, merging those that touch, is exactly what git
  // does for -U<n>: the old line numbers of every added context line and every merge must agree.
  it.each([1, 2, 3, 5, 8, 13, 21, 34])("reproduces git diff -U<n> from -U0 hunks (seed %i)", (seed) => {
    const { before, after } = randomEdit(seed);
    const n = 1 + (seed % 6);
    const zero = onlyFile(gitDiffOf([{ path: "f.txt", before, after }], ["-U0"]).files);
    const wide = onlyFile(gitDiffOf([{ path: "f.txt", before, after }], [`-U${n}`]).files);
    const source = splitSource(after);
    const extents = zero.hunks.map((h) => {
      const span = hunkNewSpan(h);
      return { start: span.before + 1 - n, end: span.before + span.count + n };
    });
    const extended = extendHunks(zero.hunks, extents, source).map((h) => ({ ...h, section: "" }));
    const expected = wide.hunks.map((h) => ({ ...h, section: "" }));
    expect(renderFileForModel({ ...zero, hunks: extended })).toBe(renderFileForModel({ ...wide, hunks: expected }));
  });

  it("extends to the whole file like git diff with unlimited context", () => {
    const { before, after } = randomEdit(99);
    const zero = onlyFile(gitDiffOf([{ path: "f.txt", before, after }], ["-U0"]).files);
    const full = onlyFile(gitDiffOf([{ path: "f.txt", before, after }], ["-U100000"]).files);
    const source = splitSource(after);
    const extended = extendHunks(
      zero.hunks,
      zero.hunks.map(() => ({ start: 1, end: source.lines.length })),
      source,
    );
    expect(extended).toHaveLength(1);
    expect(renderFileForModel({ ...zero, hunks: extended.map((h) => ({ ...h, section: "" })) })).toBe(
      renderFileForModel({ ...full, hunks: full.hunks.map((h) => ({ ...h, section: "" })) }),
    );
  });

  it("never changes the caller's hunks", () => {
    const { before, after } = randomEdit(7);
    const file = onlyFile(gitDiffOf([{ path: "f.txt", before, after }]).files);
    const snapshot = JSON.stringify(file);
    extendHunks(
      file.hunks,
      file.hunks.map(() => ({ start: 1, end: 10_000 })),
      splitSource(after),
    );
    expect(JSON.stringify(file)).toBe(snapshot);
  });

  it("keeps CRLF line endings of the context it adds", () => {
    const before = "a\r\nb\r\nc\r\nd\r\ne\r\nf\r\ng\r\n";
    const after = "a\r\nb\r\nc\r\nD\r\ne\r\nf\r\ng\r\n";
    const zero = onlyFile(gitDiffOf([{ path: "f.txt", before, after }], ["-U0"]).files);
    const extended = extendHunks(zero.hunks, [{ start: 1, end: 7 }], splitSource(after));
    expect(extended[0]?.lines.every((l) => l.crlf)).toBe(true);
    expect(extended[0]?.lines.map((l) => l.text).join("")).toBe("abcdDefg");
  });
});
