// Comments and reactions the bot posts in reply to people. Each reply carries a marker keyed by
// what it answers, so a retried job updates its reply instead of posting a second one.
import type { Octokit } from "./app-client.js";
import { parseMarkers } from "./markers.js";
import { marker, md, type Markup } from "./markup.js";

export interface IssueRef {
  owner: string;
  repo: string;
  issueNumber: number;
}

export type CommentRef = { kind: "issue"; id: number } | { kind: "review"; id: number; pullNumber: number };

interface ReplyMarker {
  key: string;
}

const REPLY_KIND = "reply";

/** The body as posted: the reply's marker last, where parseMarker trusts it. */
function withReplyMarker(body: Markup, key: string): string {
  return md`${body}

${marker(REPLY_KIND, { key } satisfies ReplyMarker)}`.toString();
}

/** The bot's comment on this issue/PR carrying `key`, if any. */
export async function findOwnComment(
  octokit: Octokit,
  ref: IssueRef,
  key: string,
  botLogin: string,
): Promise<{ id: number; body: string; url: string } | null> {
  const comments = await octokit.paginate(octokit.rest.issues.listComments, { owner: ref.owner, repo: ref.repo, issue_number: ref.issueNumber, per_page: 100 });
  for (const comment of comments) {
    if (comment.user?.login !== botLogin) continue;
    if (parseMarkers<ReplyMarker>(REPLY_KIND, comment.body).some((m) => m.key === key))
      return { id: comment.id, body: comment.body ?? "", url: comment.html_url };
  }
  return null;
}

/**
 * Creates the bot's comment for `key`, or updates it in place when it exists (a status comment
 * moving through its states, or a retried job).
 */
export async function upsertComment(
  octokit: Octokit,
  ref: IssueRef,
  key: string,
  body: Markup,
  botLogin: string,
  known?: { id: number } | null,
): Promise<{ id: number; url: string }> {
  const full = withReplyMarker(body, key);
  const existing = known ?? (await findOwnComment(octokit, ref, key, botLogin));
  if (existing) {
    const { data } = await octokit.rest.issues.updateComment({ owner: ref.owner, repo: ref.repo, comment_id: existing.id, body: full });
    return { id: data.id, url: data.html_url };
  }
  const { data } = await octokit.rest.issues.createComment({
    owner: ref.owner,
    repo: ref.repo,
    issue_number: ref.issueNumber,
    body: full,
    // Never blindly retried: a lost response would post twice. The job retries after looking first.
    request: { retries: 0 },
  });
  return { id: data.id, url: data.html_url };
}

/** Replies in a review thread once (found again by its marker on retries). */
export async function replyInThreadOnce(
  octokit: Octokit,
  ref: { owner: string; repo: string; pullNumber: number },
  inReplyTo: number,
  key: string,
  body: Markup,
  botLogin: string,
): Promise<{ id: number; url: string }> {
  const comments = await octokit.paginate(octokit.rest.pulls.listReviewComments, {
    owner: ref.owner,
    repo: ref.repo,
    pull_number: ref.pullNumber,
    per_page: 100,
  });
  const mine = comments.find((c) => c.user?.login === botLogin && parseMarkers<ReplyMarker>(REPLY_KIND, c.body).some((m) => m.key === key));
  if (mine) return { id: mine.id, url: mine.html_url };
  const { data } = await octokit.rest.pulls.createReplyForReviewComment({
    owner: ref.owner,
    repo: ref.repo,
    pull_number: ref.pullNumber,
    comment_id: inReplyTo,
    body: withReplyMarker(body, key),
    request: { retries: 0 },
  });
  return { id: data.id, url: data.html_url };
}

export type Reaction = "eyes" | "rocket" | "confused" | "+1" | "-1";

/** Reacts to a comment; GitHub answers 200 instead of adding a duplicate, so retries are safe. */
export async function react(octokit: Octokit, repo: { owner: string; repo: string }, comment: CommentRef, content: Reaction): Promise<void> {
  if (comment.kind === "issue") {
    await octokit.rest.reactions.createForIssueComment({ owner: repo.owner, repo: repo.repo, comment_id: comment.id, content });
  } else {
    await octokit.rest.reactions.createForPullRequestReviewComment({ owner: repo.owner, repo: repo.repo, comment_id: comment.id, content });
  }
}

/** Rewrites one of the bot's comments (conversation or review thread), keeping its marker. */
export async function updateOwnComment(octokit: Octokit, repo: { owner: string; repo: string }, comment: CommentRef, key: string, body: Markup): Promise<void> {
  const full = withReplyMarker(body, key);
  if (comment.kind === "issue") {
    await octokit.rest.issues.updateComment({ owner: repo.owner, repo: repo.repo, comment_id: comment.id, body: full });
  } else {
    await octokit.rest.pulls.updateReviewComment({ owner: repo.owner, repo: repo.repo, comment_id: comment.id, body: full });
  }
}

/** The current body of one of the bot's comments. */
export async function readComment(octokit: Octokit, repo: { owner: string; repo: string }, comment: CommentRef): Promise<string> {
  if (comment.kind === "issue") {
    const { data } = await octokit.rest.issues.getComment({ owner: repo.owner, repo: repo.repo, comment_id: comment.id });
    return data.body ?? "";
  }
  const { data } = await octokit.rest.pulls.getReviewComment({ owner: repo.owner, repo: repo.repo, comment_id: comment.id });
  return data.body;
}
