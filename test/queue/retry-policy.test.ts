// Which failures come back and when: the verdicts the jobs show on GitHub and the worker hands to
// BullMQ. GitHub failures are real Octokit RequestErrors (canned responses through `request.fetch`),
// with GitHub's own status codes, headers and messages.
import { UnrecoverableError } from "bullmq";
import { ProbotOctokit } from "probot";
import { describe, expect, it } from "vitest";
import {
  CheckoutError,
  CheckoutUnavailableError,
  ContextOverflowError,
  ModelConfigurationError,
  ModelUnavailableError,
  PackLimitError,
  PermanentError,
  WindowTooSmallError,
  WorkflowChangeError,
} from "../../src/errors.js";
import { backoffDelay, classifyFailure, judgeFailure, publicReason } from "../../src/queue/retry-policy.js";

const NOW = Date.UTC(2025, 0, 1, 12, 0, 0);
const BASE_MS = 5_000;
const MAX_MS = 10 * 60_000;

/** The error Octokit throws when GitHub answers `status` with `body` and `headers`. */
async function githubError(status: number, message: string, headers: Record<string, string> = {}): Promise<Error> {
  const fetch = async () =>
    new Response(JSON.stringify({ message, documentation_url: "https://docs.github.com/enterprise-server@3.19/rest" }), {
      status,
      headers: { "content-type": "application/json; charset=utf-8", ...headers },
    });
  const octokit = new ProbotOctokit({ auth: { token: "ghs_unit" }, throttle: { enabled: false }, retry: { enabled: false }, request: { fetch } });
  try {
    await octokit.rest.pulls.get({ owner: "acme", repo: "widgets", pull_number: 1 });
  } catch (error) {
    return error as Error;
  }
  throw new Error(`GitHub answering ${status} did not throw`);
}

const secondaryRateLimit = (retryAfterS: number) =>
  githubError(403, "You have exceeded a secondary rate limit. Please wait a few minutes before you try again.", { "retry-after": String(retryAfterS) });
const primaryRateLimit = (resetAt: number, status = 403) =>
  githubError(status, "API rate limit exceeded for installation ID 1.", {
    "x-ratelimit-limit": "5000",
    "x-ratelimit-remaining": "0",
    "x-ratelimit-reset": String(Math.floor(resetAt / 1000)),
  });

