// The request pipeline: record, delay, inject faults, check the contract, authenticate,
// dispatch, answer with GitHub's headers. One function per step.
import { randomBytes } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Credential } from "./auth.js";
import { GHES_DOCS, GitHubHttpError, githubErrors } from "./errors.js";
import type { FaultQueue } from "./faults.js";
import { getContract } from "./openapi-contract.js";
import type { PatchLimits, Presenter } from "./presenters.js";
import type { Reply, RouteContext, Router, AuthRequirement } from "./router.js";
import type { FakeState, RepoRecord, UserRecord } from "./state.js";

export type RequestAuth =
  | { readonly type: "none" }
  | { readonly type: "app" }
  | { readonly type: "installation"; readonly installationId: number }
  | { readonly type: "invalid"; readonly reason: string };

export interface RecordedRequest {
  readonly method: string;
  /** REST: path without /api/v3 (and /repositories/{id} mapped to /repos/{owner}/{repo}); else the raw path. */
  readonly path: string;
  readonly api: "rest" | "graphql" | "other";
  readonly query: Readonly<Record<string, string>>;
  readonly body: unknown;
  readonly auth: RequestAuth;
  readonly at: string;
  status: number;
  operationId: string | undefined;
  durationMs: number;
  /** Answered by failNext() rather than by the fake's routes. */
  fault: boolean;
}

export interface ContractViolation {
  readonly kind: "unknown-route" | "bad-params" | "bad-json" | "bad-body" | "bad-response" | "fake-bug";
  readonly method: string;
  readonly path: string;
  readonly operationId: string | undefined;
  readonly problems: readonly string[];
}

export interface UnimplementedCall {
  readonly method: string;
  readonly path: string;
  readonly template: string;
  readonly operationId: string;
}

export interface ServerDeps {
  readonly state: FakeState;
  readonly present: Presenter;
  readonly router: Router;
  readonly limits: PatchLimits;
  readonly faults: FaultQueue;
  readonly checkResponses: boolean;
  latencyMs(): number;
  onRequest(record: RecordedRequest): void;
  onViolation(violation: ContractViolation): void;
  onUnimplemented(call: UnimplementedCall): void;
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => resolve(Buffer.concat(chunks)));
    req.on("error", reject);
  });
}

function summarize(credential: Credential): RequestAuth {
  switch (credential.type) {
    case "installation":
      return { type: "installation", installationId: credential.installationId };
    case "invalid":
      return { type: "invalid", reason: credential.reason };
    default:
      return { type: credential.type };
  }
}

/** "0408:2CCC:5312B2:8F5D91:6092207A", the shape of GitHub's request ids. */
function requestId(): string {
  const hex = randomBytes(14).toString("hex").toUpperCase();
  return [hex.slice(0, 4), hex.slice(4, 8), hex.slice(8, 14), hex.slice(14, 20), hex.slice(20, 28)].join(":");
}

/** Per-credential counters for the x-ratelimit-* headers GitHub sends on every REST answer. */
class RateCounter {
  readonly #used = new Map<string, number>();

