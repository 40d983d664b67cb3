// Failures no retry can cure (a model that is not served, a permission the App lacks, a pull
// request GitHub will not show) end the job on its first attempt, with the reason where people
// look: the check run, the fix's status comment, a reply to the command. Nothing is left saying
// "Retrying" or "will be retried".
import { Queue } from "bullmq";
import { pino } from "pino";
import { afterEach, describe, expect, it } from "vitest";
import { eventually, queuesDrained, startHarness, type Harness } from "../helpers/harness.js";
import { BASE_FILES, completedCheck, deliverPullRequest, MEAN_CHANGE, openPullRequest, commentOnIssue } from "../helpers/scenario.js";
import { commandJobId, type CommandJobData } from "../../src/queue/jobs.js";

let harness: Harness | null = null;
afterEach(async () => {
  await harness?.close();
  harness = null;
});

const MISSING_MODEL = "acme/no-such-model";
const NOT_ACCESSIBLE = { status: 403, body: { message: "Resource not accessible by integration", documentation_url: "https://docs.github.com/rest" } };
/** What an attempt that will be retried writes on its check run. */
const RETRYING = /"title":"Retrying…"|will be retried/;

/** The job's record once it failed; a job BullMQ would retry is "delayed" instead, and never shows here. */
async function failedJob(h: Harness, queueName: "review" | "command" | "fix") {
  const queue = new Queue(queueName, { connection: h.redis, prefix: h.prefix });
  try {
    const [job] = await eventually(async () => {
      const failed = await queue.getJobs(["failed"]);
      return failed.length > 0 && failed;
    }, `the ${queueName} job to fail`);
    return { job: job!, counts: await queue.getJobCounts("delayed", "waiting", "active", "completed", "failed") };
  } finally {
    await queue.close();
  }
}

/** Everything the App ever wrote to its check runs (creates and updates). */
function checkRunWrites(h: Harness): string[] {
  return h.github.requests.filter((r) => r.method !== "GET" && r.path.includes("/check-runs")).map((r) => JSON.stringify(r.body));
}

