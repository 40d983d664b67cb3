// Which pull_request deliveries become review jobs. Pure: no I/O, so the request path stays fast
// and every rule is testable without a server.
import type { PullRequestEvent } from "@octokit/webhooks-types";
import type { ReviewJobData, ReviewTrigger } from "../queue/jobs.js";

export const REVIEW_ACTIONS: readonly ReviewTrigger[] = ["opened", "reopened", "synchronize", "ready_for_review"];

export type ReviewDecision = { enqueue: true; job: ReviewJobData } | { enqueue: false; reason: string };

export function reviewJobFromEvent(deliveryId: string, payload: PullRequestEvent): ReviewDecision {
  const action = payload.action as string;
  if (!(REVIEW_ACTIONS as readonly string[]).includes(action)) {
    return { enqueue: false, reason: `action ${action} does not trigger a review` };
  }
  const installationId = payload.installation?.id;
  if (typeof installationId !== "number") {
    return { enqueue: false, reason: "delivery has no installation id (not sent to an installed App)" };
  }
  const pr = payload.pull_request;
  if (pr.state !== "open") return { enqueue: false, reason: `pull request is ${pr.state}` };
  if (!/^[0-9a-f]{40}$/.test(pr.head.sha)) return { enqueue: false, reason: "head SHA is malformed" };
  return {
    enqueue: true,
    job: {
      installationId,
      owner: payload.repository.owner.login,
      repo: payload.repository.name,
      repoId: payload.repository.id,
      pullNumber: pr.number,
      headSha: pr.head.sha,
      trigger: action as ReviewTrigger,
      deliveryId,
      eventAt: pr.updated_at,
      ...(pr.draft ? { draft: true } : {}),
    },
  };
}
