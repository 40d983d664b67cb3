// Bounded metric labels for failures: an error message is unbounded text (ids, paths, URLs) and
// would make a new time series per failure; these words are a short fixed list.
import { UnrecoverableError } from "bullmq";
import { ContextOverflowError, ModelConfigurationError, ModelUnavailableError } from "../errors.js";
import { httpStatus } from "../github/errors.js";

const NETWORK_CODES = new Set(["ECONNREFUSED", "ECONNRESET", "ETIMEDOUT", "ENOTFOUND", "EAI_AGAIN", "EPIPE", "UND_ERR_SOCKET", "UND_ERR_CONNECT_TIMEOUT"]);

/** Why a job attempt failed, for `metrics.retry(kind, reason)`. */
export function failureReason(error: unknown): string {
  if (error instanceof ModelUnavailableError) return "model_unavailable";
  if (error instanceof ContextOverflowError) return "context_overflow";
  if (error instanceof ModelConfigurationError) return "model_configuration";
  // Every other PermanentError (src/errors.ts), and BullMQ's own.
  if (error instanceof UnrecoverableError) return "unrecoverable";
  if (error instanceof Error && error.name === "AbortError") return "aborted";
  const status = httpStatus(error);
  if (status !== null) {
    const message = error instanceof Error ? error.message : "";
    if (status === 429 || (status === 403 && /rate limit/i.test(message))) return "github_rate_limit";
    if (status >= 500) return "github_5xx";
    if (status >= 400) return `github_${status}`;
  }
  const code = (error as { code?: unknown; cause?: { code?: unknown } } | null)?.code ?? (error as { cause?: { code?: unknown } } | null)?.cause?.code;
  if (typeof code === "string" && NETWORK_CODES.has(code)) return "network";
  if (error instanceof Error && /stalled/i.test(error.message)) return "stalled";
  return "other";
}

/** The outcome of one model request, for `metrics.modelRequest({ outcome })`. */
export function modelOutcome(error: unknown | null): "ok" | "overflow" | "unavailable" | "configuration" | "aborted" | "error" {
  if (error === null || error === undefined) return "ok";
  if (error instanceof ContextOverflowError) return "overflow";
  if (error instanceof ModelUnavailableError) return "unavailable";
  if (error instanceof ModelConfigurationError) return "configuration";
  if (error instanceof Error && error.name === "AbortError") return "aborted";
  return "error";
}
