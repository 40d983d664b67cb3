// The spine, end to end: a signed webhook from a real payload shape reaches the running app, the
// worker reads the PR from the fake GitHub, asks the fake model, and one review appears.
import { Queue } from "bullmq";
import { Redis } from "ioredis";
import { afterEach, describe, expect, it } from "vitest";
import { reviewJobId, type ReviewJobData } from "../../src/queue/jobs.js";
import { answerTokensFor } from "../../src/review/answer-budget.js";
import { parseReviewMarker } from "../../src/github/markers.js";
import { loadQwenTokenizer } from "../../src/tokenizer/index.js";
import { eventually, queuesDrained, startHarness, type Harness } from "../helpers/harness.js";
import { deliverWebhook, pullRequestEvent } from "../../testbed/fakes/github/index.js";
import { startPrivateRedis } from "../helpers/private-redis.js";
import { deliverPullRequest, MEAN_CHANGE, openPullRequest } from "../helpers/scenario.js";

let harness: Harness | null = null;
afterEach(async () => {
  await harness?.close();
  harness = null;
});

function userPrompt(h: Harness, index = 0): string {
  const body = h.model.requests[index]?.body as { messages: Array<{ role: string; content: string }> };
  return body.messages.find((m) => m.role === "user")?.content ?? "";
}

