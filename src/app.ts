// The composition root: builds the web role, the worker role, or both, from one AppConfig.
import { Probot, Server, type Logger } from "probot";
import type { AppConfig } from "./config/env.js";
import { redactUrl } from "./config/env.js";
import { createGitHubApp } from "./github/app-client.js";
import { ModelClient } from "./model/client.js";
import { createRedisConnection } from "./queue/connection.js";
import { createQueues, enqueueReview } from "./queue/queues.js";
import { loadQwenTokenizer } from "./tokenizer/index.js";
import { createWebhookApp } from "./web/webhook-app.js";
import { startWorkers } from "./worker/workers.js";

export interface RunningApp {
  /** Base URL of the web role (http://host:port), when it runs. */
  url: string | null;
  close(): Promise<void>;
}

export async function startApp(config: AppConfig, log: Logger): Promise<RunningApp> {
  if (config.setupMode) throw new Error("startApp needs App credentials; main.ts serves the setup page without them.");
  const closers: Array<[string, () => Promise<unknown>]> = [];
  const close = async () => {
    // Every step runs even when one fails; last opened, first closed.
    for (const [name, step] of closers.reverse()) {
      await step().catch((error: unknown) => log.error({ err: error }, `error while closing ${name}`));
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
      producer.on("error", (error) => log.warn({ err: error.message }, `Redis (${redactUrl(config.redis.url)}) connection error`));
      closers.push(["intake Redis", () => producer.quit()]);
      const queues = createQueues(producer, config.redis.prefix);
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
    }

    if (config.role !== "web") {
      const github = createGitHubApp(probot ?? new Probot(probotOptions));
      const model = new ModelClient(config.llm, log.child({ name: "model" }));
      const consumer = createRedisConnection(config.redis.url, "consumer");
      consumer.on("error", (error) => log.warn({ err: error.message }, `Redis (${redactUrl(config.redis.url)}) connection error`));
      closers.push(["worker Redis", () => consumer.quit()]);
      // Workers enqueue follow-up jobs (a command asking for a review) on the same queues.
      const followUps = createQueues(consumer, config.redis.prefix);
      closers.push(["worker queues", () => followUps.close()]);
      const workers = startWorkers({
        connection: consumer,
        prefix: config.redis.prefix,
        concurrency: config.worker.concurrency,
        review: {
          github,
          model,
          tokenizer: loadQwenTokenizer(),
          settings: { answerTokens: config.llm.answerTokens, requestConcurrency: config.llm.requestConcurrency },
          log,
        },
        command: { github, enqueueReview: (data) => enqueueReview(followUps, data), log },
        log,
      });
      closers.push(["workers", () => workers.close()]);
    }
    return { url, close };
  } catch (error) {
    await close();
    throw error;
  }
}
