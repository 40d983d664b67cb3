// The queues the web role writes and the worker role reads. Scale-out is more workers on the same
// Redis; nothing here is process-local.
import { Queue, type JobsOptions } from "bullmq";
import type { RedisClient } from "./connection.js";
import { fairPriorityCall, releaseFairness } from "./fairness.js";
import { runScripts, type ScriptCall } from "./lua-script.js";
import {
  commandJobId,
  feedbackJobId,
  fixJobId,
  fixTargetKey,
  QUEUE_NAMES,
  reviewJobId,
  type CommandJobData,
  type FeedbackJobData,
  type FixJobData,
  type ReviewJobData,
} from "./jobs.js";

const DAY_S = 24 * 60 * 60;

/** Retention keeps finished jobs long enough that their ids still dedupe late redeliveries. */
export const DEFAULT_JOB_OPTIONS: JobsOptions = {
  attempts: 5,
  // Delays come from retry-policy.ts (exponential, jittered, honouring retry-after).
  backoff: { type: "policy" },
  removeOnComplete: { age: 7 * DAY_S },
  removeOnFail: { age: 14 * DAY_S },
};

export interface Queues {
  review: Queue<ReviewJobData>;
  command: Queue<CommandJobData>;
  fix: Queue<FixJobData>;
  feedback: Queue<FeedbackJobData>;
  close(): Promise<void>;
}

export function createQueues(connection: RedisClient, prefix: string, settings: { failedJobRetentionDays?: number } = {}): Queues {
  const defaultJobOptions: JobsOptions = {
    ...DEFAULT_JOB_OPTIONS,
    ...(settings.failedJobRetentionDays ? { removeOnFail: { age: settings.failedJobRetentionDays * DAY_S } } : {}),
  };
  const options = { connection, prefix, defaultJobOptions };
  const review = new Queue<ReviewJobData>(QUEUE_NAMES.review, options);
  const command = new Queue<CommandJobData>(QUEUE_NAMES.command, options);
  // A fix runs an agent for minutes and its retries redo that work: fewer attempts.
  const fix = new Queue<FixJobData>(QUEUE_NAMES.fix, { ...options, defaultJobOptions: { ...defaultJobOptions, attempts: 3 } });
  const feedback = new Queue<FeedbackJobData>(QUEUE_NAMES.feedback, options);
  // Connection errors are reported once by the connection's owner (app.ts); a queue without a
  // listener would print every reconnect attempt's error to stderr, three queues at a time.
  for (const queue of [review, command, fix, feedback]) queue.on("error", () => undefined);
  return {
    review,
    command,
    fix,
    feedback,
    async close() {
      await Promise.allSettled([review.close(), command.close(), fix.close(), feedback.close()]);
    },
  };
}

/** Where fairness across installations is kept (see fairness.ts). */
export interface FairnessStore {
  redis: RedisClient;
  prefix: string;
}

/**
 * Adds a review job; a job with the same id already present is returned instead of a new one.
 * Its priority comes from its installation's backlog, so one installation flooding PRs cannot
 * starve the others. Every review job gets one: priority 0 would jump ahead of all of them.
 * Scripts in `alongside` run in the same round trip as the priority's; their replies come back.
 */
export async function enqueueReview(
  queues: Pick<Queues, "review">,
  data: ReviewJobData,
  fairness: FairnessStore,
  alongside: (jobId: string) => ScriptCall[] = () => [],
): Promise<{ jobId: string; replies: unknown[] }> {
  const jobId = reviewJobId(data);
  const fair = fairPriorityCall(fairness.prefix, data.installationId, jobId, { jobKey: queues.review.toKey(jobId) });
  const [priority, ...replies] = await runScripts(fairness.redis, [fair, ...alongside(jobId)]);
  try {
    await queues.review.add("review", data, { jobId, priority: Number(priority) });
  } catch (error) {
    await releaseFairness(fairness.redis, fairness.prefix, data.installationId, jobId, { how: "removed" }).catch(() => undefined);
    throw error;
  }
  return { jobId, replies };
}

export async function enqueueCommand(queues: Pick<Queues, "command">, data: CommandJobData): Promise<{ jobId: string }> {
  const jobId = commandJobId(data);
  await queues.command.add("command", data, { jobId });
  return { jobId };
}

/**
 * Adds a fix job unless a fix for the same target is already waiting or running (BullMQ's
 * deduplication holds until that job completes or fails). Returns the id of the job that will do
 * the work: this one, or the one already under way.
 */
export async function enqueueFix(queues: Pick<Queues, "fix">, data: FixJobData): Promise<{ jobId: string; duplicateOf: string | null }> {
  const jobId = fixJobId(data);
  const job = await queues.fix.add("fix", data, { jobId, deduplication: { id: fixTargetKey(data) } });
  return { jobId, duplicateOf: job.id !== undefined && job.id !== jobId ? job.id : null };
}

export async function enqueueFeedback(queues: Pick<Queues, "feedback">, data: FeedbackJobData): Promise<{ jobId: string }> {
  const jobId = feedbackJobId(data);
  await queues.feedback.add(data.kind, data, { jobId });
  return { jobId };
}