describe("classifyFailure", () => {
  it.each([
    ["a wrong LLM_MODEL", new ModelConfigurationError("LLM_MODEL=nope is not served by http://model:8000/v1; it serves: Skywork/Skywork-SWE-32B.")],
    ["a refused LLM_API_KEY", new ModelConfigurationError("The model endpoint refused the credentials (401); check LLM_API_KEY.")],
    ["a prompt that overflows after every re-pack", new ContextOverflowError("The model server rejected 40000 prompt tokens as too long", 40_000, 32_768)],
    ["an UnrecoverableError", new UnrecoverableError("Pull request acme/widgets#1 no longer exists.")],
    ["a fix error that knows it is permanent", new WorkflowChangeError([".github/workflows/ci.yml"])],
    ["a checkout the server refused", new CheckoutError("git fetch was refused (403)")],
    [
      "a window too small for the fix agent's system prompt",
      new WindowTooSmallError("The model's window (4096 tokens) is too small for the agent's system prompt and tools."),
    ],
    [
      "a window that leaves the prompt no room",
      new PackLimitError(
        "Only 212 prompt tokens are left for the diff after the system prompt and the PR description. Raise the context size or lower the answer reserve.",
      ),
    ],
    ["a PermanentError", new PermanentError("Pull request acme/widgets#1 no longer exists.")],
  ])("%s is permanent, with its message as the reason", (_name, error) => {
    expect(classifyFailure(error, NOW)).toEqual({ kind: "permanent", reason: error.message });
  });

  it.each([
    [401, "Bad credentials", "APP_ID and PRIVATE_KEY"],
    [403, "Resource not accessible by integration", "permission"],
    [404, "Not Found", "no longer exists"],
    [410, "Gone", "no longer exists"],
    [422, "Validation Failed", ""],
  ])("GitHub %i (%s) is permanent, and the reason says what GitHub said and what to do", async (status, message, hint) => {
    const failure = classifyFailure(await githubError(status, message), NOW);
    expect(failure.kind).toBe("permanent");
    expect(failure.reason).toContain(`GitHub answered ${status}: ${message}`);
    expect(failure.reason).toContain(hint);
  });

  it.each([500, 502, 503, 504, 408])("GitHub %i is transient", async (status) => {
    expect(classifyFailure(await githubError(status, "Server Error"), NOW)).toMatchObject({ kind: "transient", notBeforeMs: null });
  });

  it("a secondary rate limit (403 with retry-after) is transient, not before retry-after", async () => {
    expect(classifyFailure(await secondaryRateLimit(90), NOW)).toMatchObject({ kind: "transient", notBeforeMs: 90_000 });
  });

  it("a primary rate limit (403 or 429, x-ratelimit-remaining 0) is transient, not before x-ratelimit-reset", async () => {
    expect(classifyFailure(await primaryRateLimit(NOW + 120_000), NOW)).toMatchObject({ kind: "transient", notBeforeMs: 120_000 });
    expect(classifyFailure(await primaryRateLimit(NOW + 30_000, 429), NOW)).toMatchObject({ kind: "transient", notBeforeMs: 30_000 });
    // A reset already past: retry by backoff alone.
    expect(classifyFailure(await primaryRateLimit(NOW - 5_000), NOW)).toMatchObject({ kind: "transient", notBeforeMs: 0 });
  });

  it("a 403 rate limit without headers is still transient (GitHub's message says so)", async () => {
    expect(classifyFailure(await githubError(403, "API rate limit exceeded for installation ID 1."), NOW)).toMatchObject({
      kind: "transient",
      notBeforeMs: null,
    });
  });

  it("the model being down or rate limiting is transient, not before its retry-after", () => {
    expect(classifyFailure(new ModelUnavailableError("The model endpoint answered 429", 7_000), NOW)).toMatchObject({ kind: "transient", notBeforeMs: 7_000 });
    expect(classifyFailure(new ModelUnavailableError("The model endpoint is unreachable"), NOW)).toMatchObject({ kind: "transient", notBeforeMs: null });
  });

  it("network errors, unknown errors and checkouts that may heal are transient", () => {
    expect(classifyFailure(new TypeError("fetch failed"), NOW).kind).toBe("transient");
    expect(classifyFailure("something odd", NOW).kind).toBe("transient");
    expect(classifyFailure(new CheckoutUnavailableError("git fetch timed out"), NOW).kind).toBe("transient");
  });
});

describe("judgeFailure", () => {
  it("ends the job on the first attempt when the failure is permanent", async () => {
    const first = { attemptsMade: 0, attempts: 5 };
    expect(judgeFailure(new ModelConfigurationError("LLM_MODEL=nope is not served"), first)).toMatchObject({ kind: "permanent", final: true });
    expect(judgeFailure(await githubError(403, "Resource not accessible by integration"), first)).toMatchObject({ kind: "permanent", final: true });
    expect(judgeFailure(new ContextOverflowError("too long", 40_000), first)).toMatchObject({ kind: "permanent", final: true });
  });

  it("ends the job on a transient failure only on the last attempt", () => {
    const down = new ModelUnavailableError("The model endpoint answered 503");
    expect(judgeFailure(down, { attemptsMade: 0, attempts: 5 }).final).toBe(false);
    expect(judgeFailure(down, { attemptsMade: 3, attempts: 5 }).final).toBe(false);
    expect(judgeFailure(down, { attemptsMade: 4, attempts: 5 }).final).toBe(true);
    expect(judgeFailure(down, { attemptsMade: 0, attempts: 1 }).final).toBe(true);
  });

  it("treats a run outside a queue (no attempt info) as its only attempt", () => {
    expect(judgeFailure(new ModelUnavailableError("down")).final).toBe(true);
  });

  it("agrees with classifyFailure on kind, reason and wait", async () => {
    const error = await secondaryRateLimit(60);
    expect(judgeFailure(error, { attemptsMade: 0, attempts: 5 }, NOW)).toEqual({ ...classifyFailure(error, NOW), final: false });
  });
});

