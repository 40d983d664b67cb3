// Real Redis for the capacity tests: a fresh key prefix per test, every connection closed and every
// key deleted afterwards.
import { randomBytes } from "node:crypto";
import { Redis } from "ioredis";

export const REDIS_URL = process.env.REDIS_URL ?? "redis://127.0.0.1:6379";

export interface TestRedis {
  prefix: string;
  /** A new connection, closed by cleanup(). BullMQ-ready (maxRetriesPerRequest null). */
  connect(): Redis;
  cleanup(): Promise<void>;
}

export function testRedis(): TestRedis {
  const prefix = `test-capacity-${randomBytes(6).toString("hex")}`;
  const connections: Redis[] = [];
  return {
    prefix,
    connect() {
      const redis = new Redis(REDIS_URL, { maxRetriesPerRequest: null });
      connections.push(redis);
      return redis;
    },
    async cleanup() {
      const admin = new Redis(REDIS_URL);
      try {
        let cursor = "0";
        do {
          const [next, keys] = await admin.scan(cursor, "MATCH", `${prefix}:*`, "COUNT", 500);
          cursor = next;
          if (keys.length > 0) await admin.del(...keys);
        } while (cursor !== "0");
      } finally {
        admin.disconnect();
        for (const redis of connections) redis.disconnect();
      }
    },
  };
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Polls `check` until it is true, or fails naming `what`. */
export async function until(check: () => boolean | Promise<boolean>, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
    await sleep(10);
  }
}

export function percentile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
}
