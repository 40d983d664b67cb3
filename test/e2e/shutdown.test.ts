// Shutdown always ends, tried as an operator would: the app runs as its own process on a Redis of
// its own, Redis is stopped first, then SIGTERM. The bound asserted is a correctness bound (the
// configured deadline plus the margin, plus slack for a loaded machine), not a benchmark.
import { Queue } from "bullmq";
import { Redis } from "ioredis";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { SHUTDOWN_MARGIN_MS } from "../../src/app.js";
import { envFor, startChildApp, type ChildApp } from "../helpers/child-app.js";
import { eventually, startHarness, type Harness } from "../helpers/harness.js";
import { startPrivateRedis, type PrivateRedis } from "../helpers/private-redis.js";
import { deliverPullRequest, MEAN_CHANGE, openPullRequest } from "../helpers/scenario.js";

const DEADLINE_MS = 2_000;
/** Process start-up of the signal handler, log writes and a busy 2-core machine; not what is tested. */
const SLACK_MS = 10_000;
const BOUND_MS = DEADLINE_MS + SHUTDOWN_MARGIN_MS + SLACK_MS;

let harness: Harness | null = null;
let redis: PrivateRedis;
const children: ChildApp[] = [];
beforeAll(async () => {
  redis = await startPrivateRedis();
});
afterEach(async () => {
  for (const child of children.splice(0)) child.kill("SIGKILL");
  await harness?.close();
  harness = null;
  await redis.start().catch(() => undefined);
});
afterAll(async () => {
  await redis?.stop();
});

async function child(h: Harness, env: Record<string, string> = {}): Promise<ChildApp> {
  const app = await startChildApp(envFor(h, { SHUTDOWN_TIMEOUT_MS: String(DEADLINE_MS), ...env }));
  children.push(app);
  return app;
}

/** Resolves with the exit code, or "still running" once `ms` have passed since `from`. */
async function exitWithin(app: ChildApp, from: number, ms: number): Promise<number | string> {
  return Promise.race([app.exited, new Promise<string>((resolve) => setTimeout(() => resolve("still running"), Math.max(0, from + ms - Date.now())))]);
}

describe("SIGTERM with Redis gone", () => {
  it("an idle app exits within the deadline plus margin, non-zero, saying what it could not close", { timeout: 90_000 }, async () => {
    const h = (harness = await startHarness({ startApp: false, env: { REDIS_URL: redis.url } }));
    const app = await child(h);
    await redis.stop();
    await new Promise((resolve) => setTimeout(resolve, 500));

    const stopped = Date.now();
    app.kill("SIGTERM");
    const code = await exitWithin(app, stopped, BOUND_MS);
    expect(code).toBe(1);
    expect(app.output()).toContain("shut down with work left unclean");
    expect(app.output()).not.toContain("shut down cleanly");
  });

  it("a review in flight: the job cannot be handed back, that is logged, and the process still exits in time, non-zero", { timeout: 90_000 }, async () => {
    const h = (harness = await startHarness({ startApp: false, env: { REDIS_URL: redis.url } }));
    h.model.setReply(() => ({ delayMs: 120_000, content: "{}" }));
    const pr = await openPullRequest(h.github, MEAN_CHANGE);
    const app = await child(h);
    expect((await deliverPullRequest(h, pr, "opened")).status).toBe(200);
    await eventually(() => h.model.inFlight === 1, "the model request to start", 20_000);
    await redis.stop();

    const stopped = Date.now();
    app.kill("SIGTERM");
    const code = await exitWithin(app, stopped, BOUND_MS);
    expect(code).toBe(1);
    expect(app.output()).toContain("could not hand this job back to the queue");
    expect(app.output()).toMatch(/"unclean":\[[^\]]*review\//);
    // The model request ended with the process; nothing is left holding the model server.
    await eventually(() => h.model.requests[0]!.aborted, "the running model request to be cancelled");
  });

  it("a second signal ends it at once, long before a long deadline", { timeout: 90_000 }, async () => {
    const h = (harness = await startHarness({ startApp: false, env: { REDIS_URL: redis.url } }));
    h.model.setReply(() => ({ delayMs: 120_000, content: "{}" }));
    const pr = await openPullRequest(h.github, MEAN_CHANGE);
    const longDeadline = 60_000;
    const app = await child(h, { SHUTDOWN_TIMEOUT_MS: String(longDeadline) });
    await deliverPullRequest(h, pr, "opened");
    await eventually(() => h.model.inFlight === 1, "the model request to start", 20_000);
    await redis.stop();

    const stopped = Date.now();
    app.kill("SIGTERM");
    await eventually(() => app.output().includes("shutting down"), "the first signal to be taken");
    app.kill("SIGTERM");
    // Without the second signal the job would get its whole deadline.
    expect(await exitWithin(app, stopped, longDeadline)).toBe(1);
    expect(app.output()).toContain("second signal while shutting down");
  });
});

describe("SIGTERM with GitHub hanging", () => {
  it("a job stuck on a GitHub call that never answers: the process exits in time, non-zero, naming the job", { timeout: 90_000 }, async () => {
    const h = (harness = await startHarness({ startApp: false, env: { REDIS_URL: redis.url } }));
    const pr = await openPullRequest(h.github, MEAN_CHANGE);
    const app = await child(h);
    h.github.setLatency(120_000);
    expect((await deliverPullRequest(h, pr, "opened")).status).toBe(200);
    const connection = new Redis(redis.url, { maxRetriesPerRequest: null });
    const queue = new Queue("review", { connection, prefix: h.prefix });
    try {
      await eventually(async () => (await queue.getJobCounts("active")).active === 1, "the review job to start (and wait on GitHub)", 20_000);
    } finally {
      await queue.close();
      connection.disconnect();
    }

    const stopped = Date.now();
    app.kill("SIGTERM");
    expect(await exitWithin(app, stopped, BOUND_MS)).toBe(1);
    expect(app.output()).toMatch(/"unclean":\[[^\]]*review\//);
    h.github.setLatency(0);
  });
});

describe("SIGTERM with everything reachable", () => {
  it("an idle app exits 0 and says it shut down cleanly", { timeout: 60_000 }, async () => {
    const h = (harness = await startHarness({ startApp: false, env: { REDIS_URL: redis.url } }));
    const app = await child(h);
    const stopped = Date.now();
    app.kill("SIGTERM");
    expect(await exitWithin(app, stopped, BOUND_MS)).toBe(0);
    expect(app.output()).toContain("shut down cleanly");
  });
});
