// The app on a highly available Redis (issue 15), the same scenarios for Sentinel and Cluster: a
// review end to end, the primary failing during webhook intake with no delivery lost or handled
// twice, and a delivery held back (503) while no replica has confirmed its job. Each topology is
// started by its test file (redis-sentinel.test.ts, redis-cluster.test.ts) from Debian's
// redis-server and redis-sentinel, on ports of its own.
import { randomBytes } from "node:crypto";
import { Cluster } from "ioredis";
import { afterAll, afterEach, beforeAll, expect, it } from "vitest";
import { loadConfig } from "../../src/config/env.js";
import { createRedisClient } from "../../src/queue/connection.js";
import { fairPriority, waitingFor } from "../../src/queue/fairness.js";
import { envFor, startChildApp } from "../helpers/child-app.js";
import { eventually, queuesDrained, startHarness, type Harness } from "../helpers/harness.js";
import type { RedisTopology } from "../helpers/redis-topologies.js";
import { deliverPullRequest, MEAN_CHANGE, openPullRequest, type PullScenario } from "../helpers/scenario.js";

export function highAvailabilityScenarios(start: () => Promise<RedisTopology>): void {
  let topology: RedisTopology;
  let harness: Harness | null = null;
  // One prefix for the file: GitHub rate limits are clustered through the first Redis and prefix a
  // process uses (src/github/throttling.ts), so every test's keys are then under this one.
  const queuePrefix = `ha-${randomBytes(4).toString("hex")}`;
  const app = async (env: Record<string, string> = {}) =>
    (harness = await startHarness({ env: { REDIS_URL: topology.url, QUEUE_PREFIX: queuePrefix, ...env } }));

  beforeAll(async () => {
    topology = await start();
  }, 60_000);
  afterEach(async () => {
    await harness?.close();
    harness = null;
  });
  afterAll(async () => {
    await topology?.stop();
  });

  it("runs a review end to end, every key of the app under its prefix", { timeout: 60_000 }, async () => {
    const h = await app();
    const pr = await openPullRequest(h.github, MEAN_CHANGE);
    expect((await deliverPullRequest(h, pr, "opened")).status).toBe(200);
    await eventually(() => h.github.reviews(pr.repo, pr.number).length === 1, "the review", 30_000);
    await eventually(() => h.github.checkRuns(pr.repo, pr.headSha).find((r) => r.name === "Skywork review")?.status === "completed", "the check run");
    await queuesDrained(h);

    // BullMQ's queues, the fairness and newest-head scripts, the model-request cap and the GitHub
    // rate limiters all ran here, each under the deployment's prefix (one slot on Cluster).
    const keys = await allKeys(h);
    const concerns = [`${h.prefix}:review:`, `${h.prefix}:fair:review:`, `${h.prefix}:pr-head:`, `${h.prefix}:model-slots:`, `b_${h.prefix}:octokit-`];
    for (const concern of concerns)
      expect(
        keys.some((key) => key.startsWith(concern)),
        concern,
      ).toBe(true);
    expect(keys.filter((key) => !key.startsWith(`${h.prefix}:`) && !key.startsWith(`b_${h.prefix}:`))).toEqual([]);
  });

  it("starts as `npm start` runs it and reports ready", { timeout: 60_000 }, async () => {
    const h = (harness = await startHarness({ startApp: false, env: { REDIS_URL: topology.url, QUEUE_PREFIX: queuePrefix } }));
    const child = await startChildApp(envFor(h));
    try {
      const ready = await fetch(`http://127.0.0.1:${h.config.server.port}/readyz`);
      expect(await ready.json()).toMatchObject({ ready: true, checks: { redis: { ok: true } } });
    } finally {
      child.kill("SIGTERM");
      expect(await child.exited).toBe(0);
    }
  });

  // The fairness script forgets stale entries of OTHER installations, whose keys it builds from
  // the prefix rather than receiving them: on Cluster that works because they share the slot.
  it("forgets another installation's stale fairness entry from within the script", async () => {
    const config = loadConfig({ REDIS_URL: topology.url, QUEUE_PREFIX: queuePrefix });
    const redis = createRedisClient(config.redis.target);
    redis.on("error", () => undefined);
    try {
      const { prefix } = config.redis;
      await fairPriority(redis, prefix, 1, "old", { scope: "stale-test", maxAgeMs: 60_000 });
      expect(await waitingFor(redis, prefix, 1, "stale-test")).toBe(1);
      await new Promise((resolve) => setTimeout(resolve, 20));
      // Installation 2's enqueue, with an age limit the first entry has outlived, prunes it.
      await fairPriority(redis, prefix, 2, "new", { scope: "stale-test", maxAgeMs: 10 });
      expect(await waitingFor(redis, prefix, 1, "stale-test")).toBe(0);
      expect(await waitingFor(redis, prefix, 2, "stale-test")).toBe(1);
    } finally {
      redis.disconnect();
    }
  });

  it("loses no webhook delivery and handles none twice when the primary fails during intake", { timeout: 120_000 }, async () => {
    const h = await app({ REDELIVERY_INTERVAL_MS: "1000" });
    const pulls: PullScenario[] = [];
    for (let i = 0; i < 10; i++) pulls.push(await openPullRequest(h.github, MEAN_CHANGE, { owner: `team-${i}` }));
    const answers: Array<{ status: number; deliveryId: string }> = [];
    for (const pr of pulls.slice(0, 3)) answers.push(await deliverPullRequest(h, pr, "opened"));
    expect(answers.map((a) => a.status)).toEqual([200, 200, 200]);

    const failed = await topology.killPrimaryOf(`${h.prefix}:intake`);
    const failedOverAt = topology.failedOver(failed).then(() => Date.now());
    // Deliveries keep coming while a replica takes over: each is answered within GitHub's 10 s,
    // 2xx only once its job is stored and replicated (the intake may wait out the failover), else 503.
    const firstDuringFailover = Date.now();
    for (const pr of pulls.slice(3)) answers.push(await deliverPullRequest(h, pr, "opened"));
    expect(firstDuringFailover).toBeLessThan(await failedOverAt);
    expect(answers.every((a) => a.status === 200 || a.status === 503)).toBe(true);

    // Every pull request gets its review: the refused deliveries are found in GitHub's delivery
    // log and redelivered once Redis answers again.
    await eventually(() => pulls.every((pr) => h.github.reviews(pr.repo, pr.number).length >= 1), "a review of every pull request", 90_000);
    await queuesDrained(h, 60_000);
    for (const pr of pulls) {
      expect(h.github.reviews(pr.repo, pr.number)).toHaveLength(1);
      expect(h.github.checkRuns(pr.repo, pr.headSha).filter((r) => r.name === "Skywork review")).toHaveLength(1);
    }
    for (const refused of answers.filter((a) => a.status !== 200)) {
      const attempts = h.github.hookDeliveries.filter((d) => d.guid === refused.deliveryId);
      expect(
        attempts.some((a) => a.redelivery && a.statusCode === 200),
        refused.deliveryId,
      ).toBe(true);
    }
  });

  it("answers 503 while no replica has confirmed a delivery's job, and reviews it once redelivered", { timeout: 60_000 }, async () => {
    const h = await app({ REDELIVERY_INTERVAL_MS: "1000" });
    const pr = await openPullRequest(h.github, MEAN_CHANGE);
    await topology.pauseReplicasOf(`${h.prefix}:intake`, true);
    let answer: { status: number; deliveryId: string };
    try {
      answer = await deliverPullRequest(h, pr, "opened");
    } finally {
      await topology.pauseReplicasOf(`${h.prefix}:intake`, false);
    }
    expect(answer.status).toBe(503);
    // The job may well have been stored (only its replication was unconfirmed): the redelivery
    // then finds it and is accepted without a second job.
    const attempts = () => h.github.hookDeliveries.filter((d) => d.guid === answer.deliveryId).map((d) => [d.redelivery, d.statusCode]);
    await eventually(() => attempts().length === 2, "the redelivery", 30_000);
    expect(attempts()).toEqual([
      [false, 503],
      [true, 200],
    ]);
    await eventually(() => h.github.reviews(pr.repo, pr.number).length === 1, "the review", 30_000);
    await queuesDrained(h);
    expect(h.github.reviews(pr.repo, pr.number)).toHaveLength(1);
  });
}

/** Every key on every primary (SCAN sees one node's keys). */
async function allKeys(h: Harness): Promise<string[]> {
  const keys: string[] = [];
  for (const node of h.redis instanceof Cluster ? h.redis.nodes("master") : [h.redis]) {
    let cursor = "0";
    do {
      const [next, page] = await node.scan(cursor, "COUNT", 1000);
      cursor = next;
      keys.push(...page);
    } while (cursor !== "0");
  }
  return keys;
}
