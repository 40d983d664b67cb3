// /metrics against real BullMQ queues on the real Redis: queue depth and the oldest waiting job are
// read at scrape time; what the app records (jobs, model, GitHub, webhooks) shows up as series.
import { Queue, Worker } from "bullmq";
import { Redis } from "ioredis";
import { ProbotOctokit } from "probot";
import { afterEach, describe, expect, it } from "vitest";
import { UnrecoverableError } from "bullmq";
import { ContextOverflowError, ModelUnavailableError } from "../../src/errors.js";
import { failureReason, modelOutcome } from "../../src/ops/failure-labels.js";
import { createQueues, enqueueReview } from "../../src/queue/queues.js";
import { instrumentOctokit, routeTemplate } from "../../src/ops/github-metrics.js";
import { instrumentWorker } from "../../src/ops/job-metrics.js";
import { createMetrics, type Metrics } from "../../src/ops/metrics.js";
import { eventually } from "../helpers/harness.js";
import { closedPort, sample, testRedis, type TestRedis } from "./helpers.js";

const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const step of cleanups.reverse()) await step().catch(() => undefined);
  cleanups.length = 0;
});

function setup(): TestRedis {
  const t = testRedis();
  cleanups.push(() => t.cleanup());
  return t;
}

function queue(t: TestRedis, name: string): Queue {
  const q = new Queue(name, { connection: t.redis, prefix: t.prefix });
  cleanups.push(() => q.close());
  return q;
}

describe("queue metrics", () => {
  it("reports depth per state and the age of the oldest waiting job, read at scrape time", async () => {
    const t = setup();
    const review = queue(t, "review");
    const command = queue(t, "command");
    const metrics = createMetrics({ processMetrics: false });
    metrics.registerQueues([review, command]);

    let text = await metrics.render();
    expect(sample(text, 'skywork_queue_jobs{queue="review",state="waiting"}')).toBe(0);
    expect(sample(text, 'skywork_queue_oldest_waiting_age_seconds{queue="review"}')).toBe(0);

    await review.add("review", { n: 1 }, { timestamp: Date.now() - 90_000 });
    await review.add("review", { n: 2 });
    await review.add("review", { n: 3 }, { delay: 60_000 });
    await command.add("command", { n: 4 });

    text = await metrics.render();
    expect(sample(text, 'skywork_queue_jobs{queue="review",state="waiting"}')).toBe(2);
    expect(sample(text, 'skywork_queue_jobs{queue="review",state="delayed"}')).toBe(1);
    expect(sample(text, 'skywork_queue_jobs{queue="review",state="active"}')).toBe(0);
    expect(sample(text, 'skywork_queue_jobs{queue="review",state="failed"}')).toBe(0);
    expect(sample(text, 'skywork_queue_jobs{queue="review",state="completed"}')).toBe(0);
    expect(sample(text, 'skywork_queue_jobs{queue="command",state="waiting"}')).toBe(1);
    const age = sample(text, 'skywork_queue_oldest_waiting_age_seconds{queue="review"}')!;
    expect(age).toBeGreaterThanOrEqual(90);
    expect(age).toBeLessThan(120);
    expect(sample(text, 'skywork_queue_oldest_waiting_age_seconds{queue="command"}')).toBeLessThan(30);
    expect(sample(text, 'skywork_queue_scrape_ok{queue="review"}')).toBe(1);
    expect(text).toContain("# TYPE skywork_queue_jobs gauge");
  });

  it("takes the app's own typed queues (createQueues) as they are", async () => {
    const t = setup();
    const queues = createQueues(t.redis, t.prefix);
    cleanups.push(() => queues.close());
    const metrics = createMetrics({ processMetrics: false });
    metrics.registerQueues([queues.review, queues.command]);
    await enqueueReview(
      queues,
      {
        installationId: 1,
        owner: "acme",
        repo: "widgets",
        repoId: 10,
        pullNumber: 7,
        headSha: "a".repeat(40),
        trigger: "opened",
        deliveryId: "d-1",
      },
      { redis: t.redis, prefix: t.prefix },
    );
    const text = await metrics.render();
    // Review jobs carry a fairness priority: BullMQ keeps them as "prioritized", not "waiting".
    expect(sample(text, 'skywork_queue_jobs{queue="review",state="prioritized"}')).toBe(1);
    expect(sample(text, 'skywork_queue_jobs{queue="command",state="waiting"}')).toBe(0);
  });

  it("counts a queue once when two Queue objects name it (intake and worker follow-ups)", async () => {
    const t = setup();
    const metrics = createMetrics({ processMetrics: false });
    metrics.registerQueues([queue(t, "review"), queue(t, "review")]);
    const text = await metrics.render();
    expect(text.split("\n").filter((line) => line.startsWith('skywork_queue_jobs{queue="review",state="waiting"}'))).toHaveLength(1);
  });

  it("still answers, quickly, when Redis does not (and says which queue it could not read)", async () => {
    const port = await closedPort();
    // A worker-style connection queues commands forever while Redis is away.
    const down = new Redis(`redis://127.0.0.1:${port}`, { maxRetriesPerRequest: null, retryStrategy: () => 200 });
    down.on("error", () => undefined);
    cleanups.push(async () => down.disconnect());
    const q = new Queue("review", { connection: down, prefix: "unreachable" });
    q.on("error", () => undefined);
    cleanups.push(() => q.close());
    const metrics = createMetrics({ processMetrics: false, queueTimeoutMs: 300 });
    metrics.registerQueues([q]);
    metrics.jobFinished("review", "posted", 1200);

    // The connection queues commands while Redis is away, so an answer at all (rather than the
    // test's timeout) comes from the scrape's own queueTimeoutMs, which scrape_ok 0 reports.
    const text = await metrics.render();
    expect(sample(text, 'skywork_queue_scrape_ok{queue="review"}')).toBe(0);
    expect(text).not.toContain('skywork_queue_jobs{queue="review"');
    expect(sample(text, 'skywork_job_duration_seconds_count{kind="review",outcome="posted"}')).toBe(1);
  });

  it("uses a registry of its own: two instances do not see each other's samples", async () => {
    const a = createMetrics({ processMetrics: false });
    const b = createMetrics({ processMetrics: false });
    a.retry("review", "network");
    expect(sample(await a.render(), 'skywork_job_retries_total{kind="review",reason="network"}')).toBe(1);
    expect(sample(await b.render(), 'skywork_job_retries_total{kind="review",reason="network"}')).toBeUndefined();
  });

  it("exports process metrics unless told not to", async () => {
    const metrics = createMetrics();
    expect(await metrics.render()).toContain("skywork_process_cpu_seconds_total");
  });
});

