// A FileDiff from one entry of "List pull requests files" (or a compare's `files`).
// https://docs.github.com/rest/pulls/pulls#list-pull-requests-files

import { countChanges } from "./count-changes.js";
import { parsePatch } from "./parse-patch.js";
import type { DiffProblem, FileDiff, FileStatus } from "./types.js";

/** The fields of GitHub's `diff-entry` that the diff model reads. */
export interface GitHubFileEntry {
  filename: string;
  previous_filename?: string;
  status: "added" | "removed" | "modified" | "renamed" | "copied" | "changed" | "unchanged";
  patch?: string;
  additions: number;
  deletions: number;
  changes: number;
}

// "changed" is a mode or type change without a rename; "unchanged" a listed file with no diff.
const STATUS: Record<GitHubFileEntry["status"], FileStatus> = {
  added: "added",
  removed: "deleted",
  modified: "modified",
  renamed: "renamed",
  copied: "copied",
  changed: "modified",
  unchanged: "modified",
};

/** One argument only, so that `files.map(fromGitHubFile)` works; problems: githubFileProblems(). */
export function fromGitHubFile(file: GitHubFileEntry): FileDiff {
  const status = STATUS[file.status] ?? "modified";
  const path = file.filename;
  const hunks = file.patch ? parsePatch(file.patch) : [];
  return {
    path,
    oldPath: status === "added" ? null : (file.previous_filename ?? path),
    newPath: status === "deleted" ? null : path,
    status,
    // GitHub does not say; a binary file arrives without a patch (see patchMissing).
    binary: false,
    oldMode: null,
    newMode: null,
    similarity: null,
    hunks,
    // GitHub's counts stay right when the patch is left out.
    additions: file.additions,
    deletions: file.deletions,
    patchMissing: hunks.length === 0 && !nothingToShow(file),
  };
}

// GitHub leaves `patch` out for binary files and for diffs too large to show. A rename or a mode
// change without content changes has nothing to leave out. An added or removed file without a
// patch may be empty or binary, and nothing tells which, so it counts as missing.
function nothingToShow(file: GitHubFileEntry): boolean {
  if (file.changes !== 0) return false;
  return file.status === "renamed" || file.status === "copied" || file.status === "changed" || file.status === "unchanged";
}

/** What is wrong with an entry's patch: unreadable parts, or counts that disagree with GitHub's. */
export function githubFileProblems(file: GitHubFileEntry): DiffProblem[] {
  const problems: DiffProblem[] = [];
  if (!file.patch) return problems;
  const hunks = parsePatch(file.patch, { onProblem: (p) => problems.push({ ...p, path: file.filename }) });
  const seen = countChanges(hunks);
  if (seen.additions !== file.additions || seen.deletions !== file.deletions) {
    problems.push({
      message: `patch shows +${seen.additions} -${seen.deletions} but GitHub counts +${file.additions} -${file.deletions}; the patch may be incomplete`,
      line: null,
      path: file.filename,
    });
  }
  return problems;
}