describe("a review that cannot succeed", () => {
  it("LLM_MODEL not served: the check run completes at once with the reason, never 'Retrying'", async () => {
    const h = (harness = await startHarness({ env: { LLM_MODEL: MISSING_MODEL } }));
    const pr = await openPullRequest(h.github, MEAN_CHANGE);
    await deliverPullRequest(h, pr, "opened");

    const run = await completedCheck(h, pr);
    expect(run.conclusion).toBe("neutral");
    expect(run.output.title).toBe("Review failed");
    expect(run.output.summary).toContain(`LLM_MODEL=${MISSING_MODEL} is not served`);
    expect(run.output.summary).toContain("Skywork/Skywork-SWE-32B");
    expect(run.output.summary).toContain("Retrying cannot help");

    const { job, counts } = await failedJob(h, "review");
    expect(job.attemptsMade).toBe(1);
    expect(counts).toMatchObject({ delayed: 0, waiting: 0, active: 0, failed: 1 });
    await queuesDrained(h);
    expect(checkRunWrites(h).join("\n")).not.toMatch(RETRYING);
    expect(h.github.checkRuns(pr.repo, pr.headSha)).toHaveLength(1);
    expect(h.model.requests).toEqual([]);
    expect(h.github.reviews(pr.repo, pr.number)).toEqual([]);
  });

  it("LLM_MODEL not served by a slow model server: still a definite answer, not retried", async () => {
    // The listing answers after a while (a server loading, or busy): slow is not unavailable.
    const h = (harness = await startHarness({ env: { LLM_MODEL: MISSING_MODEL }, model: { modelsLatencyMs: 2_500 } }));
    const pr = await openPullRequest(h.github, MEAN_CHANGE);
    await deliverPullRequest(h, pr, "opened");

    const run = await completedCheck(h, pr);
    expect(run.output.title).toBe("Review failed");
    expect(run.output.summary).toContain(`LLM_MODEL=${MISSING_MODEL} is not served`);
    const { job, counts } = await failedJob(h, "review");
    expect(job.attemptsMade).toBe(1);
    expect(counts).toMatchObject({ delayed: 0, waiting: 0, active: 0, failed: 1 });
    await queuesDrained(h);
    expect(checkRunWrites(h).join("\n")).not.toMatch(RETRYING);
  });

  it("LLM_MODEL not served and the listing never answers: the model is asked for by name, and its 404 is the definite answer", async () => {
    const h = (harness = await startHarness({ env: { LLM_MODEL: MISSING_MODEL, LLM_TIMEOUT_MS: "1000" }, model: { modelsLatencyMs: 60_000 } }));
    const pr = await openPullRequest(h.github, MEAN_CHANGE);
    await deliverPullRequest(h, pr, "opened");

    const run = await completedCheck(h, pr);
    expect(run.output.title).toBe("Review failed");
    expect(run.output.summary).toContain("check LLM_MODEL");
    const { job } = await failedJob(h, "review");
    expect(job.attemptsMade).toBe(1);
    expect(h.model.requests.map((r) => [(r.body as { model?: string }).model, r.status])).toEqual([[MISSING_MODEL, 404]]);
    expect(checkRunWrites(h).join("\n")).not.toMatch(RETRYING);
  });

  it("by contrast, without LLM_MODEL a listing that does not answer in time is transient: the attempt will be retried", async () => {
    const h = (harness = await startHarness({ env: { LLM_TIMEOUT_MS: "1000" }, model: { modelsLatencyMs: 60_000 } }));
    const pr = await openPullRequest(h.github, MEAN_CHANGE);
    await deliverPullRequest(h, pr, "opened");
    await eventually(() => checkRunWrites(h).some((w) => RETRYING.test(w)), "the check run to say the attempt will be retried", 30_000);
    expect(checkRunWrites(h).join("\n")).toMatch(/did not list its models within 1 s/);
  });

  it("the model endpoint answering 404 for the model: completed with the reason on the first attempt", async () => {
    const h = (harness = await startHarness());
    // vLLM's answer for a model it does not serve (nested error body, as vLLM >= 0.10 sends it).
    h.model.enqueue({
      status: 404,
      body: { error: { message: "The model `Skywork/Skywork-SWE-32B` does not exist.", type: "NotFoundError", param: null, code: 404 } },
    });
    const pr = await openPullRequest(h.github, MEAN_CHANGE);
    await deliverPullRequest(h, pr, "opened");

    const run = await completedCheck(h, pr);
    expect(run.conclusion).toBe("neutral");
    expect(run.output.summary).toContain("does not know this model or path (404)");
    expect(run.output.summary).toContain("check LLM_MODEL");
    const { job } = await failedJob(h, "review");
    expect(job.attemptsMade).toBe(1);
    await queuesDrained(h);
    // One request: the SDK does not retry a 404, and neither does the queue.
    expect(h.model.requests.map((r) => r.status)).toEqual([404]);
    expect(checkRunWrites(h).join("\n")).not.toMatch(RETRYING);
  });

  it("a permission missing before the check run exists: a completed check run still says why", async () => {
    const h = (harness = await startHarness());
    const pr = await openPullRequest(h.github, MEAN_CHANGE);
    h.github.failNext({ method: "GET", path: /\/pulls\/\d+\/files$/ }, NOT_ACCESSIBLE);
    await deliverPullRequest(h, pr, "opened");

    const run = await completedCheck(h, pr);
    expect(run.conclusion).toBe("neutral");
    expect(run.output.title).toBe("Review failed");
    expect(run.output.summary).toContain("GitHub answered 403: Resource not accessible by integration");
    expect(run.output.summary).toContain("lack a permission");
    const { job } = await failedJob(h, "review");
    expect(job.attemptsMade).toBe(1);
    await queuesDrained(h);
    expect(h.github.checkRuns(pr.repo, pr.headSha)).toHaveLength(1);
    expect(h.model.requests).toEqual([]);
  });

  it("by contrast, a model outage that will be retried says so, and the next attempt completes the same check run", async () => {
    const h = (harness = await startHarness());
    // Three 503s: the SDK's own two retries are spent, so the first attempt fails; the second succeeds.
    h.model.failNext(503, 3);
    const pr = await openPullRequest(h.github, MEAN_CHANGE);
    await deliverPullRequest(h, pr, "opened");

    await eventually(() => h.github.reviews(pr.repo, pr.number).length === 1, "the review after the outage", 30_000);
    const run = await completedCheck(h, pr);
    expect(run.output.title).not.toBe("Review failed");
    expect(checkRunWrites(h).join("\n")).toContain("Attempt 1 of 5 failed and will be retried: The model endpoint");
    expect(h.github.checkRuns(pr.repo, pr.headSha)).toHaveLength(1);
  });

  it("no Checks permission at all: nothing can be shown, the reason is logged, and the job is not retried", async () => {
    const lines: string[] = [];
    const h = (harness = await startHarness({ log: pino({ level: "info" }, { write: (line: string) => void lines.push(line) }) }));
    const pr = await openPullRequest(h.github, MEAN_CHANGE);
    h.github.failNext({ path: /\/check-runs/ }, NOT_ACCESSIBLE, 10);
    await deliverPullRequest(h, pr, "opened");

    const { job } = await failedJob(h, "review");
    expect(job.attemptsMade).toBe(1);
    const logged = await eventually(() => lines.find((l) => l.includes("could not show the review failure on GitHub")), "the log line");
    expect(logged).toContain("Resource not accessible by integration");
    expect(h.github.checkRuns(pr.repo, pr.headSha)).toEqual([]);
    expect(h.model.requests).toEqual([]);
  });
});

