// Pipeline benchmark (issue #6): 200 pull_request.opened events through the whole app — web role,
// queue, worker role(s) — against the fake GitHub Enterprise and a fake model whose answers take a
// FIXED 2 s, with the global model-concurrency cap set. For 1, 2 and 4 worker processes on the same
// Redis and prefix it reports throughput (reviews/minute), the app's own overhead per review (wall
// time of the job minus the model's time), CPU per review, GitHub calls per review, and the peak
// number of model requests in flight, which must never exceed the cap. Every process runs as
// `npm start` runs it (dist/main.js, one role each); the fakes run here.
//
// The PRs are spread over several installations. Within ONE installation, Octokit's throttling (as
// GitHub asks of integrations) spaces content-creating requests (POST/PATCH) one second apart, in
// every process together: a review makes about three (check run created and completed, the review),
// so one installation tops out near 20 reviews a minute whatever the worker count. That ceiling is
// reported from the measured writes per review; the runs measure what the app adds on top.
// Run alone with `npx tsx bench/pipeline.ts`; `benchPipeline()` returns the figures for bench/run.ts.
import { pathToFileURL } from "node:url";
import { cpuMs, percentile, printFigures, round, type BenchFigure } from "./figures.js";
import { Queue, type Job } from "bullmq";
import { deliverWebhook, pullRequestEvent, type FakeRepo, type RecordedRequest as GitHubRequest } from "../testbed/fakes/github/index.js";
import type { RecordedRequest as ModelRequest } from "../testbed/fakes/model/index.js";
import { envFor, startChildApp, type ChildApp } from "../testbed/child-app.js";
import { eventually, startHarness, type Harness } from "../testbed/harness.js";
import { BASE_FILES, MEAN_CHANGE, type PullScenario } from "../testbed/scenario.js";
import { QUEUE_NAMES, reviewJobId, type ReviewJobData } from "../src/queue/jobs.js";

const EVENTS_PER_RUN = 200;
const MODEL_LATENCY_MS = 2_000;
/** LLM_MAX_CONCURRENCY: one cap for every worker process. */
const MODEL_CAP = 4;
/** Jobs per worker process: 1 and 2 workers stay within the cap, 4 workers (8 jobs) press against it. */
const WORKER_CONCURRENCY = 2;
const WORKER_COUNTS = [1, 2, 4] as const;
/** Installations (one repository each) the PRs of a run are spread over. */
const INSTALLATIONS_PER_RUN = 8;
/** Reviews run one at a time, before the runs, to measure the overhead with nothing to wait for. */
const SOLO_REVIEWS = 10;

// ── Scenario ─────────────────────────────────────────────────────────────────────────────────────

/** `count` open pull requests, each changing src/math.ts as the e2e tests do, over `installations` installations; made before the clock starts. */
async function openPullRequests(h: Harness, label: string, count: number, installations: number): Promise<PullScenario[]> {
  const repos: Array<{ repo: FakeRepo; installationId: number }> = [];
  for (let r = 0; r < installations; r++) {
    const owner = `${label}-org-${r}`;
    const { id: installationId } = h.github.addInstallation({ account: owner });
    repos.push({ repo: await h.github.createRepo({ owner, name: "widgets", installationId, files: BASE_FILES }), installationId });
  }
  // One repository's git work at a time (its refs), the repositories side by side.
  const perRepo = await Promise.all(
    repos.map(async ({ repo, installationId }, r) => {
      const pulls: PullScenario[] = [];
      for (let i = r; i < count; i += installations) {
        const headSha = await repo.commit({ branch: `feature-${i}`, files: MEAN_CHANGE, message: "Guard mean() against empty input" });
        const pull = await repo.createPullRequest({ head: `feature-${i}`, title: `Improve math helpers (${i})`, body: "Makes mean() safer." });
        pulls.push({ repo, installationId, number: pull.number, headSha });
      }
      return pulls;
    }),
  );
  // Delivered round-robin over the installations, as independent teams would open them.
  const ordered: PullScenario[] = [];
  for (let i = 0; ordered.length < count; i++) for (const pulls of perRepo) if (pulls[i]) ordered.push(pulls[i] as PullScenario);
  return ordered;
}

/** Model calls as the fake answered them: when the fake started its fixed wait, for which PR. */
interface ModelCall {
  pr: string;
  at: number;
}

/** "owner/repo#n" of the pull request a review prompt is about (see review/prompt.ts reviewPreamble). */
function prOfPrompt(request: ModelRequest): string {
  const messages = (request.body["messages"] ?? []) as Array<{ role: string; content: string }>;
  const user = messages.find((m) => m.role === "user")?.content ?? "";
  const repo = /^Repository: (\S+)$/m.exec(user)?.[1];
  const pull = /^Pull request #(\d+):/m.exec(user)?.[1];
  return `${repo}#${pull}`;
}

