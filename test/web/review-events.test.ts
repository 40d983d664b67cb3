import type { PullRequestEvent } from "@octokit/webhooks-types";
import { describe, expect, it } from "vitest";
import { reviewJobId } from "../../src/queue/jobs.js";
import { reviewJobFromEvent } from "../../src/web/review-events.js";

const sha = "0123456789abcdef0123456789abcdef01234567";

function event(patch: { action?: string; state?: string; installation?: { id: number } | null; sha?: string; draft?: boolean } = {}): PullRequestEvent {
  return {
    action: patch.action ?? "opened",
    number: 7,
    installation: patch.installation === null ? undefined : (patch.installation ?? { id: 42, node_id: "x" }),
    repository: { id: 99, name: "widgets", owner: { login: "acme" } },
    pull_request: { number: 7, state: patch.state ?? "open", draft: patch.draft ?? false, head: { sha: patch.sha ?? sha }, updated_at: "2026-11-21T10:00:00Z" },
  } as unknown as PullRequestEvent;
}

describe("reviewJobFromEvent", () => {
  it("turns a reviewable event into a job carrying what the worker needs", () => {
    expect(reviewJobFromEvent("d-1", event())).toEqual({
      enqueue: true,
      job: {
        installationId: 42,
        owner: "acme",
        repo: "widgets",
        repoId: 99,
        pullNumber: 7,
        headSha: sha,
        trigger: "opened",
        deliveryId: "d-1",
        eventAt: "2026-11-21T10:00:00Z",
      },
    });
    for (const action of ["reopened", "synchronize", "ready_for_review"]) expect(reviewJobFromEvent("d", event({ action })).enqueue).toBe(true);
  });

  it("ignores other actions, closed PRs, deliveries without installation and malformed SHAs", () => {
    expect(reviewJobFromEvent("d", event({ action: "labeled" }))).toMatchObject({ enqueue: false, reason: /labeled/ });
    expect(reviewJobFromEvent("d", event({ state: "closed" }))).toMatchObject({ enqueue: false });
    expect(reviewJobFromEvent("d", event({ installation: null }))).toMatchObject({ enqueue: false, reason: /installation/ });
    expect(reviewJobFromEvent("d", event({ sha: "$(rm -rf /)" }))).toMatchObject({ enqueue: false });
  });

  it("gives a draft's event a job of its own, so marking it ready at the same head starts a review", () => {
    const job = (e: PullRequestEvent) => {
      const decision = reviewJobFromEvent("d", e);
      if (!decision.enqueue) throw new Error(decision.reason);
      return reviewJobId(decision.job);
    };
    const draft = job(event({ action: "opened", draft: true }));
    const ready = job(event({ action: "ready_for_review" }));
    expect(draft).not.toBe(ready);
    // Events for the same non-draft head still share one job.
    expect(job(event({ action: "synchronize" }))).toBe(ready);
    expect(job(event({ action: "reopened", draft: true }))).toBe(draft);
  });
});
