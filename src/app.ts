// The composition root: builds the web role, the worker role, or both, from one AppConfig.
import { Probot, Server, type Logger } from "probot";
import type { AppConfig } from "./config/env.js";
import { redactRedisUrl } from "./config/redis-url.js";
import { createFixRuntime } from "./fix/runtime.js";
import { createStartFix } from "./fix/start-fix.js";
import { createGitHubApp, type GitHubApp, type Octokit } from "./github/app-client.js";
import { clusteredOctokit } from "./github/throttling.js";
import { ModelClient } from "./model/client.js";
import { ModelSlots } from "./model/model-slots.js";
import { createAdminDashboard } from "./ops/admin-dashboard.js";
import { instrumentOctokit } from "./ops/github-metrics.js";
import { createMetrics, type Metrics } from "./ops/metrics.js";
import { createOpsHandler, startOpsServer } from "./ops/ops-handler.js";
import { createReadiness, modelCheck, redisCheck } from "./ops/readiness.js";
import { instrumentWebhooks } from "./ops/webhook-metrics.js";
import { withTimeout } from "./ops/with-timeout.js";
import { createRedisConnection, type RedisClient } from "./queue/connection.js";
import { createQueues, enqueueFix, enqueueReview } from "./queue/queues.js";
import { loadQwenTokenizer } from "./tokenizer/index.js";
import { RedeliverySweeper } from "./web/redelivery.js";
import { createWebhookApp } from "./web/webhook-app.js";
import { HAND_BACK_MS, startWorkers } from "./worker/workers.js";

/**
 * After the jobs' deadline (SHUTDOWN_TIMEOUT_MS), how long the rest of a shutdown may take:
 * handing jobs back, closing servers and connections. The process ends within deadline + margin
 * whatever is unreachable (Redis, the model, GitHub).
 */
export const SHUTDOWN_MARGIN_MS = 5_000;
/** The most one closing step other than the workers may take. */
const STEP_MS = 1_000;
/** How long the web role waits for its Redis connection before it takes deliveries anyway. */
const INTAKE_READY_MS = 5_000;

export interface RunningApp {
  /** Base URL of the web role (http://host:port), or of the worker's ops server. */
  url: string | null;
  /**
   * Stops everything; running jobs get `deadlineMs` to finish before they are handed back. Every
   * step runs, each bounded in time, so this ends within `deadlineMs` + SHUTDOWN_MARGIN_MS;
   * resolves with what could not be closed cleanly (empty when everything was).
   */
  close(deadlineMs?: number): Promise<string[]>;
}