describe("a pull request opened on an installed repository", () => {
  it("gets exactly one Skywork review with placed inline comments", async () => {
    const h = (harness = await startHarness({
      model: {
        reply: () => ({
          content: JSON.stringify({
            summary: "mean() now guards the empty array.",
            findings: [
              {
                path: "src/math.ts",
                line: 6,
                severity: "major",
                title: "Returning 0 hides bad input",
                comment: "An empty array has no mean; 0 is indistinguishable from a real mean of 0.",
                suggestion: "  if (values.length === 0) return Number.NaN;",
              },
              { path: "src/math.ts", start_line: 9, line: 10, severity: "minor", title: "Temporary", comment: "Return the expression directly." },
            ],
          }),
        }),
      },
    }));
    const pr = await openPullRequest(h.github, MEAN_CHANGE);
    const delivery = await deliverPullRequest(h, pr, "opened");
    expect(delivery.status).toBe(200);

    const [review] = await eventually(() => h.github.reviews(pr.repo, pr.number).length > 0 && h.github.reviews(pr.repo, pr.number), "a review");
    expect(review!.state).toBe("COMMENTED");
    expect(review!.commit_id).toBe(pr.headSha);
    expect(review!.user?.login).toBe(h.github.botLogin);
    // The marker names the reviewed head and fingerprints both findings (where, and what about).
    expect(parseReviewMarker(review!.body)).toMatchObject({ v: 1, head: pr.headSha, fp: expect.any(Array) });
    expect(parseReviewMarker(review!.body)!.fp).toHaveLength(4);
    expect(review!.body).toContain("mean() now guards the empty array.");
    expect(review!.body).toContain("1/1 files, 4/4 changed lines reviewed");

    const comments = h.github.reviewComments(pr.repo, pr.number);
    expect(comments.map((c) => [c.path, c.start_line ?? null, c.line, c.side])).toEqual([
      ["src/math.ts", null, 6, "RIGHT"],
      ["src/math.ts", 9, 10, "RIGHT"],
    ]);
    expect(comments[0]!.body).toContain("```suggestion\n  if (values.length === 0) return Number.NaN;\n```");

    // One request: JSON schema requested, max_tokens sent, prompt + answer inside the window, and
    // the app's count equals the server's independent count of the same prompt.
    expect(h.model.requests).toHaveLength(1);
    const request = h.model.requests[0]!;
    const body = request.body as { max_tokens: number; response_format: { type: string }; messages: Array<{ role: "system" | "user"; content: string }> };
    expect(body.response_format.type).toBe("json_schema");
    expect(body.max_tokens).toBe(answerTokensFor(10));
    expect(request.promptTokens + body.max_tokens).toBeLessThanOrEqual(32768);
    expect(loadQwenTokenizer().countChat(body.messages)).toBe(request.promptTokens);
    // The model sees numbered new-file lines it can cite.
    expect(userPrompt(h)).toMatch(/\n\s*6 \+\s+if \(values\.length === 0\) return 0;/);

    expect(h.github.violations).toEqual([]);
  });

  it("reviews once despite a redelivery and a second event for the same head", async () => {
    const h = (harness = await startHarness());
    const pr = await openPullRequest(h.github, MEAN_CHANGE);
    const first = await deliverPullRequest(h, pr, "opened");
    // GitHub's "Redeliver" button resends the same delivery id; "reopened" is another event for
    // the same head.
    const again = await deliverPullRequest(h, pr, "opened", first.deliveryId);
    const reopened = await deliverPullRequest(h, pr, "reopened");
    expect([first.status, again.status, reopened.status]).toEqual([200, 200, 200]);
    await eventually(() => h.github.reviews(pr.repo, pr.number).length === 1, "the review");

    // A later redelivery, after the review exists, still adds nothing.
    expect((await deliverPullRequest(h, pr, "opened", first.deliveryId)).status).toBe(200);
    await queuesDrained(h);
    expect(h.github.reviews(pr.repo, pr.number)).toHaveLength(1);
    expect(h.model.requests).toHaveLength(1);
  });

  it("reviews every file of a PR with more files than one page (150)", async () => {
    const h = (harness = await startHarness());
    const files: Record<string, string> = {};
    for (let i = 0; i < 150; i++) files[`src/module-${String(i).padStart(3, "0")}.ts`] = `export const value${i} = ${i};\n`;
    const pr = await openPullRequest(h.github, files);
    await deliverPullRequest(h, pr, "opened");
    const [review] = await eventually(() => h.github.reviews(pr.repo, pr.number).length > 0 && h.github.reviews(pr.repo, pr.number), "a review", 60_000);
    // New files' content comes from their diff: not one contents request.
    expect(h.github.requests.filter((r) => r.path.includes("/contents/src/"))).toEqual([]);
    expect(review!.body).toContain("150/150 files, 150/150 changed lines reviewed");
    const prompts = h.model.requests.map((_, i) => userPrompt(h, i)).join("\n");
    for (let i = 0; i < 150; i++) expect(prompts).toContain(`src/module-${String(i).padStart(3, "0")}.ts`);
    // Files were listed 100 per page.
    const pages = h.github.requests.filter((r) => r.method === "GET" && /\/pulls\/\d+\/files$/.test(r.path));
    expect(pages.length).toBe(2);
  });

  it("moves findings the diff cannot hold into the summary instead of failing", async () => {
    const h = (harness = await startHarness({
      model: {
        reply: () => ({
          // Chatter and a fence around the JSON, as servers without guided decoding answer.
          content:
            "Here is the review.\n```json\n" +
            JSON.stringify({
              summary: "Mixed findings.",
              findings: [
                { path: "src/math.ts", line: 6, severity: "minor", title: "On the diff", comment: "Placed inline." },
                { path: "src/math.ts", line: 2, severity: "major", title: "Outside the hunk", comment: "add() overflows." },
                { path: "src/missing.ts", line: 1, severity: "critical", title: "Unknown file", comment: "Not in this PR." },
                { path: "README.md", line: 1, severity: "nit", title: "Unchanged file", comment: "Not in this PR either." },
              ],
            }) +
            "\n```\nThanks!",
        }),
      },
    }));
    const pr = await openPullRequest(h.github, MEAN_CHANGE);
    await deliverPullRequest(h, pr, "opened");
    const [review] = await eventually(() => h.github.reviews(pr.repo, pr.number).length > 0 && h.github.reviews(pr.repo, pr.number), "a review");
    expect(h.github.reviewComments(pr.repo, pr.number).map((c) => c.line)).toEqual([6]);
    expect(review!.body).toContain("### Findings outside the diff");
    expect(review!.body).toContain("`src/math.ts:2`");
    expect(review!.body).toContain("`src/missing.ts:1`");
    expect(review!.body).toContain("`README.md:1`");
    // Nothing was rejected by GitHub along the way.
    expect(h.github.requests.filter((r) => r.status === 422)).toEqual([]);
    expect(h.github.violations).toEqual([]);
  });

  it("does not post again when a retried job finds its marker", async () => {
    const h = (harness = await startHarness());
    const pr = await openPullRequest(h.github, MEAN_CHANGE);
    await deliverPullRequest(h, pr, "opened");
    await eventually(() => h.github.reviews(pr.repo, pr.number).length === 1, "the review");

    // The same work again under another job id: what a retry after a crash, or a redelivery after
    // the job record expired, looks like to a worker.
    const queue = new Queue<ReviewJobData>("review", { connection: h.redis, prefix: h.prefix });
    const data: ReviewJobData = {
      installationId: pr.installationId,
      owner: "acme",
      repo: "widgets",
      repoId: h.github.repository(pr.repo).id,
      pullNumber: pr.number,
      headSha: pr.headSha,
      trigger: "opened",
      deliveryId: "retry",
    };
    const job = await queue.add("review", data, { jobId: `${reviewJobId(data)}-retry` });
    const outcome = await eventually(async () => {
      const done = await queue.getJob(job.id!);
      return done?.finishedOn ? (done.returnvalue as { status: string }) : undefined;
    }, "the retried job");
    expect(outcome.status).toBe("already-reviewed");
    expect(h.github.reviews(pr.repo, pr.number)).toHaveLength(1);
    expect(h.model.requests).toHaveLength(1);
    await queue.close();
  });
});

