// Which deliveries become feedback jobs, from GitHub's own example payloads.
import { createRequire } from "node:module";
import type { WebhookDefinition } from "@octokit/webhooks-examples";
import type { PullRequestReviewCommentCreatedEvent, PullRequestReviewThreadResolvedEvent } from "@octokit/webhooks-types";
import { describe, expect, it } from "vitest";
import { feedbackJobId } from "../../src/queue/jobs.js";
import { feedbackJobFromReviewComment, feedbackJobFromThreadResolved } from "../../src/web/feedback-events.js";

const examples = createRequire(import.meta.url)("@octokit/webhooks-examples") as WebhookDefinition[];

function example<T>(event: string, action: string): T {
  const found = examples.find((d) => d.name === event)?.examples.find((e) => (e as { action?: string }).action === action);
  if (!found) throw new Error(`no ${event}.${action} example`);
  return structuredClone(found) as T;
}

function reply(
  patch: { body?: string; inReplyTo?: number | null; userType?: string; login?: string; installation?: boolean } = {},
): PullRequestReviewCommentCreatedEvent {
  const payload = example<PullRequestReviewCommentCreatedEvent>("pull_request_review_comment", "created");
  payload.installation = patch.installation === false ? undefined : { id: 42, node_id: "x" };
  payload.comment.body = patch.body ?? "Why is this a problem?";
  if (patch.inReplyTo === null) delete (payload.comment as { in_reply_to_id?: number }).in_reply_to_id;
  else payload.comment.in_reply_to_id = patch.inReplyTo ?? 1111;
  payload.comment.user = { ...payload.comment.user, login: patch.login ?? "alice", type: (patch.userType ?? "User") as "User" };
  payload.sender = { ...payload.sender, login: patch.login ?? "alice", type: (patch.userType ?? "User") as "User" };
  return payload;
}

describe("feedbackJobFromReviewComment", () => {
  it("queues a person's reply in a thread, one job per reply", () => {
    const payload = reply();
    const decision = feedbackJobFromReviewComment("d-1", payload);
    expect(decision).toMatchObject({
      enqueue: true,
      job: {
        kind: "reply",
        installationId: 42,
        pullNumber: payload.pull_request.number,
        comment: { id: payload.comment.id, author: "alice", inReplyTo: 1111, body: "Why is this a problem?" },
      },
    });
    const again = feedbackJobFromReviewComment("d-2", payload);
    expect(decision.enqueue && again.enqueue && feedbackJobId(decision.job) === feedbackJobId(again.job)).toBe(true);
  });

  it("ignores bots, thread starters, commands and deliveries without installation", () => {
    expect(feedbackJobFromReviewComment("d", reply({ userType: "Bot", login: "skywork[bot]" }))).toMatchObject({ enqueue: false, reason: /bot/ });
    expect(feedbackJobFromReviewComment("d", reply({ login: "renovate[bot]" }))).toMatchObject({ enqueue: false, reason: /bot/ });
    expect(feedbackJobFromReviewComment("d", reply({ inReplyTo: null }))).toMatchObject({ enqueue: false, reason: /not a reply/ });
    expect(feedbackJobFromReviewComment("d", reply({ body: "Good point.\n/skywork fix" }))).toMatchObject({ enqueue: false, reason: /command/ });
    expect(feedbackJobFromReviewComment("d", reply({ installation: false }))).toMatchObject({ enqueue: false, reason: /installation/ });
  });

  it("bounds what a reply puts into Redis", () => {
    const decision = feedbackJobFromReviewComment("d", reply({ body: "x".repeat(50_000) }));
    expect(decision.enqueue && decision.job.kind === "reply" && decision.job.comment.body.length).toBe(4_000);
  });
});

describe("feedbackJobFromThreadResolved", () => {
  it("queues a resolution by its thread's first comment, one job per delivery", () => {
    const payload = example<PullRequestReviewThreadResolvedEvent>("pull_request_review_thread", "resolved");
    payload.installation = { id: 42, node_id: "x" };
    const decision = feedbackJobFromThreadResolved("d-9", payload);
    expect(decision).toMatchObject({ enqueue: true, job: { kind: "resolved", rootCommentId: payload.thread.comments[0]!.id, sender: payload.sender.login } });
    const other = feedbackJobFromThreadResolved("d-10", payload);
    expect(decision.enqueue && other.enqueue && feedbackJobId(decision.job) !== feedbackJobId(other.job)).toBe(true);
    payload.sender = { ...payload.sender, type: "Bot" };
    expect(feedbackJobFromThreadResolved("d", payload)).toMatchObject({ enqueue: false });
  });
});
