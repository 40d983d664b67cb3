// Readiness: can this process do its work right now? Each check is bounded in time so /readyz
// answers within about a second even while Redis or the model server hangs, and every message is
// free of credentials (URLs are shown with their password masked; API keys never appear).
import { redactUrl } from "../config/env.js";
import { chooseModel, discoverServer, httpProbe, listedModels, type ListedModel } from "../model/server-profiles.js";
import { parseRedisUrl, redactRedisUrl } from "../config/redis-url.js";
import { createRedisClient } from "../queue/connection.js";
import { withTimeout } from "./with-timeout.js";

export type CheckResult = { ok: true; [detail: string]: unknown } | { ok: false; error: string; [detail: string]: unknown };

export interface ReadinessReport {
  ready: boolean;
  checks: Record<string, CheckResult>;
}

export interface ReadinessCheck {
  readonly name: string;
  run(): Promise<CheckResult>;
  close?(): Promise<void>;
}

export interface Readiness {
  check(): Promise<ReadinessReport>;
  /** Closes what the checks opened (the Redis probe connection). */
  close(): Promise<void>;
}

export function createReadiness(checks: readonly ReadinessCheck[]): Readiness {
  return {
    async check() {
      const results = await Promise.all(
        checks.map(async (check): Promise<[string, CheckResult]> => {
          try {
            return [check.name, await check.run()];
          } catch (error) {
            return [check.name, { ok: false, error: error instanceof Error ? error.message : String(error) }];
          }
        }),
      );
      return { ready: results.every(([, result]) => result.ok), checks: Object.fromEntries(results) };
    },
    async close() {
      await Promise.allSettled(checks.map(async (check) => check.close?.()));
    },
  };
}

export interface RedisCheckOptions {
  /** REDIS_URL: one Redis, Sentinel or Cluster; shown with its passwords masked. */
  url: string;
  /** @defaultValue 1000 */
  timeoutMs?: number;
}

/**
 * PINGs Redis on a connection of its own: the app's consumer connection queues commands while
 * Redis is away (a probe would wait forever), and the producer's state belongs to the intake.
 */
export function redisCheck(options: RedisCheckOptions): ReadinessCheck {
  const timeoutMs = options.timeoutMs ?? 1_000;
  const where = redactRedisUrl(options.url);
  let lastError: string | null = null;
  // No command waits past one failed connection attempt (maxRetriesPerRequest 0), and the
  // connection heals by itself when Redis comes back.
  const redis = createRedisClient(parseRedisUrl(options.url), {
    lazyConnect: true,
    connectTimeout: timeoutMs,
    maxRetriesPerRequest: 0,
    retryStrategy: (attempt: number) => Math.min(250 * attempt, 2_000),
  });
  redis.on("error", (error: Error) => {
    lastError = error.message;
  });
  redis.on("ready", () => {
    lastError = null;
  });
  return {
    name: "redis",
    async run() {
      // While it reconnects in the background, the last connection error is the answer: a probe
      // need not wait for the next attempt.
      if (redis.status === "reconnecting" && lastError !== null) return { ok: false, error: `Redis at ${where} is unreachable: ${lastError}` };
      try {
        const answer = await withTimeout(redis.ping(), timeoutMs, { what: "PING" });
        if (answer === "PONG") return { ok: true };
        return { ok: false, error: `Redis at ${where} answered PING with ${JSON.stringify(answer)}` };
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        if (redis.status === "ready") return { ok: false, error: `Redis at ${where} refused PING: ${message}` };
        // The connection's own error ("connect ECONNREFUSED …") says more than the command's.
        return { ok: false, error: `Redis at ${where} is unreachable: ${lastError ?? message}` };
      }
    },
    async close() {
      redis.disconnect();
    },
  };
}

export interface ModelCheckOptions {
  /** LLM_BASE_URL, e.g. http://127.0.0.1:8000/v1 */
  baseUrl: string;
  apiKey: string | null;
  /** LLM_MODEL; null: the first model listed. */
  model: string | null;
  /** @defaultValue 2000 */
  timeoutMs?: number;
  /**
   * How long an answer is reused: probes every few seconds must not each cost the model server
   * a request.
   * @defaultValue 5000
   */
  cacheMs?: number;
  /** Injected in tests. */
  fetch?: typeof fetch;
  now?: () => number;
}