// ── Measuring ────────────────────────────────────────────────────────────────────────────────────

/** What one review job spent, from BullMQ's timestamps and the fake model's calls for its PR. */
interface JobTiming {
  wallMs: number;
  modelMs: number;
  /** From the job's start to its first model answer's start: GitHub reads, packing, a model slot. */
  beforeMs: number;
  /** From the last model answer to the job's end: checking findings, posting the review. */
  afterMs: number;
}

function timingOf(job: Job<ReviewJobData>, calls: readonly ModelCall[]): JobTiming {
  const started = job.processedOn ?? Number.NaN;
  const finished = job.finishedOn ?? Number.NaN;
  const mine = calls.filter((c) => c.pr === `${job.data.owner}/${job.data.repo}#${job.data.pullNumber}`).map((c) => c.at);
  // Requests of one review may overlap (REVIEW_REQUEST_CONCURRENCY): count the time covered once.
  let modelMs = 0;
  let coveredUntil = -Infinity;
  for (const at of [...mine].sort((a, b) => a - b)) {
    modelMs += at + MODEL_LATENCY_MS - Math.max(at, coveredUntil);
    coveredUntil = Math.max(coveredUntil, at + MODEL_LATENCY_MS);
  }
  // A review that never reached the model (skipped, failed) has no before/after split.
  if (mine.length === 0) return { wallMs: finished - started, modelMs: 0, beforeMs: Number.NaN, afterMs: Number.NaN };
  const first = Math.min(...mine);
  const last = Math.max(...mine) + MODEL_LATENCY_MS;
  return { wallMs: finished - started, modelMs, beforeMs: first - started, afterMs: finished - last };
}

interface RunResult {
  workers: number;
  reviews: number;
  outcomes: Map<string, number>;
  reviewsPerMinute: number;
  timings: JobTiming[];
  workerCpuMsPerReview: number;
  webCpuMsPerDelivery: number;
  githubRequests: GitHubRequest[];
  maxModelConcurrency: number;
  modelRequests: number;
}

const progress = (line: string): void => void process.stderr.write(`pipeline: ${line}\n`);

interface RunShape {
  label: string;
  workers: number;
  /** Jobs per worker process. */
  concurrency: number;
  events: number;
  installations: number;
  /** Deliveries in flight at once. */
  delivering: number;
}

/** One run: `workers` worker processes review `events` fresh pull requests, then stop. */
async function runWith(h: Harness, web: ChildApp, queue: Queue<ReviewJobData>, shape: RunShape, calls: ModelCall[]): Promise<RunResult> {
  const { label, workers, events } = shape;
  progress(`${label}: opening ${events} pull requests on the fake GitHub (${shape.installations} installations)`);
  const pulls = await openPullRequests(h, label, events, shape.installations);
  const payloads = await Promise.all(pulls.map((p) => pullRequestEvent(h.github, p.repo, p.number, "opened")));
  const env = envFor(h, { SKYWORK_ROLE: "worker", WORKER_CONCURRENCY: String(shape.concurrency), LLM_MAX_CONCURRENCY: String(MODEL_CAP) });
  const children = await Promise.all(Array.from({ length: workers }, () => startChildApp(env)));
  try {
    h.model.reset();
    calls.length = 0;
    const githubFrom = h.github.requests.length;
    const pids = children.map((c) => c.process.pid as number);
    const cpuBefore = pids.map(cpuMs);
    const webCpuBefore = cpuMs(web.process.pid as number);

    progress(`${label}: delivering ${events} pull_request.opened events`);
    const started = Date.now();
    await deliverAll(h, payloads, shape.delivering);
    const ids = pulls.map((p) => reviewJobId({ repoId: p.repo.id, pullNumber: p.number, headSha: p.headSha }));
    const jobs = await eventually(() => allFinished(queue, ids), `${events} reviews to finish`, 20 * 60_000);
    const ended = Math.max(...jobs.map((j) => j.finishedOn ?? 0));

    const workerCpu = pids.reduce((sum, pid, i) => sum + cpuMs(pid) - (cpuBefore[i] as number), 0);
    const outcomes = new Map<string, number>();
    for (const job of jobs) {
      const outcome = job.failedReason ? `failed: ${job.failedReason}` : String((job.returnvalue as { status?: string } | null)?.status);
      outcomes.set(outcome, (outcomes.get(outcome) ?? 0) + 1);
    }
    return {
      workers,
      reviews: jobs.length,
      outcomes,
      reviewsPerMinute: (jobs.length * 60_000) / (ended - started),
      timings: jobs.map((job) => timingOf(job, calls)),
      workerCpuMsPerReview: workerCpu / jobs.length,
      webCpuMsPerDelivery: (cpuMs(web.process.pid as number) - webCpuBefore) / jobs.length,
      githubRequests: h.github.requests.slice(githubFrom),
      maxModelConcurrency: h.model.maxConcurrent,
      modelRequests: h.model.requests.length,
    };
  } finally {
    for (const child of children) child.kill("SIGTERM");
    await Promise.all(children.map((c) => c.exited));
  }
}