export async function startApp(config: AppConfig, log: Logger): Promise<RunningApp> {
  if (config.setupMode) throw new Error("startApp needs App credentials; main.ts serves the setup page without them.");
  // A step may say what it left unclean (the workers); a step that fails or outlasts its time did.
  const closers: Array<[string, (deadlineMs: number) => Promise<unknown>]> = [];
  const close = async (deadlineMs = 0): Promise<string[]> => {
    const end = Date.now() + deadlineMs + SHUTDOWN_MARGIN_MS - 500;
    const unclean: string[] = [];
    // Every step runs even when one fails or hangs; last opened, first closed.
    for (const [name, step] of closers.reverse()) {
      const budget = name === "workers" ? Math.min(deadlineMs + HAND_BACK_MS, end - Date.now()) : Math.min(STEP_MS, end - Date.now());
      const outcome = await bounded(step(deadlineMs), Math.max(0, budget));
      if (outcome.kind === "done") {
        if (Array.isArray(outcome.value)) unclean.push(...(outcome.value as string[]));
      } else {
        const why = outcome.kind === "failed" ? outcome.error : `not closed within ${Math.max(0, budget)} ms`;
        log.error({ err: why }, `could not close ${name} cleanly`);
        unclean.push(name);
        forceClose.get(name)?.();
      }
    }
    closers.length = 0;
    if (unclean.length > 0) log.error({ unclean }, "shut down with work left unclean");
    return unclean;
  };
  /** What to do with a connection whose clean close did not finish: drop it. */
  const forceClose = new Map<string, () => void>();

  try {
    const metrics = createMetrics();
    const readiness = createReadiness([
      redisCheck({ url: config.redis.url }),
      ...(config.role !== "web" ? [modelCheck({ baseUrl: config.llm.baseUrl, apiKey: config.llm.apiKey, model: config.llm.model })] : []),
    ]);
    closers.push(["readiness probes", () => readiness.close()]);
    const probotOptions = {
      appId: config.github.appId!,
      privateKey: config.github.privateKey!,
      secret: config.github.webhookSecret,
      baseUrl: config.github.restUrl,
      Octokit: clusteredOctokit(config.redis, log, { writeIntervalMs: config.github.writeIntervalMs }),
      log,
    };
    let url: string | null = null;
    let probot: Probot | null = null;

    if (config.role !== "worker") {
      const producer = createRedisConnection(config.redis.target, "producer");
      closers.push(["intake Redis", () => producer.quit()]);
      forceClose.set("intake Redis", () => producer.disconnect());
      // The intake sends nothing before its connection is ready (a Cluster first learns its
      // slots): the first deliveries would be refused. A Redis still away after this is reported
      // by the intake's own 503s.
      await connected(producer, INTAKE_READY_MS);
      const queues = createQueues(producer, config.redis.prefix, config.ops);
      closers.push(["intake queues", () => queues.close()]);
      const all = [queues.review, queues.command, queues.fix, queues.feedback];
      metrics.registerQueues(all);
      const server = new Server({
        Probot: Probot.defaults(probotOptions),
        host: config.server.host,
        port: config.server.port,
        webhookPath: config.github.webhookPath,
        // Local development: deliveries sent to a smee.io channel are forwarded here.
        ...(config.github.webhookProxyUrl ? { webhookProxy: config.github.webhookProxyUrl } : {}),
        log,
      });
      await server.load(async (app) => {
        probot = app;
        await createWebhookApp({ queues, redis: producer, prefix: config.redis.prefix, replicaAcks: config.redis.replicaAcks })(app, {
          cwd: process.cwd(),
          addHandler: () => undefined,
        });
      });
      // /healthz, /readyz, /metrics and the dashboard; added before start(), which copies handlers.
      server.addHandler(createOpsHandler({ metrics, readiness, dashboard: createAdminDashboard({ token: config.ops.adminToken, queues: all }) }));
      const httpServer = await server.start();
      closers.push(["web server", () => server.stop()]);
      instrumentWebhooks(httpServer, config.github.webhookPath, metrics);
      url = `http://${server.host.includes(":") && !server.host.startsWith("[") ? `[${server.host}]` : server.host}:${server.port}`;

      const app = probot as unknown as Probot;
      if (config.ops.redeliveryIntervalMs > 0) {
        const sweeper = new RedeliverySweeper({
          appOctokit: async () => instrumentOctokit((await app.auth()) as Octokit, metrics, null),
          redis: producer,
          prefix: config.redis.prefix,
          replicaAcks: config.redis.replicaAcks,
          log: log.child({ name: "redelivery" }),
          intervalMs: config.ops.redeliveryIntervalMs,
          onRedelivery: (outcome) => metrics.redelivery(outcome),
        });
        // The first sweep waits for Redis, which it needs to remember what it asked for.
        if (producer.status === "ready") sweeper.start();
        else producer.once("ready", () => sweeper.start());
        closers.push(["redelivery sweeper", () => sweeper.stop()]);
        watchRedis(
          producer,
          log,
          config.redis.url,
          () =>
            void sweeper
              .sweepOnce()
              .catch((error: unknown) => log.warn({ err: error }, "the redelivery sweep after Redis came back failed; the periodic sweep will retry")),
        );
      } else {
        watchRedis(producer, log, config.redis.url);
      }
    }

    if (config.role !== "web") {
      const consumer = createRedisConnection(config.redis.target, "consumer");
      consumer.on("error", (error: Error) => log.warn({ err: error.message }, `Redis (${redactRedisUrl(config.redis.url)}) connection error`));
      closers.push(["worker Redis", () => consumer.quit()]);
      forceClose.set("worker Redis", () => consumer.disconnect());
      // Workers enqueue follow-up jobs (a command asking for a review or a fix) on the same queues.
      const followUps = createQueues(consumer, config.redis.prefix, config.ops);
      closers.push(["worker queues", () => followUps.close()]);
      // One cap on model requests for every process on this Redis: the GPU server is the bottleneck.
      const slots = new ModelSlots({ redis: consumer, prefix: config.redis.prefix, limit: config.llm.maxConcurrency, log: log.child({ name: "model-slots" }) });
      closers.push(["model slots", () => slots.close()]);
      const model = new ModelClient(config.llm, log.child({ name: "model" }), { gate: slots, onRequest: (sample) => metrics.modelRequest(sample) });
      const github = instrumentedGitHub(createGitHubApp(probot ?? new Probot(probotOptions)), metrics);
      const tokenizer = loadQwenTokenizer();
      const fixes = await createFixRuntime(config, log.child({ name: "fix" }));
      const fairness = { redis: consumer, prefix: config.redis.prefix };
      const workers = startWorkers({
        connection: consumer,
        prefix: config.redis.prefix,
        concurrency: config.worker.concurrency,
        lockMs: config.worker.lockMs,
        retryBaseDelayMs: config.worker.retryBaseDelayMs,
        review: {
          github,
          model,
          tokenizer,
          settings: { answerTokens: config.llm.answerTokens, requestConcurrency: config.llm.requestConcurrency },
          log,
        },
        command: {
          github,
          enqueueReview: (data) => enqueueReview(followUps, data, fairness),
          startFix: createStartFix(
            (data) => enqueueFix(followUps, data),
            () => github.botLogin(),
          ),
          fixSummary: fixes.summary,
          log,
        },
        fix: {
          github,
          model,
          tokenizer,
          // Skywork-SWE-32B's evaluation allowed 8,192 answer tokens per turn.
          settings: { answerTokens: 8_192, gitHost: { protocol: config.github.protocol, host: config.github.webHost }, runtime: fixes.runtime },
          log,
        },
        feedback: { github, model, tokenizer, log },
        fixConcurrency: config.worker.fixConcurrency,
        metrics,
        log,
      });
      closers.push(["workers", (deadlineMs) => workers.close(deadlineMs)]);

      if (config.role === "worker" && config.worker.port > 0) {
        // A worker alone has no Probot server: health, readiness and metrics get their own.
        const all = [followUps.review, followUps.command, followUps.fix, followUps.feedback];
        metrics.registerQueues(all);
        const ops = await startOpsServer({
          host: config.server.host,
          port: config.worker.port,
          handler: createOpsHandler({ metrics, readiness, dashboard: createAdminDashboard({ token: config.ops.adminToken, queues: all }) }),
          onError: (error) => log.error({ err: error }, "ops handler failed"),
        });
        closers.push(["ops server", () => ops.close()]);
        url = ops.url;
      }
    }
    return { url, close };
  } catch (error) {
    await close();
    throw error;
  }
}

