// Hunks grown with context lines read from the file at the head, then merged where they touch.
// The caller's hunks are never changed: placement of review comments is checked against them.
import type { DiffLine, Hunk } from "../diff/index.js";
import type { SourceText } from "./source-text.js";

/** New lines `start`..`end` to show around one hunk (clipped to the file). */
export interface HunkExtent {
  start: number;
  end: number;
  /** Section text for the hunk header when the extension does not show the scope's first line. */
  section?: string;
}

interface Frame {
  hunk: Hunk;
  /** New and old lines before the hunk (git's start for a side without lines). */
  newBefore: number;
  oldBefore: number;
  newCount: number;
  oldCount: number;
}

/** Lines before the hunk on each side, as git counts them (for a side without lines: its start). */
export function hunkFrame(hunk: Hunk): { oldBefore: number; newBefore: number } {
  const frame = frameOf(hunk);
  return { oldBefore: frame.oldBefore, newBefore: frame.newBefore };
}

function frameOf(hunk: Hunk): Frame {
  let firstOld: number | null = null;
  let firstNew: number | null = null;
  let oldCount = 0;
  let newCount = 0;
  for (const line of hunk.lines) {
    if (line.oldLine !== null) {
      firstOld ??= line.oldLine;
      oldCount++;
    }
    if (line.newLine !== null) {
      firstNew ??= line.newLine;
      newCount++;
    }
  }
  return {
    hunk,
    newBefore: firstNew === null ? hunk.newStart : firstNew - 1,
    oldBefore: firstOld === null ? hunk.oldStart : firstOld - 1,
    newCount,
    oldCount,
  };
}

/** The new-line span a hunk covers: `[newBefore + 1, newBefore + newCount]` (empty for pure deletions). */
export function hunkNewSpan(hunk: Hunk): { before: number; count: number } {
  const frame = frameOf(hunk);
  return { before: frame.newBefore, count: frame.newCount };
}

/**
 * Extends each hunk to its extent and merges hunks whose extended ranges touch or overlap. The
 * lines between merged hunks are unchanged, so they come from `source` as context. `extents[i]`
 * null leaves hunk i as it is (it still merges when its neighbours reach it).
 */
export function extendHunks(hunks: readonly Hunk[], extents: readonly (HunkExtent | null)[], source: SourceText): Hunk[] {
  const total = source.lines.length;
  const extentOf = new Map<Hunk, HunkExtent | null>(hunks.map((h, i) => [h, extents[i] ?? null]));
  const frames = hunks.filter((h) => h.lines.length > 0).map(frameOf);
  frames.sort((a, b) => a.newBefore - b.newBefore || a.oldBefore - b.oldBefore);
  const out: Hunk[] = [];

  let group: { frames: Frame[]; start: number; end: number; section: string } | null = null;
  const flush = (): void => {
    if (group) out.push(buildGroup(group.frames, group.start, group.end, group.section, source));
  };

  frames.forEach((frame) => {
    const extent = extentOf.get(frame.hunk) ?? null;
    const ownStart = frame.newBefore + 1;
    const ownEnd = frame.newBefore + frame.newCount;
    const start = Math.max(1, Math.min(ownStart, extent?.start ?? ownStart));
    const end = Math.min(total, Math.max(ownEnd, extent?.end ?? ownEnd));
    if (group && start <= group.end + 1) {
      group.frames.push(frame);
      group.end = Math.max(group.end, end);
      return;
    }
    flush();
    const grown = start < ownStart;
    group = { frames: [frame], start, end, section: extent?.section ?? (grown ? "" : frame.hunk.section) };
  });
  flush();
  return out;
}

function buildGroup(frames: readonly Frame[], start: number, end: number, section: string, source: SourceText): Hunk {
  const lines: DiffLine[] = [];
  const first = frames[0] as Frame;
  pushContext(lines, source, start, first.newBefore, first.oldBefore - first.newBefore);
  frames.forEach((frame, i) => {
    for (const line of frame.hunk.lines) lines.push(line);
    const newAfter = frame.newBefore + frame.newCount;
    const delta = frame.oldBefore + frame.oldCount - newAfter;
    const next = frames[i + 1];
    pushContext(lines, source, newAfter + 1, next ? next.newBefore : end, delta);
  });
  const firstOld = lines.find((l) => l.oldLine !== null)?.oldLine ?? null;
  const firstNew = lines.find((l) => l.newLine !== null)?.newLine ?? null;
  let oldLines = 0;
  let newLines = 0;
  for (const line of lines) {
    if (line.oldLine !== null) oldLines++;
    if (line.newLine !== null) newLines++;
  }
  return {
    oldStart: firstOld ?? first.oldBefore,
    oldLines,
    newStart: firstNew ?? first.newBefore,
    newLines,
    section,
    lines,
  };
}

/** Unchanged new lines `from`..`to` as context; their old numbers are `new + delta`. */
function pushContext(out: DiffLine[], source: SourceText, from: number, to: number, delta: number): void {
  const last = source.lines.length;
  for (let n = from; n <= to; n++) {
    out.push({
      kind: "context",
      text: source.lines[n - 1] ?? "",
      oldLine: n + delta,
      newLine: n,
      crlf: source.crlf[n - 1] ?? false,
      // After the last hunk both sides are the same text, so both lack the final newline.
      noNewlineAtEof: n === last && !source.endsWithNewline,
    });
  }
}
