// A Redis of a test's own (redis-server on a free port), so it can be starved, stopped and
// restarted without disturbing the shared one other tests use.
import { spawn, type ChildProcess } from "node:child_process";
import { Redis } from "ioredis";
import { eventually, freePort } from "./harness.js";

export interface PrivateRedis {
  url: string;
  port: number;
  /** Kills it (SIGKILL): like a crash or a network cut, nothing is saved. */
  stop(): Promise<void>;
  /** Starts it again on the same port, empty. */
  start(): Promise<void>;
}

export async function startPrivateRedis(): Promise<PrivateRedis> {
  const port = await freePort();
  const url = `redis://127.0.0.1:${port}`;
  let child: ChildProcess | null = null;
  const start = async () => {
    child = spawn("redis-server", ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"], { stdio: "ignore" });
    const probe = new Redis(url, { lazyConnect: true, retryStrategy: () => 50, maxRetriesPerRequest: 1 });
    probe.on("error", () => undefined);
    try {
      await eventually(async () => (await probe.ping()) === "PONG", "a private redis-server (is redis-server installed?)", 10_000);
    } finally {
      probe.disconnect();
    }
  };
  const stop = async () => {
    const running = child;
    child = null;
    if (!running || running.exitCode !== null) return;
    await new Promise<void>((resolve) => {
      running.once("exit", () => resolve());
      running.kill("SIGKILL");
    });
  };
  await start();
  return { url, port, stop, start };
}