describe("recorded metrics", () => {
  it("jobs, retries, model requests, GitHub calls, redeliveries and webhooks", async () => {
    const metrics = createMetrics({ processMetrics: false });
    metrics.jobFinished("review", "posted", 42_000);
    metrics.jobFinished("command", "done", 300);
    metrics.retry("review", "model_unavailable");
    metrics.modelRequest({ latencyMs: 12_500, promptTokens: 20_000, completionTokens: 900, outcome: "ok" });
    metrics.modelRequest({ latencyMs: 300, promptTokens: 31_000, completionTokens: 0, outcome: "overflow" });
    metrics.githubRequest({
      method: "get",
      route: "/repos/{owner}/{repo}/pulls/{pull_number}",
      status: 200,
      installationId: 7,
      rateLimitRemaining: 4_321,
      durationMs: 80,
    });
    metrics.githubRequest({ method: "POST", route: "/repos/{owner}/{repo}/pulls/{pull_number}/reviews", status: 0, installationId: 7 });
    metrics.redelivery("ok");
    metrics.webhook("pull_request", 200, 12);

    const text = await metrics.render();
    expect(sample(text, 'skywork_job_duration_seconds_count{kind="review",outcome="posted"}')).toBe(1);
    expect(sample(text, 'skywork_job_duration_seconds_sum{kind="review",outcome="posted"}')).toBe(42);
    expect(sample(text, 'skywork_job_duration_seconds_bucket{le="60",kind="review",outcome="posted"}')).toBe(1);
    expect(sample(text, 'skywork_job_duration_seconds_bucket{le="30",kind="review",outcome="posted"}')).toBe(0);
    expect(sample(text, 'skywork_job_duration_seconds_count{kind="command",outcome="done"}')).toBe(1);
    expect(sample(text, 'skywork_job_retries_total{kind="review",reason="model_unavailable"}')).toBe(1);
    expect(sample(text, 'skywork_model_request_duration_seconds_count{outcome="ok"}')).toBe(1);
    expect(sample(text, 'skywork_model_request_duration_seconds_sum{outcome="ok"}')).toBe(12.5);
    expect(sample(text, 'skywork_model_prompt_tokens_total{outcome="ok"}')).toBe(20_000);
    expect(sample(text, 'skywork_model_completion_tokens_total{outcome="ok"}')).toBe(900);
    expect(sample(text, 'skywork_model_prompt_tokens_total{outcome="overflow"}')).toBe(31_000);
    expect(sample(text, 'skywork_github_requests_total{method="GET",route="/repos/{owner}/{repo}/pulls/{pull_number}",status="200"}')).toBe(1);
    expect(sample(text, 'skywork_github_requests_total{method="POST",route="/repos/{owner}/{repo}/pulls/{pull_number}/reviews",status="none"}')).toBe(1);
    expect(sample(text, 'skywork_github_rate_limit_remaining{installation_id="7"}')).toBe(4_321);
    expect(sample(text, 'skywork_webhook_redelivery_requests_total{outcome="ok"}')).toBe(1);
    expect(sample(text, 'skywork_webhook_duration_seconds_count{event="pull_request",status="200"}')).toBe(1);
    expect(text).toContain("# TYPE skywork_model_request_duration_seconds histogram");
  });

  it("drops bad samples instead of throwing into the caller", async () => {
    const metrics: Metrics = createMetrics({ processMetrics: false });
    expect(() => metrics.jobFinished("review", "posted", Number.NaN)).not.toThrow();
    expect(() => metrics.modelRequest({ latencyMs: -1, promptTokens: Number.POSITIVE_INFINITY, completionTokens: 1, outcome: "" })).not.toThrow();
    expect(() => metrics.webhook("x".repeat(10_000), 200, 1)).not.toThrow();
    const text = await metrics.render();
    expect(text).not.toContain("x".repeat(100));
    expect(sample(text, 'skywork_model_completion_tokens_total{outcome="unknown"}')).toBe(1);
  });
});

