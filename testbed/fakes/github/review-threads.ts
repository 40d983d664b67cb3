// Review threads as GitHub's GraphQL API shows them: one per review comment that starts a thread,
// with its resolution (set by people in the UI; here through FakeRepo.resolveReviewThread) and
// whether it is outdated. REST has no thread object; GraphQL is the only way to read resolution.
// https://docs.github.com/graphql/reference/objects#pullrequestreviewthread
import type { FakeState, PullRecord, RepoRecord, ReviewCommentRecord } from "./state.js";

/** Comments of non-pending reviews on the pull request that start a thread, oldest first. */
export function threadRoots(state: FakeState, repo: RepoRecord, pull: PullRecord): ReviewCommentRecord[] {
  return [...state.reviewComments.values()]
    .filter((c) => c.repoId === repo.id && c.pullNumber === pull.number && c.inReplyToId === undefined && state.reviews.get(c.reviewId)?.state !== "PENDING")
    .sort((a, b) => a.id - b.id);
}

/** The thread's comments: its first and every reply to it, oldest first. */
export function threadComments(state: FakeState, root: ReviewCommentRecord): ReviewCommentRecord[] {
  return [...state.reviewComments.values()].filter((c) => c.id === root.id || c.inReplyToId === root.id).sort((a, b) => a.id - b.id);
}

/**
 * Whether the lines a thread is on changed between the commit it was made on and the pull
 * request's head. GitHub's exact rule is not documented; this is the fake's reading of
 * "outdated": the commented file is gone or renamed, or a hunk of that diff deletes one of the
 * commented lines or inserts lines between them. Lines moving up or down keep a thread current.
 */
export async function isOutdated(state: FakeState, repo: RepoRecord, pull: PullRecord, root: ReviewCommentRecord): Promise<boolean> {
  if (root.commitId === pull.headSha || root.line === null || root.side === "LEFT") return false;
  const diff = await state.diff(repo, root.commitId, pull.headSha);
  const file = diff.files.find((f) => f.previousFilename === root.path || f.filename === root.path);
  if (!file) return false;
  if (file.status === "removed" || file.filename !== root.path) return true;
  const first = root.startLine ?? root.line;
  const last = root.line;
  for (const hunk of file.hunks) {
    // "@@ -5,0 +6 @@" inserts after old line 5; "@@ -5,2 …" starts at old line 5.
    const [, start = "1", count] = /^@@ -(\d+)(?:,(\d+))?/.exec(hunk.header) ?? [];
    let previousOld = count === "0" ? Number(start) : Number(start) - 1;
    for (const line of hunk.lines) {
      if (line.kind === "del" && line.oldLine !== undefined && line.oldLine >= first && line.oldLine <= last) return true;
      // An insertion after old line k lands between the commented lines when first <= k < last.
      if (line.kind === "add" && previousOld >= first && previousOld < last) return true;
      if (line.oldLine !== undefined) previousOld = line.oldLine;
    }
  }
  return false;
}
