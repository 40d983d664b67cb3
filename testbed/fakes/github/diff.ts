// The pull request diff as GitHub models it: files from `git diff` between the merge base and
// the head, hunks, diff positions, and the rules that decide where a review comment may sit.
// https://docs.github.com/rest/pulls/comments#create-a-review-comment-for-a-pull-request
import type { GitRepo } from "./git.js";

export type FileStatus = "added" | "removed" | "modified" | "renamed" | "copied" | "changed" | "unchanged";
export type Side = "LEFT" | "RIGHT";

export interface DiffLine {
  readonly kind: "context" | "add" | "del" | "marker";
  readonly oldLine: number | undefined;
  readonly newLine: number | undefined;
  /** Lines below the file's first "@@" header, counting later headers too (GitHub's `position`). */
  readonly position: number;
  readonly text: string;
}

export interface Hunk {
  readonly header: string;
  readonly headerPosition: number;
  readonly lines: readonly DiffLine[];
}

export interface FileDiff {
  readonly filename: string;
  readonly previousFilename: string | undefined;
  readonly status: FileStatus;
  readonly oldSha: string;
  readonly newSha: string;
  readonly binary: boolean;
  readonly additions: number;
  readonly deletions: number;
  readonly hunks: readonly Hunk[];
  /** The hunks exactly as GitHub's `patch` field carries them; undefined when there are none. */
  readonly patch: string | undefined;
  readonly patchLineCount: number;
}

export interface CommitDiff {
  readonly files: readonly FileDiff[];
  /** The whole unified diff, as `Accept: application/vnd.github.diff` returns it. */
  readonly text: string;
  readonly lineCount: number;
}

const ZERO_SHA = "0000000000000000000000000000000000000000";

interface RawEntry {
  readonly status: string;
  readonly oldSha: string;
  readonly newSha: string;
  readonly oldPath: string;
  readonly newPath: string;
}

function parseRaw(output: string): RawEntry[] {
  const tokens = output.split("\0");
  const entries: RawEntry[] = [];
  for (let i = 0; i < tokens.length; i++) {
    const meta = tokens[i] ?? "";
    if (!meta.startsWith(":")) continue;
    const [, , oldSha = ZERO_SHA, newSha = ZERO_SHA, status = "M"] = meta.slice(1).split(" ");
    const first = tokens[++i] ?? "";
    const renamed = status.startsWith("R") || status.startsWith("C");
    const second = renamed ? (tokens[++i] ?? "") : first;
    entries.push({ status, oldSha, newSha, oldPath: first, newPath: second });
  }
  return entries;
}

function mapStatus(entry: RawEntry): FileStatus {
  switch (entry.status[0]) {
    case "A":
      return "added";
    case "D":
      return "removed";
    case "R":
      return "renamed";
    case "C":
      return "copied";
    case "T":
      return "changed";
    case "M":
      // Only the mode changed: GitHub reports such files as "changed".
      return entry.oldSha === entry.newSha ? "changed" : "modified";
    default:
      return "modified";
  }
}

const HUNK_HEADER = /^@@ -(\d+)(?:,\d+)? \+(\d+)(?:,\d+)? @@/;

function parseSection(section: string): { binary: boolean; hunks: Hunk[]; patchLines: string[] } {
  const lines = section.split("\n");
  if (lines[lines.length - 1] === "") lines.pop();
  const first = lines.findIndex((line) => line.startsWith("@@ "));
  if (first === -1) {
    const binary = lines.some((line) => line.startsWith("Binary files ") || line === "GIT binary patch");
    return { binary, hunks: [], patchLines: [] };
  }
  const patchLines = lines.slice(first);
  const hunks: Hunk[] = [];
  let current: { header: string; headerPosition: number; lines: DiffLine[] } | undefined;
  let oldLine = 0;
  let newLine = 0;
  for (const [index, text] of patchLines.entries()) {
    const header = HUNK_HEADER.exec(text);
    if (header) {
      current = { header: text, headerPosition: index, lines: [] };
      hunks.push(current);
      oldLine = Number(header[1]);
      newLine = Number(header[2]);
      continue;
    }
    if (!current) continue;
    const position = index;
    const marker = text[0];
    if (marker === "+") {
      current.lines.push({ kind: "add", oldLine: undefined, newLine: newLine++, position, text });
    } else if (marker === "-") {
      current.lines.push({ kind: "del", oldLine: oldLine++, newLine: undefined, position, text });
    } else if (marker === "\\") {
      current.lines.push({ kind: "marker", oldLine: undefined, newLine: undefined, position, text });
    } else {
      current.lines.push({ kind: "context", oldLine: oldLine++, newLine: newLine++, position, text });
    }
  }
  return { binary: false, hunks, patchLines };
}

const DIFF_FLAGS = ["-M", "--no-color", "--no-ext-diff", "--no-textconv"];

