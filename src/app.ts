// The composition root: builds the web role, the worker role, or both, from one AppConfig.
import { Probot, Server, type Logger } from "probot";
import type { AppConfig } from "./config/env.js";
import { redactUrl } from "./config/env.js";
import { createGitHubApp, type Octokit } from "./github/app-client.js";
import { ModelClient } from "./model/client.js";
import { createRedisConnection } from "./queue/connection.js";
import { createStartFix } from "./fix/start-fix.js";
import { createQueues, enqueueFix, enqueueReview } from "./queue/queues.js";
import { loadQwenTokenizer } from "./tokenizer/index.js";
import { RedeliverySweeper } from "./web/redelivery.js";
import { createWebhookApp } from "./web/webhook-app.js";
import { startWorkers } from "./worker/workers.js";

export interface RunningApp {
  /** Base URL of the web role (http://host:port), when it runs. */
  url: string | null;
  /** Stops everything; running jobs get `deadlineMs` to finish before they are handed back. */
  close(deadlineMs?: number): Promise<void>;
}

export async function startApp(config: AppConfig, log: Logger): Promise<RunningApp> {
  if (config.setupMode) throw new Error("startApp needs App credentials; main.ts serves the setup page without them.");
  const closers: Array<[string, (deadlineMs: number) => Promise<unknown>]> = [];
  const close = async (deadlineMs = 0) => {
    // Every step runs even when one fails; last opened, first closed.
    for (const [name, step] of closers.reverse()) {
      await step(deadlineMs).catch((error: unknown) => log.error({ err: error }, `error while closing ${name}`));
    }
    closers.length = 0;
  };

  try {
    const probotOptions = {
      appId: config.github.appId!,
      privateKey: config.github.privateKey!,
      secret: config.github.webhookSecret,
      baseUrl: config.github.restUrl,
      redisConfig: config.redis.url,
      log,
    };
    let url: string | null = null;
    let probot: Probot | null = null;

    if (config.role !== "worker") {
      const producer = createRedisConnection(config.redis.url, "producer");
      closers.push(["intake Redis", () => producer.quit()]);
      const queues = createQueues(producer, config.redis.prefix, config.ops);
      closers.push(["intake queues", () => queues.close()]);
      const server = new Server({
        Probot: Probot.defaults(probotOptions),
        host: config.server.host,
        port: config.server.port,
        webhookPath: config.github.webhookPath,
        log,
      });
      await server.load(async (app) => {
        probot = app;
        await createWebhookApp({ queues, redis: producer, prefix: config.redis.prefix })(app, { cwd: process.cwd(), addHandler: () => undefined });
      });
      await server.start();
      closers.push(["web server", () => server.stop()]);
      url = `http://${server.host.includes(":") && !server.host.startsWith("[") ? `[${server.host}]` : server.host}:${server.port}`;

      if (config.ops.redeliveryIntervalMs > 0) {
        const app = probot as unknown as Probot;
        const sweeper = new RedeliverySweeper({
          appOctokit: async () => (await app.auth()) as Octokit,
          redis: producer,
          prefix: config.redis.prefix,
          log: log.child({ name: "redelivery" }),
          intervalMs: config.ops.redeliveryIntervalMs,
        });
        sweeper.start();
        closers.push(["redelivery sweeper", () => sweeper.stop()]);
        watchRedis(producer, log, config.redis.url, () => void sweeper.sweepOnce().catch(() => undefined));
      } else {
        watchRedis(producer, log, config.redis.url);
      }
    }

    if (config.role !== "web") {
      const github = createGitHubApp(probot ?? new Probot(probotOptions));
      const model = new ModelClient(config.llm, log.child({ name: "model" }));
      const consumer = createRedisConnection(config.redis.url, "consumer");
      consumer.on("error", (error) => log.warn({ err: error.message }, `Redis (${redactUrl(config.redis.url)}) connection error`));
      closers.push(["worker Redis", () => consumer.quit()]);
      // Workers enqueue follow-up jobs (a command asking for a review) on the same queues.
      const followUps = createQueues(consumer, config.redis.prefix, config.ops);
      closers.push(["worker queues", () => followUps.close()]);
      const workers = startWorkers({
        connection: consumer,
        prefix: config.redis.prefix,
        concurrency: config.worker.concurrency,
        lockMs: config.worker.lockMs,
        review: {
          github,
          model,
          tokenizer: loadQwenTokenizer(),
          settings: { answerTokens: config.llm.answerTokens, requestConcurrency: config.llm.requestConcurrency },
          log,
        },
        command: {
          github,
          enqueueReview: (data) => enqueueReview(followUps, data),
          startFix: createStartFix((data) => enqueueFix(followUps, data), () => github.botLogin()),
          log,
        },
        fix: {
          github,
          model,
          tokenizer: loadQwenTokenizer(),
          // Skywork-SWE-32B's evaluation allowed 8,192 answer tokens per turn.
          settings: { answerTokens: 8_192, gitHost: { protocol: config.github.protocol, host: config.github.webHost } },
          log,
        },
        fixConcurrency: config.worker.fixConcurrency,
        log,
      });
      closers.push(["workers", (deadlineMs) => workers.close(deadlineMs)]);
    }
    return { url, close };
  } catch (error) {
    await close();
    throw error;
  }
}

/** Logs Redis going away and coming back once each, and runs `onRecovered` when it returns. */
function watchRedis(redis: ReturnType<typeof createRedisConnection>, log: Logger, url: string, onRecovered?: () => void): void {
  let down = false;
  redis.on("error", (error: Error) => {
    if (!down) log.error({ err: error.message }, `Redis (${redactUrl(url)}) is unreachable: webhooks are answered 503 until it returns`);
    down = true;
  });
  redis.on("ready", () => {
    if (!down) return;
    down = false;
    log.info(`Redis (${redactUrl(url)}) is back`);
    onRecovered?.();
  });
}
