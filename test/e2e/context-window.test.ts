// The window, end to end: a big PR split into exact-count requests that cover every changed line,
// and a server whose real window is smaller than configured still gets a review.
import { afterEach, describe, expect, it } from "vitest";
import { loadQwenTokenizer } from "../../src/tokenizer/index.js";
import { eventually, startHarness, type Harness } from "../helpers/harness.js";
import { deliverPullRequest, openPullRequest, codeModules } from "../helpers/scenario.js";

let harness: Harness | null = null;
afterEach(async () => {
  await harness?.close();
  harness = null;
});

async function reviewOf(h: Harness, owner = "acme", size: [number, number] = [12, 120]) {
  const pr = await openPullRequest(h.github, codeModules(...size), { owner });
  await deliverPullRequest(h, pr, "opened");
  const [review] = await eventually(() => h.github.reviews(pr.repo, pr.number).length > 0 && h.github.reviews(pr.repo, pr.number), "a review", 60_000);
  return review!;
}

describe("a pull request larger than one request", () => {
  it("is split into exact-count requests that together cover every changed line", async () => {
    const h = (harness = await startHarness({ env: { LLM_ANSWER_TOKENS: "4096" }, model: { contextTokens: 16384 } }));
    const review = await reviewOf(h);
    const tokenizer = loadQwenTokenizer();
    expect(h.model.requests.length).toBeGreaterThan(1);
    for (const request of h.model.requests) {
      const body = request.body as { max_tokens: number; messages: Array<{ role: "system" | "user"; content: string }> };
      expect(request.status).toBe(200);
      expect(tokenizer.countChat(body.messages)).toBe(request.promptTokens);
      expect(request.promptTokens + body.max_tokens).toBeLessThanOrEqual(16384);
    }
    const changed = 12 * (120 * 4 - 1);
    expect(review.body).toContain(`12/12 files, ${changed}/${changed} changed lines reviewed`);
    expect(review.body).toContain(`${h.model.requests.length} requests`);
  });
});

describe("a model server with a smaller window than configured", () => {
  it("is fitted from the window its error states, and remembered", async () => {
    const h = (harness = await startHarness({ env: { LLM_CONTEXT_TOKENS: "32768" }, model: { contextTokens: 16384, reportMaxModelLen: false } }));
    const review = await reviewOf(h);
    // Requests already in flight (REVIEW_REQUEST_CONCURRENCY, 2) can be refused before the window is learned.
    const refused = h.model.requests.filter((r) => r.status === 400);
    expect(refused.length).toBeGreaterThanOrEqual(1);
    expect(refused.length).toBeLessThanOrEqual(2);
    for (const request of h.model.requests.filter((r) => r.status === 200)) {
      expect(request.promptTokens + (request.maxTokens ?? 0)).toBeLessThanOrEqual(16384);
    }
    // Eight requests of the smaller window hold all but the end of one file: the coverage says so,
    // and names what was not sent, rather than count a half-sent file as reviewed.
    expect(review.body).toMatch(/\*\*Coverage:\*\* 11\/12 files, \d+\/5748 changed lines reviewed\./);
    expect(review.body).toMatch(
      /\*\*Not reviewed:\*\*\n- lines \d+-\d+ not sent: over the limit of 8 model requests per review:\n {2}- `src\/generated-not\/` `module-9\.ts`/,
    );

    // The next review starts from the learned window: nothing refused.
    const before = h.model.requests.length;
    await reviewOf(h, "other");
    expect(h.model.requests.slice(before).filter((r) => r.status === 400)).toEqual([]);
  });

  it("shrinks until it fits when the error names no window (older vLLM)", async () => {
    const h = (harness = await startHarness({
      env: { LLM_CONTEXT_TOKENS: "32768" },
      model: { contextTokens: 16384, reportMaxModelLen: false, overflow: "vllm-flat" },
    }));
    const review = await reviewOf(h, "acme", [6, 100]);
    expect(h.model.requests.some((r) => r.status === 400)).toBe(true);
    for (const request of h.model.requests.filter((r) => r.status === 200)) {
      expect(request.promptTokens + (request.maxTokens ?? 0)).toBeLessThanOrEqual(16384);
    }
    expect(review.body).toContain(`6/6 files, ${6 * 399}/${6 * 399} changed lines reviewed`);
  });
});
