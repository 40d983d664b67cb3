// Nothing lost, nothing done twice: workers killed or stopped mid-job, Redis going away during
// intake, the model and GitHub failing for a while. The app runs as real processes where a
// process must die.
import { afterEach, describe, expect, it } from "vitest";
import { deliverWebhook, githubFaults, issueCommentEvent } from "../../testbed/fakes/github/index.js";
import { agentScripts, finish, replace, view } from "../helpers/agent-script.js";
import { envFor, startChildApp, type ChildApp } from "../helpers/child-app.js";
import { eventually, queuesDrained, startHarness, type Harness } from "../helpers/harness.js";
import { BASE_FILES, deliverPullRequest, MEAN_CHANGE, openPullRequest } from "../helpers/scenario.js";

let harness: Harness | null = null;
const children: ChildApp[] = [];
afterEach(async () => {
  for (const child of children.splice(0)) child.kill("SIGKILL");
  await harness?.close();
  harness = null;
});

async function child(env: Record<string, string>): Promise<ChildApp> {
  const app = await startChildApp(env);
  children.push(app);
  return app;
}

/** Longer than any test here: a request that waits this long never answers within the test. */
const NEVER_MS = 600_000;

/** The first model request hangs (until its worker dies); later ones answer at once. */
function hangFirst(h: Harness): void {
  let calls = 0;
  h.model.setReply(() => (++calls === 1 ? { delayMs: NEVER_MS, content: "{}" } : { content: '{"summary":"Reviewed after recovery.","findings":[]}' }));
}

describe("a worker killed with SIGKILL", () => {
  it("mid-review: the job is recovered and completes with exactly one review and one check run", { timeout: 120_000 }, async () => {
    const h = (harness = await startHarness({ startApp: false }));
    hangFirst(h);
    const pr = await openPullRequest(h.github, MEAN_CHANGE);
    const first = await child(envFor(h, { WORKER_LOCK_MS: "2000" }));
    expect((await deliverPullRequest(h, pr, "opened")).status).toBe(200);
    await eventually(() => h.model.inFlight === 1, "the model request to start", 20_000);

    first.kill("SIGKILL");
    expect(await first.exited).toBe("SIGKILL");
    await child(envFor(h, { WORKER_LOCK_MS: "2000", SKYWORK_ROLE: "worker" }));

    const [review] = await eventually(
      () => h.github.reviews(pr.repo, pr.number).length > 0 && h.github.reviews(pr.repo, pr.number),
      "the recovered review",
      60_000,
    );
    expect(review!.body).toContain("Reviewed after recovery.");
    await queuesDrained(h);
    expect(h.github.reviews(pr.repo, pr.number)).toHaveLength(1);
    const runs = h.github.checkRuns(pr.repo, pr.headSha);
    expect(runs).toHaveLength(1);
    expect(runs[0]!.status).toBe("completed");
  });

  it("mid-fix: exactly one status comment and one fix pull request", { timeout: 120_000 }, async () => {
    const h = (harness = await startHarness({ startApp: false }));
    const script = agentScripts([
      view("/workspace/widgets/src/math.ts", "Candidate A: looking."),
      replace("/workspace/widgets/src/math.ts", "  return total / values.length;", "  return values.length ? total / values.length : 0;"),
      finish("Guarded the division."),
    ]);
    let calls = 0;
    h.model.setReply((request) => (++calls === 1 ? { delayMs: NEVER_MS, content: "" } : script.reply(request)));
    const { id: installationId } = h.github.addInstallation({ account: "acme" });
    const repo = await h.github.createRepo({ owner: "acme", name: "widgets", installationId, files: BASE_FILES });
    repo.setPermission("maintainer", "write");
    const issue = await repo.createIssue({ title: "mean() of nothing", body: "Returns NaN." });
    const first = await child(envFor(h, { WORKER_LOCK_MS: "2000" }));
    const asked = await repo.createIssueComment(issue.number, { user: "maintainer", body: "/skywork fix" });
    await deliverWebhook({ url: h.webhookUrl, secret: h.secret, event: "issue_comment", payload: issueCommentEvent(h.github, repo, asked.id), fake: h.github });
    await eventually(() => h.model.inFlight === 1, "the agent's first request", 30_000);

    first.kill("SIGKILL");
    await first.exited;
    await child(envFor(h, { WORKER_LOCK_MS: "2000", SKYWORK_ROLE: "worker" }));

    const bot = () => h.github.issueComments(repo, issue.number).filter((c) => c.user?.login === h.github.botLogin);
    await eventually(() => bot().some((c) => c.body?.includes("✅ Done")), "the fix to finish after recovery", 90_000);
    await queuesDrained(h);
    expect(bot()).toHaveLength(1);
    expect(await h.github.pulls(repo)).toHaveLength(1);
  });
});

describe("a worker stopped with SIGTERM", () => {
  it("stops taking jobs, hands the running one back within the deadline, and exits 0", { timeout: 120_000 }, async () => {
    const h = (harness = await startHarness({ startApp: false }));
    hangFirst(h);
    const pr = await openPullRequest(h.github, MEAN_CHANGE);
    const first = await child(envFor(h, { SHUTDOWN_TIMEOUT_MS: "1000" }));
    await deliverPullRequest(h, pr, "opened");
    await eventually(() => h.model.inFlight === 1, "the model request to start", 20_000);

    // The model request never answers: the process can only exit by handing the job back.
    first.kill("SIGTERM");
    expect(await first.exited).toBe(0);
    expect(first.output()).toContain("job handed back to the queue");
    await eventually(() => h.model.requests[0]!.aborted, "the running model request to be cancelled");

    // Another worker picks it up at once (no lock to wait for) and reviews once.
    await child(envFor(h, { SKYWORK_ROLE: "worker" }));
    await eventually(() => h.github.reviews(pr.repo, pr.number).length === 1, "the review from the next worker", 30_000);
    await queuesDrained(h);
    expect(h.github.reviews(pr.repo, pr.number)).toHaveLength(1);
  });
});

describe("failures that pass", () => {
  it("the model answering 503 for a while: retried with backoff, one review", { timeout: 120_000 }, async () => {
    const h = (harness = await startHarness());
    h.model.failNext(503, 3);
    const pr = await openPullRequest(h.github, MEAN_CHANGE);
    await deliverPullRequest(h, pr, "opened");
    await eventually(() => h.github.reviews(pr.repo, pr.number).length === 1, "the review after the model came back", 40_000);
    await queuesDrained(h);
    expect(h.github.reviews(pr.repo, pr.number)).toHaveLength(1);
    expect(h.model.requests.map((r) => r.status)).toEqual([503, 503, 503, 200]);
  });

  it("a secondary rate limit on the review POST: waited out and posted once, no duplicate", { timeout: 120_000 }, async () => {
    const h = (harness = await startHarness());
    h.github.failNext({ method: "POST", path: /\/pulls\/\d+\/reviews$/ }, githubFaults.secondaryRateLimit(1));
    const pr = await openPullRequest(h.github, MEAN_CHANGE);
    await deliverPullRequest(h, pr, "opened");
    await eventually(() => h.github.reviews(pr.repo, pr.number).length === 1, "the review after the rate limit", 40_000);
    await queuesDrained(h);
    expect(h.github.reviews(pr.repo, pr.number)).toHaveLength(1);
    const posts = h.github.requests.filter((r) => r.method === "POST" && /\/pulls\/\d+\/reviews$/.test(r.path));
    expect(posts.map((p) => p.status)).toEqual([403, 200]);
  });
});