/** Delivers every event, signed as GitHub signs them, a few at a time as GitHub does. */
async function deliverAll(h: Harness, payloads: readonly object[], inFlight: number): Promise<void> {
  const pending = [...payloads];
  const deliverNext = async (): Promise<void> => {
    for (let payload = pending.shift(); payload; payload = pending.shift()) {
      const { status } = await deliverWebhook({ url: h.webhookUrl, secret: h.secret, event: "pull_request", payload, fake: h.github });
      if (status !== 200) throw new Error(`the web role answered ${status} to a delivery`);
    }
  };
  await Promise.all(Array.from({ length: inFlight }, deliverNext));
}

/** The jobs once every one has completed or failed for good, else undefined. */
async function allFinished(queue: Queue<ReviewJobData>, ids: readonly string[]): Promise<Job<ReviewJobData>[] | undefined> {
  const jobs = await Promise.all(ids.map((id) => queue.getJob(id)));
  if (jobs.some((job) => !job || !job.finishedOn)) {
    await new Promise((resolve) => setTimeout(resolve, 250));
    return undefined;
  }
  return jobs as Job<ReviewJobData>[];
}

// ── The benchmark ────────────────────────────────────────────────────────────────────────────────

export async function benchPipeline(): Promise<BenchFigure[]> {
  const calls: ModelCall[] = [];
  const h = await startHarness({
    startApp: false,
    model: {
      latencyMs: MODEL_LATENCY_MS,
      // Called once the fake has read the request, just before its fixed wait: the model's time starts here.
      reply: (request) => {
        calls.push({ pr: prOfPrompt(request), at: Date.now() });
        return {};
      },
    },
  });
  const queue = new Queue<ReviewJobData>(QUEUE_NAMES.review, { connection: h.redis, prefix: h.prefix });
  let web: ChildApp | null = null;
  try {
    web = await startChildApp(envFor(h, { SKYWORK_ROLE: "web" }));
    // One review at a time, each in an installation of its own: nothing to wait for but GitHub's
    // write pacing within the review itself.
    const solo = await runWith(
      h,
      web,
      queue,
      { label: "solo", workers: 1, concurrency: 1, events: SOLO_REVIEWS, installations: SOLO_REVIEWS, delivering: 1 },
      calls,
    );
    const results: RunResult[] = [];
    for (const workers of WORKER_COUNTS) {
      const shape = {
        label: `run${workers}`,
        workers,
        concurrency: WORKER_CONCURRENCY,
        events: EVENTS_PER_RUN,
        installations: INSTALLATIONS_PER_RUN,
        delivering: 8,
      };
      results.push(await runWith(h, web, queue, shape, calls));
    }
    return figuresOf(solo, results);
  } finally {
    web?.kill("SIGTERM");
    await web?.exited;
    await queue.close();
    await h.close();
  }
}

// ── Figures ──────────────────────────────────────────────────────────────────────────────────────

/**
 * Content-creating requests on a repository (POST, PATCH, PUT, DELETE): the ones GitHub asks to
 * space a second apart. An installation token's creation is the App's, made once an hour.
 */
const isWrite = (request: GitHubRequest): boolean => request.method !== "GET" && request.method !== "HEAD" && request.path.includes("/repos/");

