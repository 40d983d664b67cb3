// The Probot application of the web role: verify (Probot does), filter, enqueue. No GitHub or model
// calls happen here; GitHub waits at most 10 s for an answer and never redelivers by itself.
import type {
  IssueCommentCreatedEvent,
  PullRequestEvent,
  PullRequestReviewCommentCreatedEvent,
  PullRequestReviewThreadResolvedEvent,
} from "@octokit/webhooks-types";
import type { RedisClient } from "../queue/connection.js";
import type { ApplicationFunction, Logger } from "probot";
import { withTimeout } from "../ops/with-timeout.js";
import type { CommandJobData, FeedbackJobData, ReviewJobData } from "../queue/jobs.js";
import { enqueueCommand, enqueueFeedback, enqueueReview, type Queues } from "../queue/queues.js";
import { releaseFairness } from "../queue/fairness.js";
import { replicatedWrite } from "../queue/replication.js";
import { recordHeadCall, retireSuperseded } from "../queue/supersede.js";
import { commandJobFromIssueComment, commandJobFromReviewComment } from "./command-events.js";
import { feedbackJobFromReviewComment, feedbackJobFromThreadResolved } from "./feedback-events.js";
import { reviewJobFromEvent } from "./review-events.js";

/** How long the intake waits for Redis before answering 503 (GitHub gives up after 10 s). */
const ENQUEUE_TIMEOUT_MS = 3_000;
/** Of that, how long replicas may take to confirm a job (REDIS_REPLICA_ACKS). */
const REPLICA_ACK_TIMEOUT_MS = 1_000;

/** An error Probot's middleware turns into this HTTP status (it reads `status` off the error). */
export class IntakeUnavailableError extends Error {
  readonly status = 503;
  constructor(cause: unknown) {
    super(`The job queue (Redis) could not store this delivery: ${cause instanceof Error ? cause.message : String(cause)}`);
    this.name = "IntakeUnavailableError";
  }
}

export interface IntakeOptions {
  queues: Queues;
  /** The intake's Redis connection and queue prefix, for superseding older heads' work. */
  redis: RedisClient;
  prefix: string;
  /** Replicas that must hold a job before its delivery is answered 2xx (REDIS_REPLICA_ACKS). @defaultValue 0 */
  replicaAcks?: number;
}

export function createWebhookApp({ queues, redis, prefix, replicaAcks = 0 }: IntakeOptions): ApplicationFunction {
  // Every key of the deployment shares the prefix (and, on Cluster, its slot and primary).
  const replicated = { replicas: replicaAcks, key: `${prefix}:intake`, timeoutMs: REPLICA_ACK_TIMEOUT_MS };
  // The PR's newest head is recorded in the same round trip as the job's priority; once the job is
  // stored, the older head's work is retired. Best effort — the delivery is already safe, and the
  // worker double-checks the head on GitHub anyway.
  const enqueueNewestReview = async (job: ReviewJobData, log: Logger) => {
    const at = job.eventAt ? Date.parse(job.eventAt) : Date.now();
    const head = (jobId: string) => ({ repoId: job.repoId, pullNumber: job.pullNumber, sha: job.headSha, at, jobId });
    const { jobId, replies } = await enqueueReview(queues, job, { redis, prefix }, (id) => [recordHeadCall(prefix, head(id))]);
    try {
      const superseded = await retireSuperseded(redis, prefix, queues.review, head(jobId), replies[0]);
      if (superseded) {
        log.info({ jobId, superseded }, "older head's review superseded");
        await releaseFairness(redis, prefix, job.installationId, superseded, { how: "removed" });
      }
    } catch (error) {
      log.warn({ err: error, jobId }, "could not supersede older reviews");
    }
    return { jobId };
  };
  return (app) => {
    app.on(["pull_request.opened", "pull_request.reopened", "pull_request.synchronize", "pull_request.ready_for_review"], async (context) => {
      const decision = reviewJobFromEvent(context.id, context.payload as PullRequestEvent);
      await accept(context.log, context.id, decision, (job) => replicatedWrite(redis, replicated, () => enqueueNewestReview(job, context.log)));
    });
    app.on("issue_comment.created", async (context) => {
      const decision = commandJobFromIssueComment(context.id, context.payload as IssueCommentCreatedEvent);
      await accept(context.log, context.id, decision, (job) => replicatedWrite(redis, replicated, () => enqueueCommand(queues, job)));
    });
    app.on("pull_request_review_comment.created", async (context) => {
      const payload = context.payload as PullRequestReviewCommentCreatedEvent;
      // A command, or else a reply to hear (at most one of the two enqueues).
      const decision = commandJobFromReviewComment(context.id, payload);
      if (decision.enqueue) await accept(context.log, context.id, decision, (job) => replicatedWrite(redis, replicated, () => enqueueCommand(queues, job)));
      else
        await accept(context.log, context.id, feedbackJobFromReviewComment(context.id, payload), (job) =>
          replicatedWrite(redis, replicated, () => enqueueFeedback(queues, job)),
        );
    });
    app.on("pull_request_review_thread.resolved", async (context) => {
      const decision = feedbackJobFromThreadResolved(context.id, context.payload as PullRequestReviewThreadResolvedEvent);
      await accept(context.log, context.id, decision, (job) => replicatedWrite(redis, replicated, () => enqueueFeedback(queues, job)));
    });
  };
}

async function accept<J extends ReviewJobData | CommandJobData | FeedbackJobData>(
  log: Logger,
  deliveryId: string,
  decision: { enqueue: true; job: J } | { enqueue: false; reason: string },
  enqueue: (job: J) => Promise<{ jobId: string }>,
): Promise<void> {
  if (!decision.enqueue) {
    log.debug({ deliveryId, reason: decision.reason }, "delivery ignored");
    return;
  }
  const { job } = decision;
  const { jobId } = await withTimeout(enqueue(job), ENQUEUE_TIMEOUT_MS, {
    onTimeout: () => new Error(`no answer from Redis within ${ENQUEUE_TIMEOUT_MS} ms`),
    unref: false,
  }).catch((error: unknown) => {
    throw new IntakeUnavailableError(error);
  });
  // The keys the worker's lines for this job carry, so one query finds the job from intake to end.
  const subject = "pullNumber" in job ? { pr: job.pullNumber } : { issue: job.issueNumber };
  log.info({ deliveryId, jobId, installation: job.installationId, repo: `${job.owner}/${job.repo}`, ...subject }, "job enqueued");
}
