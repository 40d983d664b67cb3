// Reviews people keep enabled: one review per head, the next one incremental, nothing repeated,
// full again after a force-push, and work for an old head abandoned when a newer one arrives.
import { afterEach, describe, expect, it } from "vitest";
import { parseReviewMarker } from "../../src/github/markers.js";
import type { RecordedRequest } from "../../testbed/fakes/model/index.js";
import { eventually, queuesDrained, startHarness, type Harness } from "../helpers/harness.js";
import { deliverPullRequest, MEAN_CHANGE, openPullRequest, type PullScenario } from "../helpers/scenario.js";

let harness: Harness | null = null;
afterEach(async () => {
  await harness?.close();
  harness = null;
});

function userPrompt(request: RecordedRequest): string {
  const body = request.body as { messages: Array<{ role: string; content: string }> };
  return body.messages.find((m) => m.role === "user")?.content ?? "";
}

async function reviews(h: Harness, pr: PullScenario, count: number) {
  return eventually(
    () => {
      const list = h.github.reviews(pr.repo, pr.number);
      return list.length >= count && list;
    },
    `${count} review(s)`,
    30_000,
  );
}

/** Pushes new content to the PR branch and tells the app, as GitHub's synchronize does. */
async function push(h: Harness, pr: PullScenario, files: Record<string, string | null>): Promise<string> {
  pr.headSha = await pr.repo.commit({ branch: "feature", files, message: "More work" });
  await deliverPullRequest(h, pr, "synchronize");
  return pr.headSha;
}

const finding = (path: string, line: number, title: string, severity = "major") => ({ path, line, severity, title, comment: `${title}.` });

describe("new commits on a reviewed pull request", () => {
  it("get one review per head, the second limited to what changed since the first", async () => {
    const h = (harness = await startHarness());
    const pr = await openPullRequest(h.github, { ...MEAN_CHANGE, "src/strings.ts": "export const greet = (n: string) => `hi ${n}`;\n" });
    await deliverPullRequest(h, pr, "opened");
    const first = pr.headSha;
    await reviews(h, pr, 1);
    // Something new to say (a push with nothing new adds no review: review-listening.test.ts).
    h.model.enqueue({ content: JSON.stringify({ summary: "s", findings: [finding("src/strings.ts", 1, "Greeting is not localised", "minor")] }) });

    const second = await push(h, pr, { "src/strings.ts": "export const greet = (n: string) => `hello ${n}`;\n" });
    const [r1, r2] = await reviews(h, pr, 2);
    expect(parseReviewMarker(r1!.body)).toMatchObject({ head: first });
    expect(parseReviewMarker(r2!.body)).toMatchObject({ head: second, since: first });
    expect(r2!.commit_id).toBe(second);
    expect(r2!.body).toContain(`Incremental review: the changes since ${first.slice(0, 7)}`);

    // The second request showed only the file changed by the push.
    const prompt = userPrompt(h.model.requests[1]!);
    expect(prompt).toContain("src/strings.ts");
    expect(prompt).not.toContain("## src/math.ts");
    // And nothing more was posted for either head.
    await queuesDrained(h);
    expect(h.github.reviews(pr.repo, pr.number)).toHaveLength(2);
    expect(h.model.requests).toHaveLength(2);
  });

  it("never posts the same finding twice when the model repeats itself", async () => {
    const h = (harness = await startHarness());
    const first = [finding("src/math.ts", 6, "Zero hides bad input"), finding("src/math.ts", 9, "Needless temporary", "minor")];
    h.model.enqueue({ content: JSON.stringify({ summary: "First look.", findings: first }) });
    // The second run repeats both and adds one new finding.
    h.model.enqueue({ content: JSON.stringify({ summary: "Second look.", findings: [...first, finding("src/math.ts", 2, "add() ignores NaN")] }) });
    const pr = await openPullRequest(h.github, MEAN_CHANGE);
    await deliverPullRequest(h, pr, "opened");
    await reviews(h, pr, 1);
    expect(h.github.reviewComments(pr.repo, pr.number)).toHaveLength(2);

    await push(h, pr, {
      "src/math.ts": MEAN_CHANGE["src/math.ts"].replace(
        "export function add(a: number, b: number): number {\n  return a + b;",
        "export function add(a: number, b: number): number {\n  return a + b + 0;",
      ),
    });
    const [, second] = await reviews(h, pr, 2);
    const comments = h.github.reviewComments(pr.repo, pr.number);
    expect(comments.map((c) => c.body.split("\n")[0])).toEqual([
      expect.stringContaining("Zero hides bad input"),
      expect.stringContaining("Needless temporary"),
      expect.stringContaining("add() ignores NaN"),
    ]);
    expect(second!.body).toContain("2 already reported earlier, not repeated");
  });

  it("reviews everything again after a force-push removed the reviewed commit", async () => {
    const h = (harness = await startHarness());
    const pr = await openPullRequest(h.github, MEAN_CHANGE);
    await deliverPullRequest(h, pr, "opened");
    await reviews(h, pr, 1);

    // Rewrite the branch from main, then let garbage collection drop the old head.
    const rewritten = await pr.repo.commit({ branch: "rewrite", from: "main", files: { ...MEAN_CHANGE, "src/extra.ts": "export const x = 1;\n" } });
    await pr.repo.forcePush("feature", rewritten);
    await pr.repo.gc();
    pr.headSha = rewritten;
    h.model.enqueue({ content: JSON.stringify({ summary: "s", findings: [finding("src/extra.ts", 1, "Unused export", "minor")] }) });
    await deliverPullRequest(h, pr, "synchronize");
    const [, second] = await reviews(h, pr, 2);
    expect(parseReviewMarker(second!.body)).toMatchObject({ head: rewritten });
    expect(parseReviewMarker(second!.body)!.since).toBeUndefined();
    expect(second!.body).toMatch(/Full review \(.*force-push/);
    const prompt = userPrompt(h.model.requests[1]!);
    expect(prompt).toContain("## src/math.ts");
    expect(prompt).toContain("src/extra.ts");
  });

  it("drops work for an older head, stopping its model request before anything is posted", async () => {
    const h = (harness = await startHarness());
    let calls = 0;
    h.model.setReply(() =>
      ++calls === 1 ? { delayMs: 8_000, content: '{"summary":"old head","findings":[]}' } : { content: '{"summary":"new head","findings":[]}' },
    );
    const pr = await openPullRequest(h.github, MEAN_CHANGE);
    const oldHead = pr.headSha;
    await deliverPullRequest(h, pr, "opened");
    await eventually(() => h.model.inFlight === 1, "the first model request");

    const newHead = await push(h, pr, { "src/extra.ts": "export const y = 2;\n" });
    const [only] = await reviews(h, pr, 1);
    expect(only!.commit_id).toBe(newHead);
    expect(only!.body).toContain("new head");
    await eventually(() => h.model.requests[0]!.aborted, "the old head's model request to be aborted");

    // The old head's check run says why it stopped; no review was posted for it.
    const oldRuns = await eventually(() => {
      const runs = h.github.checkRuns(pr.repo, oldHead);
      return runs[0]?.status === "completed" && runs;
    }, "the old head's check run to complete");
    expect(oldRuns[0]!.conclusion).toBe("cancelled");
    await queuesDrained(h);
    expect(h.github.reviews(pr.repo, pr.number)).toHaveLength(1);
  });
});
