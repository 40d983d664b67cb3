// From a permitted `/skywork fix` comment to a queued fix: the status comment first (so the
// requester sees "queued" at once), then the job. A fix already under way for the same target is
// not started twice.
import type { Octokit } from "../github/app-client.js";
import { replyInThreadOnce, updateOwnComment, upsertComment } from "../github/comments.js";
import { md, mention } from "../github/markup.js";
import type { CommandJobData, FixJobData, FixTargetRef } from "../queue/jobs.js";
import { fixStatusBody } from "./fix-status.js";
import { statusKey, targetLabel } from "./fix-job.js";

export type EnqueueFix = (data: FixJobData) => Promise<{ jobId: string; duplicateOf: string | null }>;

export function createStartFix(enqueueFix: EnqueueFix, botLogin: () => Promise<string>) {
  return async function startFix(job: CommandJobData, instructions: string, octokit: Octokit): Promise<void> {
    const repo = { owner: job.owner, repo: job.repo };
    const target: FixTargetRef =
      job.comment.kind === "review"
        ? { kind: "thread", number: job.issueNumber, rootCommentId: job.comment.inReplyTo ?? job.comment.id }
        : job.isPullRequest
          ? { kind: "pull", number: job.issueNumber }
          : { kind: "issue", number: job.issueNumber };
    const label = targetLabel(target);
    const command = { commentId: job.comment.id, kind: job.comment.kind, author: job.comment.author, instructions };
    const key = statusKey({ command });
    const body = fixStatusBody({ phase: "queued", target: label, requestedBy: mention(job.comment.author) });
    const login = await botLogin();

    const status =
      job.comment.kind === "review"
        ? await replyInThreadOnce(octokit, { ...repo, pullNumber: job.issueNumber }, job.comment.inReplyTo ?? job.comment.id, key, body, login)
        : await upsertComment(octokit, { ...repo, issueNumber: job.issueNumber }, key, body, login);
    const { duplicateOf } = await enqueueFix({
      installationId: job.installationId,
      owner: job.owner,
      repo: job.repo,
      repoId: job.repoId,
      target,
      command,
      status: { kind: job.comment.kind, commentId: status.id },
      deliveryId: job.deliveryId,
    });
    if (duplicateOf) {
      const ref =
        job.comment.kind === "issue" ? { kind: "issue" as const, id: status.id } : { kind: "review" as const, id: status.id, pullNumber: job.issueNumber };
      await updateOwnComment(
        octokit,
        repo,
        ref,
        key,
        fixStatusBody({
          phase: "failed",
          target: label,
          requestedBy: mention(job.comment.author),
          detail: md`A fix for this is already in progress; this request was not started again. Its status comment shows where it stands.`,
        }),
      );
    }
  };
}
