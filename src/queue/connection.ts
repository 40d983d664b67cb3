// Redis connections: one Redis, a Sentinel-managed primary or a Redis Cluster (REDIS_URL), made
// here only, so every user (BullMQ, the app's scripts, the model cap, GitHub rate limits, the
// readiness probe) speaks to the same topology the same way.
import { Cluster, Redis, type ClusterOptions, type RedisOptions } from "ioredis";
import type { RedisTarget } from "../config/redis-url.js";

/** A connection to whichever topology REDIS_URL names. Both kinds run the same commands. */
export type RedisClient = Redis | Cluster;

/** Per-connection behaviour, the same on every topology. */
export interface RedisClientOptions {
  /** Commands sent while disconnected wait (true) or fail at once (false). @defaultValue true */
  enableOfflineQueue?: boolean;
  /** null: a command waits through any number of reconnects (BullMQ's workers need it). */
  maxRetriesPerRequest?: number | null;
  connectTimeout?: number;
  /** Delay before reconnect attempt `n`, or null to stop. */
  retryStrategy?: (attempt: number) => number | null;
  lazyConnect?: boolean;
}

/** Reconnect with a capped backoff; never give up (Redis restarts and failovers must heal by themselves). */
const RECONNECT = (attempt: number) => Math.min(200 * 2 ** Math.min(attempt, 5), 5_000);

export function createRedisClient(target: RedisTarget, options: RedisClientOptions = {}): RedisClient {
  const perNode: RedisOptions = {
    ...(options.maxRetriesPerRequest !== undefined ? { maxRetriesPerRequest: options.maxRetriesPerRequest } : {}),
    ...(options.connectTimeout !== undefined ? { connectTimeout: options.connectTimeout } : {}),
    ...(options.enableOfflineQueue !== undefined ? { enableOfflineQueue: options.enableOfflineQueue } : {}),
    lazyConnect: options.lazyConnect ?? false,
    retryStrategy: options.retryStrategy ?? RECONNECT,
    // A primary demoted by a failover answers writes with READONLY until the client reconnects to
    // the new one: reconnect and resend.
    reconnectOnError: (error) => (error.message.startsWith("READONLY") ? 2 : false),
  };
  switch (target.kind) {
    case "single":
      return new Redis(target.url, perNode);
    case "sentinel":
      return new Redis({
        ...perNode,
        sentinels: target.sentinels,
        name: target.name,
        db: target.db,
        ...auth(target),
        ...(target.sentinelUsername !== null ? { sentinelUsername: target.sentinelUsername } : {}),
        ...(target.sentinelPassword !== null ? { sentinelPassword: target.sentinelPassword } : {}),
        ...(target.tls ? { tls: {}, sentinelTLS: {}, enableTLSForSentinelMode: true } : {}),
        // Told of a failover by the Sentinels at once, instead of when the old primary stops answering.
        failoverDetector: true,
        sentinelRetryStrategy: options.retryStrategy ?? RECONNECT,
      });
    case "cluster": {
      const clusterOptions: ClusterOptions = {
        // Node connections keep ioredis's own defaults: a lost node is dropped and the slots are
        // fetched again (not reconnected forever), and commands queue while a node connects.
        redisOptions: {
          ...(options.maxRetriesPerRequest !== undefined ? { maxRetriesPerRequest: options.maxRetriesPerRequest } : {}),
          ...(options.connectTimeout !== undefined ? { connectTimeout: options.connectTimeout } : {}),
          ...auth(target),
          ...(target.tls ? { tls: {} } : {}),
        },
        enableOfflineQueue: options.enableOfflineQueue ?? true,
        lazyConnect: options.lazyConnect ?? false,
        clusterRetryStrategy: options.retryStrategy ?? RECONNECT,
        // While a replica takes over a failed primary, commands for its slots wait and retry (the
        // nodes' views of who serves a slot disagree for a moment: MOVED back and forth).
        retryDelayOnClusterDown: 200,
        retryDelayOnFailover: 200,
        retryDelayOnTryAgain: 200,
        retryDelayOnMoved: 100,
        maxRedirections: 32,
        slotsRefreshTimeout: options.connectTimeout ?? 2_000,
      };
      return new Cluster(target.nodes, clusterOptions);
    }
  }
}

function auth(target: { username: string | null; password: string | null }): Pick<RedisOptions, "username" | "password"> {
  return { ...(target.username !== null ? { username: target.username } : {}), ...(target.password !== null ? { password: target.password } : {}) };
}

export type ConnectionRole = "producer" | "consumer";

/**
 * Producers (the webhook intake) must fail fast while Redis is down, so a delivery is answered
 * with an error instead of hanging past GitHub's 10 s timeout: no offline queue, bounded retries.
 * Consumers (workers) must wait for Redis forever: BullMQ requires maxRetriesPerRequest null.
 * https://docs.bullmq.io/guide/going-to-production#maxretriesperrequest
 */
export function createRedisConnection(target: RedisTarget, role: ConnectionRole): RedisClient {
  return role === "producer"
    ? createRedisClient(target, { enableOfflineQueue: false, maxRetriesPerRequest: 1, connectTimeout: 2_000 })
    : createRedisClient(target, { maxRetriesPerRequest: null });
}
