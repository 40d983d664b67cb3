// Which failures are worth another attempt, and when. Transient ones (model timeouts, 5xx, 429,
// GitHub 5xx and rate limits) come back with exponential backoff and jitter, never before the
// server's retry-after / x-ratelimit-reset; permanent ones fail at once with their reason.
import { UnrecoverableError } from "bullmq";
import { httpStatus } from "../github/errors.js";
import { ContextOverflowError, ModelConfigurationError, ModelUnavailableError } from "../model/errors.js";

export type Failure = { kind: "transient"; reason: string; notBeforeMs: number | null } | { kind: "permanent"; reason: string };

const BASE_DELAY_MS = 5_000;
const MAX_DELAY_MS = 10 * 60_000;

export function classifyFailure(error: unknown, now = Date.now()): Failure {
  const reason = error instanceof Error ? error.message : String(error);
  if (error instanceof UnrecoverableError || error instanceof ModelConfigurationError) return { kind: "permanent", reason };
  if (error instanceof ModelUnavailableError) return { kind: "transient", reason, notBeforeMs: error.retryAfterMs };
  // The review already re-packed several times; the same request will overflow again.
  if (error instanceof ContextOverflowError) return { kind: "permanent", reason };
  const status = httpStatus(error);
  if (status !== null) {
    const wait = githubWaitMs(error, now);
    if (status === 429 || (status === 403 && (wait !== null || isRateLimitMessage(reason)))) return { kind: "transient", reason, notBeforeMs: wait };
    if (status >= 500 || status === 408) return { kind: "transient", reason, notBeforeMs: wait };
    // 401 (token revoked), 403 (missing permission), 404/410 (gone), 422 (refused): retrying
    // the same request cannot help.
    if (status >= 400) return { kind: "permanent", reason: `GitHub answered ${status}: ${reason}` };
  }
  // Network errors and anything unknown: assume the world will be better in a moment.
  return { kind: "transient", reason, notBeforeMs: null };
}

/** Delay before attempt `attemptsMade + 1`: exponential with full jitter, at least the server's ask. */
export function backoffDelay(attemptsMade: number, error: unknown, random = Math.random): number {
  const failure = classifyFailure(error);
  const exponential = Math.min(MAX_DELAY_MS, BASE_DELAY_MS * 2 ** Math.max(0, attemptsMade - 1));
  const jittered = Math.round(exponential / 2 + random() * (exponential / 2));
  const floor = failure.kind === "transient" && failure.notBeforeMs !== null ? Math.min(failure.notBeforeMs, 60 * 60_000) : 0;
  return Math.max(jittered, floor);
}

/** GitHub's own word on when to come back: retry-after (seconds) or x-ratelimit-reset (epoch seconds). */
function githubWaitMs(error: unknown, now: number): number | null {
  const headers = (error as { response?: { headers?: Record<string, string | number | undefined> } }).response?.headers ?? {};
  const retryAfter = Number(headers["retry-after"]);
  if (Number.isFinite(retryAfter) && retryAfter >= 0) return retryAfter * 1000;
  if (String(headers["x-ratelimit-remaining"]) === "0") {
    const reset = Number(headers["x-ratelimit-reset"]);
    if (Number.isFinite(reset)) return Math.max(0, reset * 1000 - now);
  }
  return null;
}

function isRateLimitMessage(message: string): boolean {
  return /rate limit/i.test(message);
}
