// `/skywork fix`, end to end: a maintainer's comment on the fake GitHub, the agent's turns played
// by the fake model in OpenHands' format, a real checkout over git smart HTTP, and the result
// published as a pull request or commits.
import { execFileSync } from "node:child_process";
import { afterEach, describe, expect, it } from "vitest";
import { deliverWebhook, pullRequestReviewCommentEvent, type FakeRepo } from "../../testbed/fakes/github/index.js";
import { agentScripts, bash, call, create, finish, lastObservation, replace, view } from "../helpers/agent-script.js";
import { eventually, queuesDrained, startHarness, type Harness } from "../helpers/harness.js";
import { BASE_FILES, MEAN_CHANGE, openPullRequest, commentOnIssue } from "../helpers/scenario.js";

let harness: Harness | null = null;
afterEach(async () => {
  await harness?.close();
  harness = null;
});

const MATH = "/workspace/widgets/src/math.ts";
const OLD_RETURN = "  return total / values.length;";
const NEW_RETURN = "  return values.length === 0 ? 0 : total / values.length;";

/** The usual successful run: look, miss once, correct, finish. */
const fixMean = (tag = "Candidate A") => [
  view(MATH, `${tag}: let me look at mean().`),
  // Misremembered spacing: does not appear verbatim, so the tool answers with an error.
  replace(MATH, "return total/values.length;", "return values.length ? total / values.length : 0;"),
  replace(MATH, OLD_RETURN, NEW_RETURN),
  finish("mean() now returns 0 for an empty array instead of NaN."),
];

async function repoWithIssue(h: Harness, config?: string) {
  const { id: installationId } = h.github.addInstallation({ account: "acme" });
  const files: Record<string, string> = { ...BASE_FILES, ...(config ? { ".github/skywork.yml": config } : {}) };
  const repo = await h.github.createRepo({ owner: "acme", name: "widgets", installationId, files });
  repo.setPermission("maintainer", "write");
  const issue = await repo.createIssue({ title: "mean() returns NaN for an empty array", body: "`mean([])` should be 0.", user: "reporter" });
  return { repo, issue: issue.number };
}

function botComments(h: Harness, repo: FakeRepo, number: number) {
  return h.github.issueComments(repo, number).filter((c) => c.user?.login === h.github.botLogin);
}

async function finalStatus(h: Harness, repo: FakeRepo, number: number) {
  return eventually(() => botComments(h, repo, number).find((c) => /✅ Done|😕 No fix/.test(c.body ?? "")), "the final fix status", 60_000);
}

function fileAt(repo: FakeRepo, ref: string, path: string): string {
  return execFileSync("git", ["--git-dir", repo.gitDir, "show", `${ref}:${path}`], { encoding: "utf8" });
}

