// GitHub rate limits shared by every process: Octokit's throttling clustered through Redis, one
// limiter per installation. https://github.com/octokit/plugin-throttling.js#clustering
//
// Each limiter's scripts touch its eight keys (b_<id>_settings, …) at once, so on Redis Cluster
// they must share a slot: the limiters' ids start with the deployment's key prefix, which is a
// hash tag there (keyPrefix in src/config/redis-url.ts).
//
// The throttling plugin keeps its limiters in a module-level singleton bound to the first
// connection any Octokit of the process uses, so the connection is process-wide here too: made
// once, never closed while the process runs (closing it would hang every later GitHub call).
// Probot's own `redisConfig` would do the same but open two connections per Probot instance.
import Bottleneck from "bottleneck";
import { Cluster, Redis } from "ioredis";
import { ProbotOctokit, type Logger } from "probot";
import { parseRedisUrl } from "../config/redis-url.js";
import { createRedisClient } from "../queue/connection.js";

let shared: { url: string; prefix: string; writeIntervalMs: number; Octokit: typeof ProbotOctokit } | null = null;

export interface ThrottlingOptions {
  /**
   * Least time between two writes of one installation (GITHUB_WRITE_INTERVAL_MS). The plugin's
   * own groups hard-code GitHub's advice (1 s, and 3 s for writes that notify people); ours take
   * the configured value so tests need not wait it out.
   */
  writeIntervalMs: number;
}

/** The Octokit class to give Probot (`Octokit` option), throttled through the deployment's Redis. */
export function clusteredOctokit(redis: { url: string; prefix: string }, log: Logger, options: ThrottlingOptions): typeof ProbotOctokit {
  if (shared) {
    if (shared.url !== redis.url || shared.prefix !== redis.prefix || shared.writeIntervalMs !== options.writeIntervalMs) {
      log.warn("GitHub rate limits stay clustered through the first Redis, key prefix and write interval this process used");
    }
    return shared.Octokit;
  }
  const client = createRedisClient(parseRedisUrl(redis.url), { maxRetriesPerRequest: null });
  client.on("error", () => undefined);
  const connection = new Bottleneck.IORedisConnection({ client, Redis });
  connection.on("error", (error: unknown) => log.warn({ err: error }, "GitHub rate-limit store (Redis) error"));
  recoverAfterRedisRestart(connection);
  // Never keeps the process alive by itself.
  unrefSockets(client);
  client.on("connect", () => unrefSockets(client));
  // The plugin's five groups with its settings and timeout, under ids of this deployment (the
  // plugin would create the other three with its own ids, which Cluster cannot run); only the
  // write spacing is ours.
  const timeout = 2 * 60_000;
  const group = (name: string, settings: Bottleneck.ConstructorOptions) =>
    new Bottleneck.Group({ ...settings, id: `${redis.prefix}:octokit-${name}`, timeout, connection });
  const groups = {
    global: group("global", { maxConcurrent: 10 }),
    auth: group("auth", { maxConcurrent: 1 }),
    search: group("search", { maxConcurrent: 1, minTime: 2_000 }),
    write: group("write", { maxConcurrent: 1, minTime: options.writeIntervalMs }),
    notifications: group("notifications", { maxConcurrent: 1, minTime: 3 * options.writeIntervalMs }),
  };
  const Octokit = ProbotOctokit.defaults((octokitOptions: ConstructorParameters<typeof ProbotOctokit>[0] = {}) => ({
    ...octokitOptions,
    throttle: { ...octokitOptions.throttle, Bottleneck, connection, ...groups },
  })) as typeof ProbotOctokit;
  shared = { url: redis.url, prefix: redis.prefix, writeIntervalMs: options.writeIntervalMs, Octokit };
  return Octokit;
}

/**
 * Bottleneck rebuilds its state in Redis when a script answers exactly "SETTINGS_KEY_NOT_FOUND"
 * or "UNKNOWN_CLIENT" (Redis restarted or was flushed), but Redis 7 reports script errors as
 * "ERR SETTINGS_KEY_NOT_FOUND": without this, every GitHub call would fail after a Redis restart
 * until the process restarted. The prefix is removed from those two errors only.
 */
function recoverAfterRedisRestart(connection: Bottleneck.IORedisConnection): void {
  type ScriptArgs = (name: string, id: string, args: unknown[], cb: (error: Error | null, replies: unknown) => void) => unknown[];
  const target = connection as unknown as { __scriptArgs__: ScriptArgs };
  const original = target.__scriptArgs__.bind(connection);
  target.__scriptArgs__ = (name, id, args, cb) =>
    original(name, id, args, (error, replies) => {
      if (error && /^ERR (SETTINGS_KEY_NOT_FOUND|UNKNOWN_CLIENT)\b/.test(error.message)) error.message = error.message.slice(4);
      cb(error, replies);
    });
}

/** The sockets of a connection, or of every node of a Cluster. */
function unrefSockets(client: ReturnType<typeof createRedisClient>): void {
  for (const node of client instanceof Cluster ? client.nodes() : [client]) node.stream?.unref?.();
}
