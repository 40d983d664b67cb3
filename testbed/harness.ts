// The test bed (used by the tests and by the benchmarks): the whole app started as a user would run
// it, pointed through its ordinary configuration at a fake GitHub Enterprise server, a fake
// vLLM-compatible server and the real Redis, with a queue prefix of its own so runs never see each
// other's jobs. Nothing here depends on the test runner.
import { randomBytes } from "node:crypto";
import { createServer } from "node:net";
import { Queue } from "bullmq";
import { Cluster } from "ioredis";
import { pino, type Logger } from "pino";
import { startApp, type RunningApp } from "../src/app.js";
import { loadConfig, type AppConfig } from "../src/config/env.js";
import { createRedisClient, type RedisClient } from "../src/queue/connection.js";
import { QUEUE_NAMES } from "../src/queue/jobs.js";
import { startFakeGitHub, type FakeGitHub } from "./fakes/github/index.js";
import { startFakeModel, type FakeModel, type FakeModelOptions } from "./fakes/model/index.js";

export const REDIS_URL = process.env.REDIS_URL ?? "redis://127.0.0.1:6379";

export interface Harness {
  github: FakeGitHub;
  model: FakeModel;
  app: RunningApp;
  config: AppConfig;
  webhookUrl: string;
  secret: string;
  /** The app's key prefix (config.redis.prefix: on Cluster, QUEUE_PREFIX as a hash tag). */
  prefix: string;
  /** A connection of the test's own to the app's Redis (REDIS_URL, or what options.env names). */
  redis: RedisClient;
  close(): Promise<void>;
}

export interface HarnessOptions {
  model?: FakeModelOptions;
  env?: Record<string, string>;
  /** Start the app (default) or only the fakes, e.g. to start roles separately. */
  startApp?: boolean;
  /** The app's logger; default: a silent one (TEST_LOG_LEVEL to see logs). */
  log?: Logger;
}

export async function startHarness(options: HarnessOptions = {}): Promise<Harness> {
  const github = await startFakeGitHub();
  const model = await startFakeModel(options.model ?? {});
  const secret = randomBytes(16).toString("hex");
  const prefix = `test-${randomBytes(6).toString("hex")}`;
  const config = loadConfig({
    APP_ID: String(github.appId),
    PRIVATE_KEY: github.privateKey,
    WEBHOOK_SECRET: secret,
    GHE_HOST: github.host,
    GHE_PROTOCOL: "http",
    HOST: "127.0.0.1",
    // Probot's Server treats port 0 as "use 3000", so a free port is chosen here.
    PORT: String(await freePort()),
    REDIS_URL,
    QUEUE_PREFIX: prefix,
    LLM_BASE_URL: model.baseUrl,
    // Tests run many apps in one process: no fixed ports.
    WORKER_PORT: "0",
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? "silent",
    LOG_FORMAT: "json",
    ...options.env,
  });
  const log = options.log ?? pino({ level: config.log.level });
  const app = options.startApp === false ? { url: null, close: async (): Promise<string[]> => [] } : await startApp(config, log);
  const redis = createRedisClient(config.redis.target);
  // Failovers and stopped Redis servers are part of some tests; the app reports its own errors.
  redis.on("error", () => undefined);
  return {
    github,
    model,
    app,
    config,
    // The same whether the app runs in this process or as a child process on that port.
    webhookUrl: `http://127.0.0.1:${config.server.port}${config.github.webhookPath}`,
    secret,
    prefix: config.redis.prefix,
    redis,
    async close() {
      await app.close().catch(() => undefined);
      // Some tests stop the app's Redis: the clean-up does not wait for it to come back.
      await Promise.race([deleteKeys(redis, `${config.redis.prefix}:*`).catch(() => undefined), new Promise((resolve) => setTimeout(resolve, 2_000))]);
      redis.disconnect();
      await model.close();
      await github.close();
    },
  };
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** Deletes the keys matching `pattern`; on Cluster, on every primary (SCAN sees one node's keys). */
export async function deleteKeys(redis: RedisClient, pattern: string): Promise<void> {
  for (const node of redis instanceof Cluster ? redis.nodes("master") : [redis]) {
    let cursor = "0";
    do {
      const [next, keys] = await node.scan(cursor, "MATCH", pattern, "COUNT", 500);
      cursor = next;
      // One DEL per key: on Cluster the keys of one SCAN page may lie in different slots.
      for (const key of keys) await node.del(key);
    } while (cursor !== "0");
  }
}

/** Polls until `check` returns a value other than undefined/false, or fails with `what`. */
export async function eventually<T>(check: () => T | Promise<T>, what: string, timeoutMs = 15_000): Promise<Exclude<T, undefined | false>> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value !== undefined && value !== false) return value as Exclude<T, undefined | false>;
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}${last ? `: ${String(last)}` : ""}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/**
 * Resolves once no job of the harness's app waits, runs or is scheduled for a retry in any queue:
 * from then on nothing more happens unless a test delivers something. What a test checks after it
 * ("still one review") is final, without sleeping for a guess of "long enough".
 */
export async function queuesDrained(h: Pick<Harness, "redis" | "prefix">, timeoutMs = 30_000): Promise<void> {
  const queues = Object.values(QUEUE_NAMES).map((name) => new Queue(name, { connection: h.redis, prefix: h.prefix }));
  try {
    await eventually(
      async () => {
        for (const queue of queues) {
          const counts = await queue.getJobCounts("waiting", "active", "delayed", "prioritized", "waiting-children");
          if (Object.values(counts).some((n) => n > 0)) return false;
        }
        return true;
      },
      "the queues to drain",
      timeoutMs,
    );
  } finally {
    await Promise.all(queues.map((queue) => queue.close()));
  }
}
