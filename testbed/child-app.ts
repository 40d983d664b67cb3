// The app as its own process, started the way `npm start` starts it (the built dist/main.js,
// configured by environment variables only), so tests can kill it with SIGKILL or stop it with
// SIGTERM. The e2e project's global setup (test/setup/build.ts) brings dist/ up to date first.
import { spawn, type ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";
import type { AppConfig } from "../src/config/env.js";
import type { Harness } from "./harness.js";

export interface ChildApp {
  process: ChildProcess;
  /** Everything the process printed so far (JSON log lines). */
  output: () => string;
  /** Resolves with the exit code (or the signal name). */
  exited: Promise<number | string>;
  kill(signal: NodeJS.Signals): void;
}

const ROOT = fileURLToPath(new URL("..", import.meta.url));

/** The environment that makes dist/main.js produce the same config as the harness's. */
export function envFor(h: Harness, extra: Record<string, string> = {}): Record<string, string> {
  const c: AppConfig = h.config;
  return {
    PATH: process.env.PATH ?? "/usr/bin:/bin",
    HOME: process.env.HOME ?? "/tmp",
    APP_ID: String(c.github.appId),
    PRIVATE_KEY: c.github.privateKey ?? "",
    WEBHOOK_SECRET: c.github.webhookSecret,
    GHE_HOST: h.github.host,
    GHE_PROTOCOL: "http",
    HOST: "127.0.0.1",
    PORT: String(c.server.port),
    REDIS_URL: c.redis.url,
    QUEUE_PREFIX: c.redis.prefix,
    LLM_BASE_URL: h.model.baseUrl,
    LOG_LEVEL: "info",
    LOG_FORMAT: "json",
    WORKER_PORT: "0",
    REDELIVERY_INTERVAL_MS: "0",
    ...extra,
  };
}

/** Starts dist/main.js and resolves once it logged that it started. */
export async function startChildApp(env: Record<string, string>, timeoutMs = 30_000): Promise<ChildApp> {
  const child = spawn(process.execPath, ["dist/main.js"], { cwd: ROOT, env, stdio: ["ignore", "pipe", "pipe"] });
  let text = "";
  child.stdout!.on("data", (chunk: Buffer) => (text += chunk.toString()));
  child.stderr!.on("data", (chunk: Buffer) => (text += chunk.toString()));
  const exited = new Promise<number | string>((resolve) => child.once("exit", (code, signal) => resolve(code ?? signal ?? -1)));
  const deadline = Date.now() + timeoutMs;
  while (!text.includes("skywork-bot started")) {
    if (child.exitCode !== null || Date.now() > deadline) {
      child.kill("SIGKILL");
      throw new Error(`the app did not start:\n${text.slice(-3000)}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return { process: child, output: () => text, exited, kill: (signal) => void child.kill(signal) };
}
