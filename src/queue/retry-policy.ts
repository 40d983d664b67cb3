// Which failures are worth another attempt, and when. Transient ones (model timeouts, 5xx, 429,
// GitHub 5xx and rate limits) come back with exponential backoff and jitter, never before the
// server's retry-after / x-ratelimit-reset; permanent ones fail at once with their reason.
import { UnrecoverableError } from "bullmq";
import { ModelUnavailableError } from "../errors.js";
import { httpStatus } from "../github/errors.js";

export type Failure = { kind: "transient"; reason: string; notBeforeMs: number | null } | { kind: "permanent"; reason: string };

/** Where a job stands in BullMQ's count of attempts. */
export interface AttemptInfo {
  /** Attempts that already failed before this one (`job.attemptsMade`). */
  attemptsMade: number;
  /** Attempts allowed in all (`job.opts.attempts`, 1 when unset). */
  attempts: number;
}

/** A classified failure, and whether it ends the job (no other attempt follows). */
export type FailureVerdict = Failure & { final: boolean };

/** RETRY_BASE_DELAY_MS's default. */
export const DEFAULT_RETRY_BASE_DELAY_MS = 5_000;
const MAX_DELAY_MS = 10 * 60_000;
/** GitHub shows check run summaries and comments in full; a reason is one paragraph. */
const MAX_REASON_CHARS = 1_000;

/** What the repository owner can do about a refusal; GitHub's own message rarely says. */
const GITHUB_HINTS: Record<number, string> = {
  401: " (the App's credentials were refused: the operator should check APP_ID and PRIVATE_KEY, or the installation was removed)",
  403: " (the App may lack a permission on this repository: an organisation owner can review and accept the App's requested permissions in the installation settings)",
  404: " (it no longer exists, or the App's installation cannot see it)",
  410: " (it no longer exists)",
};

export function classifyFailure(error: unknown, now = Date.now()): Failure {
  const reason = error instanceof Error ? error.message : String(error);
  // Our PermanentErrors (src/errors.ts: a wrong model setting, an overflow after every re-pack, a
  // refused fix…) and BullMQ's own UnrecoverableError, which they extend.
  if (error instanceof UnrecoverableError) return { kind: "permanent", reason };
  if (error instanceof ModelUnavailableError) return { kind: "transient", reason, notBeforeMs: error.retryAfterMs };
  const status = httpStatus(error);
  if (status !== null) {
    const wait = githubWaitMs(error, now);
    if (status === 429 || (status === 403 && (wait !== null || isRateLimitMessage(reason)))) return { kind: "transient", reason, notBeforeMs: wait };
    if (status >= 500 || status === 408) return { kind: "transient", reason, notBeforeMs: wait };
    // 401 (token revoked), 403 (missing permission), 404/410 (gone), 422 (refused): retrying
    // the same request cannot help.
    if (status >= 400) return { kind: "permanent", reason: `GitHub answered ${status}: ${reason}${GITHUB_HINTS[status] ?? ""}` };
  }
  // Network errors and anything unknown: assume the world will be better in a moment.
  return { kind: "transient", reason, notBeforeMs: null };
}

/**
 * The one answer to "does this failure end the job?", for the job that reports it on GitHub and
 * for the worker that tells BullMQ whether to retry: a permanent failure ends it on any attempt, a
 * transient one only on the last. Without `attempt` (a job run outside a queue) every failure is final.
 */
export function judgeFailure(error: unknown, attempt?: AttemptInfo, now = Date.now()): FailureVerdict {
  const failure = classifyFailure(error, now);
  const lastAttempt = attempt === undefined || attempt.attemptsMade + 1 >= attempt.attempts;
  return { ...failure, final: failure.kind === "permanent" || lastAttempt };
}

/**
 * A failure's reason as it may be shown on GitHub: credentials that can ride along in error
 * messages (a URL's user:password, a token in a query string or header) hidden, and kept short.
 */
export function publicReason(failure: Pick<Failure, "reason">): string {
  const text = failure.reason
    .replace(/(\b[a-z][a-z0-9+.-]*:\/\/)[^\s/@]*@/gi, "$1***@")
    .replace(/([?&](?:token|access_token|api_key|apikey|key|password|secret|sig)=)[^&#\s"'`]+/gi, "$1***")
    .replace(/\b(?:gh[opsur]_[A-Za-z0-9]{16,}|github_pat_[A-Za-z0-9_]{16,}|sk-[A-Za-z0-9_-]{8,})/g, "***")
    .replace(/\b(Bearer|token)\s+(?=[\w.~+/=-]*\d)[\w.~+/=-]{16,}/gi, "$1 ***")
    .trim();
  return text.length > MAX_REASON_CHARS ? `${text.slice(0, MAX_REASON_CHARS)}…` : text;
}

export interface BackoffOptions {
  /** Delay before the first retry (RETRY_BASE_DELAY_MS); each later one doubles it. */
  baseDelayMs?: number;
  random?: () => number;
  now?: number;
}

/** Delay before attempt `attemptsMade + 1`: exponential with jitter (half to all of it), at least the server's ask. */
export function backoffDelay(attemptsMade: number, error: unknown, options: BackoffOptions = {}): number {
  const { baseDelayMs = DEFAULT_RETRY_BASE_DELAY_MS, random = Math.random, now = Date.now() } = options;
  const failure = classifyFailure(error, now);
  const exponential = Math.min(MAX_DELAY_MS, baseDelayMs * 2 ** Math.max(0, attemptsMade - 1));
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
