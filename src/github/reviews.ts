// Finding and posting the bot's pull-request reviews.
import type { Octokit } from "./app-client.js";
import { parseReviewMarker, type ReviewMarker } from "./markers.js";
import type { Markup } from "./markup.js";
import type { PullRef } from "./pull-request.js";

export interface PostedReview {
  id: number;
  url: string;
  marker: ReviewMarker;
}

/** The bot's reviews on this PR that carry a review marker, oldest first. */
export async function listOwnReviews(octokit: Octokit, ref: PullRef, botLogin: string): Promise<PostedReview[]> {
  const reviews = await octokit.paginate(octokit.rest.pulls.listReviews, {
    owner: ref.owner,
    repo: ref.repo,
    pull_number: ref.pullNumber,
    per_page: 100,
  });
  const own: PostedReview[] = [];
  for (const review of reviews) {
    if (review.user?.login !== botLogin) continue;
    const marker = parseReviewMarker(review.body);
    if (marker) own.push({ id: review.id, url: review.html_url, marker });
  }
  return own;
}

export interface ReviewComment {
  path: string;
  line: number;
  start_line?: number;
  side: "RIGHT";
  start_side?: "RIGHT";
  body: Markup;
}

/**
 * Posts one review. Always event COMMENT: the bot never approves or requests changes.
 * The request is not retried by Octokit: a retried POST after a lost response could post twice;
 * the job retries instead, after checking for its marker.
 */
export async function createReview(
  octokit: Octokit,
  ref: PullRef,
  review: { commitId: string; body: Markup; comments: ReviewComment[] },
): Promise<{ id: number; url: string }> {
  const { data } = await octokit.rest.pulls.createReview({
    owner: ref.owner,
    repo: ref.repo,
    pull_number: ref.pullNumber,
    commit_id: review.commitId,
    event: "COMMENT",
    body: review.body.toString(),
    comments: review.comments.map((comment) => ({ ...comment, body: comment.body.toString() })),
    request: { retries: 0 },
  });
  return { id: data.id, url: data.html_url };
}
