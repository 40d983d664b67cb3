// Counts every GitHub API request an Octokit makes, by route template and status, and keeps the
// installation's remaining rate limit, through Octokit's request hook.
import type { Octokit } from "../github/app-client.js";
import { httpStatus } from "../github/errors.js";
import type { Metrics } from "./metrics.js";

const instrumented = new WeakSet<object>();

/**
 * Adds the metrics hook to `octokit` (once per instance; Probot mints a new Octokit per
 * `auth(installationId)`) and returns it.
 *
 * One `hook.wrap` rather than `after` + `error`: it also times the request, and it hands back the
 * original result or error untouched, so recording can never turn a failure into a success or
 * throw into the request path. Registered after Probot's retry and throttling plugins, it sees
 * each logical request once, its duration including their waits.
 */
export function instrumentOctokit<T extends Pick<Octokit, "hook">>(octokit: T, metrics: Pick<Metrics, "githubRequest">, installationId: number | null): T {
  if (instrumented.has(octokit)) return octokit;
  instrumented.add(octokit);
  octokit.hook.wrap("request", async (request, options) => {
    const started = performance.now();
    try {
      const response = await request(options);
      record(metrics, options, installationId, started, response.status, response.headers);
      return response;
    } catch (error) {
      const response = (error as { response?: { headers?: Record<string, unknown> } } | null)?.response;
      record(metrics, options, installationId, started, httpStatus(error) ?? 0, response?.headers);
      throw error;
    }
  });
  return octokit;
}

function record(
  metrics: Pick<Metrics, "githubRequest">,
  options: { method?: string; url?: string; baseUrl?: string },
  installationId: number | null,
  started: number,
  status: number,
  headers: Record<string, unknown> | undefined,
): void {
  try {
    const remaining = Number(headers?.["x-ratelimit-remaining"]);
    metrics.githubRequest({
      method: options.method ?? "GET",
      route: routeTemplate(options.url ?? "", options.baseUrl),
      status,
      installationId,
      rateLimitRemaining: headers?.["x-ratelimit-remaining"] !== undefined && Number.isFinite(remaining) ? remaining : null,
      durationMs: performance.now() - started,
    });
  } catch {
    // Metrics never fail a GitHub request.
  }
}

/**
 * The route as a bounded label. Octokit's methods pass the template (`/repos/{owner}/{repo}`);
 * pagination follows absolute `Link` URLs (`https://host/api/v3/repositories/42/pulls/7/files?page=2`),
 * whose ids and names are folded back into placeholders.
 */
export function routeTemplate(url: string, baseUrl?: string): string {
  let path = url;
  if (/^https?:\/\//i.test(path)) {
    try {
      path = new URL(path).pathname;
    } catch {
      return "unknown";
    }
    const basePath = baseUrl ? safePathname(baseUrl) : "";
    if (basePath && basePath !== "/" && path.startsWith(basePath)) path = path.slice(basePath.length);
    else path = path.replace(/^\/api\/v3(?=\/)/, "");
  }
  path = path.replace(/[?#].*$/, "") || "/";
  if (path.includes("{")) return path;
  return (
    path
      .replace(/^\/repos\/[^/]+\/[^/]+/, "/repos/{owner}/{repo}")
      // Free text (file paths, branch names, ranges) ends these routes.
      .replace(/\/(contents|branches|compare|git\/refs|git\/ref|git\/matching-refs|commits)\/.+$/, (_, route: string) => `/${route}/{ref}`)
      .replace(/^\/repositories\/\d+/, "/repos/{owner}/{repo}")
      .replace(/^\/(users|orgs)\/[^/]+/, (_, kind: string) => (kind === "users" ? "/users/{username}" : "/orgs/{org}"))
      .split("/")
      .map((segment) => (/^\d+$/.test(segment) ? "{id}" : /^[0-9a-f]{40}$/i.test(segment) ? "{sha}" : segment))
      .join("/")
  );
}

function safePathname(url: string): string {
  try {
    return new URL(url).pathname.replace(/\/+$/, "");
  } catch {
    return "";
  }
}
