// Which comment deliveries become command jobs. Pure, like review-events: permission checks need
// GitHub, so they happen in the worker.
import type { IssueCommentCreatedEvent, PullRequestReviewCommentCreatedEvent } from "@octokit/webhooks-types";
import { mentionsCommand } from "../commands/parse-command.js";
import type { CommandJobData } from "../queue/jobs.js";

export type CommandDecision = { enqueue: true; job: CommandJobData } | { enqueue: false; reason: string };

/** Only the command's lines matter; this bounds what a hostile comment can put into Redis. */
const MAX_BODY_CHARS = 16_000;

export function commandJobFromIssueComment(deliveryId: string, payload: IssueCommentCreatedEvent): CommandDecision {
  const ignored = ignoreReason(payload.installation?.id, payload.comment.user, payload.sender, payload.comment.body);
  if (ignored) return { enqueue: false, reason: ignored };
  return {
    enqueue: true,
    job: {
      installationId: payload.installation!.id,
      owner: payload.repository.owner.login,
      repo: payload.repository.name,
      repoId: payload.repository.id,
      issueNumber: payload.issue.number,
      isPullRequest: payload.issue.pull_request !== undefined,
      comment: {
        id: payload.comment.id,
        kind: "issue",
        body: payload.comment.body.slice(0, MAX_BODY_CHARS),
        author: payload.comment.user.login,
        inReplyTo: null,
        path: null,
        line: null,
      },
      deliveryId,
    },
  };
}

export function commandJobFromReviewComment(deliveryId: string, payload: PullRequestReviewCommentCreatedEvent): CommandDecision {
  const ignored = ignoreReason(payload.installation?.id, payload.comment.user, payload.sender, payload.comment.body);
  if (ignored) return { enqueue: false, reason: ignored };
  return {
    enqueue: true,
    job: {
      installationId: payload.installation!.id,
      owner: payload.repository.owner.login,
      repo: payload.repository.name,
      repoId: payload.repository.id,
      issueNumber: payload.pull_request.number,
      isPullRequest: true,
      comment: {
        id: payload.comment.id,
        kind: "review",
        body: payload.comment.body.slice(0, MAX_BODY_CHARS),
        author: payload.comment.user.login,
        inReplyTo: payload.comment.in_reply_to_id ?? null,
        path: payload.comment.path,
        line: payload.comment.line ?? payload.comment.original_line ?? null,
      },
      deliveryId,
    },
  };
}

function ignoreReason(
  installationId: number | undefined,
  author: { type: string; login: string },
  sender: { type: string; login: string },
  body: string | null,
): string | null {
  if (typeof installationId !== "number") return "delivery has no installation id";
  // Bots (this App included) never command the bot: no loops, no bot-driven GPU spending.
  if (author.type === "Bot" || sender.type === "Bot" || author.login.endsWith("[bot]")) return `comment by bot ${author.login}`;
  if (!mentionsCommand(body)) return "no /skywork command";
  return null;
}
