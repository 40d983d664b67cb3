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

let shared: { url: string; Octokit: typeof ProbotOctokit } | null = null;

/** The Octokit class to give Probot (`Octokit` option), throttled through Redis at `redisUrl`. */
export function clusteredOctokit(redisUrl: string, log: Logger): typeof ProbotOctokit {
  if (shared) {
    if (shared.url !== redisUrl) log.warn("GitHub rate limits stay clustered through the first Redis this process used");
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
  const Octokit = ProbotOctokit.defaults((options: ConstructorParameters<typeof ProbotOctokit>[0] = {}) => ({
    ...options,
    throttle: { ...options.throttle, Bottleneck, connection },
  })) as typeof ProbotOctokit;
  shared = { url: redisUrl, Octokit };
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
