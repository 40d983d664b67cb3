// Where a fix goes, decided from what was asked to be fixed. Pure: no GitHub calls.
// - An issue: a new branch from the default branch head and a pull request that closes the issue.
// - A pull request of the same repository: commits on its branch when the repository allows it
//   (`fix.push: true`), expecting its head so a concurrent push fails cleanly; otherwise a branch
//   from its head and a pull request into its branch.
// - A fork's pull request: never a push to the fork. A branch in the base repository from the
//   pull request's head (GitHub keeps it there as refs/pull/N/head) and a pull request into the
//   pull request's base branch.
import { createHash } from "node:crypto";
import { code, join, marker, md, mention, plainText, truncate, type Markup } from "../../github/markup.js";
import type { PublishableChange } from "./change-set.js";
import type { CommitMessage, RepoRef } from "./types.js";

export interface IssueTarget {
  readonly kind: "issue";
  readonly repo: RepoRef;
  readonly issueNumber: number;
  readonly issueTitle: string;
  readonly defaultBranch: string;
  readonly defaultBranchSha: string;
}

export interface PullTarget {
  readonly kind: "pull";
  /** The base repository, where the pull request lives. */
  readonly repo: RepoRef;
  readonly pullNumber: number;
  readonly pullTitle: string;
  readonly baseRef: string;
  readonly headRef: string;
  readonly headSha: string;
  /** Where the head branch lives; null when the fork was deleted. */
  readonly headRepo: RepoRef | null;
}

export type FixTarget = IssueTarget | PullTarget;

export interface PlanInput {
  readonly target: FixTarget;
  /** Unique per fix request (e.g. the job id); names the branch and marks the commit. */
  readonly fixId: string;
  /** The repository's `fix.push` setting: may fixes of its own pull requests be pushed to their branch? */
  readonly allowPush: boolean;
  /** What changed and why (the agent's closing message, quoted: see fix-job.ts fixSummary). */
  readonly summary: Markup;
  readonly changes: readonly Pick<PublishableChange, "path" | "status">[];
  /** Login of who asked (`/skywork fix`), credited in the body. */
  readonly requestedBy?: string;
  readonly draft?: boolean;
}

export type PublishPlan =
  | {
      readonly kind: "push";
      readonly repo: RepoRef;
      readonly branch: string;
      readonly expectedHeadSha: string;
      readonly pullNumber: number;
      readonly fixId: string;
      readonly commitMessage: CommitMessage;
    }
  | {
      readonly kind: "pull-request";
      readonly repo: RepoRef;
      readonly branch: string;
      readonly fromSha: string;
      readonly base: string;
      readonly title: string;
      readonly body: Markup;
      readonly draft: boolean;
      readonly fixId: string;
      readonly commitMessage: CommitMessage;
    };

export const FIX_MARKER_KIND = "fix";

/** GitHub refuses pull request bodies above 65,536 characters; leave room for the marker. */
const MAX_BODY = 60_000;
const MAX_HEADLINE = 72;

/**
 * A short hash of the whole fix id: the same for every attempt of one job (a retry reuses its
 * branch), different for two commands on one target (whose ids differ only at their end), and
 * always a valid ref name component (lowercase hex).
 */
export function shortFixId(fixId: string): string {
  return createHash("sha256").update(fixId, "utf8").digest("hex").slice(0, 10);
}

export function fixBranchName(target: FixTarget, fixId: string): string {
  return target.kind === "issue" ? `skywork/fix-${target.issueNumber}-${shortFixId(fixId)}` : `skywork/fix-pr-${target.pullNumber}-${shortFixId(fixId)}`;
}

function sameRepo(a: RepoRef, b: RepoRef | null): boolean {
  return b !== null && a.owner.toLowerCase() === b.owner.toLowerCase() && a.repo.toLowerCase() === b.repo.toLowerCase();
}

/** The headline is plain text (an issue's title, one line); the body is the summary, whose quoted text carries no trailer (markdown.ts). */
function commitMessageFor(target: FixTarget, summary: Markup): CommitMessage {
  const subject = target.kind === "issue" ? `Fix #${target.issueNumber}: ${target.issueTitle}` : `Fix for #${target.pullNumber}: ${target.pullTitle}`;
  const headline = plainText(subject, MAX_HEADLINE);
  const body = truncate(summary, MAX_BODY, md``)
    .toString()
    .trim();
  return body === "" ? { headline } : { headline, body };
}

function bodyFor(input: PlanInput, opening: Markup): Markup {
  const files = join(input.changes.map((change) => md`- ${code(change.path)} (${change.status})`));
  const summary = input.summary.isEmpty ? md`_No description was given._` : truncate(input.summary, MAX_BODY - files.length - 500, md`\n\n_… shortened._`);
  return join(
    [
      opening,
      summary,
      md`<details><summary>Changed files (${input.changes.length})</summary>\n\n${files}\n\n</details>`,
      input.requestedBy
        ? md`Requested by ${mention(input.requestedBy)} with \`/skywork fix\`. Review the change before merging.`
        : md`Review the change before merging.`,
      marker(FIX_MARKER_KIND, { v: 1, id: input.fixId }),
    ],
    "\n\n",
  );
}

export function planFix(input: PlanInput): PublishPlan {
  const { target, fixId } = input;
  const commitMessage = commitMessageFor(target, input.summary);
  const branch = fixBranchName(target, fixId);
  const draft = input.draft ?? false;
  if (target.kind === "issue") {
    return {
      kind: "pull-request",
      repo: target.repo,
      branch,
      fromSha: target.defaultBranchSha,
      base: target.defaultBranch,
      title: plainText(`Fix #${target.issueNumber}: ${target.issueTitle}`, 256),
      // "Fixes #N" in the body closes the issue when the pull request is merged into the default branch.
      // https://docs.github.com/issues/tracking-your-work-with-issues/using-issues/linking-a-pull-request-to-an-issue
      body: bodyFor(input, md`Fixes #${target.issueNumber}.`),
      draft,
      fixId,
      commitMessage,
    };
  }
  const fromFork = !sameRepo(target.repo, target.headRepo);
  if (!fromFork && input.allowPush) {
    return { kind: "push", repo: target.repo, branch: target.headRef, expectedHeadSha: target.headSha, pullNumber: target.pullNumber, fixId, commitMessage };
  }
  return {
    kind: "pull-request",
    repo: target.repo,
    branch,
    fromSha: target.headSha,
    // A fork's branch cannot be the base of a pull request in this repository.
    base: fromFork ? target.baseRef : target.headRef,
    title: plainText(`Fix for #${target.pullNumber}: ${target.pullTitle}`, 256),
    body: bodyFor(
      input,
      fromFork
        ? md`Proposes a fix for #${target.pullNumber}, on top of its head. It targets ${code(target.baseRef)} because Skywork does not push to forks; the author can pull these commits into their branch.`
        : md`Proposes a fix for #${target.pullNumber}, into its branch ${code(target.headRef)}.`,
    ),
    draft,
    fixId,
    commitMessage,
  };
}
