// The GitHub side of `/skywork fix`: check a repository out, then publish the fix as commits or
// a pull request. See plan.ts for where a fix goes and publish.ts for how.
export { createBranch, getBranchHead, isFixCommit, type BranchResult } from "./branches.js";
export { assertPublishable, isWorkflowPath, type FileMode, type PublishableChange } from "./change-set.js";
export { checkoutRepository, repositoryUrl, type Checkout, type CheckoutOptions, type GitHost } from "./checkout.js";
export { commitChanges, type CommitMethod, type CommitOptions, type CommitResult } from "./commit-changes.js";
export { FIX_TRAILER, fixIdsOf, fullMessage, withFixTrailer } from "./commit-message.js";
export {
  FIX_MARKER_KIND,
  fixBranchName,
  planFix,
  shortFixId,
  type FixTarget,
  type IssueTarget,
  type PlanInput,
  type PublishPlan,
  type PullTarget,
} from "./plan.js";
export { publishFix, type PublishResult } from "./publish.js";
export { findPullRequestForHead, openPullRequest, type OpenPullRequestInput, type PullRequestResult } from "./pull-requests.js";
export { loadIssueTarget, loadPullTarget } from "./targets.js";
export type { CommitMessage, RepoRef } from "./types.js";
