// Domain operations shared by the REST routes and the test API: commits, pull requests, issues,
// comments and reviews, each applying the rule GitHub applies (and failing the way it fails).
import { resolveAnchor, type AnchorProblem, type CommentAnchor, type ResolvedAnchor, type Side } from "./diff.js";
import { githubErrors, toSentence, type JsonObject } from "./errors.js";
import type { FileChange, GitIdentity } from "./git.js";
import type {
  FakeState,
  IssueCommentRecord,
  IssueRecord,
  PullRecord,
  RepoRecord,
  ReviewCommentRecord,
  ReviewRecord,
  ReviewState,
  UserRecord,
} from "./state.js";

const DEFAULT_IDENTITY: GitIdentity = { name: "Fake Developer", email: "developer@example.com" };

export interface CommitOptions {
  readonly branch: string;
  /** Parent commit: a sha or ref. Defaults to the branch head; a missing branch starts from the default branch. */
  readonly from?: string;
  readonly files: Readonly<Record<string, FileChange>>;
  readonly message?: string;
  readonly author?: GitIdentity;
  readonly committer?: GitIdentity;
}

export async function commitToBranch(state: FakeState, repo: RepoRecord, options: CommitOptions): Promise<string> {
  let parent: string | undefined;
  if (options.from !== undefined) {
    parent = await repo.git.resolveCommit(options.from);
    if (!parent) throw new Error(`commit(): "from" ${options.from} does not exist in ${repo.fullName}`);
  } else {
    parent = (await repo.git.branchHead(options.branch)) ?? (await repo.git.branchHead(repo.defaultBranch)) ?? undefined;
  }
  const author = options.author ?? DEFAULT_IDENTITY;
  const sha = await repo.git.createCommit(
    {
      parent,
      files: options.files,
      message: options.message ?? `Update ${Object.keys(options.files).length} file(s)`,
      author,
      committer: options.committer ?? author,
      epochSeconds: Math.floor(state.clock() / 1000),
    },
    `refs/heads/${options.branch}`,
  );
  await state.branchMoved(repo, options.branch, sha);
  return sha;
}

export async function forcePush(state: FakeState, repo: RepoRecord, branch: string, target: string): Promise<void> {
  const sha = await repo.git.resolveCommit(target);
  if (!sha) throw new Error(`forcePush(): ${target} does not exist in ${repo.fullName}`);
  await repo.git.updateRef(`refs/heads/${branch}`, sha);
  await state.branchMoved(repo, branch, sha);
}

export interface OpenPullOptions {
  readonly head: string;
  readonly base?: string;
  readonly title?: string;
  readonly body?: string | null;
  readonly user: UserRecord;
  readonly draft?: boolean;
  readonly labels?: readonly string[];
  readonly headRepo?: RepoRecord;
  readonly maintainerCanModify?: boolean;
  /** Forces `author_association` (MEMBER, CONTRIBUTOR, FIRST_TIME_CONTRIBUTOR…) instead of the computed one. */
  readonly authorAssociation?: string;
}

function newIssue(
  state: FakeState,
  repo: RepoRecord,
  fields: { title: string; body: string | null; user: UserRecord; labels: readonly string[] },
): IssueRecord {
  const now = state.isoNow();
  const issue: IssueRecord = {
    repoId: repo.id,
    number: repo.nextNumber++,
    id: state.nextId("issue"),
    title: fields.title,
    body: fields.body,
    user: fields.user,
    state: "open",
    stateReason: null,
    labels: [...fields.labels],
    locked: false,
    createdAt: now,
    updatedAt: now,
    closedAt: null,
    pullNumber: undefined,
  };
  repo.issues.set(issue.number, issue);
  return issue;
}

