import { describe, expect, it } from "vitest";
import { createDiffSource, lineAt } from "../../src/diff/diff-source.js";

const strict = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

/** The reference: split on LF bytes, then each line strictly as UTF-8, else byte for byte as Latin-1. */
function oracle(bytes: Uint8Array): { lines: string[]; latin1: number[] } {
  const lines: string[] = [];
  const latin1: number[] = [];
  let start = 0;
  const parts: Uint8Array[] = [];
  for (let i = 0; i <= bytes.length; i++) {
    if (i === bytes.length || bytes[i] === 0x0a) {
      if (i < bytes.length || start < bytes.length) parts.push(bytes.subarray(start, i));
      start = i + 1;
    }
  }
  parts.forEach((part, n) => {
    try {
      lines.push(strict.decode(part));
    } catch {
      latin1.push(n);
      lines.push(Buffer.from(part).toString("latin1"));
    }
  });
  return { lines, latin1 };
}

function decoded(bytes: Uint8Array): { lines: string[]; latin1: number[] } {
  const source = createDiffSource(bytes);
  return {
    lines: Array.from({ length: source.count }, (_, i) => lineAt(source, i)),
    latin1: [...source.latin1Lines].sort((a, b) => a - b),
  };
}

describe("createDiffSource", () => {
  it("splits text on LF, without a phantom line after a final LF", () => {
    const lines = (text: string): string[] => {
      const source = createDiffSource(text);
      return Array.from({ length: source.count }, (_, i) => lineAt(source, i));
    };
    expect(lines("")).toEqual([]);
    expect(lines("a")).toEqual(["a"]);
    expect(lines("a\n")).toEqual(["a"]);
    expect(lines("a\n\n")).toEqual(["a", ""]);
    expect(lines("\n")).toEqual([""]);
    expect(lines("a\r\nb")).toEqual(["a\r", "b"]);
  });

  it("decodes each line as UTF-8 when it is valid and as Latin-1 when not, exactly like a per-line strict decoder", () => {
    const samples = [
      [0xc3, 0xa9], // é
      [0xe9], // é in Latin-1
      [0xc0, 0xaf], // overlong
      [0xed, 0xa0, 0x80], // surrogate
      [0xf4, 0x90, 0x80, 0x80], // above U+10FFFF
      [0xf0, 0x9f, 0x98, 0x80], // 😀
      [0xe2, 0x82], // truncated at the end of the line
      [0xef, 0xbb, 0xbf], // BOM
      [0x80],
      [0xff, 0xfe],
    ];
    const bytes: number[] = [];
    for (const [n, sample] of samples.entries()) bytes.push(0x2b, ...sample, 0x20, 0x30 + n, 0x0a);
    bytes.push(...[0x2d, 0xe9]); // last line, invalid, without LF
    const input = Uint8Array.from(bytes);
    expect(decoded(input)).toEqual(oracle(input));
    expect(decoded(input).latin1).toEqual([1, 2, 3, 4, 6, 8, 9, 10]);
  });

  it("agrees with the reference on random bytes", () => {
    let seed = 7;
    const random = (): number => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed / 0x7fffffff;
    };
    for (let round = 0; round < 300; round++) {
      const input = Uint8Array.from({ length: Math.floor(random() * 200) }, () => {
        const r = random();
        return r < 0.1 ? 0x0a : r < 0.5 ? Math.floor(random() * 0x80) : Math.floor(random() * 256);
      });
      expect(decoded(input)).toEqual(oracle(input));
    }
  });
});
