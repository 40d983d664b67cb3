// A draft is skipped with a reason; marking it ready for review at the same head gets the review.
// (The draft's finished job must not swallow the ready_for_review event as a duplicate.)
import { afterEach, describe, expect, it } from "vitest";
import { eventually, startHarness, type Harness } from "../helpers/harness.js";
import { deliverPullRequest, MEAN_CHANGE, openPullRequest } from "../helpers/scenario.js";

let harness: Harness | null = null;
afterEach(async () => {
  await harness?.close();
  harness = null;
});

describe("a draft marked ready for review", () => {
  it("is skipped while a draft, then reviewed at the same head", async () => {
    const h = (harness = await startHarness());
    const pr = await openPullRequest(h.github, MEAN_CHANGE, { draft: true });
    expect((await deliverPullRequest(h, pr, "opened")).status).toBe(200);
    const skipped = await eventually(() => {
      const run = h.github.checkRuns(pr.repo, pr.headSha).find((r) => r.name === "Skywork review");
      return run?.status === "completed" && run;
    }, "the draft's skip on the check run");
    expect(JSON.stringify(skipped)).toMatch(/Draft pull request/);
    expect(h.github.reviews(pr.repo, pr.number)).toHaveLength(0);

    await pr.repo.updatePullRequest(pr.number, { draft: false });
    expect((await deliverPullRequest(h, pr, "ready_for_review")).status).toBe(200);
    const [review] = await eventually(
      () => h.github.reviews(pr.repo, pr.number).length > 0 && h.github.reviews(pr.repo, pr.number),
      "the review once ready",
      30_000,
    );
    expect(review?.commit_id).toBe(pr.headSha);
    expect(h.model.requests).toHaveLength(1);
  });
});
