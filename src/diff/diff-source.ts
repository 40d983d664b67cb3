// Diff input as one string plus the offset of every line. Hunk bodies are read straight from the
// string, so a line costs one substring (its text) instead of two (the line, then its text).
//
// Line counts never depend on decoding: lines are found by LF bytes first, and neither decoding
// below can produce or swallow an LF.

export interface DiffSource {
  text: string;
  /** Line i spans text[starts[i], starts[i + 1] - 1); starts has count + 1 entries. */
  starts: Int32Array;
  count: number;
  /** Lines that were not valid UTF-8 and were decoded byte for byte as Latin-1. */
  latin1Lines: ReadonlySet<number>;
}

const NO_LINES: ReadonlySet<number> = new Set();

// ignoreBOM keeps a U+FEFF at the start of the input as a character instead of dropping it.
const strictUtf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });
const lenientUtf8 = new TextDecoder("utf-8", { fatal: false, ignoreBOM: true });

export function createDiffSource(input: string | Uint8Array): DiffSource {
  if (typeof input === "string") return indexLines(input, NO_LINES);
  try {
    return indexLines(strictUtf8.decode(input), NO_LINES);
  } catch {
    const { text, latin1Lines } = decodeMixed(input);
    return indexLines(text, latin1Lines);
  }
}

function indexLines(text: string, latin1Lines: ReadonlySet<number>): DiffSource {
  let starts = new Int32Array(Math.max(16, (text.length >> 5) + 2));
  let n = 1;
  for (let at = text.indexOf("\n"); at !== -1; at = text.indexOf("\n", at + 1)) {
    if (n + 1 >= starts.length) {
      const grown = new Int32Array(starts.length * 2);
      grown.set(starts);
      starts = grown;
    }
    starts[n++] = at + 1;
  }
  // A final LF ends the last line; it does not start an empty one. Without one, the last line
  // ends at the end of the text, as if an LF followed.
  let count = n - 1;
  if (text.length > 0 && text.charCodeAt(text.length - 1) !== 0x0a) {
    starts[n] = text.length + 1;
    count = n;
  }
  return { text, starts: starts.subarray(0, count + 1), count, latin1Lines };
}

export function lineAt(source: DiffSource, i: number): string {
  return source.text.slice(source.starts[i] as number, (source.starts[i + 1] as number) - 1);
}

// Per line rather than per file: a commit that converts a file from Latin-1 to UTF-8 has both
// encodings on its two sides, and each line should read as what it is. Valid lines are decoded
// in runs, so one stray byte does not make a large diff slow.
function decodeMixed(bytes: Uint8Array): { text: string; latin1Lines: Set<number> } {
  const parts: string[] = [];
  const latin1Lines = new Set<number>();
  let runStart = 0;
  let lineStart = 0;
  let line = 0;
  let valid = true;
  let i = 0;
  const flushInvalidLine = (end: number): void => {
    if (runStart < lineStart) parts.push(lenientUtf8.decode(bytes.subarray(runStart, lineStart)));
    // "latin1" in Buffer is true ISO-8859-1 (byte n -> U+00nn), so Buffer.from(text, "latin1")
    // gives the bytes back; TextDecoder's "latin1" label means windows-1252, which would not.
    parts.push(Buffer.from(bytes.buffer, bytes.byteOffset + lineStart, end - lineStart).toString("latin1"));
    latin1Lines.add(line);
    runStart = end;
  };
  while (i < bytes.length) {
    const b = bytes[i] as number;
    if (b === 0x0a) {
      if (!valid) flushInvalidLine(i);
      line++;
      lineStart = i + 1;
      valid = true;
      i++;
    } else if (b < 0x80) {
      i++;
    } else {
      const length = utf8SequenceLength(bytes, i);
      if (length === 0) {
        valid = false;
        i++;
      } else {
        i += length;
      }
    }
  }
  if (!valid) flushInvalidLine(bytes.length);
  if (runStart < bytes.length) parts.push(lenientUtf8.decode(bytes.subarray(runStart)));
  return { text: parts.join(""), latin1Lines };
}

// Well-formed UTF-8 (Unicode 15, table 3-7), the same set WHATWG's decoder accepts: the length
// of the sequence at i, or 0 when it is not well formed.
function utf8SequenceLength(bytes: Uint8Array, i: number): number {
  const b0 = bytes[i] as number;
  const cont = (n: number, lo = 0x80, hi = 0xbf): boolean => {
    const b = bytes[i + n];
    return b !== undefined && b >= lo && b <= hi;
  };
  if (b0 >= 0xc2 && b0 <= 0xdf) return cont(1) ? 2 : 0;
  if (b0 === 0xe0) return cont(1, 0xa0) && cont(2) ? 3 : 0;
  if ((b0 >= 0xe1 && b0 <= 0xec) || b0 === 0xee || b0 === 0xef) return cont(1) && cont(2) ? 3 : 0;
  if (b0 === 0xed) return cont(1, 0x80, 0x9f) && cont(2) ? 3 : 0;
  if (b0 === 0xf0) return cont(1, 0x90) && cont(2) && cont(3) ? 4 : 0;
  if (b0 >= 0xf1 && b0 <= 0xf3) return cont(1) && cont(2) && cont(3) ? 4 : 0;
  if (b0 === 0xf4) return cont(1, 0x80, 0x8f) && cont(2) && cont(3) ? 4 : 0;
  return 0;
}
