// One unified-diff hunk, read by its header's counts rather than by guessing from prefixes: a
// deleted line whose content is "-- x" reads as "--- x", and an added "++ y" as "+++ y", so only
// the counts can tell a hunk's last line from the next file's header.
// https://www.gnu.org/software/diffutils/manual/html_node/Detailed-Unified.html

import type { DiffSource } from "./diff-source.js";
import { stripCr } from "./git-path.js";
import type { DiffLine, Hunk } from "./types.js";

export interface HunkHeader {
  oldStart: number;
  oldLines: number;
  newStart: number;
  newLines: number;
  section: string;
}

// A missing count means 1 (`@@ -1 +1 @@`). Nine digits are plenty for any real file and keep every
// number a safe integer whatever the input says.
const HUNK_HEADER = /^@@ -(\d{1,9})(?:,(\d{1,9}))? \+(\d{1,9})(?:,(\d{1,9}))? @@(.*)$/;

export function parseHunkHeader(line: string): HunkHeader | null {
  const m = HUNK_HEADER.exec(stripCr(line));
  if (!m) return null;
  const rest = m[5] ?? "";
  return {
    oldStart: Number(m[1]),
    oldLines: m[2] === undefined ? 1 : Number(m[2]),
    newStart: Number(m[3]),
    newLines: m[4] === undefined ? 1 : Number(m[4]),
    section: rest.startsWith(" ") ? rest.slice(1) : rest,
  };
}

export interface ReadHunkResult {
  hunk: Hunk;
  /** Index of the first line after the hunk. */
  next: number;
  /** Why the hunk ended before its counts were met; null when it is complete. */
  problem: string | null;
  additions: number;
  deletions: number;
}

const SPACE = 0x20;
const PLUS = 0x2b;
const MINUS = 0x2d;
const BACKSLASH = 0x5c;
const CR = 0x0d;
const EMPTY = -1;

/** Reads the body that follows the header at line `headerIndex` of `source`. */
export function readHunk(source: DiffSource, headerIndex: number, header: HunkHeader): ReadHunkResult {
  const { text, starts, count } = source;
  const body: DiffLine[] = [];
  let oldLeft = header.oldLines;
  let newLeft = header.newLines;
  let oldNo = header.oldStart;
  let newNo = header.newStart;
  let i = headerIndex + 1;
  // Counted here so that nobody walks all lines again; they are what the lines hold, not what a
  // truncated header claims.
  let additions = 0;
  let deletions = 0;

  while (i < count && (oldLeft > 0 || newLeft > 0)) {
    const start = starts[i] as number;
    const end = (starts[i + 1] as number) - 1;
    let first = start < end ? text.charCodeAt(start) : EMPTY;
    if (first === BACKSLASH) {
      markNoNewline(body);
      i++;
      continue;
    }
    // Some tools strip the lone space of an empty context line; git apply accepts that too.
    if (first === CR && end - start === 1) first = EMPTY;
    let kind: DiffLine["kind"];
    if (first === SPACE || first === EMPTY) {
      if (oldLeft === 0 || newLeft === 0) break;
      kind = "context";
    } else if (first === MINUS) {
      if (oldLeft === 0) break;
      kind = "del";
      deletions++;
    } else if (first === PLUS) {
      if (newLeft === 0) break;
      kind = "add";
      additions++;
    } else {
      break;
    }
    const crlf = end > start && text.charCodeAt(end - 1) === CR;
    const textEnd = crlf ? end - 1 : end;
    const lineText = first === EMPTY || textEnd <= start + 1 ? "" : text.slice(start + 1, textEnd);
    body.push({
      kind,
      text: lineText,
      oldLine: kind === "add" ? null : oldNo++,
      newLine: kind === "del" ? null : newNo++,
      crlf,
      noNewlineAtEof: false,
    });
    if (kind !== "add") oldLeft--;
    if (kind !== "del") newLeft--;
    i++;
  }
  // The marker for the hunk's last line comes after the counts are used up.
  if (i < count && body.length > 0 && text.charCodeAt(starts[i] as number) === BACKSLASH && (starts[i + 1] as number) - 1 > (starts[i] as number)) {
    markNoNewline(body);
    i++;
  }
  const problem =
    oldLeft > 0 || newLeft > 0
      ? `hunk @@ -${header.oldStart},${header.oldLines} +${header.newStart},${header.newLines} @@ ` +
        `ended early: ${oldLeft} old and ${newLeft} new line(s) missing (truncated or hand-edited diff?)`
      : null;
  return {
    hunk: {
      oldStart: header.oldStart,
      oldLines: header.oldLines,
      newStart: header.newStart,
      newLines: header.newLines,
      section: header.section,
      lines: body,
    },
    next: i,
    problem,
    additions,
    deletions,
  };
}

function markNoNewline(body: DiffLine[]): void {
  const last = body[body.length - 1];
  if (last) last.noNewlineAtEof = true;
}
