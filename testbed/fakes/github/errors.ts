// GitHub's error bodies, in one place so every route answers failures the way GitHub does.
// Where a message was copied from a real GitHub response the comment says so; the rest are
// best guesses and are listed in README.md under "Behaviour not confirmed".

export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };
export type JsonObject = { [key: string]: JsonValue };

/** Documentation root GitHub Enterprise Server 3.19 puts in generic errors. */
export const GHES_DOCS = "https://docs.github.com/enterprise-server@3.19/rest";

/** Thrown by route handlers; the server turns it into the HTTP response as is. */
export class GitHubHttpError extends Error {
  constructor(
    readonly status: number,
    readonly body: JsonObject,
    readonly headers: Record<string, string> = {},
  ) {
    // The message carries the errors too, so a failing test API call explains itself.
    super(`${status} ${String(body["message"] ?? "")}${body["errors"] ? ` ${JSON.stringify(body["errors"])}` : ""}`);
    this.name = "GitHubHttpError";
  }
}

function error(status: number, message: string, documentationUrl: string, extra: JsonObject = {}): GitHubHttpError {
  // Since 2023 GitHub adds the status, as a string, to every error body.
  return new GitHubHttpError(status, { message, ...extra, documentation_url: documentationUrl, status: String(status) });
}

export const githubErrors = {
  notFound: (docs: string = GHES_DOCS) => error(404, "Not Found", docs),
  /** https://docs.github.com/rest/branches/branches#get-a-branch answers this for an unknown branch. */
  branchNotFound: (docs: string) => error(404, "Branch not found", docs),
  /** Real GitHub body for an invalid, revoked or expired token. */
  badCredentials: () => error(401, "Bad credentials", GHES_DOCS),
  requiresAuthentication: (docs: string = GHES_DOCS) => error(401, "Requires authentication", docs),
  /** JWT failures answer 401 with these exact texts (seen in octokit/auth-app.js issues #146 and #698). */
  jwt: (message: string) => error(401, message, GHES_DOCS),
  resourceNotAccessible: (docs: string) => error(403, "Resource not accessible by integration", docs),
  problemsParsingJson: (docs: string) => error(400, "Problems parsing JSON", docs),
  /** `{"message":"Validation Failed","errors":[{resource, code, field, message}]}` — GitHub's classic form. */
  validationFailed: (errors: JsonObject[], docs: string) => error(422, "Validation Failed", docs, { errors }),
  /** `{"message":"Unprocessable Entity","errors":["…"]}` — the form the review endpoints use. */
  unprocessable: (errors: string[], docs: string) => error(422, "Unprocessable Entity", docs, { errors }),
  /** A 422 whose message says it all (e.g. token requests for repositories outside the installation). */
  validationFailedSimple: (message: string, docs: string) => error(422, message, docs),
  /** Schema failures: "Invalid request.\n\nFor 'properties/body', nil is not a string." */
  invalidRequest: (lines: string[], docs: string) => error(422, `Invalid request.\n\n${lines.join("\n")}`, docs),
  /** Checks API and statuses answer this when head_sha is unknown. */
  noCommitForSha: (sha: string, docs: string) => error(422, `No commit found for SHA: ${sha}`, docs),
  notAcceptable: (message: string, errors: JsonObject[], docs: string) => error(406, message, docs, { errors }),
  notImplemented: (method: string, template: string, operationId: string) =>
    error(
      501,
      `The fake GitHub does not implement ${operationId} (${method} ${template}). ` +
        "To resolve, add a handler for it under testbed/fakes/github/routes/ and register it in routes/index.ts.",
      GHES_DOCS,
    ),
};

/** Rails' Array#to_sentence, which GitHub uses to join several review-comment errors into one string. */
export function toSentence(parts: readonly string[]): string {
  if (parts.length <= 1) return parts[0] ?? "";
  if (parts.length === 2) return `${parts[0]} and ${parts[1]}`;
  return `${parts.slice(0, -1).join(", ")}, and ${parts[parts.length - 1]}`;
}