  headers(credential: Credential, now: number, resource: "core" | "graphql"): Record<string, string> {
    const reset = Math.floor(now / 1000 / 3600) * 3600 + 3600;
    const who = credential.type === "installation" ? `i${credential.installationId}` : credential.type;
    const key = `${resource}:${who}:${reset}`;
    const used = (this.#used.get(key) ?? 0) + 1;
    this.#used.set(key, used);
    const limit = credential.type === "none" ? 60 : 5000;
    return {
      "x-ratelimit-limit": String(limit),
      "x-ratelimit-remaining": String(Math.max(limit - used, 0)),
      "x-ratelimit-used": String(used),
      "x-ratelimit-reset": String(reset),
      "x-ratelimit-resource": resource,
    };
  }
}

/** GitHub's Link headers point at /repositories/{id}/…; requests for those mean /repos/{owner}/{repo}/…. */
function unaliasRepositoryPath(state: FakeState, path: string): string {
  const match = /^\/repositories\/(\d+)(\/.*)?$/.exec(path);
  if (!match) return path;
  const repo = state.repos.get(Number(match[1]));
  return repo ? `/repos/${repo.fullName}${match[2] ?? ""}` : path;
}

export function createRequestHandler(deps: ServerDeps): (req: IncomingMessage, res: ServerResponse) => void {
  const rates = new RateCounter();
  return (req, res) => {
    handle(deps, rates, req, res).catch((error: unknown) => {
      // Only reached if writing the response itself failed.
      if (!res.headersSent) res.writeHead(500);
      res.end(String(error));
    });
  };
}

async function handle(deps: ServerDeps, rates: RateCounter, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const { state } = deps;
  const started = performance.now();
  const rawBody = await readBody(req);
  const url = new URL(req.url ?? "/", state.origin);
  const method = (req.method ?? "GET").toUpperCase();
  const isRest = url.pathname === "/api/v3" || url.pathname.startsWith("/api/v3/");
  const path = isRest ? unaliasRepositoryPath(state, url.pathname.slice("/api/v3".length) || "/") : url.pathname;
  const credential = state.authority.authenticate(req.headers.authorization);
  let body: unknown;
  let badJson = false;
  if (rawBody.length > 0 && (isRest || /json/.test(req.headers["content-type"] ?? ""))) {
    try {
      body = JSON.parse(rawBody.toString("utf8"));
    } catch {
      badJson = true;
    }
  }
  const record: RecordedRequest = {
    method,
    path: decodeURIComponentSafe(path),
    api: isRest ? "rest" : path === "/api/graphql" ? "graphql" : "other",
    query: Object.fromEntries(url.searchParams),
    body: badJson ? rawBody.toString("utf8") : body,
    auth: summarize(credential),
    at: state.isoNow(),
    status: 0,
    operationId: undefined,
    durationMs: 0,
    fault: false,
  };

  const delay = deps.latencyMs();
  if (delay > 0) await new Promise((resolve) => setTimeout(resolve, delay));

  let reply: Reply;
  try {
    const fault = deps.faults.take(method, record.path);
    if (fault) {
      record.fault = true;
      reply = fault;
    } else if (isRest) {
      reply = await handleRest(deps, { method, path, url, rawBody, body, badJson, credential, req, record });
    } else {
      reply = await handleRaw(deps, { method, path, url, rawBody, body, credential, req, record });
    }
  } catch (error) {
    if (error instanceof GitHubHttpError) {
      reply = { status: error.status, json: error.body, headers: error.headers };
    } else {
      deps.onViolation({
        kind: "fake-bug",
        method,
        path: record.path,
        operationId: record.operationId,
        problems: [error instanceof Error ? (error.stack ?? error.message) : String(error)],
      });
      reply = { status: 500, json: { message: "Server Error (a bug in the fake GitHub; see fake.violations)", status: "500" } };
    }
  }

  if ("stream" in reply) {
    await reply.stream(res);
    record.status = res.statusCode;
  } else {
    const headers: Record<string, string> = {
      "x-github-request-id": requestId(),
      "x-github-api-version-selected": "2022-11-28",
      "x-github-enterprise-version": "3.19.0",
      ...(isRest || record.api === "graphql" ? rates.headers(credential, state.clock(), isRest ? "core" : "graphql") : {}),
    };
    let payload: Buffer | undefined;
    if ("bytes" in reply) {
      headers["content-type"] = reply.contentType;
      payload = Buffer.isBuffer(reply.bytes) ? reply.bytes : Buffer.from(reply.bytes, "utf8");
    } else if (reply.json !== undefined && reply.status !== 204) {
      headers["content-type"] = "application/json; charset=utf-8";
      headers["x-github-media-type"] = "github.v3; format=json";
      payload = Buffer.from(JSON.stringify(reply.json), "utf8");
    }
    Object.assign(headers, reply.headers);
    if (payload) headers["content-length"] = String(payload.length);
    res.writeHead(reply.status, headers);
    res.end(payload);
    record.status = reply.status;
  }
  record.durationMs = Math.round((performance.now() - started) * 10) / 10;
  deps.onRequest(record);
}

function decodeURIComponentSafe(path: string): string {
  try {
    return decodeURIComponent(path);
  } catch {
    return path;
  }
}

interface IncomingCall {
  readonly method: string;
  readonly path: string;
  readonly url: URL;
  readonly rawBody: Buffer;
  readonly body: unknown;
  readonly credential: Credential;
  readonly req: IncomingMessage;
  readonly record: RecordedRequest;
}

async function handleRest(deps: ServerDeps, call: IncomingCall & { badJson: boolean }): Promise<Reply> {
  const { method, path, url, record } = call;
  const contract = getContract();
  const { match } = contract.find(method, path);
  if (!match) {
    // GitHub answers 404 for unknown paths and for known paths with an unsupported method.
    deps.onViolation({
      kind: "unknown-route",
      method,
      path: record.path,
      operationId: undefined,
      problems: [`${method} ${record.path} is not in GitHub's REST API`],
    });
    throw githubErrors.notFound(GHES_DOCS);
  }
  const operation = match.operation;
  record.operationId = operation.operationId;
  const paramProblems = contract.checkParams(match, url.searchParams);
  if (paramProblems.length > 0) {
    const lines = paramProblems.map((p) => p.line);
    deps.onViolation({ kind: "bad-params", method, path: record.path, operationId: operation.operationId, problems: lines });
    if (paramProblems.some((p) => p.where === "path")) throw githubErrors.notFound(operation.docsUrl);
    throw githubErrors.invalidRequest(lines, operation.docsUrl);
  }
  if (call.badJson) {
    deps.onViolation({ kind: "bad-json", method, path: record.path, operationId: operation.operationId, problems: ["body is not JSON"] });
    throw githubErrors.problemsParsingJson(operation.docsUrl);
  }
  const bodyProblems = contract.checkBody(operation, call.body);
  if (bodyProblems.length > 0) {
    deps.onViolation({ kind: "bad-body", method, path: record.path, operationId: operation.operationId, problems: bodyProblems });
    throw githubErrors.invalidRequest(bodyProblems, operation.docsUrl);
  }
  const route = deps.router.findRest(method, operation.template);
  if (!route) {
    deps.onUnimplemented({ method, path: record.path, template: operation.template, operationId: operation.operationId });
    throw githubErrors.notImplemented(method, operation.template, operation.operationId);
  }
  const repo = authorize(deps.state, route.auth, call.credential, match.params, operation.docsUrl);
  const ctx = buildContext(deps, call, {
    params: match.params,
    docsUrl: operation.docsUrl,
    operationId: operation.operationId,
    repo,
    restPath: path,
  });
  const reply = await route.handler(ctx);
  if (deps.checkResponses && "json" in reply && reply.json !== undefined) {
    const problems = contract.checkResponse(operation, reply.status, reply.json);
    if (problems.length > 0) {
      deps.onViolation({ kind: "bad-response", method, path: record.path, operationId: operation.operationId, problems });
    }
  }
  return reply;
}

/** GitHub's answers to missing, wrong or insufficient credentials; returns the addressed repository. */
function authorize(
  state: FakeState,
  auth: AuthRequirement,
  credential: Credential,
  params: Readonly<Record<string, string>>,
  docs: string,
): RepoRecord | undefined {
  const owner = params["owner"];
  const name = params["repo"];
  if (auth === "none") return owner && name ? state.repoByName(owner, name) : undefined;
  if (credential.type === "invalid") throw credential.error;
  if (credential.type === "none") throw githubErrors.requiresAuthentication(docs);
  if (auth === "app") {
    if (credential.type !== "app") throw githubErrors.jwt("A JSON web token could not be decoded");
    return owner && name ? state.repoByName(owner, name) : undefined;
  }
  if (credential.type !== "installation") throw githubErrors.resourceNotAccessible(docs);
  if (!owner || !name) return undefined;
  const repo = state.repoByName(owner, name);
  const token = state.authority.tokenInfo(credential.token);
  // A repository outside the installation does not exist as far as the token can tell.
  if (!repo || !state.installationCanAccess(credential.installationId, repo, token?.repositoryIds)) {
    throw githubErrors.notFound(docs);
  }
  return repo;
}

async function handleRaw(deps: ServerDeps, call: IncomingCall): Promise<Reply> {
  const found = deps.router.findRaw(call.method, call.path);
  if (!found) throw githubErrors.notFound(GHES_DOCS);
  // Named groups (?<owner>…) and (?<repo>…) make the route repository-scoped, like REST ones.
  const params: Record<string, string> = { ...(found.match.groups ?? {}) };
  const repo = authorize(deps.state, found.route.auth, call.credential, params, GHES_DOCS);
  const ctx = buildContext(deps, call, {
    params,
    docsUrl: GHES_DOCS,
    operationId: undefined,
    repo,
    restPath: undefined,
  });
  return found.route.handler(ctx);
}

function buildContext(
  deps: ServerDeps,
  call: IncomingCall,
  resolved: {
    params: Record<string, string>;
    docsUrl: string;
    operationId: string | undefined;
    repo: RepoRecord | undefined;
    restPath: string | undefined;
  },
): RouteContext {
  const { state } = deps;
  return {
    state,
    present: deps.present,
    limits: deps.limits,
    method: call.method,
    path: call.record.path,
    params: resolved.params,
    query: call.url.searchParams,
    headers: call.req.headers,
    body: call.body,
    rawBody: call.rawBody,
    credential: call.credential,
    docsUrl: resolved.docsUrl,
    operationId: resolved.operationId,
    repo(): RepoRecord {
      if (!resolved.repo) throw githubErrors.notFound(resolved.docsUrl);
      return resolved.repo;
    },
    actor(): UserRecord {
      if (call.credential.type === "installation" || call.credential.type === "app") return state.app.bot;
      throw githubErrors.requiresAuthentication(resolved.docsUrl);
    },
    pageUrl(page: number): string {
      const query = new URLSearchParams(call.url.searchParams);
      query.set("page", String(page));
      let path = resolved.restPath ?? call.url.pathname;
      const repo = resolved.repo;
      if (repo && resolved.restPath !== undefined) {
        const prefix = `/repos/${repo.fullName}`;
        if (path.toLowerCase().startsWith(prefix.toLowerCase())) path = `/repositories/${repo.id}${path.slice(prefix.length)}`;
      }
      return `${state.origin}${resolved.restPath !== undefined ? "/api/v3" : ""}${path}?${query.toString()}`;
    },
    recordUnimplemented(operation: string): void {
      deps.onUnimplemented({ method: call.method, path: call.record.path, template: call.record.path, operationId: operation });
    },
  };
}
