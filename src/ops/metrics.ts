// Prometheus metrics for operators: one registry of our own (no prom-client global state), narrow
// recording methods for the rest of the app, and queue depth read from BullMQ at scrape time.
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from "prom-client";
import { withTimeout } from "./with-timeout.js";

export type JobKind = "review" | "command" | "fix" | "feedback";

/** What the metrics need from a BullMQ Queue; a `Queue<T>` of any payload satisfies it. */
export interface MeteredQueue {
  readonly name: string;
  /** `${prefix}:${name}`: two Queue objects for the same queue are counted once. */
  readonly qualifiedName: string;
  getJobCounts(): Promise<Record<string, number>>;
  /** getWaiting(0, 0) is the oldest waiting job (BullMQ lists waiting jobs oldest first). */
  getWaiting(start?: number, end?: number): Promise<ReadonlyArray<{ timestamp: number } | undefined>>;
  /** Jobs with a priority wait here instead, ordered by priority rather than age. */
  getPrioritized?(start?: number, end?: number): Promise<ReadonlyArray<{ timestamp: number } | undefined>>;
}

export interface ModelRequestSample {
  latencyMs: number;
  promptTokens: number;
  completionTokens: number;
  /** "ok", or a short fixed word for the failure ("overflow", "unavailable", "aborted"…). */
  outcome: string;
}

export interface GitHubRequestSample {
  method: string;
  /** The route template (`/repos/{owner}/{repo}/pulls/{pull_number}`), never a filled-in path. */
  route: string;
  /** HTTP status; 0 when no response arrived (network error, timeout). */
  status: number;
  /** null for requests made as the App itself (JWT). */
  installationId?: number | null;
  /** x-ratelimit-remaining of the response, when it had one. */
  rateLimitRemaining?: number | null;
  durationMs?: number;
}

export interface Metrics {
  /** Content-Type of `render()`'s text (Prometheus text exposition format). */
  readonly contentType: string;
  render(): Promise<string>;
  /** Queues whose depth and oldest waiting job are read at each scrape. */
  registerQueues(queues: readonly MeteredQueue[]): void;
  jobFinished(kind: JobKind, outcome: string, ms: number): void;
  modelRequest(sample: ModelRequestSample): void;
  githubRequest(sample: GitHubRequestSample): void;
  retry(kind: JobKind, reason: string): void;
  /** A request to GitHub to redeliver a webhook ("ok", "failed", …). */
  redelivery(outcome: string): void;
  webhook(event: string, status: number, ms: number): void;
}

export interface MetricsOptions {
  /**
   * Also export Node's process metrics (CPU, memory, event loop lag, GC) into this registry.
   * @defaultValue true
   */
  processMetrics?: boolean;
  /**
   * Longest a scrape waits for one queue's counts: a worker's Redis connection waits for Redis
   * forever, and a scrape must not.
   * @defaultValue 2000
   */
  queueTimeoutMs?: number;
}

const PREFIX = "skywork_";
/** Label values come from callers; keep them short so a bug cannot blow up cardinality or memory. */
const MAX_LABEL_CHARS = 80;

