// GitHub rate limits shared by every process: Octokit's throttling clustered through Redis, one
// limiter per installation. https://github.com/octokit/plugin-throttling.js#clustering
//
// The throttling plugin keeps its limiters in a module-level singleton bound to the first
// connection any Octokit of the process uses, so the connection is process-wide here too: made
// once, never closed while the process runs (closing it would hang every later GitHub call).
// Probot's own `redisConfig` would do the same but open two connections per Probot instance.
import Bottleneck from "bottleneck";
import { Redis } from "ioredis";
import { ProbotOctokit, type Logger } from "probot";

let shared: { url: string; writeIntervalMs: number; Octokit: typeof ProbotOctokit } | null = null;

export interface ThrottlingOptions {
  /**
   * Least time between two writes of one installation (GITHUB_WRITE_INTERVAL_MS). The plugin's
   * own groups hard-code GitHub's advice (1 s, and 3 s for writes that notify people); ours take
   * the configured value so tests need not wait it out.
   */
  writeIntervalMs: number;
}

/** The Octokit class to give Probot (`Octokit` option), throttled through Redis at `redisUrl`. */
export function clusteredOctokit(redisUrl: string, log: Logger, options: ThrottlingOptions): typeof ProbotOctokit {
  if (shared) {
    if (shared.url !== redisUrl || shared.writeIntervalMs !== options.writeIntervalMs) {
      log.warn("GitHub rate limits stay clustered through the first Redis and write interval this process used");
    }
    return shared.Octokit;
  }
  const client = new Redis(redisUrl, { maxRetriesPerRequest: null, lazyConnect: false });
  client.on("error", () => undefined);
  const connection = new Bottleneck.IORedisConnection({ client, Redis });
  connection.on("error", (error: unknown) => log.warn({ err: error }, "GitHub rate-limit store (Redis) error"));
  recoverAfterRedisRestart(connection);
  // Never keeps the process alive by itself.
  client.stream?.unref?.();
  client.on("connect", () => client.stream?.unref?.());
  // The same ids, settings and timeout as plugin-throttling's own groups, so processes that run
  // the plugin's defaults share these limiters in Redis; only the spacing is ours.
  const timeout = 2 * 60_000;
  const write = new Bottleneck.Group({ id: "octokit-write", maxConcurrent: 1, minTime: options.writeIntervalMs, timeout, connection });
  const notifications = new Bottleneck.Group({ id: "octokit-notifications", maxConcurrent: 1, minTime: 3 * options.writeIntervalMs, timeout, connection });
  const Octokit = ProbotOctokit.defaults((octokitOptions: ConstructorParameters<typeof ProbotOctokit>[0] = {}) => ({
    ...octokitOptions,
    throttle: { ...octokitOptions.throttle, Bottleneck, connection, write, notifications },
  })) as typeof ProbotOctokit;
  shared = { url: redisUrl, writeIntervalMs: options.writeIntervalMs, Octokit };
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
