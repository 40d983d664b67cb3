// A file's text at the head, as lines that compare equal to the diff's lines.
import type { FileDiff } from "../diff/index.js";

export interface SourceText {
  /** Line n (1-based) is `lines[n - 1]`, without its line ending. */
  lines: string[];
  /** Which lines ended in "\r\n". */
  crlf: boolean[];
  /** False when the last line has no line ending. */
  endsWithNewline: boolean;
  /** Total characters, for size limits. */
  length: number;
}

export function splitSource(text: string): SourceText {
  const lines: string[] = [];
  const crlf: boolean[] = [];
  let start = 0;
  while (start < text.length) {
    let end = text.indexOf("\n", start);
    const hasNewline = end !== -1;
    if (!hasNewline) end = text.length;
    // As the diff parser does: "\r\n" is one ending; a final line's "\r" without "\n" counts too.
    const cr = end > start && text.charCodeAt(end - 1) === 0x0d;
    lines.push(text.slice(start, cr ? end - 1 : end));
    crlf.push(cr);
    start = end + 1;
  }
  return { lines, crlf, endsWithNewline: text.length === 0 || text.endsWith("\n"), length: text.length };
}

/**
 * True when every added and context line of the diff is in the source at its new line number: the
 * source really is the head the diff was made against, so its lines may be shown as context.
 */
export function sourceMatchesDiff(file: FileDiff, source: SourceText): boolean {
  for (const hunk of file.hunks) {
    for (const line of hunk.lines) {
      if (line.newLine === null) continue;
      if (source.lines[line.newLine - 1] !== line.text) return false;
    }
  }
  return true;
}