export function createMetrics(options: MetricsOptions = {}): Metrics {
  const registry = new Registry();
  const queueTimeoutMs = options.queueTimeoutMs ?? 2_000;
  const queues = new Map<string, MeteredQueue>();
  if (options.processMetrics ?? true) collectDefaultMetrics({ register: registry, prefix: PREFIX });

  // The queue gauges are collected in the same scrape (prom-client collects in parallel): they
  // share one read per queue instead of asking Redis twice.
  let inFlight: Promise<QueueSnapshot[]> | null = null;
  const snapshot = (): Promise<QueueSnapshot[]> => {
    inFlight ??= Promise.all([...queues.values()].map((queue) => readQueue(queue, queueTimeoutMs))).finally(() => {
      inFlight = null;
    });
    return inFlight;
  };

  new Gauge({
    name: `${PREFIX}queue_jobs`,
    help: "Jobs in each queue by state, read from Redis at scrape time.",
    labelNames: ["queue", "state"] as const,
    registers: [registry],
    async collect() {
      this.reset();
      for (const queue of await snapshot()) {
        for (const [state, count] of Object.entries(queue.counts ?? {})) this.set({ queue: queue.name, state }, count);
      }
    },
  });
  new Gauge({
    name: `${PREFIX}queue_oldest_waiting_age_seconds`,
    help: "Age of the oldest job waiting for a worker (0 when none waits).",
    labelNames: ["queue"] as const,
    registers: [registry],
    async collect() {
      this.reset();
      for (const queue of await snapshot()) {
        if (queue.oldestWaitingAgeSeconds !== null) this.set({ queue: queue.name }, queue.oldestWaitingAgeSeconds);
      }
    },
  });
  new Gauge({
    name: `${PREFIX}queue_scrape_ok`,
    help: "1 when the queue's counts could be read from Redis at this scrape, else 0.",
    labelNames: ["queue"] as const,
    registers: [registry],
    async collect() {
      this.reset();
      for (const queue of await snapshot()) this.set({ queue: queue.name }, queue.counts ? 1 : 0);
    },
  });
  const jobDuration = new Histogram({
    name: `${PREFIX}job_duration_seconds`,
    help: "Time a worker spent on one attempt of a job, by kind and outcome.",
    labelNames: ["kind", "outcome"] as const,
    buckets: [0.1, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1200, 1800, 3600],
    registers: [registry],
  });
  const retries = new Counter({
    name: `${PREFIX}job_retries_total`,
    help: "Job attempts that failed and will be tried again, by kind and reason.",
    labelNames: ["kind", "reason"] as const,
    registers: [registry],
  });
  const modelLatency = new Histogram({
    name: `${PREFIX}model_request_duration_seconds`,
    help: "Latency of chat completion requests to the model server, by outcome.",
    labelNames: ["outcome"] as const,
    buckets: [0.25, 0.5, 1, 2.5, 5, 10, 20, 30, 60, 120, 300, 600],
    registers: [registry],
  });
  const promptTokens = new Counter({
    name: `${PREFIX}model_prompt_tokens_total`,
    help: "Prompt tokens sent to the model server, by outcome.",
    labelNames: ["outcome"] as const,
    registers: [registry],
  });
  const completionTokens = new Counter({
    name: `${PREFIX}model_completion_tokens_total`,
    help: "Answer (completion) tokens the model server produced, by outcome.",
    labelNames: ["outcome"] as const,
    registers: [registry],
  });
  const githubRequests = new Counter({
    name: `${PREFIX}github_requests_total`,
    help: "GitHub API requests by method, route template and status (status none: no response).",
    labelNames: ["method", "route", "status"] as const,
    registers: [registry],
  });
  const githubDuration = new Histogram({
    name: `${PREFIX}github_request_duration_seconds`,
    help: "Latency of GitHub API requests (retries and throttling waits included), by method and route template.",
    labelNames: ["method", "route"] as const,
    buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
    registers: [registry],
  });
  const rateLimit = new Gauge({
    name: `${PREFIX}github_rate_limit_remaining`,
    help: "x-ratelimit-remaining of the latest GitHub response, per installation (app: the App's own JWT requests).",
    labelNames: ["installation_id"] as const,
    registers: [registry],
  });
  const redeliveries = new Counter({
    name: `${PREFIX}webhook_redelivery_requests_total`,
    help: "Requests to GitHub to redeliver a webhook, by outcome.",
    labelNames: ["outcome"] as const,
    registers: [registry],
  });
  const webhooks = new Histogram({
    name: `${PREFIX}webhook_duration_seconds`,
    help: "Time to answer a webhook delivery, by event and response status (its _count: deliveries).",
    labelNames: ["event", "status"] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });

  return {
    contentType: registry.contentType,
    render: () => registry.metrics(),
    registerQueues(list) {
      for (const queue of list) if (!queues.has(queue.qualifiedName)) queues.set(queue.qualifiedName, queue);
    },
    jobFinished: (kind, outcome, ms) =>
      safely(() => {
        if (isAmount(ms)) jobDuration.observe({ kind: label(kind), outcome: label(outcome) }, ms / 1000);
      }),
    modelRequest: (sample) =>
      safely(() => {
        const outcome = label(sample.outcome);
        if (isAmount(sample.latencyMs)) modelLatency.observe({ outcome }, sample.latencyMs / 1000);
        if (isAmount(sample.promptTokens)) promptTokens.inc({ outcome }, sample.promptTokens);
        if (isAmount(sample.completionTokens)) completionTokens.inc({ outcome }, sample.completionTokens);
      }),
    githubRequest: (sample) =>
      safely(() => {
        const method = label(sample.method.toUpperCase());
        const route = label(sample.route);
        githubRequests.inc({ method, route, status: sample.status > 0 ? String(sample.status) : "none" });
        if (sample.durationMs !== undefined && isAmount(sample.durationMs)) githubDuration.observe({ method, route }, sample.durationMs / 1000);
        if (sample.rateLimitRemaining !== undefined && sample.rateLimitRemaining !== null && isAmount(sample.rateLimitRemaining)) {
          rateLimit.set({ installation_id: sample.installationId ? String(sample.installationId) : "app" }, sample.rateLimitRemaining);
        }
      }),
    retry: (kind, reason) => safely(() => retries.inc({ kind: label(kind), reason: label(reason) })),
    redelivery: (outcome) => safely(() => redeliveries.inc({ outcome: label(outcome) })),
    webhook: (event, status, ms) =>
      safely(() => {
        if (isAmount(ms)) webhooks.observe({ event: label(event), status: String(status) }, ms / 1000);
      }),
  };
}

