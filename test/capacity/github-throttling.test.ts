// Does Probot's Redis-clustered throttling hold across processes with our ioredis 5, and does a
// rate-limit answer make Octokit wait and retry? Real processes, a real Redis, real HTTP.
import { spawn, type ChildProcess } from "node:child_process";
import { randomInt } from "node:crypto";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { fileURLToPath } from "node:url";
import { Redis } from "ioredis";
import { pino } from "pino";
import { Probot, type Logger } from "probot";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { Octokit } from "../../src/github/app-client.js";
import { githubFaults, startFakeGitHub, type FakeGitHub } from "../fakes/github/index.js";
import { REDIS_URL } from "./redis.js";

/** GitHub's answers to what the throttle process asks, with arrival times of the writes. */
interface TinyGitHub {
  url: string;
  writes: Array<{ at: number; context: string }>;
  close(): Promise<void>;
}

async function startTinyGitHub(): Promise<TinyGitHub> {
  const writes: TinyGitHub["writes"] = [];
  const server: Server = createServer((req, res) => {
    let body = "";
    req.on("data", (chunk: Buffer) => (body += chunk.toString()));
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
        writes.push({ at: Date.now(), context: (JSON.parse(body) as { context: string }).context });
        return reply(201, { id: writes.length, state: "success" });
      }
      reply(404, { message: "Not Found" });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    writes,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

interface ThrottleProcess {
  child: ChildProcess;
  go(): void;
  /** Resolves with the active resources it reported once its writes were done. */
  done: Promise<string>;
  exited: Promise<number | null>;
}

async function startThrottleProcess(url: string, installationId: number, redis: string, writes: number): Promise<ThrottleProcess> {
  const script = fileURLToPath(new URL("./throttle-process.ts", import.meta.url));
  const child = spawn(process.execPath, ["--import", "tsx", script, url, String(installationId), redis, String(writes)], {
    stdio: ["pipe", "pipe", "inherit"],
  });
  let out = "";
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  const seen = (marker: RegExp) =>
    new Promise<string>((resolve, reject) => {
      const check = () => {
        const match = marker.exec(out);
        if (match) resolve(match[1] ?? "");
      };
      child.stdout?.on("data", check);
      void exited.then(() => {
        check();
        reject(new Error(`throttle process exited before ${String(marker)}: ${out}`));
      });
    });
  child.stdout?.on("data", (chunk: Buffer) => (out += chunk.toString()));
  const done = seen(/done (.*)\n/);
  done.catch(() => undefined);
  await seen(/(ready)\n/);
  return { child, go: () => child.stdin?.write("go\n"), done, exited };
}

function gaps(times: readonly number[]): number[] {
  const sorted = [...times].sort((a, b) => a - b);
  return sorted.slice(1).map((t, i) => t - sorted[i]!);
}

describe("Probot's clustered throttling (redisConfig) with ioredis 5", () => {
  let github: TinyGitHub;
  let admin: Redis;
  const children: ChildProcess[] = [];
  // Bottleneck's keys are not under our prefix ("b_octokit-…-<installation id>"): a random
  // installation id keeps this test's limiters apart from everyone's.
  const installationId = randomInt(10_000_000, 2 ** 31 - 1);

  beforeAll(async () => {
    github = await startTinyGitHub();
    admin = new Redis(REDIS_URL);
  });

  afterEach(() => {
    for (const child of children.splice(0)) child.kill("SIGKILL");
  });

  afterAll(async () => {
    const keys = await admin.keys(`b_octokit-*-${installationId}*`);
    if (keys.length > 0) await admin.del(...keys);
    admin.disconnect();
    await github.close();
  });

  it("spaces one installation's writes across two processes through one Redis limiter", async () => {
    const processes = await Promise.all([0, 1].map(() => startThrottleProcess(github.url, installationId, REDIS_URL, 2)));
    children.push(...processes.map((p) => p.child));
    github.writes.length = 0;
    for (const p of processes) p.go();
    const resources = await Promise.all(processes.map((p) => p.done));
    const spacing = gaps(github.writes.map((w) => w.at));
    console.log(`clustered: 4 writes from 2 processes, gaps ${spacing.join(", ")} ms`);
    // octokit-write: maxConcurrent 1, minTime 1000 ms per installation; shared, so no two writes
    // from different processes arrive together.
    expect(github.writes).toHaveLength(4);
    expect(Math.min(...spacing)).toBeGreaterThanOrEqual(900);
    // The limiter's state lives in Redis under the installation id.
    const keys = await admin.keys(`b_octokit-*-${installationId}_*`);
    expect(keys).toEqual(expect.arrayContaining([`b_octokit-write-${installationId}_settings`, `b_octokit-global-${installationId}_settings`]));
    // Finding: Probot opens an ioredis client (plus Bottleneck's subscriber) it never closes and
    // offers no way to close: the process cannot exit by itself once its work is done.
    console.log(`active resources after the work: ${resources[0]}`);
    const exit = await Promise.race([processes[0]!.exited, new Promise((resolve) => setTimeout(() => resolve("still running"), 2_000))]);
    expect(exit).toBe("still running");
  });

  it("proposed fix: an app-owned Bottleneck connection clusters the same way and closes", async () => {
    const processes = await Promise.all([0, 1].map(() => startThrottleProcess(github.url, installationId, `own:${REDIS_URL}`, 2)));
    children.push(...processes.map((p) => p.child));
    github.writes.length = 0;
    for (const p of processes) p.go();
    await Promise.all(processes.map((p) => p.done));
    const spacing = gaps(github.writes.map((w) => w.at));
    console.log(`app-owned connection: 4 writes from 2 processes, gaps ${spacing.join(", ")} ms`);
    expect(github.writes).toHaveLength(4);
    expect(Math.min(...spacing)).toBeGreaterThanOrEqual(900);
    const exits = Promise.all(processes.map((p) => p.exited));
    expect(await Promise.race([exits, new Promise((resolve) => setTimeout(() => resolve("still running"), 5_000))])).toEqual([0, 0]);
  });

  it("control: without redisConfig each process throttles alone, and writes collide", async () => {
    const processes = await Promise.all([0, 1].map(() => startThrottleProcess(github.url, installationId, "none", 2)));
    children.push(...processes.map((p) => p.child));
    github.writes.length = 0;
    for (const p of processes) p.go();
    await Promise.all(processes.map((p) => p.done));
    const spacing = gaps(github.writes.map((w) => w.at));
    console.log(`unclustered: 4 writes from 2 processes, gaps ${spacing.join(", ")} ms`);
    expect(Math.min(...spacing)).toBeLessThan(500);
    // Without Redis nothing holds the process open: it exits once its work is done.
    expect(await Promise.race([processes[0]!.exited, new Promise((resolve) => setTimeout(() => resolve("still running"), 5_000))])).toBe(0);
  });
});

describe("rate-limit answers (fake GitHub Enterprise, Probot configured as the app configures it)", () => {
  let github: FakeGitHub;
  let octokit: Octokit;
  let installationId: number;

  beforeAll(async () => {
    github = await startFakeGitHub();
    installationId = github.addInstallation({ account: "acme" }).id;
    await github.createRepo({ owner: "acme", name: "shop", installationId, files: { "README.md": "# shop\n" } });
    const probot = new Probot({
      appId: github.appId,
      privateKey: github.privateKey,
      baseUrl: github.restUrl,
      redisConfig: REDIS_URL,
      log: pino({ level: "silent" }) as unknown as Logger,
    });
    octokit = (await probot.auth(installationId)) as Octokit;
    await octokit.rest.repos.get({ owner: "acme", repo: "shop" });
  });

  afterAll(async () => {
    // Bottleneck's keys for this installation id are shared with every other test using the fake
    // GitHub (its ids are not random) and expire two minutes after their last use: leave them.
    await github.close();
  });

  const attemptsOf = (since: number, path: string) => github.requests.slice(since).filter((r) => r.path === path);

  for (const status of [403, 429] as const) {
    it(`waits for x-ratelimit-reset after a primary rate limit (${status}) and retries`, async () => {
      const resetAt = new Date(Date.now() + 1_500);
      github.failNext({ method: "GET", path: "/repos/acme/shop" }, githubFaults.primaryRateLimit({ installationId, resetAt, status }));
      const since = github.requests.length;
      const started = Date.now();
      const { data } = await octokit.rest.repos.get({ owner: "acme", repo: "shop" });
      const attempts = attemptsOf(since, "/repos/acme/shop");
      console.log(`primary ${status}: answered after ${Date.now() - started} ms, ${attempts.length} attempts`);
      expect(data.full_name).toBe("acme/shop");
      expect(attempts.map((r) => r.status)).toEqual([status, 200]);
      // plugin-throttling retries one second after the reset.
      expect(Date.parse(attempts[1]!.at)).toBeGreaterThanOrEqual(resetAt.getTime());
    });
  }

  it("gives up after three retries of a primary limit that does not lift", async () => {
    github.failNext({ method: "GET", path: "/repos/acme/shop" }, githubFaults.primaryRateLimit({ installationId, resetAt: new Date(Date.now() - 5_000) }), 4);
    const since = github.requests.length;
    await expect(octokit.rest.repos.get({ owner: "acme", repo: "shop" })).rejects.toMatchObject({ status: 403 });
    expect(attemptsOf(since, "/repos/acme/shop")).toHaveLength(4);
  });

  it("pauses only the request that hit the primary limit, not the installation's other requests", async () => {
    // Finding: nothing shares "rate limited until T" between requests or processes; each request
    // finds out by being refused. The clustered limiter shares concurrency and spacing only.
    const resetAt = new Date(Date.now() + 2_000);
    github.failNext({ method: "GET", path: "/repos/acme/shop" }, githubFaults.primaryRateLimit({ installationId, resetAt }));
    const since = github.requests.length;
    const first = octokit.rest.repos.get({ owner: "acme", repo: "shop" });
    await new Promise((resolve) => setTimeout(resolve, 200));
    await octokit.rest.repos.getContent({ owner: "acme", repo: "shop", path: "README.md" });
    const other = attemptsOf(since, "/repos/acme/shop/contents/README.md")[0]!;
    expect(Date.parse(other.at)).toBeLessThan(resetAt.getTime());
    await first;
  });

  it("does not retry a secondary rate limit: Probot's handler only logs it", async () => {
    github.failNext({ method: "GET", path: "/repos/acme/shop" }, githubFaults.secondaryRateLimit(1));
    const since = github.requests.length;
    await expect(octokit.rest.repos.get({ owner: "acme", repo: "shop" })).rejects.toMatchObject({ status: 403 });
    expect(attemptsOf(since, "/repos/acme/shop")).toHaveLength(1);
  });

  it("retries a bare 429 on plugin-retry's own schedule (1 s), not after its retry-after", async () => {
    github.failNext({ method: "GET", path: "/repos/acme/shop" }, { status: 429, headers: { "retry-after": "30" }, body: { message: "Too Many Requests" } });
    const since = github.requests.length;
    const started = Date.now();
    await octokit.rest.repos.get({ owner: "acme", repo: "shop" });
    const waited = Date.now() - started;
    expect(attemptsOf(since, "/repos/acme/shop").map((r) => r.status)).toEqual([429, 200]);
    expect(waited).toBeLessThan(5_000);
  });
});