/** Opens a pull request, refusing what GitHub refuses (unknown branches, no commits, duplicates). */
export async function openPull(
  state: FakeState,
  repo: RepoRecord,
  options: OpenPullOptions,
  docsUrl = "https://docs.github.com/enterprise-server@3.19/rest/pulls/pulls#create-a-pull-request",
): Promise<PullRecord> {
  const headRepo = options.headRepo ?? repo;
  const baseRef = options.base ?? repo.defaultBranch;
  const headSha = await headRepo.git.branchHead(options.head);
  if (!headSha) {
    throw githubErrors.validationFailed([{ resource: "PullRequest", field: "head", code: "invalid" }], docsUrl);
  }
  const baseSha = await repo.git.branchHead(baseRef);
  if (!baseSha) {
    throw githubErrors.validationFailed([{ resource: "PullRequest", field: "base", code: "invalid" }], docsUrl);
  }
  const label = `${headRepo.owner.login}:${options.head}`;
  for (const existing of repo.pulls.values()) {
    if (
      existing.headRepoId === headRepo.id &&
      existing.headRef === options.head &&
      existing.baseRef === baseRef &&
      repo.issues.get(existing.number)?.state === "open"
    ) {
      throw githubErrors.validationFailed([{ resource: "PullRequest", code: "custom", message: `A pull request already exists for ${label}.` }], docsUrl);
    }
  }
  if (headRepo.id !== repo.id) await repo.git.fetchRef(headRepo.git, `refs/heads/${options.head}`, "refs/fake-pending/head");
  const mergeBase = await repo.git.mergeBase(baseSha, headSha);
  const ahead = await repo.git.revList(mergeBase ?? baseSha, headSha);
  if (headRepo.id !== repo.id) await repo.git.deleteRef("refs/fake-pending/head");
  if (ahead.length === 0) {
    throw githubErrors.validationFailed([{ resource: "PullRequest", code: "custom", message: `No commits between ${baseRef} and ${options.head}` }], docsUrl);
  }
  const issue = newIssue(state, repo, {
    title: options.title ?? options.head,
    body: options.body ?? null,
    user: options.user,
    labels: options.labels ?? [],
  });
  const pull: PullRecord = {
    repoId: repo.id,
    number: issue.number,
    id: state.nextId("pull"),
    headRepoId: headRepo.id,
    headRef: options.head,
    headSha,
    baseRef,
    draft: options.draft ?? false,
    merged: false,
    mergedAt: null,
    mergeCommitSha: null,
    maintainerCanModify: options.maintainerCanModify ?? headRepo.id !== repo.id,
    authorAssociation: options.authorAssociation,
  };
  issue.pullNumber = pull.number;
  repo.pulls.set(pull.number, pull);
  await state.syncPullHead(repo, pull, headRepo, headSha);
  state.changed({ kind: "pull.opened", repo: repo.fullName, id: pull.number });
  return pull;
}

export interface PullPatch {
  readonly title?: string;
  readonly body?: string | null;
  readonly state?: "open" | "closed";
  readonly draft?: boolean;
  readonly labels?: readonly string[];
  readonly base?: string;
  /** Marks the pull request merged (and closed), without touching git. */
  readonly merged?: boolean;
  readonly maintainerCanModify?: boolean;
}

export async function updatePull(state: FakeState, repo: RepoRecord, pull: PullRecord, patch: PullPatch): Promise<void> {
  const issue = repo.issues.get(pull.number);
  if (!issue) throw new Error(`Pull request ${repo.fullName}#${pull.number} has no issue record`);
  const now = state.isoNow();
  if (patch.title !== undefined) issue.title = patch.title;
  if (patch.body !== undefined) issue.body = patch.body;
  if (patch.draft !== undefined) pull.draft = patch.draft;
  if (patch.labels !== undefined) issue.labels = [...patch.labels];
  if (patch.maintainerCanModify !== undefined) pull.maintainerCanModify = patch.maintainerCanModify;
  if (patch.base !== undefined) pull.baseRef = patch.base;
  if (patch.merged === true) {
    pull.merged = true;
    pull.mergedAt = now;
    pull.mergeCommitSha = pull.headSha;
    issue.state = "closed";
    issue.closedAt = now;
  }
  if (patch.state !== undefined && patch.state !== issue.state) {
    issue.state = patch.state;
    issue.closedAt = patch.state === "closed" ? now : null;
    issue.stateReason = patch.state === "open" ? "reopened" : null;
    if (patch.state === "open") {
      const headRepo = state.requireRepo(pull.headRepoId);
      const head = await headRepo.git.branchHead(pull.headRef);
      if (head && head !== pull.headSha) await state.syncPullHead(repo, pull, headRepo, head);
    }
  }
  issue.updatedAt = now;
  state.changed({ kind: "pull.updated", repo: repo.fullName, id: pull.number });
}

export function openIssue(
  state: FakeState,
  repo: RepoRecord,
  fields: { title: string; body?: string | null; user: UserRecord; labels?: readonly string[] },
): IssueRecord {
  const issue = newIssue(state, repo, {
    title: fields.title,
    body: fields.body ?? null,
    user: fields.user,
    labels: fields.labels ?? [],
  });
  state.changed({ kind: "issue.opened", repo: repo.fullName, id: issue.number });
  return issue;
}

/** GitHub's limit on comment bodies (characters, not bytes). */
const MAX_BODY = 65536;