/** GET {LLM_BASE_URL}/models: the endpoint answers, accepts our key, and serves the configured model. */
export function modelCheck(options: ModelCheckOptions): ReadinessCheck {
  const timeoutMs = options.timeoutMs ?? 2_000;
  const cacheMs = options.cacheMs ?? 5_000;
  const now = options.now ?? Date.now;
  const doFetch = options.fetch ?? fetch;
  const baseUrl = options.baseUrl.replace(/\/+$/, "");
  const where = redactUrl(baseUrl);
  let cached: { at: number; result: Promise<CheckResult> } | null = null;
  // Error texts from fetch can quote the URL it was given (with credentials, if it had any).
  const scrub = (result: CheckResult): CheckResult => {
    if (result.ok) return result;
    let error = result.error.split(options.baseUrl).join(where).split(baseUrl).join(where);
    if (options.apiKey) error = error.split(options.apiKey).join("***");
    return { ...result, error };
  };

  const probe = async (): Promise<CheckResult> => {
    let response: Response;
    try {
      response = await doFetch(`${baseUrl}/models`, {
        headers: { accept: "application/json", ...(options.apiKey ? { authorization: `Bearer ${options.apiKey}` } : {}) },
        signal: AbortSignal.timeout(timeoutMs),
      });
    } catch (error) {
      if (error instanceof Error && (error.name === "TimeoutError" || error.name === "AbortError")) {
        return { ok: false, error: `The model endpoint ${where} did not answer GET /models within ${timeoutMs} ms` };
      }
      return { ok: false, error: `The model endpoint ${where} is unreachable: ${causeOf(error)}` };
    }
    if (response.status === 401 || response.status === 403) {
      await response.body?.cancel();
      return { ok: false, error: `The model endpoint ${where} refused the credentials (${response.status}); check LLM_API_KEY.` };
    }
    if (!response.ok) {
      await response.body?.cancel();
      return { ok: false, error: `The model endpoint ${where} answered ${response.status} to GET /models; check LLM_BASE_URL (it usually ends in /v1).` };
    }
    let entries: ListedModel[];
    try {
      const data: unknown = ((await response.json()) as { data?: unknown }).data ?? [];
      if (!Array.isArray(data)) throw new TypeError("data is not a list");
      entries = listedModels(data);
    } catch {
      return { ok: false, error: `The model endpoint ${where} answered GET /models with something other than an OpenAI model list.` };
    }
    const ids = entries.map((entry) => entry.id);
    if (options.model && !ids.includes(options.model)) {
      return { ok: false, error: `LLM_MODEL=${options.model} is not served by ${where}; it serves: ${ids.join(", ") || "nothing"}.` };
    }
    const chosen = chooseModel(entries, options.model);
    if (chosen === undefined) return { ok: false, error: `${where} lists no models; load one or set LLM_MODEL.` };
    // The same detection the model client makes: which server, and the window it reports.
    const facts = await discoverServer(chosen, httpProbe({ baseUrl, apiKey: options.apiKey, timeoutMs, fetch: doFetch }), { loadModel: false });
    return { ok: true, model: chosen.id, server: facts.profile.name, ...(facts.window && !facts.window.assumed ? { contextTokens: facts.window.tokens } : {}) };
  };

  return {
    name: "model",
    run() {
      // Concurrent probes share one request; a result is reused for cacheMs.
      if (!cached || now() - cached.at >= cacheMs) cached = { at: now(), result: probe().then(scrub) };
      return cached.result;
    },
  };
}

/** fetch's TypeError says "fetch failed"; the reason (ECONNREFUSED, ENOTFOUND…) is its cause. */
function causeOf(error: unknown): string {
  const cause = (error as { cause?: { code?: unknown; message?: unknown } } | null)?.cause;
  if (cause && typeof cause.message === "string" && cause.message) return cause.message;
  if (cause && typeof cause.code === "string") return cause.code;
  return error instanceof Error ? error.message : String(error);
}
