// Load benchmark (issue #6): how fast the web role acknowledges signed webhooks, and whether every
// delivery it acknowledged has its job in Redis. The app runs as in production (dist/main.js with
// SKYWORK_ROLE=web, LOG_LEVEL=info, a queue prefix of its own, nothing consuming the queue) in a
// child process, so the load generator does not share its event loop. In the same run, and under
// the same load, it is compared with a BASELINE: a bare node:http server (another child process, see
// serveBaseline) that verifies the same signature and adds the same BullMQ job. This 2-core machine
// is shared and noisy, so the verdicts rest on same-run comparisons (alternating rounds, medians of
// paired ratios) and CPU time per delivery, never on a past run's absolute figures.
// Run alone with `npx tsx bench/load.ts`; `benchLoad()` returns the figures for bench/run.ts.
import { spawn, type ChildProcess } from "node:child_process";
import { createHash, randomUUID } from "node:crypto";
import type { EventEmitter } from "node:events";
import { existsSync, mkdtempSync, openSync, readFileSync, rmSync, statSync } from "node:fs";
import { createServer, type IncomingMessage } from "node:http";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { fileURLToPath, pathToFileURL } from "node:url";
import { cpuMs, percentile, printFigures, round, type BenchFigure } from "./figures.js";
import { sign, verify } from "@octokit/webhooks-methods";
import type { PullRequestEvent } from "@octokit/webhooks-types";
import { Queue } from "bullmq";
import { parseRedisUrl } from "../src/config/redis-url.js";
import { createRedisConnection, type RedisClient } from "../src/queue/connection.js";
import { reviewJobId, QUEUE_NAMES } from "../src/queue/jobs.js";
import { createQueues } from "../src/queue/queues.js";
import { reviewJobFromEvent } from "../src/web/review-events.js";
import { pullRequestEvent } from "../testbed/fakes/github/index.js";
import { envFor } from "../testbed/child-app.js";
import { deleteKeys, eventually, freePort, REDIS_URL, startHarness, type Harness } from "../testbed/harness.js";
import { MEAN_CHANGE, openPullRequest } from "../testbed/scenario.js";

/** The targets of issue #6 on this machine. */
const TARGET_RATE = 500;
const TARGET_P99_MS = 50;
const TARGET_THROUGHPUT_RATIO = 0.7;

/** Fixed-rate phase: TARGET_RATE events/s for this long, per server. */
const RATE_SECONDS = 20;
/**
 * autocannon's rate limit lets each connection send its share of a second back to back at the start
 * of that second, then idle: one instance is one burst per second. Instances started this far apart
 * (ten per second) spread the load over the second, closer to GitHub's independent deliveries.
 */
const RATE_SLICES = 10;
const CONNECTIONS_PER_SLICE = 2;
/**
 * Max-throughput phase: short rounds alternating app and baseline, so noise from the shared machine
 * lands on both; the ratio is the median of each round's app/baseline ratio.
 */
const MAX_DELIVERIES = 4_000;
const MAX_CONNECTIONS = 10;
const MAX_ROUNDS = 4;
const WARMUP_DELIVERIES = 2_000;

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const WEBHOOK_PATH = "/api/github/webhooks";

// ── autocannon (CommonJS, no bundled types): the part of its programmatic API used here ──────────

interface CannonRequest {
  method?: string;
  path?: string;
  headers?: Record<string, string>;
  body?: string | Buffer;
  setupRequest?: (request: CannonRequest, context: Record<string, unknown>) => CannonRequest;
  onResponse?: (status: number, body: string, context: Record<string, unknown>) => void;
}

interface CannonOptions {
  url: string;
  connections: number;
  amount: number;
  overallRate?: number;
  requests: CannonRequest[];
  /** Seconds. */
  timeout?: number;
}

interface CannonResult {
  errors: number;
  timeouts: number;
}

type CannonInstance = EventEmitter & PromiseLike<CannonResult>;
const autocannon = createRequire(import.meta.url)("autocannon") as (options: CannonOptions) => CannonInstance;

// ── Deliveries: one realistic payload, made distinct per delivery ───────────────────────────────

const NUMBER_SLOT = '"@@NUMBER@@"';
const SHA_SLOT = "@@SHA@@";

interface Delivery {
  body: string;
  headers: Record<string, string>;
  jobId: string;
}