export function addIssueComment(
  state: FakeState,
  repo: RepoRecord,
  issueNumber: number,
  user: UserRecord,
  body: string,
  viaApp: boolean,
  docsUrl: string,
): IssueCommentRecord {
  if (!repo.issues.has(issueNumber)) throw githubErrors.notFound(docsUrl);
  checkBodyLength(body, docsUrl);
  const now = state.isoNow();
  const comment: IssueCommentRecord = {
    id: state.nextId("issue_comment"),
    repoId: repo.id,
    issueNumber,
    user,
    body,
    createdAt: now,
    updatedAt: now,
    viaApp,
  };
  state.issueComments.set(comment.id, comment);
  const issue = repo.issues.get(issueNumber);
  if (issue) issue.updatedAt = now;
  state.changed({ kind: "issue_comment.created", repo: repo.fullName, id: comment.id });
  return comment;
}

export function checkBodyLength(body: string, docsUrl: string): void {
  // Real body: {"resource":"IssueComment","code":"unprocessable","field":"data","message":"Body is too long (maximum is 65536 characters)"}
  if ([...body].length > MAX_BODY) {
    throw githubErrors.validationFailed(
      [{ resource: "IssueComment", code: "unprocessable", field: "data", message: `Body is too long (maximum is ${MAX_BODY} characters)` }],
      docsUrl,
    );
  }
}

/** Commits of a pull request (merge base to head), oldest first. */
export async function pullCommits(state: FakeState, pull: PullRecord): Promise<string[]> {
  const repo = state.requireRepo(pull.repoId);
  const { mergeBase, headSha } = await state.pullRange(pull);
  return repo.git.revList(mergeBase, headSha);
}

export interface ReviewCommentInput {
  readonly path: string;
  readonly body: string;
  readonly line?: number;
  readonly side?: Side;
  readonly start_line?: number;
  readonly start_side?: Side;
  readonly position?: number;
}

export interface ReviewInput {
  readonly body?: string;
  readonly event?: "APPROVE" | "REQUEST_CHANGES" | "COMMENT";
  readonly commit_id?: string;
  readonly comments?: readonly ReviewCommentInput[];
}

// Texts GitHub answers when a comment of POST …/reviews cannot be placed; several are joined
// into one string with Array#to_sentence ("A, B, and C"), and the whole review is rejected.
const REVIEW_ANCHOR_ERRORS: Record<AnchorProblem, string> = {
  path: "Path could not be resolved", // seen 2026 (github/gh-aw#32910)
  line: "Line could not be resolved", // seen 2026 (max-sixty/tend#252)
  position: "Line could not be resolved", // not confirmed for `position`
  start_line: "Start line could not be resolved", // not confirmed
  same_hunk: "Pull request review thread start line must be part of the same hunk as the line.", // seen 2024–25
  precede: "Pull request review thread start line must precede the end line.", // seen 2022
};

function anchorOf(input: ReviewCommentInput): CommentAnchor {
  return {
    path: input.path,
    line: input.line,
    side: input.side,
    startLine: input.start_line,
    startSide: input.start_side,
    position: input.position,
  };
}

async function commitDiffForComments(
  state: FakeState,
  pull: PullRecord,
  commitId: string,
): Promise<{ inPull: boolean; files: Awaited<ReturnType<FakeState["diff"]>>["files"] }> {
  const repo = state.requireRepo(pull.repoId);
  const commits = await pullCommits(state, pull);
  if (!commits.includes(commitId)) return { inPull: false, files: [] };
  const { baseSha } = await state.pullRange(pull);
  const mergeBase = (await repo.git.mergeBase(baseSha, commitId)) ?? baseSha;
  return { inPull: true, files: (await state.diff(repo, mergeBase, commitId)).files };
}

function newReviewComment(
  state: FakeState,
  repo: RepoRecord,
  pull: PullRecord,
  review: ReviewRecord,
  user: UserRecord,
  body: string,
  anchor: ResolvedAnchor,
  viaApp: boolean,
  inReplyToId?: number,
): ReviewCommentRecord {
  const now = state.isoNow();
  const comment: ReviewCommentRecord = {
    id: state.nextId("review_comment"),
    repoId: repo.id,
    pullNumber: pull.number,
    reviewId: review.id,
    user,
    body,
    path: anchor.file.filename,
    commitId: review.commitId,
    diffHunk: anchor.diffHunk,
    position: anchor.end?.position ?? null,
    line: anchor.line ?? null,
    startLine: anchor.startLine ?? null,
    side: anchor.side ?? null,
    startSide: anchor.startSide ?? null,
    subjectType: anchor.subjectType,
    inReplyToId,
    createdAt: now,
    updatedAt: now,
    viaApp,
  };
  state.reviewComments.set(comment.id, comment);
  return comment;
}

