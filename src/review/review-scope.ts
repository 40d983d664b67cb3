// What a review looks at: the whole pull request, or only what changed since the head the bot last
// reviewed. That head is read from the bot's own review markers on GitHub, not from Redis, which
// may have been flushed.
import type { FileDiff } from "../diff/index.js";
import { fromGitHubFile } from "../diff/index.js";
import type { Octokit } from "../github/app-client.js";
import { httpStatus } from "../github/errors.js";
import type { PostedReview } from "../github/reviews.js";
import { reviewedHeads } from "./review-record.js";

export type ReviewScope = { kind: "full"; files: FileDiff[]; reason: string } | { kind: "incremental"; since: string; files: FileDiff[] };

/** GitHub's compare endpoint lists at most 300 files; past that, review everything. */
const COMPARE_FILE_LIMIT = 300;

export async function decideScope(
  octokit: Octokit,
  repo: { owner: string; repo: string },
  headSha: string,
  prFiles: readonly FileDiff[],
  ownReviews: readonly PostedReview[],
  options: { full: boolean },
): Promise<ReviewScope> {
  const all = [...prFiles];
  if (options.full) return { kind: "full", files: all, reason: "a full review was requested" };
  // The last head reviewed, with a review of its own or recorded quietly (review-record.ts).
  const lastHead = reviewedHeads(ownReviews)
    .reverse()
    .find((head) => head !== headSha);
  if (!lastHead) return { kind: "full", files: all, reason: "first review of this pull request" };

  let comparison;
  try {
    ({ data: comparison } = await octokit.rest.repos.compareCommitsWithBasehead({
      owner: repo.owner,
      repo: repo.repo,
      basehead: `${lastHead}...${headSha}`,
      per_page: 100,
    }));
  } catch (error) {
    const status = httpStatus(error);
    // The last reviewed commit is gone (force-push, then garbage collection).
    if (status === 404 || status === 422)
      return { kind: "full", files: all, reason: `the last reviewed commit ${lastHead.slice(0, 7)} no longer exists (force-push)` };
    throw error;
  }
  if (comparison.status !== "ahead") {
    // Diverged or behind: history was rewritten, so "since" has no meaning.
    return { kind: "full", files: all, reason: `history was rewritten since ${lastHead.slice(0, 7)} (force-push)` };
  }
  const changed = comparison.files ?? [];
  if (changed.length >= COMPARE_FILE_LIMIT) return { kind: "full", files: all, reason: `more than ${COMPARE_FILE_LIMIT} files changed since the last review` };

  // Only files still in the PR's diff can carry comments (a change reverted to the base cannot).
  const inPr = new Set(prFiles.map((f) => f.path));
  const files = changed.map((f) => fromGitHubFile(f as Parameters<typeof fromGitHubFile>[0])).filter((f) => inPr.has(f.path));
  return { kind: "incremental", since: lastHead, files };
}
