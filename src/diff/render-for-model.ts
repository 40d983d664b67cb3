// The model's view of a diff: numbered new-file lines it can cite in comments.
//
// Prompts, token counts and vLLM's prefix cache depend on this text being byte-for-byte stable,
// so the format is fixed here and changed only on purpose (update the tests with it):
//
//   ## src/app.ts (modified)
//   @@ -10,7 +10,8 @@ export function foo() {
//   10   const a = 1;
//   11 + const b = 2;
//      - const c = 3;
//   12   return a + b;
//
// - File header `## <path> (<facts>)`, facts joined by ", " in this order: the status ("added",
//   "modified", "deleted", "renamed from <old>", "copied from <old>"); "mode <old> -> <new>" when
//   the mode changed, or "mode <m>" for an added or deleted file whose mode is not 100644;
//   "binary"; "diff not available" (GitHub left the patch out); "empty" (added or deleted file
//   without lines) or "no content changes" (any other file without hunks). A path with control
//   characters or surrounding spaces is written as a JSON string.
// - Hunk header as git writes it (a count of 1 is omitted), recomputed from the lines so that
//   hunks extended with extra context still read true. Section text follows after one space.
// - Each line: the new-file line number right-aligned (blank for deleted lines), a space, the
//   marker (" " context, "+" added, "-" deleted), a space, the text. The number column is as wide
//   as the largest new line number of the file (of the hunk, for renderHunkForModel); with no new
//   lines at all (a deleted file) there is no number column. A line with empty text ends at its
//   marker (trailing spaces trimmed); text is never changed.
// - `\ No newline at end of file` follows the line it belongs to, as in git.
// - In a hunk that mixes CRLF and LF lines, each CRLF line ends with "␍" (U+240D) so that
//   line-ending changes are visible; uniform line endings are not shown.
// - compressDeletions `{ keep }`: of each run of consecutive deleted lines, the first `keep` are
//   shown, then `<blank number column> - … (<k> more deleted lines)`. A run that would hide fewer
//   than two lines is shown whole.
// - Lines are joined with "\n"; no trailing newline.

import type { DiffLine, FileDiff, Hunk } from "./types.js";

export interface RenderOptions {
  /** Shorten long runs of deleted lines (the model reviews new code; deletions are context). */
  compressDeletions?: { keep: number };
  /**
   * Width of the line-number column. Default: digits of the largest new line number in what is
   * rendered. Pass one width for several hunks rendered separately to keep them aligned.
   */
  lineNumberWidth?: number;
}

const NO_NEWLINE = "\\ No newline at end of file";
const CR_MARK = "\u240d";

export function renderFileForModel(file: FileDiff, options: RenderOptions = {}): string {
  const out = [fileHeader(file)];
  const width = options.lineNumberWidth ?? digits(maxNewLine(file.hunks));
  for (const hunk of file.hunks) out.push(renderHunkForModel(hunk, { ...options, lineNumberWidth: width }));
  return out.join("\n");
}

export function renderHunkForModel(hunk: Hunk, options: RenderOptions = {}): string {
  const width = options.lineNumberWidth ?? digits(maxNewLine([hunk]));
  const keep = options.compressDeletions ? Math.max(0, Math.floor(options.compressDeletions.keep)) : Infinity;
  const markCr = mixesLineEndings(hunk.lines);
  const blank = " ".repeat(width);
  const out = [hunkHeader(hunk)];

  const { lines } = hunk;
  let i = 0;
  while (i < lines.length) {
    const line = lines[i] as DiffLine;
    if (line.kind === "del" && keep !== Infinity) {
      let runEnd = i;
      while (runEnd < lines.length && (lines[runEnd] as DiffLine).kind === "del") runEnd++;
      const hidden = runEnd - i - keep;
      if (hidden >= 2) {
        for (let k = i; k < i + keep; k++) pushLine(out, lines[k] as DiffLine, width, blank, markCr);
        out.push(`${width > 0 ? `${blank} ` : ""}- … (${hidden} more deleted lines)`);
        i = runEnd;
        continue;
      }
    }
    pushLine(out, line, width, blank, markCr);
    i++;
  }
  return out.join("\n");
}

function pushLine(out: string[], line: DiffLine, width: number, blank: string, markCr: boolean): void {
  const marker = line.kind === "add" ? "+" : line.kind === "del" ? "-" : " ";
  const gutter = width === 0 ? "" : `${line.newLine === null ? blank : String(line.newLine).padStart(width)} `;
  const text = markCr && line.crlf ? `${line.text}${CR_MARK}` : line.text;
  out.push(text === "" ? `${gutter}${marker}`.trimEnd() : `${gutter}${marker} ${text}`);
  if (line.noNewlineAtEof) out.push(NO_NEWLINE);
}

function hunkHeader(hunk: Hunk): string {
  let oldStart: number | null = null;
  let newStart: number | null = null;
  let oldCount = 0;
  let newCount = 0;
  for (const line of hunk.lines) {
    if (line.oldLine !== null) {
      oldStart ??= line.oldLine;
      oldCount++;
    }
    if (line.newLine !== null) {
      newStart ??= line.newLine;
      newCount++;
    }
  }
  // With no lines on a side, git's start is the line before the change: keep the parsed one.
  const range = (start: number | null, fallback: number, count: number): string => `${start ?? fallback}${count === 1 ? "" : `,${count}`}`;
  const section = hunk.section === "" ? "" : ` ${hunk.section}`;
  return `@@ -${range(oldStart, hunk.oldStart, oldCount)} +${range(newStart, hunk.newStart, newCount)} @@${section}`;
}

function fileHeader(file: FileDiff): string {
  const facts: string[] = [];
  if (file.status === "renamed" || file.status === "copied") {
    facts.push(`${file.status} from ${quotePath(file.oldPath ?? file.path)}`);
  } else {
    facts.push(file.status);
  }
  if (file.oldMode !== null && file.newMode !== null && file.oldMode !== file.newMode) {
    facts.push(`mode ${file.oldMode} -> ${file.newMode}`);
  } else if (file.status === "added" && file.newMode !== null && file.newMode !== "100644") {
    facts.push(`mode ${file.newMode}`);
  } else if (file.status === "deleted" && file.oldMode !== null && file.oldMode !== "100644") {
    facts.push(`mode ${file.oldMode}`);
  }
  if (file.binary) facts.push("binary");
  if (file.patchMissing) facts.push("diff not available");
  else if (!file.binary && file.hunks.length === 0) {
    facts.push(file.status === "added" || file.status === "deleted" ? "empty" : "no content changes");
  }
  return `## ${quotePath(file.path)} (${facts.join(", ")})`;
}

// A name with a newline could otherwise forge a header of its own.
function quotePath(path: string): string {
  return /[\u0000-\u001f\u007f]/.test(path) || path !== path.trim() || path === "" ? JSON.stringify(path) : path;
}

function mixesLineEndings(lines: readonly DiffLine[]): boolean {
  let crlf = false;
  let lf = false;
  for (const line of lines) {
    if (line.crlf) crlf = true;
    // A last line without any line ending is neither.
    else if (!line.noNewlineAtEof) lf = true;
    if (crlf && lf) return true;
  }
  return false;
}

function maxNewLine(hunks: readonly Hunk[]): number {
  let max = 0;
  for (const hunk of hunks) {
    for (const line of hunk.lines) if (line.newLine !== null && line.newLine > max) max = line.newLine;
  }
  return max;
}

function digits(n: number): number {
  return n === 0 ? 0 : String(n).length;
}