function newReview(
  state: FakeState,
  repo: RepoRecord,
  pull: PullRecord,
  user: UserRecord,
  body: string,
  reviewState: ReviewState,
  commitId: string,
): ReviewRecord {
  const review: ReviewRecord = {
    id: state.nextId("review"),
    repoId: repo.id,
    pullNumber: pull.number,
    user,
    body,
    state: reviewState,
    commitId,
    submittedAt: reviewState === "PENDING" ? null : state.isoNow(),
  };
  state.reviews.set(review.id, review);
  return review;
}

/** POST /pulls/{n}/reviews: every comment must sit on the diff, or the whole review is refused. */
export async function createReview(
  state: FakeState,
  repo: RepoRecord,
  pull: PullRecord,
  actor: UserRecord,
  input: ReviewInput,
  viaApp: boolean,
  docsUrl: string,
): Promise<ReviewRecord> {
  const issue = repo.issues.get(pull.number);
  const comments = input.comments ?? [];
  const body = input.body ?? "";
  const own = issue?.user.id === actor.id;
  if (input.event === "APPROVE" && own) throw githubErrors.unprocessable(["Can not approve your own pull request"], docsUrl);
  if (input.event === "REQUEST_CHANGES" && own) {
    throw githubErrors.unprocessable(["Can not request changes on your own pull request"], docsUrl);
  }
  if (input.event === "REQUEST_CHANGES" && body === "" && comments.length === 0) {
    // Seen verbatim in hubtty/hubtty#67.
    throw githubErrors.unprocessable(["You need to leave a comment indicating the requested changes."], docsUrl);
  }
  if (input.event === "COMMENT" && body === "" && comments.length === 0) {
    // GitHub answers `Unprocessable Entity: ""` here (github/gh-aw#32910).
    throw githubErrors.unprocessable([""], docsUrl);
  }
  if (input.event === undefined) {
    for (const review of state.reviews.values()) {
      if (review.repoId === repo.id && review.pullNumber === pull.number && review.user.id === actor.id && review.state === "PENDING") {
        throw githubErrors.unprocessable(["User can only have one pending review per pull request"], docsUrl);
      }
    }
  }
  const commitId = input.commit_id ?? pull.headSha;
  const { inPull, files } = await commitDiffForComments(state, pull, commitId);
  if (!inPull) throw githubErrors.unprocessable(["The commitOID is not part of the pull request"], docsUrl);
  const resolved: ResolvedAnchor[] = [];
  const problems: string[] = [];
  for (const comment of comments) {
    const anchor = resolveAnchor(files, anchorOf(comment));
    if (typeof anchor === "string") problems.push(REVIEW_ANCHOR_ERRORS[anchor]);
    else resolved.push(anchor);
  }
  if (problems.length > 0) throw githubErrors.unprocessable([toSentence(problems)], docsUrl);
  const reviewState: ReviewState =
    input.event === "APPROVE" ? "APPROVED" : input.event === "REQUEST_CHANGES" ? "CHANGES_REQUESTED" : input.event === "COMMENT" ? "COMMENTED" : "PENDING";
  const review = newReview(state, repo, pull, actor, body, reviewState, commitId);
  for (const [index, anchor] of resolved.entries()) {
    newReviewComment(state, repo, pull, review, actor, comments[index]?.body ?? "", anchor, viaApp);
  }
  state.changed({ kind: "review.created", repo: repo.fullName, id: review.id });
  return review;
}

export interface SingleCommentInput {
  readonly body: string;
  readonly commit_id: string;
  readonly path: string;
  readonly line?: number;
  readonly side?: Side;
  readonly start_line?: number;
  readonly start_side?: Side;
  readonly position?: number;
  readonly subject_type?: "line" | "file";
  readonly in_reply_to?: number;
}

