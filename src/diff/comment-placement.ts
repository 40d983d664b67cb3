// Where GitHub accepts a RIGHT-side review comment. One bad comment fails the whole review with
// 422, so every comment is checked here before posting.
//
// The rules (https://docs.github.com/rest/pulls/comments#create-a-review-comment-for-a-pull-request
// and https://docs.github.com/rest/pulls/reviews#create-a-review-for-a-pull-request):
// - `line` with side RIGHT must be an added or context line inside a hunk of the file's diff
//   ("Pull request review thread line must be part of the diff");
// - a multi-line comment's `start_line` must precede `line` ("... start line must precede the end
//   line") and lie in the same hunk ("... start line must be part of the same hunk as the line").
// The RIGHT-side lines of a hunk are consecutive new-file lines (deleted lines have no new number),
// so each hunk contributes one range.

import type { DiffLine, FileDiff, Hunk } from "./types.js";

export interface CommentRange {
  /** The last (or only) new-file line the comment covers. */
  line: number;
  /** The first line of a multi-line comment. */
  startLine?: number;
}

/** New-file lines `start..end` (inclusive) of `file.hunks[hunkIndex]`. */
export interface RightLineRange {
  start: number;
  end: number;
  hunkIndex: number;
}

export type RangeCheck =
  | {
      ok: true;
      hunk: Hunk;
      /** The RIGHT-side lines the range covers, in order: what a suggestion block replaces. */
      lines: DiffLine[];
      /** What to send: `startLine` dropped when it equals `line`, which GitHub rejects. */
      range: CommentRange;
    }
  | { ok: false; reason: string };

/** Sorted, non-overlapping ranges of the lines a RIGHT-side comment may sit on. */
export function commentableRightLines(file: FileDiff): RightLineRange[] {
  if (file.patchMissing || file.binary || file.status === "deleted") return [];
  const ranges: RightLineRange[] = [];
  file.hunks.forEach((hunk, hunkIndex) => {
    let start = 0;
    let end = 0;
    for (const line of hunk.lines) {
      if (line.newLine === null) continue;
      if (start === 0) start = line.newLine;
      end = line.newLine;
    }
    if (start > 0) ranges.push({ start, end, hunkIndex });
  });
  return ranges.sort((a, b) => a.start - b.start);
}

function findRange(ranges: readonly RightLineRange[], line: number): RightLineRange | undefined {
  let lo = 0;
  let hi = ranges.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const range = ranges[mid] as RightLineRange;
    if (line < range.start) hi = mid - 1;
    else if (line > range.end) lo = mid + 1;
    else return range;
  }
  return undefined;
}

export function checkRightSideRange(file: FileDiff, range: CommentRange): RangeCheck {
  const { line } = range;
  const startLine = range.startLine ?? line;
  if (!Number.isSafeInteger(line) || line < 1 || !Number.isSafeInteger(startLine) || startLine < 1) {
    return { ok: false, reason: `line numbers must be positive integers (got line ${line}, start_line ${startLine})` };
  }
  const unavailable = whyNotCommentable(file);
  if (unavailable) return { ok: false, reason: unavailable };
  if (startLine > line) {
    return { ok: false, reason: `start_line ${startLine} must precede line ${line}` };
  }
  const ranges = commentableRightLines(file);
  const end = findRange(ranges, line);
  if (!end) return { ok: false, reason: `line ${line} of ${file.path} is not in the diff; ${describe(ranges)}` };
  if (startLine < end.start) {
    const start = findRange(ranges, startLine);
    return {
      ok: false,
      reason: start
        ? `start_line ${startLine} and line ${line} of ${file.path} are in different hunks ` +
          `(${start.start}-${start.end} and ${end.start}-${end.end}); GitHub requires one hunk`
        : `start_line ${startLine} of ${file.path} is not in the diff; ${describe(ranges)}`,
    };
  }
  const hunk = file.hunks[end.hunkIndex] as Hunk;
  const lines = hunk.lines.filter((l) => l.newLine !== null && l.newLine >= startLine && l.newLine <= line);
  return { ok: true, hunk, lines, range: startLine === line ? { line } : { line, startLine } };
}

/**
 * The commentable line closest to `line`, at most `maxDistance` away; on a tie the earlier line.
 * For a model that cites a line just outside a hunk.
 */
export function nearestCommentableLine(file: FileDiff, line: number, maxDistance: number): number | null {
  if (!Number.isFinite(line)) return null;
  let best: number | null = null;
  let bestDistance = Infinity;
  for (const range of commentableRightLines(file)) {
    const candidate = Math.min(Math.max(Math.round(line), range.start), range.end);
    const distance = Math.abs(candidate - line);
    if (distance < bestDistance || (distance === bestDistance && best !== null && candidate < best)) {
      best = candidate;
      bestDistance = distance;
    }
  }
  return best !== null && bestDistance <= maxDistance ? best : null;
}

function whyNotCommentable(file: FileDiff): string | null {
  if (file.patchMissing) return `GitHub sent no diff for ${file.path} (binary or too large), so no line can be commented`;
  if (file.binary) return `${file.path} is binary, so no line can be commented`;
  if (file.status === "deleted") return `${file.path} is deleted; a RIGHT-side comment needs a line of the new file`;
  if (file.hunks.length === 0) return `${file.path} has no changed lines (mode change, pure rename or empty file), so no line can be commented`;
  return null;
}

const MAX_LISTED_RANGES = 8;

function describe(ranges: readonly RightLineRange[]): string {
  if (ranges.length === 0) return "no line can be commented";
  const shown = ranges.slice(0, MAX_LISTED_RANGES).map((r) => (r.start === r.end ? `${r.start}` : `${r.start}-${r.end}`));
  const more = ranges.length > MAX_LISTED_RANGES ? `, … (${ranges.length - MAX_LISTED_RANGES} more)` : "";
  return `commentable lines: ${shown.join(", ")}${more}`;
}

/** Files of one diff by path, for checking comments that name a path. */
export interface DiffIndex {
  byPath: ReadonlyMap<string, FileDiff>;
  /** Renamed and copied files by their old path, to say where a comment should go instead. */
  byOldPath: ReadonlyMap<string, FileDiff>;
}

/** The first file wins when a path occurs twice (e.g. `git log -p` over several commits). */
export function indexDiff(files: readonly FileDiff[]): DiffIndex {
  const byPath = new Map<string, FileDiff>();
  const byOldPath = new Map<string, FileDiff>();
  for (const file of files) {
    if (!byPath.has(file.path)) byPath.set(file.path, file);
    if (file.oldPath !== null && file.oldPath !== file.path && !byOldPath.has(file.oldPath)) {
      byOldPath.set(file.oldPath, file);
    }
  }
  return { byPath, byOldPath };
}

/** checkRightSideRange for a comment that names its file by path. */
export function checkRightSideComment(index: DiffIndex, comment: CommentRange & { path: string }): RangeCheck {
  const file = index.byPath.get(comment.path);
  if (file) return checkRightSideRange(file, comment);
  const moved = index.byOldPath.get(comment.path);
  if (moved && moved.status === "renamed") {
    return { ok: false, reason: `${comment.path} was renamed to ${moved.path}; comment on the new path` };
  }
  return { ok: false, reason: `${comment.path} is not part of this diff` };
}