interface QueueSnapshot {
  name: string;
  /** null when Redis did not answer in time. */
  counts: Record<string, number> | null;
  oldestWaitingAgeSeconds: number | null;
}

/** How many prioritized jobs a scrape looks at for the oldest one (bounded work per scrape). */
const PRIORITIZED_SAMPLE = 200;

async function readQueue(queue: MeteredQueue, timeoutMs: number): Promise<QueueSnapshot> {
  try {
    const [counts, oldest, prioritized] = await withTimeout(
      Promise.all([queue.getJobCounts(), queue.getWaiting(0, 0), queue.getPrioritized?.(0, PRIORITIZED_SAMPLE - 1) ?? Promise.resolve([])]),
      timeoutMs,
      { what: `reading queue ${queue.name}` },
    );
    // Prioritized jobs are sorted by priority, so the oldest is looked for among the first ones.
    const timestamps = [...oldest, ...prioritized].map((job) => job?.timestamp).filter((t): t is number => typeof t === "number");
    const age = timestamps.length > 0 ? Math.max(0, (Date.now() - Math.min(...timestamps)) / 1000) : 0;
    return { name: queue.name, counts, oldestWaitingAgeSeconds: age };
  } catch {
    // queue_scrape_ok says so; a scrape must still answer with everything else.
    return { name: queue.name, counts: null, oldestWaitingAgeSeconds: null };
  }
}

function label(value: string): string {
  const text = String(value).trim();
  if (text === "") return "unknown";
  return text.length > MAX_LABEL_CHARS ? text.slice(0, MAX_LABEL_CHARS) : text;
}

function isAmount(value: number): boolean {
  return typeof value === "number" && Number.isFinite(value) && value >= 0;
}

/** Metrics are never worth failing a webhook, a job or a GitHub request for. */
function safely(record: () => void): void {
  try {
    record();
  } catch {
    // A bad sample is dropped.
  }
}