describe("a fix that cannot succeed", () => {
  it("LLM_MODEL not served: the status comment ends with 😕 and the reason on the first attempt", async () => {
    const h = (harness = await startHarness({ env: { LLM_MODEL: MISSING_MODEL } }));
    const { id: installationId } = h.github.addInstallation({ account: "acme" });
    const repo = await h.github.createRepo({ owner: "acme", name: "widgets", installationId, files: BASE_FILES });
    repo.setPermission("maintainer", "write");
    const issue = await repo.createIssue({ title: "mean() returns NaN for an empty array", body: "`mean([])` should be 0.", user: "reporter" });
    const asked = await commentOnIssue(h, repo, issue.number, "maintainer", "/skywork fix");

    const bot = () => h.github.issueComments(repo, issue.number).filter((c) => c.user?.login === h.github.botLogin);
    const status = await eventually(() => bot().find((c) => c.body?.includes("😕 No fix")), "the failed fix status", 30_000);
    expect(status.body).toContain(`LLM_MODEL=${MISSING_MODEL} is not served`);
    expect(status.body).toContain("issue #1");
    const { job } = await failedJob(h, "fix");
    expect(job.attemptsMade).toBe(1);
    await queuesDrained(h);
    expect(bot()).toHaveLength(1);
    const statusWrites = h.github.requests
      .filter((r) => r.method === "PATCH" && r.path.endsWith(`/issues/comments/${status.id}`))
      .map((r) => JSON.stringify(r.body));
    expect(statusWrites.length).toBeGreaterThan(0);
    expect(statusWrites.join("\n")).not.toContain("will be retried");
    expect(
      h.github
        .reactions(repo, { issueComment: asked.id })
        .map((r) => r.content)
        .sort(),
    ).toEqual(["confused", "eyes"]);
    expect(await h.github.pulls(repo)).toEqual([]);
  });
});

describe("a command that cannot succeed", () => {
  it("replies once with the reason, and a second run of the same command finds that reply instead of posting again", async () => {
    const h = (harness = await startHarness());
    const pr = await openPullRequest(h.github, MEAN_CHANGE);
    pr.repo.setPermission("maintainer", "write");
    // The App cannot read the pull request (its Pull requests permission was withdrawn).
    h.github.failNext({ method: "GET", path: /^\/repos\/acme\/widgets\/pulls\/\d+$/ }, NOT_ACCESSIBLE, 2);
    const asked = await commentOnIssue(h, pr.repo, pr.number, "maintainer", "/skywork review");

    const bot = () => h.github.issueComments(pr.repo, pr.number).filter((c) => c.user?.login === h.github.botLogin);
    const reply = await eventually(() => bot()[0], "the reply");
    expect(reply.body).toContain("Sorry, `/skywork review` could not be carried out: GitHub answered 403: Resource not accessible by integration");
    expect(reply.body).toContain("lack a permission");
    const { job } = await failedJob(h, "command");
    expect(job.attemptsMade).toBe(1);

    // The same command run again (a stalled job recovered, a redelivery after the record expired).
    const queue = new Queue<CommandJobData>("command", { connection: h.redis, prefix: h.prefix });
    await queue.add("command", job.data as CommandJobData, { jobId: `${commandJobId(job.data as CommandJobData)}-again` });
    await eventually(async () => (await queue.getJobCounts("failed")).failed === 2, "the second run to fail");
    await queue.close();
    await queuesDrained(h);
    expect(bot()).toHaveLength(1);
    expect(h.github.requests.filter((r) => r.method === "POST" && r.path.endsWith(`/issues/${pr.number}/comments`))).toHaveLength(1);
    expect(h.github.reactions(pr.repo, { issueComment: asked.id }).map((r) => r.content)).toEqual(["eyes"]);
    expect(h.model.requests).toEqual([]);
  });
});
