// Job durations, outcomes and retries, read from a BullMQ Worker's events: the processors stay
// free of metrics code.
import type { Job, Worker } from "bullmq";
import { failureReason } from "./failure-labels.js";
import type { JobKind, Metrics } from "./metrics.js";

/**
 * Records each finished attempt: `completed` with the processor's `status` as outcome, or
 * `retrying` / `failed`. BullMQ sets `finishedOn` on a failed job only when it will not be
 * retried, which is how a retry is told from a final failure.
 */
export function instrumentWorker<D, R>(worker: Pick<Worker<D, R>, "on">, kind: JobKind, metrics: Pick<Metrics, "jobFinished" | "retry">): void {
  worker.on("completed", (job: Job<D, R>, result: R) => {
    metrics.jobFinished(kind, outcomeOf(result), attemptMs(job));
  });
  worker.on("failed", (job: Job<D, R> | undefined, error: Error) => {
    if (!job) return;
    const retrying = typeof job.finishedOn !== "number";
    metrics.jobFinished(kind, retrying ? "retrying" : "failed", attemptMs(job));
    if (retrying) metrics.retry(kind, failureReason(error));
  });
}

function outcomeOf(result: unknown): string {
  const status = (result as { status?: unknown } | null)?.status;
  return typeof status === "string" ? status : "completed";
}

function attemptMs(job: Pick<Job, "processedOn">): number {
  return typeof job.processedOn === "number" ? Math.max(0, Date.now() - job.processedOn) : 0;
}
