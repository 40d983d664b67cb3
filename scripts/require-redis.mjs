// Fails fast, in one sentence, when no Redis answers: the tests need a real one.
import { spawnSync } from "node:child_process";
import net from "node:net";
import { pathToFileURL } from "node:url";

/** Resolves to null when Redis answers PING at `redisUrl`, else to the sentence to print. */
export async function checkRedis(redisUrl = process.env.REDIS_URL || "redis://127.0.0.1:6379") {
  const url = new URL(redisUrl);
  const host = url.hostname || "127.0.0.1";
  const port = Number(url.port || 6379);
  const ok = await new Promise((resolve) => {
    const socket = net.connect({ host, port });
    const done = (value) => {
      socket.destroy();
      resolve(value);
    };
    socket.setTimeout(2000, () => done(false));
    socket.once("error", () => done(false));
    socket.once("connect", () => socket.write("PING\r\n"));
    socket.once("data", (data) => done(/^(\+PONG|-NOAUTH)/.test(data.toString())));
  });
  return ok
    ? null
    : `Redis is not answering at ${host}:${port}; start one with \`docker compose up -d redis\` ` +
        `(or \`sudo apt-get install -y redis-server && redis-server --daemonize yes\`), or set REDIS_URL.`;
}

/**
 * Resolves to null when the programs the Sentinel and Cluster tests start are installed
 * (test/helpers/redis-topologies.ts), else to the sentence to print.
 */
export function checkRedisPrograms() {
  const missing = ["redis-server", "redis-sentinel", "redis-cli"].filter((name) => spawnSync("sh", ["-c", `command -v ${name}`]).status !== 0);
  return missing.length === 0
    ? null
    : `${missing.join(", ")} not found: the Redis Sentinel and Cluster tests start their own; install them with \`sudo apt-get install -y redis-server redis-sentinel redis-tools\`.`;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  const problem = (await checkRedis()) ?? checkRedisPrograms();
  if (problem) {
    console.error(problem);
    process.exit(1);
  }
}
