// Fault injection: answer the next matching request(s) with a canned failure, before auth or
// contract checks run, as an overloaded or rate-limiting GitHub would.
import type { JsonValue } from "./errors.js";
import type { Reply } from "./router.js";

export interface FaultMatch {
  /** HTTP method; any when omitted. */
  readonly method?: string;
  /** Path without /api/v3 and without the query: an exact string or a RegExp. */
  readonly path: string | RegExp;
}

export interface FaultResponse {
  readonly status: number;
  readonly headers?: Record<string, string>;
  /** JSON body, or a string sent as text/html (GitHub's 502 pages are HTML). */
  readonly body?: JsonValue;
}

interface PendingFault {
  readonly match: FaultMatch;
  readonly response: FaultResponse;
  remaining: number;
}

const RATE_LIMIT_DOCS = "https://docs.github.com/enterprise-server@3.19/rest/overview/rate-limits-for-the-rest-api";

function requestId(): string {
  const hex = (n: number): string =>
    Math.floor(Math.random() * 16 ** n)
      .toString(16)
      .toUpperCase()
      .padStart(n, "0");
  return `${hex(4)}:${hex(4)}:${hex(6)}:${hex(6)}:${hex(8)}`;
}

/** Ready-made failures with GitHub's real status codes, headers and messages. */
export const githubFaults = {
  /** 403 secondary rate limit with retry-after, as octokit's throttling plugin expects it. */
  secondaryRateLimit(retryAfterSeconds = 60): FaultResponse {
    return {
      status: 403,
      headers: { "retry-after": String(retryAfterSeconds) },
      body: {
        message: `You have exceeded a secondary rate limit. Please wait a few minutes before you try again. If you reach out to GitHub Support for help, please include the request ID ${requestId()}.`,
        documentation_url: `${RATE_LIMIT_DOCS}#about-secondary-rate-limits`,
        status: "403",
      },
    };
  },
  /** 403 (or 429) primary rate limit: x-ratelimit-remaining 0 and the reset time. */
  primaryRateLimit(options: { installationId?: number; resetAt?: Date; status?: 403 | 429 } = {}): FaultResponse {
    const reset = Math.floor((options.resetAt ?? new Date(Date.now() + 60_000)).getTime() / 1000);
    return {
      status: options.status ?? 403,
      headers: {
        "x-ratelimit-limit": "5000",
        "x-ratelimit-remaining": "0",
        "x-ratelimit-used": "5000",
        "x-ratelimit-reset": String(reset),
        "x-ratelimit-resource": "core",
      },
      body: {
        message: `API rate limit exceeded for installation ID ${options.installationId ?? 1}.`,
        documentation_url: RATE_LIMIT_DOCS,
        status: String(options.status ?? 403),
      },
    };
  },
  serverError(status: 500 | 502 | 503 | 504 = 500): FaultResponse {
    if (status === 502) return { status, body: "<html><body><h1>502 Bad Gateway</h1></body></html>" };
    return { status, body: { message: status === 500 ? "Server Error" : "Service Unavailable", status: String(status) } };
  },
};

export class FaultQueue {
  readonly #pending: PendingFault[] = [];

  add(match: FaultMatch, response: FaultResponse, times: number): void {
    this.#pending.push({ match, response, remaining: times });
  }

  /** The reply for the first pending fault matching this request, consuming one use of it. */
  take(method: string, path: string): Reply | undefined {
    const index = this.#pending.findIndex(
      (f) =>
        (f.match.method === undefined || f.match.method.toUpperCase() === method) &&
        (typeof f.match.path === "string" ? f.match.path === path : f.match.path.test(path)),
    );
    const fault = this.#pending[index];
    if (!fault) return undefined;
    fault.remaining -= 1;
    if (fault.remaining <= 0) this.#pending.splice(index, 1);
    const { status, headers = {}, body } = fault.response;
    if (typeof body === "string") return { status, bytes: body, contentType: "text/html; charset=utf-8", headers };
    return body === undefined ? { status, headers } : { status, json: body, headers };
  }

  clear(): void {
    this.#pending.length = 0;
  }
}