describe("/skywork fix on an issue", () => {
  it("checks out the repository, lets the agent correct a failed edit, and opens a pull request that fixes the issue", async () => {
    const script = agentScripts(fixMean());
    const h = (harness = await startHarness({ model: { reply: script.reply } }));
    const { repo, issue } = await repoWithIssue(h);
    const asked = await commentOnIssue(h, repo, issue, "maintainer", "/skywork fix keep the function signature");

    const status = await finalStatus(h, repo, issue);
    expect(status.body).toContain("✅ Done");
    expect(botComments(h, repo, issue)).toHaveLength(1);
    await eventually(() => h.github.reactions(repo, { issueComment: asked.id }).some((r) => r.content === "rocket"), "🚀 on the command");
    expect(
      h.github
        .reactions(repo, { issueComment: asked.id })
        .map((r) => r.content)
        .sort(),
    ).toEqual(["eyes", "rocket"]);

    const [pr] = await h.github.pulls(repo);
    expect(pr!.head.ref).toMatch(/^skywork\/fix-1-[a-z0-9]+$/);
    expect(pr!.base.ref).toBe("main");
    expect(pr!.body).toContain("Fixes #1.");
    expect(pr!.body).toContain("mean() now returns 0 for an empty array");
    expect(status.body).toContain(pr!.html_url);
    expect(fileAt(repo, pr!.head.ref, "src/math.ts")).toContain(NEW_RETURN);
    // GitHub shows the commit as verified: it was made with createCommitOnBranch.
    expect(h.github.state.signedCommits.has(pr!.head.sha)).toBe(true);

    // The failed str_replace came back to the model with OpenHands' exact error, and it corrected it.
    expect(lastObservation(script.seen[2]!)).toContain("EXECUTION RESULT of [str_replace_editor]:");
    expect(lastObservation(script.seen[2]!)).toContain("No replacement was performed, old_str `return total/values.length;` did not appear verbatim");
    // The task carried the issue and the maintainer's words; the checkout used an installation token.
    expect(JSON.stringify(script.seen[0]!.body)).toContain("mean() returns NaN for an empty array");
    expect(JSON.stringify(script.seen[0]!.body)).toContain("keep the function signature");
    expect(h.github.gitRequests.length).toBeGreaterThan(0);
    expect(h.github.violations).toEqual([]);
  });

  it("refuses a user without write access, politely, and does no work", async () => {
    const h = (harness = await startHarness());
    const { repo, issue } = await repoWithIssue(h);
    repo.setPermission("passerby", "read");
    await commentOnIssue(h, repo, issue, "passerby", "/skywork fix");
    const reply = await eventually(() => botComments(h, repo, issue)[0], "the refusal");
    expect(reply.body).toContain("only people with write access");
    await queuesDrained(h);
    expect(h.model.requests).toEqual([]);
    expect(await h.github.pulls(repo)).toEqual([]);
  });

  it("keeps CI files off limits, runs even `rm -rf --no-preserve-root /` harmlessly in its sandbox, and opens nothing when the agent gives up", async () => {
    const script = agentScripts([
      create("/workspace/widgets/.github/workflows/ci.yml", "on: push\n"),
      bash("echo evil >> /etc/hosts"),
      bash("rm -rf --no-preserve-root / 2>/dev/null; ls -A /workspace/widgets | wc -l"),
      call("finish", { message: "I could not make the change.", task_completed: "false" }),
    ]);
    const h = (harness = await startHarness({ model: { reply: script.reply } }));
    const { repo, issue } = await repoWithIssue(h);
    const asked = await commentOnIssue(h, repo, issue, "maintainer", "/skywork fix");
    const status = await finalStatus(h, repo, issue);
    expect(status.body).toContain("😕 No fix");
    expect(status.body).toContain("The agent gave up without a change it would stand behind. It said: I could not make the change.");
    await eventually(() => h.github.reactions(repo, { issueComment: asked.id }).some((r) => r.content === "confused"), "😕 on the command");
    expect(
      h.github
        .reactions(repo, { issueComment: asked.id })
        .map((r) => r.content)
        .sort(),
    ).toEqual(["confused", "eyes"]);
    expect(lastObservation(script.seen[1]!)).toMatch(/workflows\/ cannot be changed/);
    expect(lastObservation(script.seen[2]!)).toMatch(/(Read-only file system|Permission denied)\n\[The command completed with exit code 1\.\]/);
    // Everything the sandbox could write is gone, inside the sandbox only.
    expect(lastObservation(script.seen[3]!)).toMatch(/^EXECUTION RESULT of \[execute_bash\]:\n0\n/);
    expect(await h.github.pulls(repo)).toEqual([]);
  });

  it("stops at the step limit and says so", async () => {
    // Different actions each turn (the agent stops a model that repeats itself, which is another test).
    const wandering = [
      view(MATH, "Candidate A: looking."),
      bash("ls src"),
      bash("cat README.md"),
      bash("wc -l src/math.ts"),
      bash("git log --oneline"),
      bash("grep -n mean src/math.ts"),
      bash("ls"),
    ];
    const h = (harness = await startHarness({ model: { reply: agentScripts(wandering).reply } }));
    const { repo, issue } = await repoWithIssue(h, "fix:\n  max_steps: 5\n");
    await commentOnIssue(h, repo, issue, "maintainer", "/skywork fix");
    const status = await finalStatus(h, repo, issue);
    expect(status.body).toContain("limit of 5 steps");
    expect(h.model.requests.length).toBeLessThanOrEqual(5);
    expect(await h.github.pulls(repo)).toEqual([]);
  });

  it("takes the change two of three candidates agree on, and says so", async () => {
    const broken = [view(MATH, "Candidate C: looking."), replace(MATH, OLD_RETURN, "  return (total / values.length;"), finish("Done.")];
    const h = (harness = await startHarness({ model: { reply: agentScripts(fixMean("Candidate A"), fixMean("Candidate B"), broken).reply } }));
    const { repo, issue } = await repoWithIssue(h, "fix:\n  candidates: 3\n");
    await commentOnIssue(h, repo, issue, "maintainer", "/skywork fix");
    const status = await finalStatus(h, repo, issue);
    expect(status.body).toContain("✅ Done");
    const [pr] = await h.github.pulls(repo);
    expect(pr!.body).toContain("2 of 3 candidate fixes agreed on this change.");
    expect(pr!.body).toContain("Not tested: this repository declares no `fix.test`");
    expect(fileAt(repo, pr!.head.ref, "src/math.ts")).toContain(NEW_RETURN);
    // Sampled with some temperature, each candidate its own conversation.
    expect(h.model.requests.every((r) => (r.body as { temperature: number }).temperature > 0)).toBe(true);
  });

  it("does not start a second fix while one for the same issue runs", async () => {
    const script = agentScripts(fixMean());
    // The first fix's agent waits for its first answer until the second command was answered.
    let secondAnswered!: () => void;
    const gate = new Promise<void>((resolve) => (secondAnswered = resolve));
    const h = (harness = await startHarness({ model: { reply: async (request) => (await gate, script.reply(request)) } }));
    const { repo, issue } = await repoWithIssue(h);
    await commentOnIssue(h, repo, issue, "maintainer", "/skywork fix");
    await eventually(() => h.model.requests.length > 0, "the first fix to start");
    await commentOnIssue(h, repo, issue, "maintainer", "/skywork fix");
    await eventually(() => botComments(h, repo, issue).some((c) => c.body?.includes("already in progress")), "the second request's answer");
    secondAnswered();
    await eventually(() => botComments(h, repo, issue).some((c) => c.body?.includes("✅ Done")), "the first fix to finish", 60_000);
    await queuesDrained(h);
    expect(await h.github.pulls(repo)).toHaveLength(1);
    expect(botComments(h, repo, issue)).toHaveLength(2);
  });
});

