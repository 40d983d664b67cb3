// Each key of `.github/skywork.yml` changes what the bot does, end to end: a webhook in, a review or
// a check run out. Every assertion is chosen so that it would fail if the key were ignored (the
// default would produce something else), and the file is read from the default branch, as the app
// reads it — organisation defaults included, through Probot's `_extends`.
import { afterEach, describe, expect, it } from "vitest";
import { answerTokensFor, maxFindingsFor } from "../../src/review/answer-budget.js";
import { deliverWebhook, issueCommentEvent } from "../../testbed/fakes/github/index.js";
import type { Reply } from "../../testbed/fakes/model/index.js";
import { eventually, queuesDrained, startHarness, type Harness } from "../helpers/harness.js";
import { completedCheck, deliverPullRequest, firstReview, MEAN_CHANGE, openPullRequest, type PullScenario, renderedPrompt } from "../helpers/scenario.js";

let harness: Harness | null = null;
afterEach(async () => {
  await harness?.close();
  harness = null;
});

const CONFIG = ".github/skywork.yml";

/** A PR changing `mean()` whose default branch carries `config` as `.github/skywork.yml`. */
async function pullWithConfig(h: Harness, config: string, options: { draft?: boolean } = {}): Promise<PullScenario> {
  const pr = await openPullRequest(h.github, MEAN_CHANGE, options);
  // Configuration is read from the default branch, not from the PR's head.
  await pr.repo.commit({ branch: "main", files: { [CONFIG]: config } });
  return pr;
}

/** The part of a review body under `### heading`, up to the next section. */
function section(body: string, heading: string): string {
  const part = body.split("\n### ").find((p) => p.startsWith(heading));
  if (part === undefined) throw new Error(`The review has no section "${heading}":\n${body}`);
  return part;
}

/** A model that reports these findings on MEAN_CHANGE's added lines (6, 9 and 10 of src/math.ts). */
function reporting(findings: Array<{ line: number; severity: string; title: string }>): { reply: () => Reply } {
  return {
    reply: () => ({
      content: JSON.stringify({
        summary: "Guards mean() against an empty list.",
        findings: findings.map((f) => ({ path: "src/math.ts", ...f, comment: `About ${f.title}.` })),
      }),
    }),
  };
}

describe("review.auto: false", () => {
  it("skips the opened PR with the reason on the check run, and still reviews on /skywork review", async () => {
    const h = (harness = await startHarness());
    const pr = await pullWithConfig(h, "review:\n  auto: false\n");
    pr.repo.setPermission("alice", "write");
    await deliverPullRequest(h, pr, "opened");

    const skipped = await completedCheck(h, pr);
    expect(skipped.conclusion).toBe("skipped");
    expect(skipped.output.summary).toContain("Automatic reviews are off for this repository (`review.auto: false`)");
    expect(skipped.output.summary).toContain("/skywork review");
    await queuesDrained(h);
    expect(h.github.reviews(pr.repo, pr.number)).toEqual([]);
    expect(h.model.requests).toEqual([]);

    const asked = await pr.repo.createIssueComment(pr.number, { user: "alice", body: "/skywork review" });
    const delivery = await deliverWebhook({
      url: h.webhookUrl,
      secret: h.secret,
      event: "issue_comment",
      payload: issueCommentEvent(h.github, pr.repo, asked.id),
      fake: h.github,
    });
    expect(delivery.status).toBe(200);
    const review = await firstReview(h, pr);
    expect(review.commit_id).toBe(pr.headSha);
    expect(h.model.requests).toHaveLength(1);
    // The skipped check run on this head is reused and now tells the outcome of the review.
    const run = await eventually(() => {
      const latest = h.github.checkRuns(pr.repo, pr.headSha).find((r) => r.name === "Skywork review");
      return latest?.status === "completed" && latest.conclusion !== "skipped" && latest;
    }, "the check run of the asked-for review");
    expect(run.conclusion).toBe("neutral");
  });
});

describe("review.drafts: true", () => {
  it("reviews a draft pull request as soon as it opens", async () => {
    const h = (harness = await startHarness());
    const pr = await pullWithConfig(h, "review:\n  drafts: true\n", { draft: true });
    await deliverPullRequest(h, pr, "opened");
    // Ignoring the key, the check would complete "skipped" with "Draft pull request".
    expect((await completedCheck(h, pr)).conclusion).toBe("neutral");
    const review = await firstReview(h, pr);
    expect(review.commit_id).toBe(pr.headSha);
    expect(h.model.requests).toHaveLength(1);
  });
});

