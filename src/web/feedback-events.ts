// Which deliveries tell the bot what people think of its findings: a reply in a review thread that
// is not a `/skywork` command, and a review thread resolved. Pure, like the other intakes: whether
// the thread is the bot's and whether the person counts needs GitHub, so the worker decides that.
import type { PullRequestReviewCommentCreatedEvent, PullRequestReviewThreadResolvedEvent } from "@octokit/webhooks-types";
import { mentionsCommand } from "../commands/parse-command.js";
import type { FeedbackJobData } from "../queue/jobs.js";

export type FeedbackDecision = { enqueue: true; job: FeedbackJobData } | { enqueue: false; reason: string };

/** A reply longer than this is cut: it goes into a prompt, and bounds what a comment puts into Redis. */
const MAX_REPLY_CHARS = 4_000;

export function feedbackJobFromReviewComment(deliveryId: string, payload: PullRequestReviewCommentCreatedEvent): FeedbackDecision {
  const installationId = payload.installation?.id;
  if (typeof installationId !== "number") return { enqueue: false, reason: "delivery has no installation id" };
  const { comment } = payload;
  // Bots (this App included: its own answers arrive here too) never start a conversation.
  if (isBot(comment.user) || isBot(payload.sender)) return { enqueue: false, reason: `comment by bot ${comment.user.login}` };
  if (typeof comment.in_reply_to_id !== "number") return { enqueue: false, reason: "not a reply in a thread" };
  // Commands are the command intake's.
  if (mentionsCommand(comment.body)) return { enqueue: false, reason: "a /skywork command" };
  return {
    enqueue: true,
    job: {
      kind: "reply",
      installationId,
      owner: payload.repository.owner.login,
      repo: payload.repository.name,
      repoId: payload.repository.id,
      pullNumber: payload.pull_request.number,
      deliveryId,
      comment: { id: comment.id, body: comment.body.slice(0, MAX_REPLY_CHARS), author: comment.user.login, inReplyTo: comment.in_reply_to_id },
    },
  };
}

export function feedbackJobFromThreadResolved(deliveryId: string, payload: PullRequestReviewThreadResolvedEvent): FeedbackDecision {
  const installationId = payload.installation?.id;
  if (typeof installationId !== "number") return { enqueue: false, reason: "delivery has no installation id" };
  if (isBot(payload.sender)) return { enqueue: false, reason: `resolved by bot ${payload.sender.login}` };
  const root = payload.thread.comments[0];
  if (!root) return { enqueue: false, reason: "the thread has no comments" };
  return {
    enqueue: true,
    job: {
      kind: "resolved",
      installationId,
      owner: payload.repository.owner.login,
      repo: payload.repository.name,
      repoId: payload.repository.id,
      pullNumber: payload.pull_request.number,
      deliveryId,
      // GitHub lists the thread's comments oldest first; a reply's in_reply_to_id names the root too.
      rootCommentId: root.in_reply_to_id ?? root.id,
      sender: payload.sender.login,
    },
  };
}

function isBot(user: { type: string; login: string } | null | undefined): boolean {
  return !user || user.type === "Bot" || user.login.endsWith("[bot]");
}
