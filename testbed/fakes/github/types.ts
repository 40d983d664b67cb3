// Response types the fake's readers return, taken from Probot's Octokit so tests compare the
// fake's answers with exactly what the app's `context.octokit.rest.*` calls receive.
import type { ProbotOctokit } from "probot";

type Rest = InstanceType<typeof ProbotOctokit>["rest"];
type DataOf<F> = F extends (...args: never[]) => Promise<{ data: infer D }> ? D : never;

export type RestPullRequest = DataOf<Rest["pulls"]["get"]>;
export type RestPullRequestSimple = DataOf<Rest["pulls"]["list"]>[number];
export type RestReview = DataOf<Rest["pulls"]["getReview"]>;
export type RestReviewComment = DataOf<Rest["pulls"]["getReviewComment"]>;
export type RestIssue = DataOf<Rest["issues"]["get"]>;
export type RestIssueComment = DataOf<Rest["issues"]["getComment"]>;
export type RestCheckRun = DataOf<Rest["checks"]["get"]>;
export type RestReaction = DataOf<Rest["reactions"]["createForIssue"]>;
export type RestRepository = DataOf<Rest["repos"]["get"]>;
export type RestDiffEntry = DataOf<Rest["pulls"]["listFiles"]>[number];
