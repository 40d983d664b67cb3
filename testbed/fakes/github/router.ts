// The fake's small router. REST routes are keyed by the exact OpenAPI path template, so the
// contract check and the dispatch share one match. Other routes (GraphQL, git smart HTTP) match
// a RegExp on the raw path and may stream their response.
import type { IncomingHttpHeaders, ServerResponse } from "node:http";
import type { Credential } from "./auth.js";
import { githubErrors, type JsonValue } from "./errors.js";
import type { Presenter, PatchLimits } from "./presenters.js";
import type { FakeState, RepoRecord, UserRecord } from "./state.js";

/**
 * Who may call a route.
 * - "installation": an installation token whose installation includes the {owner}/{repo} repository.
 * - "app": a JWT signed with the app's key.
 * - "none": anything, including no credentials (the handler decides).
 */
export type AuthRequirement = "installation" | "app" | "none";

export type Reply =
  | { readonly status: number; readonly json?: JsonValue; readonly headers?: Record<string, string> }
  | {
      readonly status: number;
      readonly bytes: Buffer | string;
      readonly contentType: string;
      readonly headers?: Record<string, string>;
    }
  /** Full control of the response (git http-backend); the request body is already in `ctx.rawBody`. */
  | { readonly stream: (res: ServerResponse) => Promise<void> };

export interface RouteContext {
  readonly state: FakeState;
  readonly present: Presenter;
  readonly limits: PatchLimits;
  readonly method: string;
  /** Path without /api/v3 for REST routes, with /repositories/{id} rewritten to /repos/{owner}/{repo}. */
  readonly path: string;
  readonly params: Readonly<Record<string, string>>;
  readonly query: URLSearchParams;
  readonly headers: IncomingHttpHeaders;
  /** Parsed JSON body of REST requests; undefined when there was none. */
  readonly body: unknown;
  readonly rawBody: Buffer;
  readonly credential: Credential;
  /** What GitHub puts in `documentation_url` for this endpoint. */
  readonly docsUrl: string;
  readonly operationId: string | undefined;
  /** The {owner}/{repo} repository; access was checked before the handler ran. */
  repo(): RepoRecord;
  /** The user acting: the app's bot for installation tokens. */
  actor(): UserRecord;
  /** Absolute URL of this request with `page` replaced, for Link headers. */
  pageUrl(page: number): string;
  /** Notes in `fake.unimplemented` that this call asked for something the fake does not do. */
  recordUnimplemented(operation: string): void;
}

export type Handler = (ctx: RouteContext) => Reply | Promise<Reply>;

export interface RestRoute {
  readonly method: string;
  readonly template: string;
  readonly auth: AuthRequirement;
  readonly handler: Handler;
}

export interface RawRoute {
  readonly method: string;
  readonly pattern: RegExp;
  readonly auth: AuthRequirement;
  readonly handler: Handler;
}

/** A route module registers its handlers; see routes/index.ts. */
export type RouteModule = (router: Router) => void;

export class Router {
  readonly #rest = new Map<string, RestRoute>();
  readonly #raw: RawRoute[] = [];

  /** Registers a REST handler for `METHOD /template` exactly as GitHub's OpenAPI description spells it. */
  rest(method: string, template: string, handler: Handler, options: { auth?: AuthRequirement } = {}): void {
    const key = `${method.toUpperCase()} ${template}`;
    if (this.#rest.has(key)) throw new Error(`Route ${key} is registered twice`);
    this.#rest.set(key, { method: method.toUpperCase(), template, auth: options.auth ?? "installation", handler });
  }

  /** Registers a non-REST handler (GraphQL, git smart HTTP) on the raw path; method "*" matches any. */
  raw(method: string, pattern: RegExp, handler: Handler, options: { auth?: AuthRequirement } = {}): void {
    this.#raw.push({ method: method.toUpperCase(), pattern, auth: options.auth ?? "none", handler });
  }

  findRest(method: string, template: string): RestRoute | undefined {
    return this.#rest.get(`${method} ${template}`);
  }

  findRaw(method: string, path: string): { route: RawRoute; match: RegExpExecArray } | undefined {
    for (const route of this.#raw) {
      if (route.method !== "*" && route.method !== method) continue;
      const match = route.pattern.exec(path);
      if (match) return { route, match };
    }
    return undefined;
  }

  restRoutes(): RestRoute[] {
    return [...this.#rest.values()];
  }
}

/** Reads a positive integer path parameter the contract check already validated. */
export function intParam(ctx: RouteContext, name: string): number {
  return Number(ctx.params[name]);
}

export function json(status: number, body: JsonValue, headers?: Record<string, string>): Reply {
  return headers ? { status, json: body, headers } : { status, json: body };
}

/** Slices a list the way GitHub pages it and adds the Link header GitHub sends. */
export function paginate<T>(
  ctx: RouteContext,
  items: readonly T[],
  options: { defaultPerPage?: number; maxPerPage?: number } = {},
): { items: T[]; headers: Record<string, string> } {
  const maxPerPage = options.maxPerPage ?? 100;
  const requested = Number(ctx.query.get("per_page") ?? options.defaultPerPage ?? 30);
  const perPage = Math.min(Math.max(Number.isFinite(requested) && requested > 0 ? requested : 30, 1), maxPerPage);
  const page = Math.max(Number(ctx.query.get("page") ?? 1) || 1, 1);
  const last = Math.max(Math.ceil(items.length / perPage), 1);
  const links: string[] = [];
  // GitHub's order: prev, next, last, first.
  if (page > 1) links.push(`<${ctx.pageUrl(Math.min(page - 1, last))}>; rel="prev"`);
  if (page < last) {
    links.push(`<${ctx.pageUrl(page + 1)}>; rel="next"`);
    links.push(`<${ctx.pageUrl(last)}>; rel="last"`);
  }
  if (page > 1) links.push(`<${ctx.pageUrl(1)}>; rel="first"`);
  const headers: Record<string, string> = {};
  if (links.length > 0) headers["link"] = links.join(", ");
  return { items: items.slice((page - 1) * perPage, page * perPage), headers };
}

/** The repository named by {owner}/{repo}, or GitHub's 404. */
export function lookupRepo(ctx: Pick<RouteContext, "state" | "params" | "docsUrl">): RepoRecord {
  const owner = ctx.params["owner"];
  const name = ctx.params["repo"];
  const repo = owner && name ? ctx.state.repoByName(owner, name) : undefined;
  if (!repo) throw githubErrors.notFound(ctx.docsUrl);
  return repo;
}
