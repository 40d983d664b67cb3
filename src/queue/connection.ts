// Redis connections for BullMQ. Producers and consumers need different failure behaviour.
import { Redis } from "ioredis";

export type ConnectionRole = "producer" | "consumer";

/**
 * Producers (the webhook intake) must fail fast while Redis is down, so a delivery is answered
 * with an error instead of hanging past GitHub's 10 s timeout: no offline queue, bounded retries.
 * Consumers (workers) must wait for Redis forever: BullMQ requires maxRetriesPerRequest null.
 * https://docs.bullmq.io/guide/going-to-production#maxretriesperrequest
 */
export function createRedisConnection(url: string, role: ConnectionRole): Redis {
  const common = {
    // Reconnect with a capped backoff; never give up (Redis restarts must heal by themselves).
    retryStrategy: (attempt: number) => Math.min(200 * 2 ** Math.min(attempt, 5), 5_000),
    lazyConnect: false,
  };
  return role === "producer"
    ? new Redis(url, { ...common, enableOfflineQueue: false, maxRetriesPerRequest: 1, connectTimeout: 2_000 })
    : new Redis(url, { ...common, maxRetriesPerRequest: null });
}