describe("worker instrumentation", () => {
  it("records each attempt's outcome and the retry's reason from a real BullMQ worker", async () => {
    const t = setup();
    const q = queue(t, "review");
    const metrics = createMetrics({ processMetrics: false });
    let calls = 0;
    const worker = new Worker(
      "review",
      async () => {
        calls += 1;
        if (calls === 1) throw new ModelUnavailableError("The model endpoint answered 503");
        return { status: "posted" };
      },
      { connection: t.redis.duplicate(), prefix: t.prefix },
    );
    cleanups.push(() => worker.close());
    instrumentWorker(worker, "review", metrics);
    const doomed = new Worker("command", async () => Promise.reject(new Error("boom")), { connection: t.redis.duplicate(), prefix: t.prefix });
    cleanups.push(() => doomed.close());
    instrumentWorker(doomed, "command", metrics);

    await q.add("review", {}, { attempts: 2, backoff: { type: "fixed", delay: 10 } });
    await queue(t, "command").add("command", {}, { attempts: 1 });
    const text = await eventually(async () => {
      const rendered = await metrics.render();
      return sample(rendered, 'skywork_job_duration_seconds_count{kind="review",outcome="posted"}') === 1 &&
        sample(rendered, 'skywork_job_duration_seconds_count{kind="command",outcome="failed"}') === 1
        ? rendered
        : undefined;
    }, "both jobs to finish");
    expect(sample(text, 'skywork_job_duration_seconds_count{kind="review",outcome="retrying"}')).toBe(1);
    expect(sample(text, 'skywork_job_retries_total{kind="review",reason="model_unavailable"}')).toBe(1);
    expect(text).not.toContain('skywork_job_retries_total{kind="command"');
  });
});

