// `npm start`: configuration, a Redis check with a one-sentence answer, then the roles.
import { existsSync } from "node:fs";
import { run } from "probot";
import { ConfigError, loadConfig } from "./config/env.js";
import { redactRedisUrl, type RedisTarget } from "./config/redis-url.js";
import { SHUTDOWN_MARGIN_MS, startApp } from "./app.js";
import { SandboxRequiredError } from "./fix/runtime.js";
import { createLogger } from "./ops/logger.js";
import { createRedisClient } from "./queue/connection.js";

async function main(): Promise<void> {
  // Probot's setup page writes the new App's credentials to .env; read them on the next start.
  if (existsSync(".env")) process.loadEnvFile(".env");

  let config;
  try {
    config = loadConfig(process.env);
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(error.message);
      process.exit(1);
    }
    throw error;
  }

  if (config.setupMode) {
    console.info(
      `No GitHub App credentials yet (APP_ID, PRIVATE_KEY). Open http://${config.server.host}:${config.server.port} ` +
        "to register the App from app.yml; its credentials are saved to .env, then run `npm start` again.",
    );
    // Without REDIS_URL: the setup page needs no Redis, and Probot would read our Sentinel and
    // Cluster URL forms as a plain one.
    const { REDIS_URL: _redis, ...env } = process.env;
    await run(() => undefined, { env });
    return;
  }

  const problem = await pingRedis(config.redis.target);
  if (problem) {
    console.error(
      `Redis is not answering at ${redactRedisUrl(config.redis.url)} (${problem}); start one with \`docker compose up -d redis\` ` +
        "(or `sudo apt-get install -y redis-server && redis-server --daemonize yes`), or set REDIS_URL.",
    );
    process.exit(1);
  }

  const log = await createLogger(config.log);
  let app;
  try {
    app = await startApp(config, log);
  } catch (error) {
    if (error instanceof SandboxRequiredError) {
      console.error(error.message);
      process.exit(1);
    }
    throw error;
  }
  log.info({ role: config.role, url: app.url }, "skywork-bot started");

  // Shutdown always ends: within the jobs' deadline plus a margin whatever is unreachable, at
  // once on a second signal, and with a non-zero code when something was left unclean (a job not
  // handed back, a connection not closed).
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) {
      log.error({ signal }, "second signal while shutting down: exiting now; what was still closing is left unclean");
      process.exit(1);
    }
    stopping = true;
    const deadlineMs = config.worker.shutdownTimeoutMs;
    log.info({ signal, deadlineMs }, "shutting down: no new jobs; running ones get until the deadline");
    const cutoff = setTimeout(() => {
      log.error(
        { afterMs: deadlineMs + SHUTDOWN_MARGIN_MS },
        "shutdown did not finish by its deadline plus margin: exiting; what was still closing is left unclean",
      );
      process.exit(1);
    }, deadlineMs + SHUTDOWN_MARGIN_MS);
    const unclean = await app.close(deadlineMs);
    clearTimeout(cutoff);
    if (unclean.length === 0) log.info("shut down cleanly");
    process.exit(unclean.length === 0 ? 0 : 1);
  };
  process.on("SIGTERM", () => void stop("SIGTERM"));
  process.on("SIGINT", () => void stop("SIGINT"));
}

async function pingRedis(target: RedisTarget): Promise<string | null> {
  const redis = createRedisClient(target, {
    lazyConnect: true,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
    connectTimeout: 3_000,
  });
  let cause: string | null = null;
  redis.on("error", (error: Error) => {
    cause ??= error.message;
  });
  try {
    await redis.connect();
    await redis.ping();
    return null;
  } catch (error) {
    return cause ?? (error instanceof Error ? error.message : String(error));
  } finally {
    redis.disconnect();
  }
}

await main();