/**
 * pull_request.synchronize deliveries for the fake GitHub's pull request, delivery `n` with its own
 * PR number and head SHA, so each is a distinct review job (and none supersedes another). Bodies are
 * rendered from a template when sent (22 KB each: tens of thousands would not fit in memory);
 * signatures are made ahead, because `sign` is async and autocannon's setupRequest is not.
 */
class Deliveries {
  readonly #parts: string[];
  readonly #signatures = new Map<number, string>();
  readonly #run = randomUUID();
  #next = 0;

  constructor(
    template: PullRequestEvent,
    readonly repoId: number,
    readonly secret: string,
    readonly appId: number,
    readonly githubHost: string,
  ) {
    const payload = structuredClone(template) as unknown as Record<string, unknown> & {
      pull_request: { head: Record<string, unknown> } & Record<string, unknown>;
    };
    payload["number"] = NUMBER_SLOT.slice(1, -1);
    payload.pull_request["number"] = NUMBER_SLOT.slice(1, -1);
    payload.pull_request.head["sha"] = SHA_SLOT;
    payload["after"] = SHA_SLOT;
    this.#parts = JSON.stringify(payload).split(/("@@NUMBER@@"|@@SHA@@)/);
  }

  #pullNumber(n: number): number {
    return 100_000 + n;
  }

  #sha(n: number): string {
    return createHash("sha1").update(`${this.#run}-${n}`).digest("hex");
  }

  #body(n: number): string {
    const pull = String(this.#pullNumber(n));
    const sha = this.#sha(n);
    return this.#parts.map((part) => (part === NUMBER_SLOT ? pull : part === SHA_SLOT ? sha : part)).join("");
  }

  /** Reserves and signs the next `count` deliveries; returns the first one's number. */
  async prepare(count: number): Promise<number> {
    const first = this.#next;
    this.#next += count;
    for (let n = first; n < first + count; n += 500) {
      const batch = Array.from({ length: Math.min(500, first + count - n) }, (_, i) => n + i);
      const signed = await Promise.all(batch.map((m) => sign(this.secret, this.#body(m))));
      batch.forEach((m, i) => this.#signatures.set(m, signed[i] as string));
    }
    return first;
  }

  /** Delivery `n` as GitHub Enterprise's Hookshot sends it (headers as testbed/fakes/github/webhooks.ts deliverWebhook). */
  delivery(n: number): Delivery {
    const signature = this.#signatures.get(n);
    if (!signature) throw new Error(`delivery ${n} was not prepared: call prepare() for enough deliveries first`);
    this.#signatures.delete(n);
    return {
      body: this.#body(n),
      headers: {
        "content-type": "application/json",
        "user-agent": "GitHub-Hookshot/5a6b7c8",
        "x-github-event": "pull_request",
        "x-github-delivery": randomUUID(),
        "x-github-hook-id": "1",
        "x-github-hook-installation-target-type": "integration",
        "x-github-hook-installation-target-id": String(this.appId),
        "x-github-enterprise-version": "3.19.0",
        "x-github-enterprise-host": this.githubHost,
        "x-hub-signature-256": signature,
      },
      jobId: reviewJobId({ repoId: this.repoId, pullNumber: this.#pullNumber(n), headSha: this.#sha(n) }),
    };
  }
}

// ── Servers under test ──────────────────────────────────────────────────────────────────────────

interface Target {
  name: "app" | "baseline";
  url: string;
  pid: number;
  /** Queue prefix its jobs go to. */
  prefix: string;
  stop(): Promise<void>;
}

/**
 * The web role exactly as `npm start` runs it (the command and environment of the harness's
 * child-app helper). Its log goes to a file, not to a pipe into this process as in that helper:
 * pino writes synchronously and, on a full pipe, sleeps 100 ms (sonic-boom's EAGAIN retry), so a
 * pipe drained by this busy load generator would measure the generator. A file is what a container
 * runtime's log collector amounts to.
 */
async function startAppTarget(h: Harness, logFile: string): Promise<Target> {
  const log = openSync(logFile, "w");
  // `npm start` runs the compiled app (`npm run bench` builds it first), not tsx over src/.
  if (!existsSync(join(ROOT, "dist", "main.js"))) throw new Error("dist/main.js is missing: run `npm run build` first (npm run bench does)");
  const child = spawn(process.execPath, ["dist/main.js"], {
    cwd: ROOT,
    env: envFor(h, { SKYWORK_ROLE: "web" }),
    stdio: ["ignore", log, log],
  });
  const exited = exitOf(child);
  const readyz = `${new URL(h.webhookUrl).origin}/readyz`;
  await eventually(
    async () => {
      if (child.exitCode !== null) throw new Error(`the app exited:\n${readFileSync(logFile, "utf8").slice(-3000)}`);
      return (await fetch(readyz)).ok;
    },
    "the web role to be ready",
    30_000,
  );
  return { name: "app", url: h.webhookUrl, pid: child.pid as number, prefix: h.prefix, stop: () => stopChild(child, exited) };
}

function exitOf(child: ChildProcess): Promise<number | string> {
  return new Promise((resolve) => child.once("exit", (code, signal) => resolve(code ?? signal ?? -1)));
}

interface BaselineSettings {
  port: number;
  redisUrl: string;
  prefix: string;
  secret: string;
}

async function startBaselineTarget(h: Harness): Promise<Target> {
  const settings: BaselineSettings = { port: await freePort(), redisUrl: REDIS_URL, prefix: `${h.prefix}-baseline`, secret: h.secret };
  // The IPC channel says when it listens, and closes if this process dies, so the child never outlives it.
  const child = spawn(process.execPath, ["--import", "tsx", fileURLToPath(import.meta.url), "--baseline-server", JSON.stringify(settings)], {
    cwd: ROOT,
    stdio: ["ignore", "ignore", "inherit", "ipc"],
  });
  const exited = exitOf(child);
  await new Promise<void>((resolve, reject) => {
    child.once("message", () => resolve());
    void exited.then((code) => reject(new Error(`the baseline server exited (${code}) before listening`)));
  });
  return {
    name: "baseline",
    url: `http://127.0.0.1:${settings.port}${WEBHOOK_PATH}`,
    pid: child.pid as number,
    prefix: settings.prefix,
    stop: () => stopChild(child, exited),
  };
}

async function stopChild(child: ChildProcess, exited: Promise<unknown>): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill("SIGTERM");
  const stopped = await Promise.race([exited.then(() => true), sleep(30_000, false)]);
  if (!stopped) child.kill("SIGKILL");
}

/**
 * The baseline: the least a server must do to take a webhook safely — read the body, verify
 * X-Hub-Signature-256 (as Probot does, with @octokit/webhooks-methods), parse the JSON, and add the
 * app's own review job (same job id, data, queue and queue options) before answering 200. It skips
 * what the app adds on top: Probot's routing and request log, fair priorities (a fixed priority
 * keeps the job on the same BullMQ path) and superseding older heads.
 */
async function serveBaseline(settings: BaselineSettings): Promise<void> {
  const producer = createRedisConnection(parseRedisUrl(settings.redisUrl), "producer");
  const queues = createQueues(producer, settings.prefix);
  const readBody = async (req: IncomingMessage): Promise<string> => {
    const chunks: Buffer[] = [];
    for await (const chunk of req as AsyncIterable<Buffer>) chunks.push(chunk);
    return Buffer.concat(chunks).toString("utf8");
  };
  const server = createServer((req, res) => {
    void (async () => {
      const body = await readBody(req);
      if (!(await verify(settings.secret, body, String(req.headers["x-hub-signature-256"] ?? "")))) {
        res.writeHead(401).end();
        return;
      }
      const decision = reviewJobFromEvent(String(req.headers["x-github-delivery"]), JSON.parse(body) as PullRequestEvent);
      if (decision.enqueue) await queues.review.add("review", decision.job, { jobId: reviewJobId(decision.job), priority: 1 });
      res.writeHead(200, { "content-type": "text/plain" }).end("ok\n");
    })().catch((error: unknown) => {
      if (!res.headersSent) res.writeHead(500).end(String(error));
    });
  });
  await new Promise<void>((resolve) => server.listen(settings.port, "127.0.0.1", resolve));
  const stop = () => {
    server.close();
    void queues.close().finally(() => void producer.quit().finally(() => process.exit(0)));
  };
  process.once("SIGTERM", stop);
  process.once("disconnect", stop);
  process.send?.("listening");
}

// ── Firing ───────────────────────────────────────────────────────────────────────────────────────

/** What one phase saw, from the load generator's side. */
class Collector {
  readonly latencies: number[] = [];
  /** Job ids of deliveries answered 2xx: each must be in Redis afterwards. */
  readonly acked: string[] = [];
  readonly statuses = new Map<number, number>();
  errors = 0;
  readonly #started = performance.now();
  #lastAnswer = this.#started;

  answered(status: number, jobId: string): void {
    this.#lastAnswer = performance.now();
    if (status >= 200 && status < 300) this.acked.push(jobId);
    else this.statuses.set(status, (this.statuses.get(status) ?? 0) + 1);
  }

  /** Seconds from the first request to the last answer. */
  get seconds(): number {
    return (this.#lastAnswer - this.#started) / 1000;
  }

  percentile(p: number): number {
    return percentile(this.latencies, p);
  }
}

/** One autocannon instance sending `amount` deliveries prepared from `first` on, each a new one. */
async function fire(
  target: Target,
  deliveries: Deliveries,
  first: number,
  collector: Collector,
  options: { amount: number; connections: number; overallRate?: number },
): Promise<void> {
  let next = first;
  const instance = autocannon({
    url: target.url,
    connections: options.connections,
    amount: options.amount,
    ...(options.overallRate ? { overallRate: options.overallRate } : {}),
    requests: [
      {
        method: "POST",
        setupRequest: (request, context) => {
          const delivery = deliveries.delivery(next++);
          context["jobId"] = delivery.jobId;
          return { ...request, headers: delivery.headers, body: delivery.body };
        },
        onResponse: (status, _body, context) => collector.answered(status, String(context["jobId"])),
      },
    ],
  });
  instance.on("response", (_client: unknown, _status: number, _bytes: number, ms: number) => collector.latencies.push(ms));
  const result = await instance;
  collector.errors += result.errors;
}

/** Deliveries to prepare for one instance: a connection sends a new one after a timeout. */
const withSlack = (amount: number, connections: number): number => amount + connections;

/** `rate` deliveries per second for `seconds`, from RATE_SLICES staggered instances. */
async function fireAtRate(target: Target, deliveries: Deliveries, rate: number, seconds: number): Promise<Collector> {
  const perSlice = rate / RATE_SLICES;
  const amount = perSlice * seconds;
  // Signed before the clock starts: signing 22 KB bodies would load this 2-core machine mid-phase.
  const firsts: number[] = [];
  for (let k = 0; k < RATE_SLICES; k++) firsts.push(await deliveries.prepare(withSlack(amount, CONNECTIONS_PER_SLICE)));
  const collector = new Collector();
  await Promise.all(
    firsts.map(async (first, k) => {
      await sleep((k * 1000) / RATE_SLICES);
      await fire(target, deliveries, first, collector, { amount, connections: CONNECTIONS_PER_SLICE, overallRate: perSlice });
    }),
  );
  return collector;
}

async function fireAtMax(target: Target, deliveries: Deliveries, amount: number, connections = MAX_CONNECTIONS): Promise<Collector> {
  const first = await deliveries.prepare(withSlack(amount, connections));
  const collector = new Collector();
  await fire(target, deliveries, first, collector, { amount, connections });
  return collector;
}

// ── Measuring ────────────────────────────────────────────────────────────────────────────────────

/** CPU time Redis has used so far, in ms: on this machine it competes with the servers for 2 cores. */
async function redisCpuMs(redis: RedisClient): Promise<number> {
  const info = await redis.info("cpu");
  const field = (name: string) => Number(new RegExp(`^${name}:([0-9.]+)`, "m").exec(info)?.[1] ?? Number.NaN);
  return (field("used_cpu_user") + field("used_cpu_sys")) * 1000;
}

interface PhaseFigures {
  acked: number;
  rate: number;
  p50: number;
  p99: number;
  max: number;
  cpuMsPerDelivery: number;
  redisCpuMsPerDelivery: number;
  failed: number;
}

/** Runs a phase against `target` and keeps its collector for the LOST check. */
async function measure(redis: RedisClient, target: Target, run: () => Promise<Collector>, kept: Collector[]): Promise<PhaseFigures> {
  const cpuBefore = cpuMs(target.pid);
  const redisBefore = await redisCpuMs(redis);
  const collector = await run();
  const cpu = cpuMs(target.pid) - cpuBefore;
  const redisCpu = (await redisCpuMs(redis)) - redisBefore;
  kept.push(collector);
  const acked = Math.max(1, collector.acked.length);
  return {
    acked: collector.acked.length,
    rate: collector.acked.length / collector.seconds,
    p50: collector.percentile(50),
    p99: collector.percentile(99),
    max: collector.percentile(100),
    cpuMsPerDelivery: cpu / acked,
    redisCpuMsPerDelivery: redisCpu / acked,
    failed: [...collector.statuses.values()].reduce((a, b) => a + b, 0) + collector.errors,
  };
}

/** Jobs in the target's review queue (every state), and the acknowledged deliveries without one. */
async function lostJobs(redis: RedisClient, target: Target, collectors: readonly Collector[]): Promise<{ acked: number; jobs: number; lost: number }> {
  const queue = new Queue(QUEUE_NAMES.review, { connection: redis, prefix: target.prefix });
  try {
    const counts = await queue.getJobCounts();
    const jobs = Object.values(counts).reduce((a, b) => a + b, 0);
    const acked = [...new Set(collectors.flatMap((c) => c.acked))];
    let lost = 0;
    for (let i = 0; i < acked.length; i += 1_000) {
      const pipeline = redis.pipeline();
      for (const jobId of acked.slice(i, i + 1_000)) pipeline.exists(queue.toKey(jobId));
      const answers = (await pipeline.exec()) ?? [];
      lost += answers.filter(([, exists]) => exists !== 1).length;
    }
    return { acked: acked.length, jobs, lost };
  } finally {
    await queue.close();
  }
}

// ── The run ──────────────────────────────────────────────────────────────────────────────────────

type Side = Target["name"];
type BySide<T> = Record<Side, T>;

interface LoadResults {
  fixed: BySide<PhaseFigures>;
  /** Max-throughput rounds, in order; round i of the app ran next to round i of the baseline. */
  rounds: BySide<PhaseFigures[]>;
  lost: BySide<{ acked: number; jobs: number; lost: number }>;
  logBytesPerDelivery: number;
}

const progress = (line: string): void => void process.stderr.write(`load: ${line}\n`);

async function runPhases(h: Harness, deliveries: Deliveries, app: Target, baseline: Target): Promise<Omit<LoadResults, "logBytesPerDelivery">> {
  const kept: BySide<Collector[]> = { app: [], baseline: [] };
  progress(`warming up both servers (${WARMUP_DELIVERIES} deliveries each)`);
  for (const t of [baseline, app]) kept[t.name].push(await fireAtMax(t, deliveries, WARMUP_DELIVERIES, 4));

  const fixed = {} as BySide<PhaseFigures>;
  for (const t of [baseline, app]) {
    progress(`${t.name}: ${TARGET_RATE} events/s for ${RATE_SECONDS} s`);
    fixed[t.name] = await measure(h.redis, t, () => fireAtRate(t, deliveries, TARGET_RATE, RATE_SECONDS), kept[t.name]);
  }

  const rounds: BySide<PhaseFigures[]> = { app: [], baseline: [] };
  for (let n = 1; n <= MAX_ROUNDS; n++) {
    for (const t of [app, baseline]) {
      progress(`${t.name}: max throughput, round ${n}/${MAX_ROUNDS} (${MAX_DELIVERIES} deliveries, ${MAX_CONNECTIONS} connections)`);
      rounds[t.name].push(await measure(h.redis, t, () => fireAtMax(t, deliveries, MAX_DELIVERIES), kept[t.name]));
    }
  }
  const lost = { app: await lostJobs(h.redis, app, kept.app), baseline: await lostJobs(h.redis, baseline, kept.baseline) };
  return { fixed, rounds, lost };
}

export async function benchLoad(): Promise<BenchFigure[]> {
  const h = await startHarness({ startApp: false });
  const logDir = mkdtempSync(join(tmpdir(), "skywork-load-"));
  const logFile = join(logDir, "web.log");
  const targets: Target[] = [];
  try {
    const pr = await openPullRequest(h.github, MEAN_CHANGE);
    const template = await pullRequestEvent(h.github, pr.repo, pr.number, "synchronize");
    const deliveries = new Deliveries(template, pr.repo.id, h.secret, h.github.appId, h.github.host);
    const [app, baseline] = await Promise.all([startAppTarget(h, logFile), startBaselineTarget(h)]);
    targets.push(app, baseline);
    const results = await runPhases(h, deliveries, app, baseline);
    const logBytesPerDelivery = statSync(logFile).size / Math.max(1, results.lost.app.acked);
    return figuresOf({ ...results, logBytesPerDelivery });
  } finally {
    for (const t of targets) await t.stop().catch(() => undefined);
    rmSync(logDir, { recursive: true, force: true });
    await deleteKeys(h.redis, `${h.prefix}-baseline:*`).catch(() => undefined);
    await h.close();
  }
}

// ── Figures ──────────────────────────────────────────────────────────────────────────────────────

const verdict = (ok: boolean): string => (ok ? "PASS" : "FAIL");

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

function figuresOf({ fixed, rounds, lost, logBytesPerDelivery }: LoadResults): BenchFigure[] {
  const ratios = rounds.app.map((a, i) => a.rate / (rounds.baseline[i] as PhaseFigures).rate);
  const ratio = median(ratios);
  const sustained = fixed.app.rate >= TARGET_RATE * 0.95 && fixed.app.failed === 0;
  const p99Ok = sustained && fixed.app.p99 < TARGET_P99_MS;
  const cpu = (side: Side) => median(rounds[side].map((r) => r.cpuMsPerDelivery));
  const redisCpu = (side: Side) => median(rounds[side].map((r) => r.redisCpuMsPerDelivery));
  const figures: BenchFigure[] = [];
  for (const side of ["app", "baseline"] as const) {
    const f = fixed[side];
    figures.push(
      { name: `load ${side}: fixed ${TARGET_RATE}/s phase (${RATE_SECONDS} s), sustained`, value: round(f.rate), unit: "events/s" },
      { name: `load ${side}: fixed ${TARGET_RATE}/s phase, p50 acknowledgement latency`, value: round(f.p50, 2), unit: "ms" },
      { name: `load ${side}: fixed ${TARGET_RATE}/s phase, p99 acknowledgement latency`, value: round(f.p99, 2), unit: "ms" },
      { name: `load ${side}: fixed ${TARGET_RATE}/s phase, slowest acknowledgement`, value: round(f.max, 1), unit: "ms" },
      { name: `load ${side}: fixed ${TARGET_RATE}/s phase, non-2xx answers and errors`, value: f.failed, unit: "deliveries" },
      { name: `load ${side}: max throughput, median of ${MAX_ROUNDS} rounds`, value: round(median(rounds[side].map((r) => r.rate))), unit: "events/s" },
      {
        name: `load ${side}: max throughput, median p99 at ${MAX_CONNECTIONS} connections`,
        value: round(median(rounds[side].map((r) => r.p99)), 2),
        unit: "ms",
      },
      { name: `load ${side}: server CPU per delivery (median of rounds)`, value: round(cpu(side), 3), unit: "ms" },
      { name: `load ${side}: Redis CPU per delivery (median of rounds)`, value: round(redisCpu(side), 3), unit: "ms" },
      { name: `load ${side}: deliveries answered 2xx (all phases)`, value: lost[side].acked, unit: "deliveries" },
      { name: `load ${side}: jobs in its review queue afterwards (all states)`, value: lost[side].jobs, unit: "jobs" },
      { name: `load ${side}: LOST (answered 2xx, no job in Redis)`, value: lost[side].lost, unit: "deliveries" },
    );
  }
  figures.push(
    { name: "load app: log written per delivery (LOG_LEVEL=info)", value: Math.round(logBytesPerDelivery), unit: "bytes" },
    { name: "load ratio: throughput app / baseline (median of paired rounds)", value: round(100 * ratio), unit: "%" },
    { name: "load ratio: throughput app / baseline, lowest paired round", value: round(100 * Math.min(...ratios)), unit: "%" },
    { name: "load ratio: throughput app / baseline, highest paired round", value: round(100 * Math.max(...ratios)), unit: "%" },
    { name: "load ratio: server CPU per delivery app / baseline", value: round(cpu("app") / cpu("baseline"), 2), unit: "x" },
    { name: "load ratio: Redis CPU per delivery app / baseline", value: round(redisCpu("app") / redisCpu("baseline"), 2), unit: "x" },
    {
      name: `load verdict ${verdict(p99Ok)}: app p99 < ${TARGET_P99_MS} ms while sustaining ${TARGET_RATE} events/s`,
      value: p99Ok ? 1 : 0,
      unit: "(1 = pass)",
    },
    {
      name: `load verdict ${verdict(ratio >= TARGET_THROUGHPUT_RATIO)}: app throughput >= ${100 * TARGET_THROUGHPUT_RATIO}% of baseline`,
      value: ratio >= TARGET_THROUGHPUT_RATIO ? 1 : 0,
      unit: "(1 = pass)",
    },
    { name: `load verdict ${verdict(lost.app.lost === 0)}: no acknowledged delivery lost`, value: lost.app.lost === 0 ? 1 : 0, unit: "(1 = pass)" },
  );
  return figures;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  if (process.argv[2] === "--baseline-server") await serveBaseline(JSON.parse(process.argv[3] ?? "{}") as BaselineSettings);
  else printFigures(await benchLoad());
}
