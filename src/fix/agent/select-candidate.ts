// Best-of-N without a critic: drop candidates that changed nothing or broke the syntax of a file
// they touched, then take the patch most candidates agree on (after normalising line endings and
// trailing whitespace; comparing final file contents makes hunk order irrelevant).
import { createHash } from "node:crypto";
import { parsesCleanly } from "./syntax-check.js";
import type { ChangeSet, FileChange, Selection } from "./types.js";

export async function selectCandidate(candidates: readonly ChangeSet[]): Promise<Selection> {
  const dropped: Selection["dropped"] = [];
  const groups = new Map<string, number[]>();
  for (const [index, candidate] of candidates.entries()) {
    if (candidate.files.length === 0) {
      dropped.push({ index, reason: "it changed nothing" });
      continue;
    }
    const broken = await brokenFile(candidate.files);
    if (broken) {
      dropped.push({ index, reason: `it breaks the syntax of ${broken} (the file parsed cleanly before)` });
      continue;
    }
    const key = patchKey(candidate.files);
    groups.set(key, [...(groups.get(key) ?? []), index]);
  }

  const diffChars = (index: number): number => candidates[index]?.diff.length ?? 0;
  const ranked = [...groups.values()]
    .map((members) => {
      // Within a group the patches differ at most in whitespace: prefer the smallest, then the first.
      const sorted = [...members].sort((a, b) => diffChars(a) - diffChars(b) || a - b);
      return { members: [...members].sort((a, b) => a - b), best: sorted[0] as number, patchChars: diffChars(sorted[0] as number) };
    })
    // Largest group first; ties go to the smaller patch, then to the earlier candidate.
    .sort((a, b) => b.members.length - a.members.length || a.patchChars - b.patchChars || a.best - b.best);

  const winner = ranked[0];
  return {
    chosen: winner ? winner.best : null,
    changes: winner ? (candidates[winner.best] ?? null) : null,
    agreeing: winner ? winner.members.length : 0,
    groups: ranked.map(({ members, patchChars }) => ({ members, patchChars })),
    dropped,
  };
}

/** The first file whose new content has syntax errors while its old content (if any) had none. */
async function brokenFile(files: readonly FileChange[]): Promise<string | null> {
  for (const file of files) {
    if (file.content === null || file.mode === "120000") continue;
    const after = await parsesCleanly(file.path, file.content);
    if (after !== false) continue;
    const before = file.baseContent === null ? true : await parsesCleanly(file.path, file.baseContent);
    if (before !== false) return file.path;
  }
  return null;
}

/** Identical for patches that differ only in line endings, trailing whitespace or hunk order. */
function patchKey(files: readonly FileChange[]): string {
  const hash = createHash("sha256");
  const sorted = [...files].sort((a, b) => Buffer.compare(Buffer.from(a.path), Buffer.from(b.path)));
  for (const file of sorted) {
    hash.update(`${file.status}\0${file.mode}\0${file.path}\0`);
    hash.update(file.content === null ? "\u0001deleted" : normalise(file.content));
    hash.update("\0\0");
  }
  return hash.digest("hex");
}

function normalise(content: Buffer): string {
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true }).decode(content);
  } catch {
    return `\u0001binary:${content.toString("base64")}`;
  }
  return `${text.replace(/\r\n?/g, "\n").replace(/[ \t]+$/gm, "").replace(/\n+$/, "")}\n`;
}
