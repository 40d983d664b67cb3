// The test bed's scenarios (testbed/scenario.ts), and what tests add on top of them.
import { expect } from "vitest";
import { deliverWebhook, issueCommentEvent, type FakeRepo } from "../../testbed/fakes/github/index.js";
import type { Harness } from "./harness.js";

export * from "../../testbed/scenario.js";

/** `user` comments `body` on issue or pull request `number`, and the app accepts the webhook. */
export async function commentOnIssue(h: Harness, repo: FakeRepo, number: number, user: string, body: string) {
  const created = await repo.createIssueComment(number, { user, body });
  const delivery = await deliverWebhook({
    url: h.webhookUrl,
    secret: h.secret,
    event: "issue_comment",
    payload: issueCommentEvent(h.github, repo, created.id),
    fake: h.github,
  });
  expect(delivery.status).toBe(200);
  return created;
}
