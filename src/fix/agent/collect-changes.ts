// What the agent changed in the working copy, relative to the commit it started from: the files
// the GitHub side publishes (bytes and mode) and the unified diff shown to people.
import { lstat, readFile, readlink, realpath } from "node:fs/promises";
import path from "node:path";
import { git } from "./git-exec.js";
import { createMinimalEnv, type MinimalEnv } from "./minimal-env.js";
import type { ChangeSet, FileChange, FileMode } from "./types.js";
import { deniedReason } from "./workspace.js";

const DIFF_OPTIONS = ["diff", "--no-color", "--no-ext-diff", "--no-textconv", "--binary", "--no-renames", "--src-prefix=a/", "--dst-prefix=b/"];

/**
 * Tracked files that differ from `baseSha` (`git diff --name-status`) plus untracked, not ignored
 * regular files (`git ls-files --others --exclude-standard`). Untracked symlinks and special files
 * are left out (the agent's tools cannot create them), and so is anything under .github/workflows/
 * (listed in `skipped`).
 */
export async function collectChanges(workdir: string, baseSha: string): Promise<ChangeSet> {
  const env = await createMinimalEnv();
  try {
    return await collect(await realpath(workdir), baseSha, env.env);
  } finally {
    await env.dispose();
  }
}

async function collect(root: string, baseSha: string, env: MinimalEnv["env"]): Promise<ChangeSet> {
  const base = (await git(root, env, ["rev-parse", "--verify", "--quiet", `${baseSha}^{commit}`])).toString("utf8").trim();
  const skipped: ChangeSet["skipped"] = [];
  const found: Array<{ path: string; status: FileChange["status"]; tracked: boolean }> = [];

  const nameStatus = splitZ(await git(root, env, ["diff", "--no-renames", "--name-status", "-z", base, "--"]));
  for (let i = 0; i + 1 < nameStatus.length; i += 2) {
    const code = (nameStatus[i] as string).charAt(0);
    const rel = nameStatus[i + 1] as string;
    const status = code === "A" ? "added" : code === "D" ? "deleted" : "modified";
    found.push({ path: rel, status, tracked: true });
  }
  for (const rel of splitZ(await git(root, env, ["ls-files", "--others", "--exclude-standard", "-z"]))) {
    const info = await lstat(path.join(root, rel)).catch(() => null);
    if (!info?.isFile()) {
      skipped.push({ path: rel, reason: "an untracked symbolic link or special file (the agent's tools only create regular files)" });
      continue;
    }
    found.push({ path: rel, status: "added", tracked: false });
  }

  const files: FileChange[] = [];
  const diffs: string[] = [];
  found.sort((a, b) => Buffer.compare(Buffer.from(a.path), Buffer.from(b.path)));
  for (const entry of found) {
    const denied = deniedReason(entry.path, "write");
    if (denied) {
      skipped.push({ path: entry.path, reason: denied });
      continue;
    }
    const full = path.join(root, entry.path);
    const baseBlob = entry.status === "added" ? null : await baseEntry(root, env, base, entry.path);
    let content: Buffer | null = null;
    let mode: FileMode;
    if (entry.status === "deleted") {
      mode = baseBlob?.mode ?? "100644";
    } else {
      const info = await lstat(full);
      if (info.isSymbolicLink()) {
        content = Buffer.from(await readlink(full, { encoding: "buffer" }));
        mode = "120000";
      } else {
        content = await readFile(full);
        mode = info.mode & 0o111 ? "100755" : "100644";
      }
    }
    files.push({ path: entry.path, status: entry.status, content, mode, baseContent: baseBlob?.content ?? null });
    const diff = entry.tracked
      ? await git(root, env, [...DIFF_OPTIONS, base, "--", `:(literal)${entry.path}`])
      : await git(root, env, [...DIFF_OPTIONS, "--no-index", "--", "/dev/null", entry.path], [0, 1]);
    diffs.push(diff.toString("utf8"));
  }
  return { baseSha: base, files, diff: diffs.join(""), skipped };
}

async function baseEntry(root: string, env: MinimalEnv["env"], base: string, rel: string): Promise<{ mode: FileMode; content: Buffer } | null> {
  const listing = (await git(root, env, ["ls-tree", "-z", base, "--", `:(literal)${rel}`])).toString("utf8");
  const match = /^(\d{6}) blob ([0-9a-f]+)\t/.exec(listing);
  if (!match) return null;
  const mode = match[1] === "100755" ? "100755" : match[1] === "120000" ? "120000" : "100644";
  return { mode, content: await git(root, env, ["cat-file", "blob", match[2] as string]) };
}

function splitZ(buffer: Buffer): string[] {
  const text = buffer.toString("utf8");
  const parts = text.split("\0");
  if (parts[parts.length - 1] === "") parts.pop();
  return parts;
}
