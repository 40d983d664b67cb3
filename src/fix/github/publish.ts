// Carries out a PublishPlan: every step can be re-run by a retried job without making anything
// twice (the branch is reused, the commit is recognised by its trailer, the pull request found).
import type { Octokit } from "../../github/app-client.js";
import { createBranch } from "./branches.js";
import { assertPublishable, type PublishableChange } from "./change-set.js";
import { commitChanges, type CommitResult } from "./commit-changes.js";
import type { PublishPlan } from "./plan.js";
import { openPullRequest, type PullRequestResult } from "./pull-requests.js";
import type { CommitMessage } from "./types.js";

export interface PublishResult {
  readonly kind: PublishPlan["kind"];
  readonly branch: string;
  readonly commit: CommitResult;
  /** The fix's pull request; null when the commit was pushed to the pull request's own branch. */
  readonly pullRequest: PullRequestResult | null;
}

export async function publishFix(
  octokit: Octokit,
  plan: PublishPlan,
  changes: readonly PublishableChange[],
  options: { readonly commitMessage?: CommitMessage } = {},
): Promise<PublishResult> {
  // Refuse before anything is written (a branch left behind by a refused fix would be litter).
  assertPublishable(changes);
  const message = options.commitMessage ?? plan.commitMessage;
  if (plan.kind === "push") {
    const commit = await commitChanges(octokit, plan.repo, plan.branch, plan.expectedHeadSha, changes, message, { fixId: plan.fixId });
    return { kind: plan.kind, branch: plan.branch, commit, pullRequest: null };
  }
  const branch = await createBranch(octokit, plan.repo, plan.branch, plan.fromSha, { fixId: plan.fixId });
  const commit = await commitChanges(octokit, plan.repo, plan.branch, branch.sha, changes, message, { fixId: plan.fixId });
  const pullRequest = await openPullRequest(octokit, plan.repo, {
    head: plan.branch,
    base: plan.base,
    title: plan.title,
    body: plan.body,
    draft: plan.draft,
  });
  return { kind: plan.kind, branch: plan.branch, commit, pullRequest };
}
