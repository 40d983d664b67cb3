// Paths and statuses of the files of a diff, once all of it has been read. The `a/` `b/` prefixes
// are a property of the whole diff (`--no-prefix`, `--src-prefix`/`--dst-prefix`,
// `diff.mnemonicPrefix`), and only some headers show them unambiguously: a rename names the bare
// paths in `rename from`/`rename to`, so the tokens around them reveal the prefixes.
// https://git-scm.com/docs/git-diff#Documentation/git-diff.txt---no-prefix

import { inferPrefixPair } from "./git-path.js";
import type { RawFile } from "./raw-file.js";
import type { FileDiff, FileStatus, GitDiffOptions } from "./types.js";

/** One FileDiff per raw file, in order; null where no path could be found. */
export function settleFileDiffs(raws: readonly RawFile[], options: GitDiffOptions): (FileDiff | null)[] {
  const detected = detectGitPrefixes(raws);
  const src = options.srcPrefix ?? detected[0];
  const dst = options.dstPrefix ?? detected[1];
  const stripTraditional = shouldStripTraditional(raws);
  return raws.map((raw) => (raw.format === "git" ? settleGit(raw, src, dst) : settleTraditional(raw, stripTraditional)));
}

function detectGitPrefixes(raws: readonly RawFile[]): [string, string] {
  const git = raws.filter((r) => r.format === "git");
  // A rename or copy names the bare paths, so the prefixes are whatever the tokens add to them.
  for (const raw of git) {
    const from = raw.renameFrom ?? raw.copyFrom;
    const to = raw.renameTo ?? raw.copyTo;
    if (from === null || to === null) continue;
    for (const [oldToken, newToken] of [
      [raw.minus, raw.plus],
      [raw.gitOld, raw.gitNew],
    ] as const) {
      if (oldToken && newToken && oldToken.endsWith(from) && newToken.endsWith(to)) {
        return [oldToken.slice(0, oldToken.length - from.length), newToken.slice(0, newToken.length - to.length)];
      }
    }
  }
  const tokens = git.filter((r) => r.gitOld !== null && r.gitNew !== null);
  if (tokens.every((r) => r.gitOld?.startsWith("a/") && r.gitNew?.startsWith("b/"))) return ["a/", "b/"];
  for (const raw of tokens) {
    const pair = inferPrefixPair(raw.gitOld as string, raw.gitNew as string);
    if (pair && (pair[0] !== "" || pair[1] !== "")) return pair;
  }
  return ["", ""];
}

function strip(token: string | null | undefined, prefix: string): string | null | undefined {
  if (typeof token !== "string") return token;
  return token.startsWith(prefix) && token.length > prefix.length ? token.slice(prefix.length) : token;
}

function settleGit(raw: RawFile, src: string, dst: string): FileDiff | null {
  const copied = raw.copyFrom !== null || raw.copyTo !== null;
  const renamed = raw.renameFrom !== null || raw.renameTo !== null;
  const fromTokens = raw.minus !== undefined ? raw.minus : raw.gitOld;
  const toTokens = raw.plus !== undefined ? raw.plus : raw.gitNew;
  let oldPath = raw.renameFrom ?? raw.copyFrom ?? strip(fromTokens, src) ?? null;
  let newPath = raw.renameTo ?? raw.copyTo ?? strip(toTokens, dst) ?? null;

  let status: FileStatus;
  if (copied) status = "copied";
  else if (renamed) status = "renamed";
  else if (raw.newFile || raw.minus === null) status = "added";
  else if (raw.deletedFile || raw.plus === null) status = "deleted";
  else status = "modified";

  // An added file still names itself on the old side of `diff --git`, and a deleted one on the new.
  if (status === "added") {
    newPath ??= strip(raw.gitNew, dst) ?? oldPath;
    oldPath = null;
  } else if (status === "deleted") {
    oldPath ??= strip(raw.gitOld, src) ?? newPath;
    newPath = null;
  } else {
    oldPath ??= newPath;
    newPath ??= oldPath;
  }
  const path = newPath ?? oldPath;
  if (path === null) return null;

  return {
    path,
    oldPath,
    newPath,
    status,
    binary: raw.binary,
    oldMode: status === "added" ? null : (raw.oldMode ?? raw.indexMode),
    newMode: status === "deleted" ? null : (raw.newMode ?? raw.indexMode),
    similarity: raw.similarity,
    hunks: raw.hunks,
    additions: raw.additions,
    deletions: raw.deletions,
    patchMissing: false,
  };
}

// Traditional diffs have no `diff --git` line; like `patch -p1`, drop the first path component
// when the diff shows that both sides carry one (`a/x` and `b/x`, `dir.orig/x` and `dir/x`).
function shouldStripTraditional(raws: readonly RawFile[]): boolean {
  const trad = raws.filter((r) => r.format === "traditional");
  let evidence = false;
  for (const raw of trad) {
    if (typeof raw.minus !== "string" || typeof raw.plus !== "string") continue;
    if (raw.minus === raw.plus) return false;
    const a = raw.minus.indexOf("/");
    const b = raw.plus.indexOf("/");
    if (a > 0 && b > 0 && raw.minus.slice(a + 1) === raw.plus.slice(b + 1)) evidence = true;
  }
  if (evidence) return true;
  const named = trad.flatMap((r) => [r.minus, r.plus]).filter((p): p is string => typeof p === "string");
  return named.length > 0 && trad.every((r) => (r.minus ?? "a/").startsWith("a/") && (r.plus ?? "b/").startsWith("b/"));
}

function settleTraditional(raw: RawFile, stripFirst: boolean): FileDiff | null {
  const component = (p: string | null | undefined): string | null => {
    if (typeof p !== "string") return null;
    const slash = p.indexOf("/");
    return stripFirst && slash > 0 && slash < p.length - 1 ? p.slice(slash + 1) : p;
  };
  const oldPath = component(raw.minus);
  const newPath = component(raw.plus);
  const path = newPath ?? oldPath;
  if (path === null) return null;
  const status: FileStatus = raw.minus === null ? "added" : raw.plus === null ? "deleted" : "modified";
  return {
    path,
    oldPath: status === "added" ? null : oldPath,
    newPath: status === "deleted" ? null : newPath,
    status,
    binary: raw.binary,
    oldMode: null,
    newMode: null,
    similarity: null,
    hunks: raw.hunks,
    additions: raw.additions,
    deletions: raw.deletions,
    patchMissing: false,
  };
}
