// The fake GitHub Enterprise Server used by end-to-end tests. See README.md.
export { startFakeGitHub, FakeGitHub } from "./fake-github.js";
export type { CreateRepoOptions, FakeGitHubOptions, InstallationOptions, ReactionSubject, RepoRef, WaitForOptions } from "./fake-github.js";
export { FakeRepo } from "./fake-repo.js";
export type { CommitInput, PullRequestInput, ReviewCommentByUser } from "./fake-repo.js";
export { githubFaults } from "./faults.js";
export type { FaultMatch, FaultResponse } from "./faults.js";
export type { FileChange, FileMode, GitIdentity } from "./git.js";
export type { PullPatch } from "./operations.js";
export type { PatchLimits } from "./presenters.js";
export type { AuthRequirement, Handler, Reply, RouteContext, RouteModule, Router } from "./router.js";
export type { ContractViolation, RecordedRequest, RequestAuth, UnimplementedCall } from "./server.js";
export type { ChangeEvent, GitRequestRecord, HookDelivery, Permission } from "./state.js";
export type * from "./types.js";
export * from "./webhooks.js";
