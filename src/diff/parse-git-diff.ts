// Full diffs: `git diff` / `git log -p` / `git format-patch` output, and traditional `diff -u`.
// Format: https://git-scm.com/docs/diff-format#generate_patch_text_with_p
//
// Files are read in one pass into raw records (tokens as printed); settle-file-diffs.ts then
// turns them into FileDiffs once the whole diff is known.

import { readFileLinePath, readHeaderPath, splitTwoPaths, stripCr } from "./git-path.js";
import { createDiffSource, lineAt, type DiffSource } from "./diff-source.js";
import { parseHunkHeader, readHunk } from "./parse-hunk.js";
import { newRawFile, type RawFile } from "./raw-file.js";
import { settleFileDiffs } from "./settle-file-diffs.js";
import type { FileDiff, GitDiffOptions } from "./types.js";

interface PendingProblem {
  message: string;
  line: number | null;
  file: RawFile | null;
}

interface Cursor {
  source: DiffSource;
  count: number;
  /** Line i, or "" past the end (for lookahead). */
  line(i: number): string;
  problems: PendingProblem[];
}

export function parseGitDiff(diff: string | Uint8Array, options: GitDiffOptions = {}): FileDiff[] {
  const source = createDiffSource(diff);
  const { count } = source;
  const cursor: Cursor = { source, count, line: (n) => (n < count ? lineAt(source, n) : ""), problems: [] };
  const raws: RawFile[] = [];

  let i = 0;
  while (i < count) {
    const line = cursor.line(i);
    if (line.startsWith("diff --git ")) {
      i = readGitFile(cursor, i, raws);
    } else if (line.startsWith("diff --cc ") || line.startsWith("diff --combined ")) {
      cursor.problems.push({
        message: "combined (merge) diffs are not supported; skipped. Diff against one parent instead.",
        line: i + 1,
        file: null,
      });
      i++;
      while (i < count && !cursor.line(i).startsWith("diff ")) i++;
    } else if (line.startsWith("--- ") && startsTraditionalFile(cursor, i)) {
      i = readTraditionalFile(cursor, i, raws);
    } else if (line.startsWith("Binary files ") && stripCr(line).endsWith(" differ")) {
      raws.push(readTraditionalBinary(line, i));
      i++;
    } else if (line.startsWith("@@ ")) {
      // A hunk without a file header is skipped by its counts, so its lines cannot pass for headers.
      const header = parseHunkHeader(line);
      if (header) cursor.problems.push({ message: "hunk without a file header; skipped", line: i + 1, file: null });
      i = header ? readHunk(source, i, header).next : i + 1;
    } else {
      // Anything else between files is commentary: e-mail headers and the commit message of a
      // format-patch, diffstat, `Only in ...` from diff -r, the signature after the last hunk.
      i++;
    }
  }

  const files = settleFileDiffs(raws, options);
  files.forEach((file, n) => {
    if (!file) cursor.problems.push({ message: "file header names no path; file skipped", line: (raws[n] as RawFile).start + 1, file: null });
  });
  noteLatin1(raws, source.latin1Lines, cursor);
  if (raws.length === 0 && count > 0) {
    cursor.problems.push({
      message: source.text.includes("\u001b[")
        ? "no file diffs found; the input contains terminal color codes. Produce it with `git diff --no-color`."
        : "no file diffs found (expected `diff --git` or `---`/`+++` headers); for GitHub's per-file `patch` field use parsePatch().",
      line: null,
      file: null,
    });
  }
  emitProblems(cursor.problems, raws, files, options);
  return files.filter((f): f is FileDiff => f !== null);
}

const MODE = /^[0-7]{6}$/;
const INDEX_LINE = /^index [0-9a-f]+\.\.[0-9a-f]+(?: ([0-7]{6}))?$/;
const SIMILARITY = /^similarity index (\d{1,3})%$/;

function readGitFile(cursor: Cursor, start: number, raws: RawFile[]): number {
  const raw = newRawFile("git", start);
  raws.push(raw);
  const tokens = splitTwoPaths(cursor.line(start).slice("diff --git ".length));
  if (tokens) [raw.gitOld, raw.gitNew] = tokens;

  let i = start + 1;
  header: while (i < cursor.count) {
    const line = stripCr(cursor.line(i));
    if (line.startsWith("old mode ")) raw.oldMode = mode(line.slice(9));
    else if (line.startsWith("new mode ")) raw.newMode = mode(line.slice(9));
    else if (line.startsWith("deleted file mode ")) {
      raw.deletedFile = true;
      raw.oldMode = mode(line.slice(18));
    } else if (line.startsWith("new file mode ")) {
      raw.newFile = true;
      raw.newMode = mode(line.slice(14));
    } else if (line.startsWith("rename from ")) raw.renameFrom = readHeaderPath(line.slice(12));
    else if (line.startsWith("rename to ")) raw.renameTo = readHeaderPath(line.slice(10));
    // Git before 1.5 wrote "rename old/new".
    else if (line.startsWith("rename old ")) raw.renameFrom = readHeaderPath(line.slice(11));
    else if (line.startsWith("rename new ")) raw.renameTo = readHeaderPath(line.slice(11));
    else if (line.startsWith("copy from ")) raw.copyFrom = readHeaderPath(line.slice(10));
    else if (line.startsWith("copy to ")) raw.copyTo = readHeaderPath(line.slice(8));
    else if (line.startsWith("similarity index ")) {
      const m = SIMILARITY.exec(line);
      if (m) raw.similarity = Math.min(100, Number(m[1]));
    } else if (line.startsWith("dissimilarity index ")) {
      // Rewrite detection (-B); says nothing a reviewer needs.
    } else if (line.startsWith("index ")) {
      raw.indexMode = INDEX_LINE.exec(line)?.[1] ?? null;
    } else if (line.startsWith("--- ") && cursor.line(i + 1).startsWith("+++ ")) {
      raw.minus = readFileLinePath(line.slice(4)).path;
      raw.plus = readFileLinePath(cursor.line(i + 1).slice(4)).path;
      i += 2;
      break header;
    } else if (line.startsWith("Binary files ") && line.endsWith(" differ")) {
      raw.binary = true;
      i++;
      break header;
    } else if (line === "GIT binary patch") {
      raw.binary = true;
      i = skipBinaryPatch(cursor, i + 1);
      break header;
    } else {
      break header;
    }
    i++;
  }
  i = readHunks(cursor, i, raw);
  raw.end = i;
  return i;
}

