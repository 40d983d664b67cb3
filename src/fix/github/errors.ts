// Failures of the GitHub side of a fix. `permanent` tells the job whether a retry can help:
// a refused change or a branch someone else moved will fail the same way again.

/** The change set touches `.github/workflows/`: the App has no `workflows` permission, and fixes must not alter CI. */
export class WorkflowChangeError extends Error {
  readonly permanent = true;
  constructor(readonly paths: readonly string[]) {
    super(
      `The fix changes ${paths.join(", ")}; Skywork does not modify GitHub Actions workflows. ` +
        "To resolve, make that change yourself, or ask for a fix that leaves .github/workflows/ alone.",
    );
    this.name = "WorkflowChangeError";
  }
}

/** The change set is empty or malformed (absolute paths, `..`, `.git/`, duplicates, missing content). */
export class InvalidChangeError extends Error {
  readonly permanent = true;
  constructor(message: string) {
    super(message);
    this.name = "InvalidChangeError";
  }
}

/**
 * The branch no longer points where the fix was made (someone pushed meanwhile). Permanent for
 * this attempt: the fix was computed against the old head and must be redone, not replayed.
 */
export class StaleBranchError extends Error {
  readonly permanent = true;
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
export class BranchConflictError extends Error {
  readonly permanent = true;
  constructor(
    readonly branch: string,
    readonly sha: string,
  ) {
    super(`Branch ${branch} already exists at ${sha.slice(0, 7)} with other work; Skywork will not overwrite it. To resolve, delete the branch and ask again.`);
    this.name = "BranchConflictError";
  }
}

/** Fetching the repository failed; the message never contains the token. */
export class CheckoutError extends Error {
  constructor(
    message: string,
    /** 401/403/404-like failures will not heal on retry; network errors may. */
    readonly permanent: boolean,
  ) {
    super(message);
    this.name = "CheckoutError";
  }
}