describe("backoffDelay", () => {
  const transient = new ModelUnavailableError("The model endpoint answered 503");

  it("grows exponentially, capped, with jitter between half and all of the step", () => {
    for (let attemptsMade = 1; attemptsMade <= 12; attemptsMade++) {
      const step = Math.min(MAX_MS, BASE_MS * 2 ** (attemptsMade - 1));
      expect(backoffDelay(attemptsMade, transient, { random: () => 0, now: NOW })).toBe(step / 2);
      expect(backoffDelay(attemptsMade, transient, { random: () => 0.999_999, now: NOW })).toBeLessThanOrEqual(step);
      expect(backoffDelay(attemptsMade, transient, { random: () => 0.999_999, now: NOW })).toBeGreaterThan(step * 0.99);
      for (let i = 0; i < 50; i++) {
        const delay = backoffDelay(attemptsMade, transient, { random: Math.random, now: NOW });
        expect(delay).toBeGreaterThanOrEqual(step / 2);
        expect(delay).toBeLessThanOrEqual(step);
      }
    }
  });

  it("spreads retries: jitter gives different delays for the same attempt", () => {
    const delays = new Set(Array.from({ length: 20 }, (_, i) => backoffDelay(3, transient, { random: () => i / 20, now: NOW })));
    expect(delays.size).toBe(20);
  });

  it("never retries before GitHub's retry-after, even with the smallest jitter", async () => {
    const error = await secondaryRateLimit(120);
    expect(backoffDelay(1, error, { random: () => 0, now: NOW })).toBe(120_000);
    expect(backoffDelay(1, error, { random: () => 1, now: NOW })).toBe(120_000);
  });

  it("uses the backoff when it is longer than retry-after (retry-after is a floor, not the delay)", async () => {
    const error = await secondaryRateLimit(1);
    expect(backoffDelay(4, error, { random: () => 0, now: NOW })).toBe(20_000);
  });

  it("waits for x-ratelimit-reset on a primary rate limit", async () => {
    const error = await primaryRateLimit(NOW + 300_000);
    expect(backoffDelay(1, error, { random: () => 0.5, now: NOW })).toBe(300_000);
  });

  it("honours the model's retry-after", () => {
    expect(backoffDelay(1, new ModelUnavailableError("429", 45_000), { random: () => 0, now: NOW })).toBe(45_000);
  });

  it("starts from the configured base delay (RETRY_BASE_DELAY_MS)", () => {
    expect(backoffDelay(1, transient, { baseDelayMs: 40, random: () => 0.999_999, now: NOW })).toBe(40);
    expect(backoffDelay(3, transient, { baseDelayMs: 40, random: () => 0, now: NOW })).toBe(80);
    // The server's own retry-after still wins over a small base.
    expect(backoffDelay(1, new ModelUnavailableError("429", 2_000), { baseDelayMs: 40, random: () => 0, now: NOW })).toBe(2_000);
  });

  it("caps a server's wait at an hour", async () => {
    const error = await primaryRateLimit(NOW + 5 * 60 * 60_000);
    expect(backoffDelay(1, error, { random: () => 0, now: NOW })).toBe(60 * 60_000);
  });
});

describe("publicReason", () => {
  it("hides credentials that ride along in error messages", () => {
    const reason = publicReason({
      reason:
        "The model endpoint https://svc:hunter2@model.internal/v1 is unreachable; GET /x?token=abc123&x=1 with Bearer 0123456789abcdef0123, ghs_16CharsOrMoreTokenHere1 and sk-proj-abcdefgh12345",
    });
    for (const secret of ["hunter2", "abc123", "0123456789abcdef0123", "ghs_16CharsOrMoreTokenHere1", "sk-proj-abcdefgh12345"])
      expect(reason).not.toContain(secret);
    expect(reason).toContain("https://***@model.internal/v1");
    expect(reason).toContain("?token=***&x=1");
  });

  it("leaves ordinary reasons as they are", () => {
    const text = "The model server rejected 40000 prompt tokens as too long: check LLM_MODEL and LLM_BASE_URL (it usually ends in /v1).";
    expect(publicReason({ reason: text })).toBe(text);
  });

  it("keeps a reason to one paragraph's length", () => {
    expect(publicReason({ reason: "x".repeat(5_000) }).length).toBeLessThanOrEqual(1_001);
  });
});