function mode(text: string): string | null {
  const value = text.trim();
  return MODE.test(value) ? value : null;
}

// Base85 data lines start with a length letter and contain no spaces; `literal N` / `delta N`
// open each of the two blocks, and blank lines close them.
const BINARY_DATA = /^(?:(?:literal|delta) \d+|[A-Za-z][0-9A-Za-z!#$%&()*+;<=>?@^_`{|}~-]*|)$/;

function skipBinaryPatch(cursor: Cursor, from: number): number {
  let i = from;
  while (i < cursor.count && BINARY_DATA.test(stripCr(cursor.line(i)))) i++;
  return i;
}

function startsTraditionalFile(cursor: Cursor, i: number): boolean {
  return cursor.line(i + 1).startsWith("+++ ") && parseHunkHeader(cursor.line(i + 2)) !== null;
}

function readTraditionalFile(cursor: Cursor, start: number, raws: RawFile[]): number {
  const raw = newRawFile("traditional", start);
  raws.push(raw);
  const minus = readFileLinePath(cursor.line(start).slice(4));
  const plus = readFileLinePath(cursor.line(start + 1).slice(4));
  raw.minus = minus.path;
  raw.plus = plus.path;
  const i = readHunks(cursor, start + 2, raw);
  // `diff -N` names a missing file with the epoch as its timestamp instead of /dev/null.
  if (isEpoch(minus.timestamp) && raw.hunks.every((h) => h.oldLines === 0)) raw.minus = null;
  if (isEpoch(plus.timestamp) && raw.hunks.every((h) => h.newLines === 0)) raw.plus = null;
  raw.end = i;
  return i;
}

function isEpoch(timestamp: string): boolean {
  return /^(?:1970-01-01|1969-12-31)[ T]/.test(timestamp);
}

function readTraditionalBinary(line: string, index: number): RawFile {
  const raw = newRawFile("traditional", index);
  raw.binary = true;
  const inner = stripCr(line).slice("Binary files ".length, -" differ".length);
  const tokens = splitTwoPaths(inner, " and ");
  if (tokens) {
    raw.minus = tokens[0] === "/dev/null" ? null : tokens[0];
    raw.plus = tokens[1] === "/dev/null" ? null : tokens[1];
  }
  return raw;
}

function readHunks(cursor: Cursor, from: number, raw: RawFile): number {
  let i = from;
  while (i < cursor.count) {
    const line = cursor.line(i);
    if (!line.startsWith("@@")) break;
    const header = parseHunkHeader(line);
    if (!header) {
      cursor.problems.push({ message: `unreadable hunk header ${JSON.stringify(clip(line))}; hunk skipped`, line: i + 1, file: raw });
      i++;
      while (i < cursor.count && isBodyLine(cursor.line(i))) i++;
      continue;
    }
    const read = readHunk(cursor.source, i, header);
    if (read.problem) cursor.problems.push({ message: read.problem, line: i + 1, file: raw });
    raw.hunks.push(read.hunk);
    raw.additions += read.additions;
    raw.deletions += read.deletions;
    i = read.next;
  }
  return i;
}

function isBodyLine(line: string): boolean {
  const c = line.charCodeAt(0);
  return c === 0x20 || c === 0x2b || c === 0x5c || (c === 0x2d && !line.startsWith("--- "));
}

function clip(text: string): string {
  return text.length > 80 ? `${text.slice(0, 80)}…` : text;
}

function noteLatin1(raws: readonly RawFile[], latin1Lines: ReadonlySet<number>, cursor: Cursor): void {
  if (latin1Lines.size === 0) return;
  const counts = new Map<RawFile, number>();
  for (const index of latin1Lines) {
    const raw = findRaw(raws, index);
    if (raw) counts.set(raw, (counts.get(raw) ?? 0) + 1);
  }
  for (const [raw, count] of counts) {
    cursor.problems.push({
      message: `${count} line(s) are not valid UTF-8 and were decoded as Latin-1 (byte for byte; Buffer.from(text, "latin1") restores them)`,
      line: raw.start + 1,
      file: raw,
    });
  }
}

function findRaw(raws: readonly RawFile[], index: number): RawFile | undefined {
  let lo = 0;
  let hi = raws.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const raw = raws[mid] as RawFile;
    if (index < raw.start) hi = mid - 1;
    else if (index >= raw.end) lo = mid + 1;
    else return raw;
  }
  return undefined;
}

function emitProblems(problems: readonly PendingProblem[], raws: readonly RawFile[], files: readonly (FileDiff | null)[], options: GitDiffOptions): void {
  if (!options.onProblem || problems.length === 0) return;
  const pathOf = new Map<RawFile, string>();
  raws.forEach((raw, n) => {
    const file = files[n];
    if (file) pathOf.set(raw, file.path);
  });
  const sorted = [...problems].sort((a, b) => (a.line ?? Infinity) - (b.line ?? Infinity));
  for (const p of sorted) {
    options.onProblem({ message: p.message, line: p.line, path: p.file ? (pathOf.get(p.file) ?? null) : null });
  }
}
