// The worker role: BullMQ workers that run jobs. Stateless; any number may share one Redis.
import { UnrecoverableError, WaitingError, Worker, type Job, type Processor } from "bullmq";
import type { RedisClient } from "../queue/connection.js";
import type { Logger } from "probot";
import { runCommandJob, type CommandDeps, type CommandOutcome } from "../commands/command-job.js";
import { PermanentError } from "../errors.js";
import { runFixJob, type FixDeps, type FixOutcome } from "../fix/fix-job.js";
import { instrumentWorker } from "../ops/job-metrics.js";
import type { JobKind, Metrics } from "../ops/metrics.js";
import { withTimeout } from "../ops/with-timeout.js";
import { releaseFairness } from "../queue/fairness.js";
import { HAND_BACK_REASON, QUEUE_NAMES, type CommandJobData, type FeedbackJobData, type FixJobData, type ReviewJobData } from "../queue/jobs.js";
import { backoffDelay, judgeFailure, type AttemptInfo } from "../queue/retry-policy.js";
import { cancelChannel } from "../queue/supersede.js";
import { runFeedbackJob, type FeedbackDeps, type FeedbackOutcome } from "../review/feedback-job.js";
import { runReviewJob, type ReviewDeps, type ReviewOutcome } from "../review/review-job.js";

export interface Workers {
  /**
   * Stops taking jobs and lets running ones finish; after `deadlineMs` the rest are handed back
   * to the queue for another worker (not failed, not lost). Ends at most HAND_BACK_MS after the
   * deadline whatever is unreachable, resolving with what was left unclean (empty: nothing).
   */
  close(deadlineMs?: number): Promise<string[]>;
}

/** After the jobs' deadline, how long handing them back and closing the workers may take. */
export const HAND_BACK_MS = 2_000;

export interface WorkerOptions {
  connection: RedisClient;
  prefix: string;
  concurrency: number;
  /** Lock duration; a job whose worker died is recovered after it (stalled-job detection). */
  lockMs: number;
  /** Delay before a failed job's first retry (RETRY_BASE_DELAY_MS). */
  retryBaseDelayMs: number;
  review: ReviewDeps;
  command: CommandDeps;
  fix: FixDeps;
  /** Replies to findings and resolved threads. */
  feedback: FeedbackDeps;
  /** Fixes one process runs at once (each runs an agent for minutes). */
  fixConcurrency: number;
  log: Logger;
  metrics?: Pick<Metrics, "jobFinished" | "retry">;
}

export function startWorkers(options: WorkerOptions): Workers {
  const { log } = options;
  // Jobs held by this process, as queue/id, until they end or are handed back: what a shutdown may strand.
  const running = new Set<string>();
  const review = startWorker<ReviewJobData, ReviewOutcome>(
    options,
    QUEUE_NAMES.review,
    options.concurrency,
    async (job, _token, signal) => {
      // Started: no longer counts towards its installation's backlog.
      await releaseFairness(options.connection, options.prefix, job.data.installationId, job.id ?? "").catch((error: unknown) =>
        log.warn({ err: error, jobId: job.id }, "could not update fairness bookkeeping"),
      );
      return runReviewJob(
        job.data,
        {
          ...options.review,
          log: log.child({ jobId: job.id, installation: job.data.installationId }),
          attempt: attemptOf(job),
          heads: { redis: options.connection, prefix: options.prefix },
        },
        signal,
      );
    },
    running,
  );
  // Commands are short (a permission check, a reaction, a reply or an enqueue).
  const command = startWorker<CommandJobData, CommandOutcome>(
    options,
    QUEUE_NAMES.command,
    Math.max(2, options.concurrency),
    (job) => runCommandJob(job.data, { ...options.command, log: log.child({ jobId: job.id, installation: job.data.installationId }), attempt: attemptOf(job) }),
    running,
  );
  const fix = startWorker<FixJobData, FixOutcome>(
    options,
    QUEUE_NAMES.fix,
    options.fixConcurrency,
    (job, _token, signal) =>
      runFixJob(
        job.data,
        job.id ?? "fix",
        {
          ...options.fix,
          log: log.child({ jobId: job.id, installation: job.data.installationId }),
          attempt: attemptOf(job),
        },
        signal,
      ),
    running,
  );
  // Replies and resolutions: a permission check and at most one short model answer each.
  const feedback = startWorker<FeedbackJobData, FeedbackOutcome>(
    options,
    QUEUE_NAMES.feedback,
    Math.max(2, Math.ceil(options.concurrency / 2)),
    (job) =>
      runFeedbackJob(job.data, { ...options.feedback, log: log.child({ jobId: job.id, installation: job.data.installationId }), attempt: attemptOf(job) }),
    running,
  );
  // The intake publishes the ids of jobs a newer head superseded; whichever worker runs one
  // aborts it (the signal reaches the model request).
  const subscriber = options.connection.duplicate();
  subscriber.on("error", (error) => log.warn({ err: error.message }, "cancel subscription error"));
  void subscriber.subscribe(cancelChannel(options.prefix)).catch((error: unknown) => log.error({ err: error }, "could not subscribe to cancellations"));
  subscriber.on("message", (_channel, jobId: string) => {
    if (review.cancelJob(jobId, "superseded by a newer head")) log.info({ jobId }, "running review cancelled: a newer head arrived");
  });

  const workers = [review, command, fix, feedback];
  return {
    async close(deadlineMs = 0) {
      const closing = Promise.allSettled(workers.map((w) => w.close()));
      const timer = setTimeout(() => {
        log.warn({ deadlineMs }, "shutdown deadline reached; handing running jobs back to the queue");
        for (const worker of workers) worker.cancelAllJobs(HAND_BACK_REASON);
      }, deadlineMs);
      // Handing a job back and closing a worker both need Redis: with Redis gone they never end.
      // (`closing` settles every worker's close and never rejects: a rejection is the time running out.)
      const closed = await withTimeout(
        closing.then(() => true),
        deadlineMs + HAND_BACK_MS,
        { unref: false },
      ).catch(() => false);
      clearTimeout(timer);
      subscriber.disconnect();
      if (closed) return [];
      const stranded = [...running];
      for (const job of stranded) {
        log.error(
          { job },
          "could not hand this job back to the queue (is Redis reachable?); another worker takes it over once its lock expires (WORKER_LOCK_MS)",
        );
      }
      return [
        stranded.length > 0
          ? `workers: ${stranded.length} running job(s) not handed back (${stranded.join(", ")})`
          : "workers: did not close (Redis unreachable?)",
      ];
    },
  };
}

