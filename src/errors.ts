// The errors that steer retries, in one place, recognised by type (never by name strings):
// - PermanentError and its kin: retrying cannot help; the queue fails the job at once and reports
//   the reason. It extends BullMQ's UnrecoverableError, so BullMQ itself never retries one either.
// - The others name a transient failure and what it knows about when to come back.
// Anything not here is transient by default (src/queue/retry-policy.ts).
import { UnrecoverableError } from "bullmq";

/** Retrying cannot help: the same request would fail the same way. */
export class PermanentError extends UnrecoverableError {
  constructor(message: string) {
    super(message);
    this.name = "PermanentError";
  }
}

// ── The model ────────────────────────────────────────────────────────────────────────────────────

/** Retrying cannot help (wrong model name, bad API key, request rejected): an operator must act. */
export class ModelConfigurationError extends PermanentError {
  constructor(message: string) {
    super(message);
    this.name = "ModelConfigurationError";
  }
}

/**
 * The model's window is too small for what must be sent even after shrinking everything that can
 * shrink (the review's re-packing, the agent's condensing): an operator must fix the server's or
 * the app's window setting.
 */
export class WindowTooSmallError extends ModelConfigurationError {
  constructor(message: string) {
    super(message);
    this.name = "WindowTooSmallError";
  }
}

/**
 * The window, less the answer reserve, leaves too little room for the review's prompt: the limits
 * themselves cannot work, whatever the diff (raise the context size or lower the answer reserve).
 */
export class PackLimitError extends PermanentError {
  constructor(message: string) {
    super(message);
    this.name = "PackLimitError";
  }
}

/**
 * The server refused the request for exceeding its context window: re-pack smaller, do not retry
 * as is. Permanent for the queue: the review and the agent already re-packed before it got there.
 */
export class ContextOverflowError extends PermanentError {
  constructor(
    message: string,
    readonly promptTokens: number,
    /** The window the server says it has, when its error states it (vLLM, llama.cpp do). */
    readonly serverWindow: number | null = null,
  ) {
    super(message);
    this.name = "ContextOverflowError";
  }
}

/** Worth retrying later: the endpoint is down, overloaded, timing out or rate limiting. */
export class ModelUnavailableError extends Error {
  constructor(
    message: string,
    /** The server's own word on when to come back, when it gave one. */
    readonly retryAfterMs: number | null = null,
  ) {
    super(message);
    this.name = "ModelUnavailableError";
  }
}

/**
 * The server has no room for this request right now (llama.cpp's slots share one KV cache): not an
 * outage and not the request's fault. The model client lowers its concurrency and waits; this only
 * travels between its own layers.
 */
export class ModelCapacityError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ModelCapacityError";
  }
}

// ── The GitHub side of a fix ─────────────────────────────────────────────────────────────────────
// A refused change or a branch someone else moved will fail the same way again.

/** The change set touches `.github/workflows/`: the App has no `workflows` permission, and fixes must not alter CI. */
export class WorkflowChangeError extends PermanentError {
  constructor(readonly paths: readonly string[]) {
    super(
      `The fix changes ${paths.join(", ")}; Skywork does not modify GitHub Actions workflows. ` +
        "To resolve, make that change yourself, or ask for a fix that leaves .github/workflows/ alone.",
    );
    this.name = "WorkflowChangeError";
  }
}

/** The change set is empty or malformed (absolute paths, `..`, `.git/`, duplicates, missing content). */
export class InvalidChangeError extends PermanentError {
  constructor(message: string) {
    super(message);
    this.name = "InvalidChangeError";
  }
}

/**
 * The branch no longer points where the fix was made (someone pushed meanwhile). Permanent for
 * this attempt: the fix was computed against the old head and must be redone, not replayed.
 */
export class StaleBranchError extends PermanentError {
  constructor(
    readonly branch: string,
    readonly expectedSha: string,
    readonly actualSha: string | null,
  ) {
    super(
      actualSha === null
        ? `Branch ${branch} no longer exists; the fix was not committed.`
        : `Branch ${branch} moved to ${actualSha.slice(0, 7)} while the fix was made on ${expectedSha.slice(0, 7)}; the fix was not committed. Ask again to fix the new head.`,
    );
    this.name = "StaleBranchError";
  }
}

/** A branch with the fix's name exists and holds commits that are not this fix's. */
export class BranchConflictError extends PermanentError {
  constructor(
    readonly branch: string,
    readonly sha: string,
  ) {
    super(`Branch ${branch} already exists at ${sha.slice(0, 7)} with other work; Skywork will not overwrite it. To resolve, delete the branch and ask again.`);
    this.name = "BranchConflictError";
  }
}

/** Checking the repository out cannot succeed as asked (refused credentials, no such commit, the ref moved); the message never contains the token. */
export class CheckoutError extends PermanentError {
  constructor(message: string) {
    super(message);
    this.name = "CheckoutError";
  }
}

/** Fetching the repository failed in a way that may pass (network, a server error); the message never contains the token. */
export class CheckoutUnavailableError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "CheckoutUnavailableError";
  }
}
