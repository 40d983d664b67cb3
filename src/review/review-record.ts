// The durable record of which heads were reviewed. A head reviewed with findings has its own review
// (its marker names the head); a head reviewed with nothing new adds no review to the conversation
// (noise), and is recorded instead in the marker of the bot's latest review, edited in place — an
// edit notifies nobody — with a line saying so. Both live on GitHub, which Redis may not.
import type { Octokit } from "../github/app-client.js";
import { parseReviewMarker, reviewMarker, type ReviewMarker } from "../github/markers.js";
import type { PullRef } from "../github/pull-request.js";
import type { PostedReview } from "../github/reviews.js";

/** Quiet heads kept per review (the marker and the visible line stay small). */
const MAX_QUIET_HEADS = 50;
/** Heads named in the visible line; older ones are only counted. */
const MAX_NAMED_HEADS = 10;
const QUIET_LINE_PREFIX = "<sub>Reviewed again with no new findings:";
/** GitHub rejects review bodies over 65,536 characters. */
const MAX_BODY_CHARS = 65_000;

/** Every reviewed head, oldest first: each review's own head, then the quiet heads recorded on it. */
export function reviewedHeads(reviews: readonly PostedReview[]): string[] {
  return reviews.flatMap((r) => [r.marker.head, ...(r.marker.quiet ?? [])]);
}

/**
 * The review that covers `head`: its own, or the one its quiet record is on. A review asked for by
 * a command is only covered by that command's own review.
 */
export function reviewCovering(reviews: readonly PostedReview[], head: string, commandCommentId?: number): PostedReview | null {
  if (commandCommentId !== undefined) return reviews.find((r) => r.marker.head === head && r.marker.cmd === commandCommentId) ?? null;
  return reviews.find((r) => r.marker.head === head || (r.marker.quiet ?? []).includes(head)) ?? null;
}

/** Records `head` as reviewed with nothing new on the latest of the bot's reviews. */
export async function recordQuietHead(octokit: Octokit, ref: PullRef, latest: PostedReview, head: string): Promise<void> {
  // Read again: the list may be minutes old, and another head may have been recorded since.
  const { data } = await octokit.rest.pulls.getReview({ owner: ref.owner, repo: ref.repo, pull_number: ref.pullNumber, review_id: latest.id });
  const marker = parseReviewMarker(data.body);
  if (!marker) return;
  const quiet = [...(marker.quiet ?? []).filter((h) => h !== head), head].slice(-MAX_QUIET_HEADS);
  if (marker.head === head) return;
  const body = withQuietHeads(data.body, { ...marker, quiet });
  if (body === null) return;
  await octokit.rest.pulls.updateReview({ owner: ref.owner, repo: ref.repo, pull_number: ref.pullNumber, review_id: latest.id, body });
}

/** The body with its marker (always last) and the visible line about quiet heads rewritten. */
export function withQuietHeads(body: string, marker: ReviewMarker): string | null {
  const markerStart = body.lastIndexOf("\n<!-- skywork:review:");
  if (markerStart === -1) return null;
  let visible = body.slice(0, markerStart);
  const lastLine = visible.lastIndexOf("\n");
  if (visible.slice(lastLine + 1).startsWith(QUIET_LINE_PREFIX)) visible = visible.slice(0, lastLine);
  const quiet = marker.quiet ?? [];
  const named = quiet.slice(-MAX_NAMED_HEADS).map((h) => h.slice(0, 7));
  const earlier = quiet.length - named.length;
  const line = `${QUIET_LINE_PREFIX} ${earlier > 0 ? `${earlier} earlier commit${earlier === 1 ? "" : "s"}, ` : ""}${named.join(", ")}.</sub>`;
  const out = `${visible}\n${line}\n${reviewMarker(marker)}`;
  return out.length <= MAX_BODY_CHARS ? out : null;
}
