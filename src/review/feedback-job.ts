// What people did with the bot's findings, acted on: a reply in a finding's thread is answered
// (conversation.ts); a thread resolved without a change to its lines is a dismissal that, when a
// writer resolved it, teaches the repository at once (the next review would also find it).
import type { Logger } from "probot";
import type { GitHubApp, Octokit } from "../github/app-client.js";
import { httpStatus } from "../github/errors.js";
import { getPullRequest, type PullRef } from "../github/pull-request.js";
import { listThreadStates } from "../github/review-threads.js";
import type { ModelClient } from "../model/client.js";
import type { FeedbackJobData } from "../queue/jobs.js";
import type { AttemptInfo } from "../queue/retry-policy.js";
import type { QwenTokenizer } from "../tokenizer/index.js";
import { answerReply, type ConversationOutcome } from "./conversation.js";
import { botFindings, byResolution, Dismissers, learningFrom } from "./dismissals.js";
import { addLearnings } from "./learnings.js";

export interface FeedbackDeps {
  github: GitHubApp;
  model: Pick<ModelClient, "complete" | "resolve">;
  tokenizer: QwenTokenizer;
  log: Logger;
  /** Where this run stands in the queue's attempts; absent: no retry follows a failure. */
  attempt?: AttemptInfo;
}

export type FeedbackOutcome = ConversationOutcome | { status: "learned"; learned: string[] };

export async function runFeedbackJob(job: FeedbackJobData, deps: FeedbackDeps): Promise<FeedbackOutcome> {
  const log = deps.log.child({ deliveryId: job.deliveryId, repo: `${job.owner}/${job.repo}`, pr: job.pullNumber, feedback: job.kind });
  const ref: PullRef = { owner: job.owner, repo: job.repo, pullNumber: job.pullNumber };
  const octokit = await deps.github.octokitFor(job.installationId);
  const botLogin = await deps.github.botLogin();
  if (job.kind === "resolved") return learnFromResolution(octokit, ref, job.rootCommentId, botLogin, log);
  const outcome = await answerReply(octokit, ref, job.comment, botLogin, {
    model: deps.model,
    tokenizer: deps.tokenizer,
    log,
    ...(deps.attempt ? { attempt: deps.attempt } : {}),
  });
  if (outcome.status === "ignored") log.info({ reason: outcome.reason, author: job.comment.author }, "reply not answered");
  return outcome;
}

async function learnFromResolution(octokit: Octokit, ref: PullRef, rootCommentId: number, botLogin: string, log: Logger): Promise<FeedbackOutcome> {
  let root;
  try {
    ({ data: root } = await octokit.rest.pulls.getReviewComment({ owner: ref.owner, repo: ref.repo, comment_id: rootCommentId }));
  } catch (error) {
    if (httpStatus(error) === 404) return { status: "ignored", reason: "the thread's first comment is gone" };
    throw error;
  }
  const [finding] = botFindings([root], botLogin);
  if (!finding) return { status: "ignored", reason: "not a thread of one of the bot's findings" };
  // The thread as it is now: it may have been unresolved again, or its lines changed (a fix).
  const thread = (await listThreadStates(octokit, ref)).get(rootCommentId);
  const pr = await getPullRequest(octokit, ref);
  const dismissal = await byResolution(thread, finding, new Dismissers(octokit, { owner: ref.owner, repo: ref.repo }, pr.user?.login ?? ""));
  if (!dismissal) {
    const reason = !thread?.isResolved
      ? "the thread is not resolved"
      : thread.isOutdated
        ? "its lines changed: a fix, not a dismissal"
        : "resolved by someone whose word does not dismiss";
    log.info({ reason }, "resolution is no dismissal");
    return { status: "ignored", reason };
  }
  const candidate = learningFrom(dismissal, ref.pullNumber);
  if (!candidate) {
    log.info({ by: dismissal.by }, "finding dismissed on this pull request by its author (no write access): not taught to the repository");
    return { status: "learned", learned: [] };
  }
  const added = await addLearnings(octokit, { owner: ref.owner, repo: ref.repo }, [candidate]);
  log.info({ learned: added.map((l) => l.id), by: dismissal.by }, "learned from a resolved thread");
  return { status: "learned", learned: added.map((l) => l.id) };
}
