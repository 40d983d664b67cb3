// GitHub's write limits hold across processes: two worker-like processes writing for the same
// installation go through one limiter in Redis (src/github/throttling.ts, from dist/), so a write
// in one process waits for the spacing after a write in the other. In one process:
// test/github/throttling.test.ts.
import { randomInt } from "node:crypto";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { Redis } from "ioredis";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { deleteKeys, eventually, REDIS_URL } from "../helpers/harness.js";
import { startNodeProcess, type NodeProcess } from "../helpers/node-process.js";

/** Longer than the test: a write that must wait this long never arrives while it runs. */
const WRITE_INTERVAL_MS = 60_000;

/** A GitHub that answers what github-writer.mjs asks and counts the writes. */
interface TinyGitHub {
  url: string;
  writes: number;
  reset(): void;
  close(): Promise<void>;
}

async function startTinyGitHub(): Promise<TinyGitHub> {
  const state = { writes: 0 };
  const server: Server = createServer((req, res) => {
    req.resume();
    req.on("end", () => {
      const reply = (status: number, json: unknown) => {
        res.writeHead(status, { "content-type": "application/json" });
        res.end(JSON.stringify(json));
      };
      const path = req.url ?? "";
      if (req.method === "POST" && /^\/app\/installations\/\d+\/access_tokens$/.test(path)) {
        return reply(201, { token: "ghs_tiny", expires_at: new Date(Date.now() + 3_600_000).toISOString(), permissions: {} });
      }
      if (req.method === "GET" && path === "/repos/acme/shop") return reply(200, { id: 1, name: "shop", full_name: "acme/shop" });
      if (req.method === "POST" && path.startsWith("/repos/acme/shop/statuses/")) {
        state.writes += 1;
        return reply(201, { id: state.writes, state: "success" });
      }
      reply(404, { message: "Not Found" });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    get writes() {
      return state.writes;
    },
    reset() {
      state.writes = 0;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

describe("GitHub write limits across processes", () => {
  let github: TinyGitHub;
  let admin: Redis;
  const processes: NodeProcess[] = [];
  // The writers' limiters live under their own prefix ("b_github-writer:octokit-…-<installation id>",
  // processes/github-writer.mjs), and a random installation id keeps them apart from other runs'.
  const installationId = randomInt(10_000_000, 2 ** 31 - 1);

  beforeAll(async () => {
    github = await startTinyGitHub();
    admin = new Redis(REDIS_URL);
  });

  afterEach(() => {
    for (const p of processes.splice(0)) p.child.kill("SIGKILL");
    github.reset();
  });

  afterAll(async () => {
    await deleteKeys(admin, `b_github-writer:octokit-*-${installationId}*`);
    admin.disconnect();
    await github.close();
  });

  /** Two writer processes, ready; "go" makes one send a write. */
  async function writers(redis: string): Promise<NodeProcess[]> {
    const started = [0, 1].map(() => startNodeProcess("github-writer", [github.url, String(installationId), redis, "1", String(WRITE_INTERVAL_MS)]));
    processes.push(...started);
    await Promise.all(started.map((p) => p.line(/^ready$/)));
    return started;
  }

  /** Jobs the installation's write limiter has let in (registered) across all processes, from Redis. */
  async function writesAdmitted(): Promise<number> {
    const running = await admin.zrange(`b_github-writer:octokit-write-${installationId}_client_running`, 0, -1, "WITHSCORES");
    return running.filter((_, i) => i % 2 === 1).reduce((sum, weight) => sum + Number(weight), 0);
  }

  it("a write in one process waits for the spacing after another process's write to the same installation", async () => {
    const [first, second] = await writers(REDIS_URL);
    first!.send("go");
    await first!.line(/^done$/);
    expect(github.writes).toBe(1);
    second!.send("go");
    // The shared limiter admits the second process's write with the spacing still to wait: it is
    // held there, and GitHub has not seen it.
    await eventually(async () => (await writesAdmitted()) === 1, "the second write to be admitted and held");
    expect(github.writes).toBe(1);
    expect(await admin.hget(`b_github-writer:octokit-write-${installationId}_settings`, "minTime")).toBe(String(WRITE_INTERVAL_MS));
  });

  it("control: with throttling local to each process, the other process writes at once", async () => {
    const [first, second] = await writers("local");
    first!.send("go");
    await first!.line(/^done$/);
    second!.send("go");
    await second!.line(/^done$/);
    expect(github.writes).toBe(2);
  });
});
