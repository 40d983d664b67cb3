// What travels through the queues: job names, payloads and the ids that make intake idempotent.

export const QUEUE_NAMES = { review: "review", command: "command", fix: "fix", feedback: "feedback" } as const;

/** Abort reason of a job a worker gives back to the queue while shutting down (not a failure). */
export const HAND_BACK_REASON = "skywork:hand-back";
export type QueueName = (typeof QUEUE_NAMES)[keyof typeof QUEUE_NAMES];

export type ReviewTrigger = "opened" | "reopened" | "synchronize" | "ready_for_review" | "command";

/** Everything a worker needs to review one head of one pull request; nothing it could fetch itself. */
export interface ReviewJobData {
  installationId: number;
  owner: string;
  repo: string;
  repoId: number;
  pullNumber: number;
  headSha: string;
  trigger: ReviewTrigger;
  /** X-GitHub-Delivery of the webhook that created the job, for tracing. */
  deliveryId: string;
  /** When GitHub last updated the PR in that delivery: orders events for the same PR. */
  eventAt?: string;
  /** The PR was a draft in that delivery: its review waits for ready_for_review (see reviewJobId). */
  draft?: boolean;
  /** `/skywork review`: review everything again, even a head already reviewed. */
  full?: boolean;
  /** The comment that asked for this review, when a person did. */
  command?: { commentId: number; author: string };
}

/**
 * One review per (repository, PR, head SHA): a redelivered webhook and a second event for the same
 * head (opened then synchronize, reopened…) map to the same job id, which BullMQ ignores while the
 * job is retained. After retention, the hidden marker on GitHub stops a second review.
 * A draft's event gets an id of its own: its job usually ends as a skip, and marking the PR ready
 * at the same head must still start a review rather than hit that finished job's id.
 * A review asked for by a command gets an id of its own. BullMQ job ids must not contain ":".
 */
export function reviewJobId(data: Pick<ReviewJobData, "repoId" | "pullNumber" | "headSha" | "command" | "draft">): string {
  const base = `review-${data.repoId}-${data.pullNumber}-${data.headSha}${data.draft ? "-draft" : ""}`;
  return data.command ? `${base}-cmd-${data.command.commentId}` : base;
}

/** A `/skywork …` comment, checked and acted on by a worker (permission checks need GitHub). */
export interface CommandJobData {
  installationId: number;
  owner: string;
  repo: string;
  repoId: number;
  /** The issue or pull request the comment is on. */
  issueNumber: number;
  isPullRequest: boolean;
  comment: {
    id: number;
    /** An issue/PR conversation comment, or a comment in a pull-request review thread. */
    kind: "issue" | "review";
    body: string;
    author: string;
    /** Review thread only: the comment it answers (the thread's first comment for GitHub's API). */
    inReplyTo: number | null;
    path: string | null;
    line: number | null;
  };
  deliveryId: string;
}

/** One job per comment: a redelivery of the same comment's webhook is ignored. */
export function commandJobId(data: Pick<CommandJobData, "comment" | "repoId">): string {
  return `command-${data.repoId}-${data.comment.kind}-${data.comment.id}`;
}

/** What `/skywork fix` was written on, which decides the task and where the fix goes. */
export type FixTargetRef =
  | { kind: "issue"; number: number }
  | { kind: "pull"; number: number }
  /** A review thread on a pull request: its first comment (often one of the bot's findings) is the task. */
  | { kind: "thread"; number: number; rootCommentId: number };

export interface FixJobData {
  installationId: number;
  owner: string;
  repo: string;
  repoId: number;
  target: FixTargetRef;
  /** The `/skywork fix` comment. */
  command: { commentId: number; kind: "issue" | "review"; author: string; instructions: string };
  /** The status comment the worker keeps up to date (created when the fix was queued). */
  status: { kind: "issue" | "review"; commentId: number };
  deliveryId: string;
}

export function fixTargetKey(data: Pick<FixJobData, "repoId" | "target">): string {
  const t = data.target;
  return `fix-${data.repoId}-${t.kind}-${t.number}${t.kind === "thread" ? `-${t.rootCommentId}` : ""}`;
}

/** One job per command comment; `fixTargetKey` dedupes commands for the same target while one runs. */
export function fixJobId(data: Pick<FixJobData, "repoId" | "target" | "command">): string {
  return `${fixTargetKey(data)}-cmd-${data.command.commentId}`;
}

/**
 * What a person did with one of the bot's findings that the bot must hear: a reply in its thread
 * (answered by the model, and maybe a dismissal), or the thread resolved (maybe a dismissal).
 */
export type FeedbackJobData = {
  installationId: number;
  owner: string;
  repo: string;
  repoId: number;
  pullNumber: number;
  deliveryId: string;
} & (
  | {
      kind: "reply";
      /** The reply; `inReplyTo` is the thread's first comment (GitHub always points there). */
      comment: { id: number; body: string; author: string; inReplyTo: number };
    }
  | {
      kind: "resolved";
      /** The thread's first comment. */
      rootCommentId: number;
      /** Who resolved it. */
      sender: string;
    }
);

/**
 * One job per reply (a redelivery is ignored; the answer's marker covers the time after retention),
 * and one per resolution delivery (resolving, unresolving and resolving again are separate events).
 */
export function feedbackJobId(data: FeedbackJobData): string {
  return data.kind === "reply"
    ? `feedback-${data.repoId}-reply-${data.comment.id}`
    : `feedback-${data.repoId}-resolved-${data.rootCommentId}-${data.deliveryId.replace(/[^A-Za-z0-9-]/g, "")}`;
}