describe("review.instructions and review.answer_tokens", () => {
  it("puts the maintainers' instructions into the prompt and asks for that many answer tokens", async () => {
    const h = (harness = await startHarness());
    const instructions = "Treat every division without a zero check as major. Marker: QUOKKA-731.";
    const pr = await pullWithConfig(h, `review:\n  instructions: "${instructions}"\n  answer_tokens: 1024\n`);
    await deliverPullRequest(h, pr, "opened");
    await firstReview(h, pr);

    expect(h.model.requests).toHaveLength(1);
    const [request] = h.model.requests;
    expect(renderedPrompt(request!)).toContain(`## review.instructions (.github/skywork.yml)\n${instructions}`);
    // The server default (LLM_ANSWER_TOKENS) is 6144; the repository's 1,024 holds 6 findings, and
    // the answer budget is what those take (less than the 10 this small change would get otherwise).
    expect(h.config.llm.answerTokens).toBe(6144);
    expect(request!.maxTokens).toBe(answerTokensFor(maxFindingsFor(1024)));
    expect(request!.body.max_tokens).toBe(answerTokensFor(6));
  });
});

describe("review.inline_severity", () => {
  it("posts only findings at least that severe inline, and lists the rest in the summary", async () => {
    const h = (harness = await startHarness({
      model: reporting([
        { line: 6, severity: "major", title: "Empty list hides a bug" },
        { line: 9, severity: "minor", title: "Intermediate variable" },
        { line: 10, severity: "nit", title: "Return directly" },
      ]),
    }));
    const pr = await pullWithConfig(h, "review:\n  inline_severity: major\n");
    await deliverPullRequest(h, pr, "opened");
    const review = await firstReview(h, pr);

    const inline = h.github.reviewComments(pr.repo, pr.number);
    expect(inline.map((c) => [c.line, c.body.split("\n")[0]])).toEqual([[6, "**🟠 Major** · Empty list hides a bug"]]);
    const below = section(review.body!, "Findings below `major` (not posted inline)");
    expect(below).toContain("Intermediate variable");
    expect(below).toContain("Return directly");
    expect(below).not.toContain("Empty list hides a bug");
    expect(review.body).toContain("**Findings:** 1 major · 1 minor · 1 nit (1 inline)");
  });
});

describe("review.max_inline_comments", () => {
  it("posts the most severe findings inline up to the limit, and the rest in the summary", async () => {
    const h = (harness = await startHarness({
      model: reporting([
        { line: 9, severity: "minor", title: "Intermediate variable" },
        { line: 6, severity: "critical", title: "Division by zero" },
        { line: 10, severity: "major", title: "Wrong result" },
      ]),
    }));
    const pr = await pullWithConfig(h, "review:\n  max_inline_comments: 1\n");
    await deliverPullRequest(h, pr, "opened");
    const review = await firstReview(h, pr);

    const inline = h.github.reviewComments(pr.repo, pr.number);
    expect(inline.map((c) => [c.line, c.body.split("\n")[0]])).toEqual([[6, "**🔴 Critical** · Division by zero"]]);
    const more = section(review.body!, "More findings (over the limit of 1 inline comments)");
    expect(more).toContain("Wrong result");
    expect(more).toContain("Intermediate variable");
    expect(more).not.toContain("Division by zero");
    expect(review.body).toContain("(1 inline)");
  });
});

describe("_extends", () => {
  it("inherits the organisation's .github defaults, with the repository's own keys winning", async () => {
    const h = (harness = await startHarness());
    const pr = await pullWithConfig(h, "_extends: .github\nreview:\n  answer_tokens: 1024\n");
    // The organisation's defaults live in its `.github` repository, visible to the same installation.
    await h.github.createRepo({
      owner: pr.repo.owner,
      name: ".github",
      installationId: pr.installationId,
      files: { [CONFIG]: 'review:\n  instructions: "Organisation rule ORG-RULE-42: no floating point money."\n  answer_tokens: 3072\n' },
    });
    await deliverPullRequest(h, pr, "opened");
    await firstReview(h, pr);

    expect(h.model.requests).toHaveLength(1);
    const [request] = h.model.requests;
    // Inherited: the repository's file does not set instructions (and the merge is per key, not per section).
    expect(renderedPrompt(request!)).toContain("Organisation rule ORG-RULE-42: no floating point money.");
    // Overridden: the repository's 1024 (6 findings' answer), not the organisation's 3072 (nor the server's 6144).
    expect(request!.maxTokens).toBe(answerTokensFor(maxFindingsFor(1024)));
    const run = await completedCheck(h, pr);
    expect(run.output.summary).not.toContain("has problems");
  });
});

describe("an invalid _extends", () => {
  it("is reported, and the repository's own keys still apply", async () => {
    const h = (harness = await startHarness());
    const pr = await pullWithConfig(h, '_extends: "a/b/c"\nreview:\n  auto: false\n');
    await deliverPullRequest(h, pr, "opened");
    const check = await completedCheck(h, pr);
    expect(check.conclusion).toBe("skipped");
    expect(check.output.summary).toContain("Automatic reviews are off");
    expect(check.output.summary).toMatch(/_extends.*organisation defaults \(_extends\) were not applied/);
    expect(check.output.summary).not.toMatch(/https?:\/\//);
    expect(h.model.requests).toEqual([]);
  });
});
