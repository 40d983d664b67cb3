import { describe, expect, it } from "vitest";
import { packAll, packInOrder, type Bin, type PackFile } from "../../src/context/bin-pack.js";
import { random } from "./fixtures.js";

function binTokens(bin: Bin, files: readonly PackFile[]): number {
  let n = 0;
  for (const [file, pieces] of bin.files) {
    const spec = files[file] as PackFile;
    n += spec.headerTokens + pieces.reduce((a, p) => a + (spec.pieceTokens[p] as number), 0);
  }
  return n;
}

/** Every piece of every file exactly once. */
function expectComplete(bins: readonly Bin[], files: readonly PackFile[]): void {
  const seen = files.map((f) => new Array<number>(f.pieceTokens.length).fill(0));
  for (const bin of bins) for (const [file, pieces] of bin.files) for (const p of pieces) (seen[file] as number[])[p]! += 1;
  expect(seen.every((s) => s.every((n) => n === 1))).toBe(true);
}

describe("packAll", () => {
  it("keeps files whole when first-fit decreasing already needs the fewest bins", () => {
    const files: PackFile[] = [
      { headerTokens: 10, pieceTokens: [40, 20] },
      { headerTokens: 10, pieceTokens: [30] },
      { headerTokens: 10, pieceTokens: [50] },
    ];
    const bins = packAll(files, 100);
    expect(bins).toHaveLength(2);
    for (const bin of bins) for (const [file, pieces] of bin.files) expect(pieces).toHaveLength((files[file] as PackFile).pieceTokens.length);
    expectComplete(bins, files);
  });

  it("splits a file at piece boundaries when that saves a request", () => {
    // Whole files need three bins (each pair is 110 > 100); split, the content (210 + headers) fits in three,
    // and with these sizes in two only by splitting: 60+60+60 = 180 content, 3 headers of 5.
    const files: PackFile[] = [
      { headerTokens: 5, pieceTokens: [30, 30] },
      { headerTokens: 5, pieceTokens: [30, 30] },
      { headerTokens: 5, pieceTokens: [30, 30] },
    ];
    const bins = packAll(files, 100);
    expect(bins).toHaveLength(2);
    expectComplete(bins, files);
    for (const bin of bins) expect(binTokens(bin, files)).toBeLessThanOrEqual(100);
    for (const bin of bins) expect(bin.tokens).toBe(binTokens(bin, files));
  });

  it("cuts a file bigger than a bin into parts that each fit", () => {
    const files: PackFile[] = [{ headerTokens: 8, pieceTokens: Array.from({ length: 40 }, (_, i) => 10 + (i % 7)) }];
    const bins = packAll(files, 100);
    expectComplete(bins, files);
    for (const bin of bins) expect(binTokens(bin, files)).toBeLessThanOrEqual(100);
    const total = 8 + (files[0] as PackFile).pieceTokens.reduce((a, b) => a + b, 0);
    expect(bins.length).toBeLessThanOrEqual(Math.ceil(total / (100 - 8 - 16)));
  });

  it("never overfills a bin and never loses a piece (random files)", () => {
    const rand = random(42);
    for (let round = 0; round < 300; round++) {
      const capacity = 50 + Math.floor(rand() * 400);
      const files: PackFile[] = Array.from({ length: 1 + Math.floor(rand() * 25) }, () => {
        const headerTokens = 1 + Math.floor(rand() * 12);
        const limit = capacity - headerTokens;
        return {
          headerTokens,
          pieceTokens: Array.from({ length: 1 + Math.floor(rand() * 8) }, () => 1 + Math.floor(rand() * Math.min(limit, rand() < 0.2 ? limit : 60))),
        };
      });
      const bins = packAll(files, capacity);
      expectComplete(bins, files);
      for (const bin of bins) {
        expect(bin.tokens).toBe(binTokens(bin, files));
        expect(bin.tokens).toBeLessThanOrEqual(capacity);
      }
      const content = files.reduce((n, f) => n + f.pieceTokens.reduce((a, b) => a + b, 0), 0);
      expect(bins.length).toBeGreaterThanOrEqual(Math.ceil(content / capacity));
    }
  });
});

describe("packInOrder", () => {
  it("fills the allowed bins in order and returns what is left", () => {
    const files: PackFile[] = [
      { headerTokens: 5, pieceTokens: [40, 40] },
      { headerTokens: 5, pieceTokens: [40, 40, 40] },
      { headerTokens: 5, pieceTokens: [10] },
    ];
    const { bins, left } = packInOrder(files, [0, 1, 2], 100, 2);
    expect(bins).toHaveLength(2);
    expect([...(bins[0] as Bin).files]).toEqual([[0, [0, 1]]]);
    expect([...(bins[1] as Bin).files]).toEqual([[1, [0, 1]]]);
    expect([...left]).toEqual([
      [1, [2]],
      [2, [0]],
    ]);
  });
});
