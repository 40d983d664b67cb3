// The queues the web role writes and the worker role reads. Scale-out is more workers on the same
// Redis; nothing here is process-local.
import { Queue, type JobsOptions } from "bullmq";
import type { Redis } from "ioredis";
import { commandJobId, QUEUE_NAMES, reviewJobId, type CommandJobData, type ReviewJobData } from "./jobs.js";

const DAY_S = 24 * 60 * 60;

/** Retention keeps finished jobs long enough that their ids still dedupe late redeliveries. */
export const DEFAULT_JOB_OPTIONS: JobsOptions = {
  attempts: 5,
  backoff: { type: "exponential", delay: 5_000, jitter: 0.5 },
  removeOnComplete: { age: 7 * DAY_S },
  removeOnFail: { age: 14 * DAY_S },
};

export interface Queues {
  review: Queue<ReviewJobData>;
  command: Queue<CommandJobData>;
  close(): Promise<void>;
}

export function createQueues(connection: Redis, prefix: string): Queues {
  const options = { connection, prefix, defaultJobOptions: DEFAULT_JOB_OPTIONS };
  const review = new Queue<ReviewJobData>(QUEUE_NAMES.review, options);
  const command = new Queue<CommandJobData>(QUEUE_NAMES.command, options);
  return {
    review,
    command,
    async close() {
      await Promise.allSettled([review.close(), command.close()]);
    },
  };
}

/** Adds a review job; a job with the same id already present is returned instead of a new one. */
export async function enqueueReview(queues: Pick<Queues, "review">, data: ReviewJobData): Promise<{ jobId: string }> {
  const jobId = reviewJobId(data);
  await queues.review.add("review", data, { jobId });
  return { jobId };
}

export async function enqueueCommand(queues: Pick<Queues, "command">, data: CommandJobData): Promise<{ jobId: string }> {
  const jobId = commandJobId(data);
  await queues.command.add("command", data, { jobId });
  return { jobId };
}