/** `git diff base head`, parsed file by file, in the order git (and GitHub) list them. */
export async function diffCommits(repo: GitRepo, base: string, head: string): Promise<CommitDiff> {
  const [raw, patch] = await Promise.all([
    repo.text(["diff", "-z", "--raw", "--no-abbrev", ...DIFF_FLAGS, base, head, "--"]),
    repo.text(["diff", ...DIFF_FLAGS, base, head, "--"]),
  ]);
  const entries = parseRaw(raw);
  // Hunk lines always start with " ", "+", "-" or "\", so a line starting "diff --git " opens a file.
  const sections = `\n${patch}`.split("\ndiff --git ").slice(1);
  if (sections.length !== entries.length) {
    throw new Error(`git diff listed ${entries.length} files but printed ${sections.length} patches`);
  }
  const files = entries.map((entry, index): FileDiff => {
    const { binary, hunks, patchLines } = parseSection(sections[index] ?? "");
    let additions = 0;
    let deletions = 0;
    for (const hunk of hunks) {
      for (const line of hunk.lines) {
        if (line.kind === "add") additions++;
        else if (line.kind === "del") deletions++;
      }
    }
    const status = mapStatus(entry);
    return {
      filename: entry.newPath,
      previousFilename: status === "renamed" || status === "copied" ? entry.oldPath : undefined,
      status,
      oldSha: entry.oldSha,
      newSha: entry.newSha,
      binary,
      additions,
      deletions,
      hunks,
      patch: patchLines.length > 0 ? patchLines.join("\n") : undefined,
      patchLineCount: patchLines.length,
    };
  });
  return { files, text: patch, lineCount: patch.split("\n").length - 1 };
}

export interface CommentAnchor {
  readonly path: string;
  readonly line?: number | undefined;
  readonly side?: Side | undefined;
  readonly startLine?: number | undefined;
  readonly startSide?: Side | undefined;
  readonly position?: number | undefined;
  readonly subjectType?: "line" | "file" | undefined;
}

export type AnchorProblem =
  | "path" // the file is not in the diff
  | "line" // `line` is not a commentable line on `side`
  | "start_line" // `start_line` is not a commentable line on `start_side`
  | "same_hunk" // start and end lie in different hunks
  | "precede" // start does not come before the end
  | "position"; // legacy `position` does not point at a diff line

export interface ResolvedAnchor {
  readonly file: FileDiff;
  readonly subjectType: "line" | "file";
  readonly end: DiffLine | undefined;
  readonly start: DiffLine | undefined;
  readonly side: Side | undefined;
  readonly startSide: Side | undefined;
  readonly line: number | undefined;
  readonly startLine: number | undefined;
  /** The hunk text GitHub stores with the comment: its header down to the commented line. */
  readonly diffHunk: string;
}

function findLine(file: FileDiff, side: Side, line: number): { hunk: Hunk; line: DiffLine } | undefined {
  for (const hunk of file.hunks) {
    for (const candidate of hunk.lines) {
      // RIGHT: added or context lines of the new file; LEFT: deleted or context lines of the old one.
      if (side === "RIGHT" && candidate.kind !== "del" && candidate.kind !== "marker" && candidate.newLine === line) {
        return { hunk, line: candidate };
      }
      if (side === "LEFT" && candidate.kind !== "add" && candidate.kind !== "marker" && candidate.oldLine === line) {
        return { hunk, line: candidate };
      }
    }
  }
  return undefined;
}

function diffHunkUpTo(hunk: Hunk, last: DiffLine): string {
  const lines = [hunk.header];
  for (const line of hunk.lines) {
    lines.push(line.text);
    if (line === last) break;
  }
  return lines.join("\n");
}

/** Decides where a review comment lands, with GitHub's rules; a string names the broken rule. */
export function resolveAnchor(files: readonly FileDiff[], anchor: CommentAnchor): ResolvedAnchor | AnchorProblem {
  const file = files.find((f) => f.filename === anchor.path);
  if (!file) return "path";
  if (anchor.subjectType === "file") {
    return {
      file,
      subjectType: "file",
      end: undefined,
      start: undefined,
      side: undefined,
      startSide: undefined,
      line: undefined,
      startLine: undefined,
      diffHunk: file.hunks[0]?.header ?? "",
    };
  }
  if (anchor.line === undefined) {
    if (anchor.position === undefined) return "line";
    for (const hunk of file.hunks) {
      const hit = hunk.lines.find((l) => l.position === anchor.position);
      if (hit && hit.kind !== "marker") {
        const side: Side = hit.kind === "del" ? "LEFT" : "RIGHT";
        return {
          file,
          subjectType: "line",
          end: hit,
          start: undefined,
          side,
          startSide: undefined,
          line: side === "LEFT" ? hit.oldLine : hit.newLine,
          startLine: undefined,
          diffHunk: diffHunkUpTo(hunk, hit),
        };
      }
    }
    return "position";
  }
  const side = anchor.side ?? "RIGHT";
  const end = findLine(file, side, anchor.line);
  if (!end) return "line";
  if (anchor.startLine === undefined) {
    return {
      file,
      subjectType: "line",
      end: end.line,
      start: undefined,
      side,
      startSide: undefined,
      line: anchor.line,
      startLine: undefined,
      diffHunk: diffHunkUpTo(end.hunk, end.line),
    };
  }
  const startSide = anchor.startSide ?? side;
  const start = findLine(file, startSide, anchor.startLine);
  if (!start) return "start_line";
  if (start.hunk !== end.hunk) return "same_hunk";
  if (start.line.position >= end.line.position) return "precede";
  return {
    file,
    subjectType: "line",
    end: end.line,
    start: start.line,
    side,
    startSide,
    line: anchor.line,
    startLine: anchor.startLine,
    diffHunk: diffHunkUpTo(end.hunk, end.line),
  };
}