function figuresOf(solo: RunResult, results: readonly RunResult[]): BenchFigure[] {
  const soloOverhead = solo.timings.map((t) => t.wallMs - t.modelMs);
  const writesPerReview = solo.githubRequests.filter(isWrite).length / solo.reviews;
  const figures: BenchFigure[] = [
    { name: "pipeline: events per run", value: EVENTS_PER_RUN, unit: `events over ${INSTALLATIONS_PER_RUN} installations` },
    { name: "pipeline: fake model latency, fixed", value: MODEL_LATENCY_MS, unit: "ms" },
    { name: "pipeline: LLM_MAX_CONCURRENCY (cap) / WORKER_CONCURRENCY per process", value: MODEL_CAP, unit: `/ ${WORKER_CONCURRENCY}` },
    {
      name: `pipeline solo (${SOLO_REVIEWS} reviews, one at a time): review wall time, p50`,
      value: Math.round(
        percentile(
          solo.timings.map((t) => t.wallMs),
          50,
        ),
      ),
      unit: "ms",
    },
    { name: "pipeline solo: app overhead per review (wall - model), p50", value: Math.round(percentile(soloOverhead, 50)), unit: "ms" },
    { name: "pipeline solo: app overhead per review (wall - model), max", value: Math.round(Math.max(...soloOverhead)), unit: "ms" },
    {
      name: "pipeline solo: before the model (GitHub reads, packing), p50",
      value: Math.round(
        percentile(
          solo.timings.map((t) => t.beforeMs),
          50,
        ),
      ),
      unit: "ms",
    },
    {
      name: "pipeline solo: after the model (checking, posting; GitHub's 1 s write spacing), p50",
      value: Math.round(
        percentile(
          solo.timings.map((t) => t.afterMs),
          50,
        ),
      ),
      unit: "ms",
    },
    { name: "pipeline solo: worker CPU per review", value: round(solo.workerCpuMsPerReview), unit: "ms" },
    { name: "pipeline solo: GitHub API calls per review", value: round(solo.githubRequests.length / solo.reviews, 2), unit: "calls" },
    { name: "pipeline solo: of which content-creating (POST/PATCH)", value: round(writesPerReview, 2), unit: "calls" },
    { name: "pipeline: ceiling for ONE installation (1 write/s, GitHub's guidance)", value: round(60 / writesPerReview), unit: "reviews/min" },
  ];
  for (const r of results) {
    const label = `pipeline ${r.workers} worker${r.workers === 1 ? "" : "s"}`;
    const overhead = r.timings.map((t) => t.wallMs - t.modelMs);
    const posted = r.outcomes.get("posted") ?? 0;
    figures.push(
      { name: `${label}: throughput`, value: round(r.reviewsPerMinute), unit: "reviews/min" },
      {
        name: `${label}: reviews posted / finished`,
        value: posted,
        unit: `/ ${r.reviews}${r.outcomes.size > 1 ? ` (${[...r.outcomes].map(([k, v]) => `${v} ${k}`).join(", ")})` : ""}`,
      },
      {
        name: `${label}: model requests in flight, peak (cap ${MODEL_CAP})`,
        value: r.maxModelConcurrency,
        unit: r.maxModelConcurrency <= MODEL_CAP ? "requests (within the cap)" : "requests (CAP EXCEEDED)",
      },
      { name: `${label}: model requests per review`, value: round(r.modelRequests / r.reviews, 2), unit: "requests" },
      {
        name: `${label}: review wall time, p50`,
        value: Math.round(
          percentile(
            r.timings.map((t) => t.wallMs),
            50,
          ),
        ),
        unit: "ms",
      },
      { name: `${label}: wall - model, p50 (includes waiting for a model slot)`, value: Math.round(percentile(overhead, 50)), unit: "ms" },
      { name: `${label}: wall - model, p95`, value: Math.round(percentile(overhead, 95)), unit: "ms" },
      { name: `${label}: worker CPU per review (all worker processes)`, value: round(r.workerCpuMsPerReview), unit: "ms" },
      { name: `${label}: web role CPU per delivery (with its background work over the run)`, value: round(r.webCpuMsPerDelivery, 2), unit: "ms" },
      { name: `${label}: GitHub API calls per review`, value: round(r.githubRequests.length / r.reviews, 2), unit: "calls" },
    );
  }
  const first = results[0] as RunResult;
  figures.push(
    {
      name: "pipeline scaling: throughput 2 workers / 1 worker",
      value: round((results[1]?.reviewsPerMinute ?? Number.NaN) / first.reviewsPerMinute, 2),
      unit: "x",
    },
    {
      name: "pipeline scaling: throughput 4 workers / 1 worker",
      value: round((results[2]?.reviewsPerMinute ?? Number.NaN) / first.reviewsPerMinute, 2),
      unit: "x",
    },
    { name: "pipeline scaling: model-bound ceiling, cap x 60 s / model latency", value: round((MODEL_CAP * 60_000) / MODEL_LATENCY_MS), unit: "reviews/min" },
    ...githubBreakdown(solo),
  );
  return figures;
}

/** GitHub calls per review by operation, from the fake's request log (the solo run). */
function githubBreakdown(result: RunResult): BenchFigure[] {
  const counts = new Map<string, number>();
  for (const request of result.githubRequests) {
    const key = request.operationId ?? `${request.method} ${request.path.split("?")[0]}`;
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return [...counts]
    .sort((a, b) => b[1] - a[1])
    .map(([operation, n]) => ({ name: `pipeline GitHub calls per review: ${operation}`, value: round(n / result.reviews, 2), unit: "calls" }));
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) printFigures(await benchPipeline());