function attemptOf(job: Job): AttemptInfo {
  return { attemptsMade: job.attemptsMade, attempts: job.opts.attempts ?? 1 };
}

function startWorker<D, R extends { status: string }>(
  options: WorkerOptions,
  name: string,
  concurrency: number,
  processor: Processor<D, R>,
  running: Set<string>,
): Worker<D, R> {
  const { log } = options;
  const guarded: Processor<D, R> = async (job, token, signal) => {
    const key = `${name}/${job.id ?? "?"}`;
    running.add(key);
    try {
      return await processor(job, token, signal);
    } catch (error) {
      if (signal?.aborted && signal.reason === HAND_BACK_REASON && token) {
        // Back to waiting, attempt not counted: another worker takes it from the start.
        await job.moveToWait(token);
        log.info({ queue: name, jobId: job.id }, "job handed back to the queue");
        throw new WaitingError();
      }
      // The same verdict the job used to report the failure on GitHub: permanent failures are not
      // retried, since the same request would fail the same way.
      const failure = judgeFailure(error, attemptOf(job));
      if (failure.kind === "permanent" && !(error instanceof UnrecoverableError)) throw new PermanentError(failure.reason);
      throw error;
    } finally {
      running.delete(key);
    }
  };
  const worker = new Worker<D, R>(name, guarded, {
    connection: options.connection,
    prefix: options.prefix,
    concurrency,
    lockDuration: options.lockMs,
    stalledInterval: options.lockMs,
    // A job whose worker died twice is failed rather than retried forever.
    maxStalledCount: 2,
    settings: { backoffStrategy: (attemptsMade, _type, error) => backoffDelay(attemptsMade, error, { baseDelayMs: options.retryBaseDelayMs }) },
  });
  if (options.metrics) instrumentWorker(worker, name as JobKind, options.metrics);
  worker.on("completed", (job, outcome) => log.info({ ...jobLogFields(name, job), outcome: outcome.status }, "job completed"));
  worker.on("failed", (job: Job<D, R> | undefined, error) =>
    log.error({ ...(job ? jobLogFields(name, job) : { queue: name }), attempt: job?.attemptsMade, err: error }, "job failed"),
  );
  // Connection errors are retried by ioredis; log them instead of crashing the process.
  worker.on("error", (error) => log.error({ queue: name, err: error }, "worker error"));
  return worker;
}

/**
 * What ties a job's completion or failure to its delivery, installation, repository and PR or issue:
 * the same keys the job's own lines carry (the per-job child loggers above and in each job module).
 */
function jobLogFields(queue: string, job: Job<unknown, unknown>): Record<string, unknown> {
  // Every queue carries one of these; `in` tells them apart.
  const data = job.data as ReviewJobData | CommandJobData | FixJobData | FeedbackJobData;
  const subject =
    "pullNumber" in data
      ? { pr: data.pullNumber }
      : "issueNumber" in data
        ? { issue: data.issueNumber }
        : { target: `${data.target.kind}#${data.target.number}` };
  return { queue, jobId: job.id, installation: data.installationId, deliveryId: data.deliveryId, repo: `${data.owner}/${data.repo}`, ...subject };
}