describe("/skywork fix on pull requests", () => {
  it("in a review thread on one of the bot's findings: the finding is the task, the fix a pull request into the PR branch", async () => {
    const thread = "mean() divides by zero for an empty array; return 0 instead.";
    const script = agentScripts([
      view(MATH, "Candidate A: the finding says mean() divides by zero."),
      replace(MATH, "  const result = total / values.length;", "  const result = values.length === 0 ? 0 : total / values.length;"),
      finish("Guarded the division."),
    ]);
    const h = (harness = await startHarness({ model: { reply: script.reply } }));
    const pr = await openPullRequest(h.github, { "src/math.ts": MEAN_CHANGE["src/math.ts"].replace("  if (values.length === 0) return 0;\n", "") });
    pr.repo.setPermission("maintainer", "admin");
    const finding = await pr.repo.createReviewComment(pr.number, { user: h.github.botLogin, body: thread, path: "src/math.ts", line: 8 });
    const command = await pr.repo.createReviewComment(pr.number, { user: "maintainer", body: "/skywork fix", inReplyTo: finding.id });
    await deliverWebhook({
      url: h.webhookUrl,
      secret: h.secret,
      event: "pull_request_review_comment",
      payload: await pullRequestReviewCommentEvent(h.github, pr.repo, command.id),
      fake: h.github,
    });

    const status = await eventually(
      () => h.github.reviewComments(pr.repo, pr.number).find((c) => c.user?.login === h.github.botLogin && c.body.includes("✅ Done")),
      "the status reply in the thread",
      60_000,
    );
    expect(status.in_reply_to_id).toBe(finding.id);
    expect(JSON.stringify(script.seen[0]!.body)).toContain(thread);
    const fix = (await h.github.pulls(pr.repo)).find((p) => p.number !== pr.number)!;
    expect(fix.base.ref).toBe("feature");
    expect(fileAt(pr.repo, fix.head.ref, "src/math.ts")).toContain("values.length === 0 ? 0 : total / values.length");
  });

  it("pushes commits to a same-repository PR branch when fix.push allows it", async () => {
    const h = (harness = await startHarness({
      model: {
        reply: agentScripts([
          view(MATH, "Candidate A: looking."),
          replace(MATH, "  const result = total / values.length;", "  const result = total / Math.max(values.length, 1);"),
          finish("Guarded."),
        ]).reply,
      },
    }));
    const pr = await openPullRequest(h.github, MEAN_CHANGE);
    await pr.repo.commit({ branch: "main", files: { ".github/skywork.yml": "fix:\n  push: true\n" } });
    pr.repo.setPermission("maintainer", "write");
    await commentOnIssue(h, pr.repo, pr.number, "maintainer", "/skywork fix avoid the division by zero");
    const status = await finalStatus(h, pr.repo, pr.number);
    expect(status.body).toMatch(/\*\*Result:\*\* \[commit [0-9a-f]{7} on feature\]\(/);
    const head = await pr.repo.resolve("feature");
    expect(head).not.toBe(pr.headSha);
    expect(fileAt(pr.repo, "feature", "src/math.ts")).toContain("Math.max(values.length, 1)");
    expect(await h.github.pulls(pr.repo)).toHaveLength(1);
  });

  it("from a fork's PR: a pull request in the base repository, never a push to the fork", async () => {
    const h = (harness = await startHarness({
      model: { reply: agentScripts([view(MATH, "Candidate A: looking."), replace(MATH, OLD_RETURN, NEW_RETURN), finish("Guarded.")]).reply },
    }));
    const { id: installationId } = h.github.addInstallation({ account: "acme" });
    const base = await h.github.createRepo({ owner: "acme", name: "widgets", installationId, files: BASE_FILES });
    base.setPermission("maintainer", "write");
    const fork = await h.github.createRepo({ owner: "contributor", name: "widgets", forkOf: base });
    const forkHead = await fork.commit({ branch: "patch-1", files: { "README.md": "# widgets\n\nBetter docs.\n" } });
    const pull = await base.createPullRequest({ head: "patch-1", headRepo: fork, title: "Docs", user: "contributor" });
    await commentOnIssue(h, base, pull.number, "maintainer", "/skywork fix also guard mean()");
    const status = await finalStatus(h, base, pull.number);
    expect(status.body).toContain("✅ Done");
    const fix = (await h.github.pulls(base)).find((p) => p.number !== pull.number)!;
    expect(fix.head.repo?.full_name).toBe("acme/widgets");
    expect(fix.base.ref).toBe("main");
    expect(await fork.resolve("patch-1")).toBe(forkHead);
    expect(fileAt(base, fix.head.ref, "src/math.ts")).toContain(NEW_RETURN);
    expect(fileAt(base, fix.head.ref, "README.md")).toContain("Better docs.");
  });
});
