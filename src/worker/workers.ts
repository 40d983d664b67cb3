// The worker role: BullMQ workers that run jobs. Stateless; any number may share one Redis.
import { Worker, type Processor } from "bullmq";
import type { Redis } from "ioredis";
import type { Logger } from "probot";
import { runCommandJob, type CommandDeps, type CommandOutcome } from "../commands/command-job.js";
import { QUEUE_NAMES, type CommandJobData, type ReviewJobData } from "../queue/jobs.js";
import { cancelChannel } from "../queue/supersede.js";
import { runReviewJob, type ReviewDeps, type ReviewOutcome } from "../review/review-job.js";

export interface Workers {
  close(): Promise<void>;
}

export interface WorkerOptions {
  connection: Redis;
  prefix: string;
  concurrency: number;
  review: ReviewDeps;
  command: CommandDeps;
  log: Logger;
}

export function startWorkers(options: WorkerOptions): Workers {
  const { log } = options;
  const review = startWorker<ReviewJobData, ReviewOutcome>(options, QUEUE_NAMES.review, options.concurrency, (job, _token, signal) =>
    runReviewJob(
      job.data,
      {
        ...options.review,
        log: log.child({ jobId: job.id }),
        isFinalAttempt: () => job.attemptsMade + 1 >= (job.opts.attempts ?? 1),
        heads: { redis: options.connection, prefix: options.prefix },
      },
      signal,
    ),
  );
  // The intake publishes the ids of jobs a newer head superseded; whichever worker runs one
  // aborts it (the signal reaches the model request).
  const subscriber = options.connection.duplicate();
  subscriber.on("error", (error) => log.warn({ err: error.message }, "cancel subscription error"));
  void subscriber.subscribe(cancelChannel(options.prefix)).catch((error: unknown) => log.error({ err: error }, "could not subscribe to cancellations"));
  subscriber.on("message", (_channel, jobId: string) => {
    if (review.cancelJob(jobId, "superseded by a newer head")) log.info({ jobId }, "running review cancelled: a newer head arrived");
  });
  // Commands are short (a permission check, a reaction, a reply or an enqueue).
  const command = startWorker<CommandJobData, CommandOutcome>(options, QUEUE_NAMES.command, Math.max(2, options.concurrency), (job) =>
    runCommandJob(job.data, { ...options.command, log: log.child({ jobId: job.id }) }),
  );
  return {
    async close() {
      await Promise.allSettled([review.close(), command.close()]);
      subscriber.disconnect();
    },
  };
}

function startWorker<D, R extends { status: string }>(options: WorkerOptions, name: string, concurrency: number, processor: Processor<D, R>): Worker<D, R> {
  const { log } = options;
  const worker = new Worker<D, R>(name, processor, { connection: options.connection, prefix: options.prefix, concurrency });
  worker.on("completed", (job, outcome) => log.info({ queue: name, jobId: job.id, outcome: outcome.status }, "job completed"));
  worker.on("failed", (job, error) => log.error({ queue: name, jobId: job?.id, attempt: job?.attemptsMade, err: error }, "job failed"));
  // Connection errors are retried by ioredis; log them instead of crashing the process.
  worker.on("error", (error) => log.error({ queue: name, err: error }, "worker error"));
  return worker;
}
