// Shared pieces of the ops tests: an isolated queue prefix on the real Redis, and a port nothing
// listens on (to make Redis or the model "unreachable").
import { randomBytes } from "node:crypto";
import { createServer } from "node:net";
import { Redis } from "ioredis";
import { deleteKeys, REDIS_URL } from "../helpers/harness.js";

export { REDIS_URL };

export interface TestRedis {
  redis: Redis;
  prefix: string;
  cleanup(): Promise<void>;
}

/** A connection configured like a worker's (BullMQ wants maxRetriesPerRequest null) and a fresh prefix. */
export function testRedis(): TestRedis {
  const redis = new Redis(REDIS_URL, { maxRetriesPerRequest: null });
  const prefix = `test-ops-${randomBytes(6).toString("hex")}`;
  return {
    redis,
    prefix,
    async cleanup() {
      await deleteKeys(redis, `${prefix}:*`).catch(() => undefined);
      redis.disconnect();
    },
  };
}

/** A local port that was free a moment ago and has nothing listening on it now. */
export async function freePort(): Promise<number> {
  return new Promise<number>((resolve, reject) => {
    const server = createServer().listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
    server.on("error", reject);
  });
}

/** A port nothing listens on: Redis or a model server "unreachable" there. */
export const closedPort = freePort;

/** The value of one sample line of Prometheus text, or undefined when the series is absent. */
export function sample(text: string, series: string): number | undefined {
  for (const line of text.split("\n")) {
    if (line.startsWith(`${series} `)) return Number(line.slice(series.length + 1));
  }
  return undefined;
}