describe("GitHub request instrumentation", () => {
  function octokitAnswering(status: number, headers: Record<string, string>) {
    const seen: string[] = [];
    const octokit = new ProbotOctokit({
      auth: { token: "ghs_test" },
      request: {
        fetch: async (url: string) => {
          seen.push(url);
          return new Response(JSON.stringify(status < 400 ? { id: 1 } : { message: "Not Found" }), {
            status,
            headers: { "content-type": "application/json", ...headers },
          });
        },
      },
      throttle: { enabled: false },
      retry: { enabled: false },
    });
    return { octokit, seen };
  }

  it("counts requests by route template and status, and keeps the installation's remaining rate limit", async () => {
    const metrics = createMetrics({ processMetrics: false });
    const { octokit } = octokitAnswering(200, { "x-ratelimit-remaining": "4999" });
    instrumentOctokit(octokit, metrics, 31);
    instrumentOctokit(octokit, metrics, 31); // idempotent: no double counting
    await octokit.rest.pulls.get({ owner: "acme", repo: "widgets", pull_number: 7 });
    await octokit.rest.pulls.get({ owner: "acme", repo: "gadgets", pull_number: 8 });
    const text = await metrics.render();
    expect(sample(text, 'skywork_github_requests_total{method="GET",route="/repos/{owner}/{repo}/pulls/{pull_number}",status="200"}')).toBe(2);
    expect(sample(text, 'skywork_github_rate_limit_remaining{installation_id="31"}')).toBe(4999);
    expect(sample(text, 'skywork_github_request_duration_seconds_count{method="GET",route="/repos/{owner}/{repo}/pulls/{pull_number}"}')).toBe(2);
  });

  it("records failures with their status and rethrows the very same error", async () => {
    const metrics = createMetrics({ processMetrics: false });
    const { octokit } = octokitAnswering(404, { "x-ratelimit-remaining": "12" });
    instrumentOctokit(octokit, metrics, 5);
    const error = await octokit.rest.repos.get({ owner: "acme", repo: "gone" }).catch((e: unknown) => e);
    expect((error as { status?: number }).status).toBe(404);
    const text = await metrics.render();
    expect(sample(text, 'skywork_github_requests_total{method="GET",route="/repos/{owner}/{repo}",status="404"}')).toBe(1);
    expect(sample(text, 'skywork_github_rate_limit_remaining{installation_id="5"}')).toBe(12);
  });

  it("never fails a request because recording failed", async () => {
    const broken = {
      githubRequest: () => {
        throw new Error("metrics are broken");
      },
    };
    const { octokit } = octokitAnswering(200, {});
    instrumentOctokit(octokit, broken, 5);
    await expect(octokit.rest.repos.get({ owner: "acme", repo: "widgets" })).resolves.toMatchObject({ status: 200 });
  });

  it("folds paginated absolute URLs back into templates", () => {
    expect(routeTemplate("http://127.0.0.1:4000/api/v3/repositories/42/pulls/7/files?page=2", "http://127.0.0.1:4000/api/v3")).toBe(
      "/repos/{owner}/{repo}/pulls/{id}/files",
    );
    expect(routeTemplate("https://api.github.com/repos/acme/widgets/commits/0123456789abcdef0123456789abcdef01234567/check-runs")).toBe(
      "/repos/{owner}/{repo}/commits/{ref}",
    );
    expect(routeTemplate("/repos/acme/widgets/contents/src/a.ts?ref=main")).toBe("/repos/{owner}/{repo}/contents/{ref}");
    expect(routeTemplate("/app/installations/{installation_id}/access_tokens")).toBe("/app/installations/{installation_id}/access_tokens");
    expect(routeTemplate("/graphql")).toBe("/graphql");
  });
});

describe("failure labels", () => {
  it("turn errors into a short fixed list of words", () => {
    const status = (code: number, message = "x") => Object.assign(new Error(message), { status: code });
    expect(failureReason(new ModelUnavailableError("503"))).toBe("model_unavailable");
    expect(failureReason(new UnrecoverableError("no"))).toBe("unrecoverable");
    expect(failureReason(status(502))).toBe("github_5xx");
    expect(failureReason(status(429))).toBe("github_rate_limit");
    expect(failureReason(status(403, "API rate limit exceeded for installation"))).toBe("github_rate_limit");
    expect(failureReason(status(404))).toBe("github_404");
    expect(failureReason(Object.assign(new Error("read ECONNRESET"), { code: "ECONNRESET" }))).toBe("network");
    expect(failureReason(new Error(`something about /repos/acme/widgets at ${Date.now()}`))).toBe("other");
    expect(modelOutcome(null)).toBe("ok");
    expect(modelOutcome(new ContextOverflowError("too long", 40_000))).toBe("overflow");
    expect(modelOutcome(new ModelUnavailableError("down"))).toBe("unavailable");
  });
});
