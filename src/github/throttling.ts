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
