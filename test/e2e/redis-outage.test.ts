// Redis going away during intake. In a file of its own: GitHub rate limits are clustered through
// the first Redis a process uses (a module-level singleton of Octokit's throttling plugin), and
// this test points the app at a Redis it then kills.
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { eventually, startHarness, type Harness } from "../helpers/harness.js";
import { startPrivateRedis, type PrivateRedis } from "../helpers/private-redis.js";
import { deliverPullRequest, MEAN_CHANGE, openPullRequest } from "../helpers/scenario.js";

let harness: Harness | null = null;
// One Redis for the file, restarted by each test: the throttling singleton stays bound to it.
let redis: PrivateRedis;
beforeAll(async () => {
  redis = await startPrivateRedis();
});
afterEach(async () => {
  await harness?.close();
  harness = null;
});
afterAll(async () => {
  await redis?.stop();
});

describe("Redis going away during intake", () => {
  // A restart faster than ioredis's first reconnect delay raises no "error" event at all; a longer
  // outage does. Both must end with the failed delivery redelivered.
  it.each([
    ["restarts at once", 0],
    ["stays away for a while", 1_500],
  ])("%s: answers 503 while it is gone, says why on /readyz, recovers by itself and redelivers what failed", { timeout: 120_000 }, async (_, awayMs) => {
    const h = (harness = await startHarness({ env: { REDIS_URL: redis.url } }));
    const healthy = await openPullRequest(h.github, MEAN_CHANGE);
    expect((await deliverPullRequest(h, healthy, "opened")).status).toBe(200);
    await eventually(() => h.github.reviews(healthy.repo, healthy.number).length === 1, "the first review");

    await redis.stop();
    const lost = await openPullRequest(h.github, MEAN_CHANGE, { owner: "other" });
    // Answered in time for GitHub, which gives up after 10 s (so does the fake's delivery).
    const refused = await deliverPullRequest(h, lost, "opened");
    expect(refused.status).toBe(503);
    const ready = await fetch(`${h.app.url}/readyz`);
    expect(ready.status).toBe(503);
    expect(JSON.stringify(await ready.json())).toMatch(/Redis at redis:\/\/127\.0\.0\.1:\d+ is unreachable/);

    await new Promise((resolve) => setTimeout(resolve, awayMs));
    await redis.start();
    await eventually(async () => (await fetch(`${h.app.url}/readyz`)).status === 200, "/readyz to recover", 30_000);
    // The failed delivery was found in GitHub's delivery log and redelivered: its review arrives.
    await eventually(() => h.github.reviews(lost.repo, lost.number).length === 1, "the review of the redelivered event", 40_000);
    const attempts = h.github.hookDeliveries.filter((d) => d.guid === refused.deliveryId);
    expect(attempts.map((a) => [a.redelivery, a.statusCode])).toEqual([
      [false, 503],
      [true, 200],
    ]);
  });
});