// POST …/pulls/{n}/comments reports placement problems in the classic "Validation Failed" form.
function singleCommentError(problem: AnchorProblem): JsonObject[] {
  const resource = "PullRequestReviewComment";
  switch (problem) {
    case "path":
      // Seen as "Invalid value for 'pull_request_review_thread.path' field, Missing required
      // 'pull_request_review_thread.diff_hunk' field" (jenkinsci/pipeline-github-plugin#106).
      return [
        { resource, code: "invalid", field: "pull_request_review_thread.path" },
        { resource, code: "missing_field", field: "pull_request_review_thread.diff_hunk" },
      ];
    case "line":
    case "position":
      return [
        {
          resource,
          code: "custom",
          field: "pull_request_review_thread.line",
          message: "pull_request_review_thread.line must be part of the diff",
        },
      ];
    case "start_line":
      return [
        {
          resource,
          code: "custom",
          field: "pull_request_review_thread.start_line",
          message: "pull_request_review_thread.start_line must be part of the diff",
        },
      ];
    case "same_hunk":
      return [
        {
          resource,
          code: "custom",
          field: "pull_request_review_thread.start_line",
          message: "pull_request_review_thread.start_line must be part of the same hunk as the line.",
        },
      ];
    case "precede":
      return [
        {
          resource,
          code: "custom",
          field: "pull_request_review_thread.start_line",
          message: "pull_request_review_thread.start_line must precede the end line.",
        },
      ];
  }
}

/** POST /pulls/{n}/comments: one comment, wrapped (like on GitHub) in its own COMMENTED review. */
export async function createSingleComment(
  state: FakeState,
  repo: RepoRecord,
  pull: PullRecord,
  actor: UserRecord,
  input: SingleCommentInput,
  viaApp: boolean,
  docsUrl: string,
): Promise<ReviewCommentRecord> {
  checkBodyLength(input.body, docsUrl);
  if (input.in_reply_to !== undefined) return replyToComment(state, repo, pull, actor, input.in_reply_to, input.body, viaApp, docsUrl);
  const { inPull, files } = await commitDiffForComments(state, pull, input.commit_id);
  if (!inPull) {
    throw githubErrors.validationFailed(
      [{ resource: "PullRequestReviewComment", code: "custom", field: "commit_id", message: "commit_id is not part of the pull request" }],
      docsUrl,
    );
  }
  const anchor = resolveAnchor(files, {
    path: input.path,
    line: input.line,
    side: input.side,
    startLine: input.start_line,
    startSide: input.start_side,
    position: input.position,
    subjectType: input.subject_type,
  });
  if (typeof anchor === "string") throw githubErrors.validationFailed(singleCommentError(anchor), docsUrl);
  const review = newReview(state, repo, pull, actor, "", "COMMENTED", input.commit_id);
  const comment = newReviewComment(state, repo, pull, review, actor, input.body, anchor, viaApp);
  state.changed({ kind: "review_comment.created", repo: repo.fullName, id: comment.id });
  return comment;
}

/** Replies join the thread of the top-level comment (GitHub does not nest replies). */
export async function replyToComment(
  state: FakeState,
  repo: RepoRecord,
  pull: PullRecord,
  actor: UserRecord,
  commentId: number,
  body: string,
  viaApp: boolean,
  docsUrl: string,
): Promise<ReviewCommentRecord> {
  checkBodyLength(body, docsUrl);
  let parent = state.reviewComments.get(commentId);
  if (!parent || parent.repoId !== repo.id || parent.pullNumber !== pull.number) throw githubErrors.notFound(docsUrl);
  while (parent.inReplyToId !== undefined) {
    const up = state.reviewComments.get(parent.inReplyToId);
    if (!up) break;
    parent = up;
  }
  const review = newReview(state, repo, pull, actor, "", "COMMENTED", parent.commitId);
  const now = state.isoNow();
  const reply: ReviewCommentRecord = {
    ...parent,
    id: state.nextId("review_comment"),
    reviewId: review.id,
    user: actor,
    body,
    inReplyToId: parent.id,
    createdAt: now,
    updatedAt: now,
    viaApp,
  };
  state.reviewComments.set(reply.id, reply);
  state.changed({ kind: "review_comment.created", repo: repo.fullName, id: reply.id });
  return reply;
}

/** Commit count, line counts and file count GitHub puts on a full pull request object. */
export async function pullStats(
  state: FakeState,
  pull: PullRecord,
): Promise<{ baseSha: string; commits: number; additions: number; deletions: number; changedFiles: number }> {
  const repo = state.requireRepo(pull.repoId);
  const { baseSha, mergeBase, headSha } = await state.pullRange(pull);
  const [commits, diff] = await Promise.all([repo.git.revList(mergeBase, headSha), state.diff(repo, mergeBase, headSha)]);
  let additions = 0;
  let deletions = 0;
  for (const file of diff.files) {
    additions += file.additions;
    deletions += file.deletions;
  }
  return { baseSha, commits: commits.length, additions, deletions, changedFiles: diff.files.length };
}