describe("a job that died after posting its review", () => {
  it("leaves no check run in progress: the next attempt completes it and posts nothing", async () => {
    const h = (harness = await startHarness());
    // Completing the check run fails (twice: the completion and the failure report), so the job
    // ends right after posting the review, as if its worker had died there.
    h.github.failNext({ method: "PATCH", path: /\/check-runs\/\d+$/ }, { status: 422, body: { message: "Validation Failed" } }, 2);
    const pr = await openPullRequest(h.github, MEAN_CHANGE);
    await deliverPullRequest(h, pr, "opened");
    await eventually(() => h.github.reviews(pr.repo, pr.number).length === 1, "the review");
    await eventually(() => h.github.requests.filter((r) => r.method === "PATCH" && r.status === 422).length === 2, "the failed check completion");
    expect(h.github.checkRuns(pr.repo, pr.headSha)[0]!.status).toBe("in_progress");

    const queue = new Queue<ReviewJobData>("review", { connection: h.redis, prefix: h.prefix });
    const data: ReviewJobData = {
      installationId: pr.installationId,
      owner: "acme",
      repo: "widgets",
      repoId: h.github.repository(pr.repo).id,
      pullNumber: pr.number,
      headSha: pr.headSha,
      trigger: "opened",
      deliveryId: "again",
    };
    await queue.add("review", data, { jobId: `${reviewJobId(data)}-again`, priority: 1 });
    const run = await eventually(() => {
      const [only] = h.github.checkRuns(pr.repo, pr.headSha);
      return only?.status === "completed" && only;
    }, "the leftover check run to complete");
    expect(run.output.summary).toContain(h.github.reviews(pr.repo, pr.number)[0]!.html_url);
    expect(h.github.reviews(pr.repo, pr.number)).toHaveLength(1);
    await queue.close();
  });
});

describe("the webhook intake", () => {
  it("only enqueues: no GitHub or model call on the request path, and the job carries what the worker needs", async () => {
    const h = (harness = await startHarness({ env: { SKYWORK_ROLE: "web" } }));
    const pr = await openPullRequest(h.github, MEAN_CHANGE);
    const before = h.github.requests.length;
    const delivery = await deliverPullRequest(h, pr, "synchronize");
    expect(delivery.status).toBe(200);
    expect(h.github.requests.length).toBe(before);
    expect(h.model.requests).toHaveLength(0);

    const queue = new Queue<ReviewJobData>("review", { connection: h.redis, prefix: h.prefix });
    // Review jobs carry a fairness priority, so BullMQ keeps them as "prioritized".
    const [job] = await queue.getJobs(["waiting", "prioritized"]);
    expect(job?.data).toEqual({
      installationId: pr.installationId,
      owner: "acme",
      repo: "widgets",
      repoId: h.github.repository(pr.repo).id,
      pullNumber: pr.number,
      headSha: pr.headSha,
      trigger: "synchronize",
      deliveryId: delivery.deliveryId,
      eventAt: expect.any(String),
    });
    await queue.close();
  });

  it("refuses a delivery whose signature does not match, and queues nothing", async () => {
    const h = (harness = await startHarness({ env: { SKYWORK_ROLE: "web" } }));
    const pr = await openPullRequest(h.github, MEAN_CHANGE);
    const payload = await pullRequestEvent(h.github, pr.repo, pr.number, "opened");
    const forged = await deliverWebhook({ url: h.webhookUrl, secret: "not-the-secret", event: "pull_request", payload });
    expect(forged.status).toBe(400);
    expect(forged.body).toContain("signature does not match");
    const queue = new Queue<ReviewJobData>("review", { connection: h.redis, prefix: h.prefix });
    expect(await queue.getJobCounts()).toMatchObject({ waiting: 0, prioritized: 0 });
    await queue.close();
  });

  it("hands jobs to a separate worker process role on the same Redis", async () => {
    const h = (harness = await startHarness({ env: { SKYWORK_ROLE: "web" } }));
    const pr = await openPullRequest(h.github, MEAN_CHANGE);
    await deliverPullRequest(h, pr, "opened");
    const { startApp } = await import("../../src/app.js");
    const { pino } = await import("pino");
    const worker = await startApp({ ...h.config, role: "worker" }, pino({ level: "silent" }));
    try {
      expect(worker.url).toBeNull();
      await eventually(() => h.github.reviews(pr.repo, pr.number).length === 1, "the review from the worker role");
    } finally {
      await worker.close();
    }
  });

  it("answers an error status, never 2xx, when Redis refuses the job", async () => {
    const redis = await startPrivateRedis();
    try {
      const h = (harness = await startHarness({ env: { REDIS_URL: redis.url, SKYWORK_ROLE: "web" } }));
      const pr = await openPullRequest(h.github, MEAN_CHANGE);
      expect((await deliverPullRequest(h, pr, "opened")).status).toBe(200);

      // Out of memory with noeviction: Redis refuses writes.
      const admin = new Redis(redis.url);
      await admin.config("SET", "maxmemory-policy", "noeviction");
      await admin.config("SET", "maxmemory", "1");
      const refused = await deliverPullRequest(h, pr, "reopened");
      expect(refused.status).toBe(503);
      expect(refused.body).toMatch(/could not store this delivery/);
      await admin.config("SET", "maxmemory", "0");
      admin.disconnect();

      // Redis gone entirely: still an error, in time for GitHub (the delivery gives up after 10 s as
      // GitHub does).
      await redis.stop();
      const down = await deliverPullRequest(h, pr, "ready_for_review");
      expect(down.status).toBe(503);
    } finally {
      await redis.stop();
    }
  });
});