type Bounded = { kind: "done"; value: unknown } | { kind: "failed"; error: unknown } | { kind: "timeout" };

/** How `work` ended within `ms`; it is not waited for past that. */
async function bounded(work: Promise<unknown>, ms: number): Promise<Bounded> {
  const ended = work.then(
    (value): Bounded => ({ kind: "done", value }),
    (error: unknown): Bounded => ({ kind: "failed", error }),
  );
  // `ended` never rejects: a rejection is the time running out.
  return withTimeout(ended, ms, { unref: false }).catch((): Bounded => ({ kind: "timeout" }));
}

/** Installation clients that count their GitHub calls and rate-limit headroom. */
function instrumentedGitHub(base: GitHubApp, metrics: Metrics): GitHubApp {
  return {
    ...base,
    octokitFor: async (installationId) => instrumentOctokit(await base.octokitFor(installationId), metrics, installationId),
  };
}

/** Resolves once `redis` is ready, or after `ms` whatever its state. */
async function connected(redis: RedisClient, ms: number): Promise<void> {
  if (redis.status === "ready") return;
  let onReady: () => void = () => undefined;
  const ready = new Promise<void>((resolve) => (onReady = resolve));
  redis.once("ready", onReady);
  await bounded(ready, ms);
  redis.off("ready", onReady);
}

/** Logs Redis going away and coming back once each, and runs `onRecovered` when it returns. */
function watchRedis(redis: RedisClient, log: Logger, url: string, onRecovered?: () => void): void {
  // A lost connection counts from "close", not from the first "error": a Redis that restarts
  // within the first reconnect delay never raises an error, yet deliveries failed meanwhile.
  let lost = false;
  let reported = false;
  redis.on("close", () => {
    lost = true;
  });
  redis.on("error", (error: Error) => {
    if (!reported) log.error({ err: error.message }, `Redis (${redactRedisUrl(url)}) is unreachable: webhooks are answered 503 until it returns`);
    reported = true;
  });
  redis.on("ready", () => {
    if (!lost) return;
    lost = false;
    reported = false;
    log.info(`Redis (${redactRedisUrl(url)}) is back`);
    onRecovered?.();
  });
}
