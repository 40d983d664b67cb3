// The test-facing handle on one fake repository: arrange git history, pull requests and
// people, the way a user would on GitHub.
import type { JsonObject } from "./errors.js";
import type { FileChange, GitIdentity } from "./git.js";
import {
  addIssueComment,
  commitToBranch,
  createSingleComment,
  forcePush,
  openIssue,
  openPull,
  pullStats,
  replyToComment,
  updatePull,
  type PullPatch,
} from "./operations.js";
import type { Presenter } from "./presenters.js";
import type { FakeState, Permission, ReactionContent, RepoRecord } from "./state.js";
import type { RestIssue, RestIssueComment, RestPullRequest, RestReviewComment } from "./types.js";

export interface CommitInput {
  readonly branch: string;
  /** Parent: a sha, branch or tag. Defaults to the branch head, or the default branch for a new branch. */
  readonly from?: string;
  /** Path → content; `null` deletes; `{ content, mode }` sets the mode (100755 executable, 120000 symlink). */
  readonly files: Readonly<Record<string, FileChange>>;
  readonly message?: string;
  readonly author?: GitIdentity;
}

export interface PullRequestInput {
  readonly head: string;
  readonly base?: string;
  readonly title?: string;
  readonly body?: string | null;
  /** Login of the author; created on first use. Defaults to "octocat". */
  readonly user?: string;
  readonly draft?: boolean;
  readonly labels?: readonly string[];
  /** A fork (created with `createRepo({ forkOf })`) whose branch `head` is proposed. */
  readonly headRepo?: FakeRepo;
  /** Forces author_association (e.g. "MEMBER", "FIRST_TIME_CONTRIBUTOR"); computed otherwise. */
  readonly authorAssociation?: string;
}

export interface ReviewCommentByUser {
  readonly user: string;
  readonly body: string;
  readonly path?: string;
  readonly line?: number;
  readonly side?: "LEFT" | "RIGHT";
  readonly startLine?: number;
  /** Answer this review comment instead of starting a thread. */
  readonly inReplyTo?: number;
}

const TEST_DOCS = "https://docs.github.com/enterprise-server@3.19/rest";

export class FakeRepo {
  readonly #state: FakeState;
  readonly #present: Presenter;
  readonly #record: RepoRecord;

  constructor(state: FakeState, present: Presenter, record: RepoRecord) {
    this.#state = state;
    this.#present = present;
    this.#record = record;
  }

  /** For the fake's own modules: the state record behind this handle. */
  get record(): RepoRecord {
    return this.#record;
  }

  get id(): number {
    return this.#record.id;
  }

  get owner(): string {
    return this.#record.owner.login;
  }

  get name(): string {
    return this.#record.name;
  }

  get fullName(): string {
    return this.#record.fullName;
  }

  get defaultBranch(): string {
    return this.#record.defaultBranch;
  }

  get installationId(): number | undefined {
    return this.#record.installationId;
  }

  /** The bare repository on disk, for assertions with the git CLI. */
  get gitDir(): string {
    return this.#record.git.dir;
  }

  /** Where `git clone` would reach this repository on the fake host. */
  get cloneUrl(): string {
    return `${this.#state.origin}/${this.fullName}.git`;
  }

  /** Creates a commit on `branch` (creating the branch if needed) and returns its sha. */
  commit(input: CommitInput): Promise<string> {
    return commitToBranch(this.#state, this.#record, input);
  }

  /** Moves `branch` to any commit, as `git push --force` would; open pull requests follow. */
  forcePush(branch: string, sha: string): Promise<void> {
    return forcePush(this.#state, this.#record, branch, sha);
  }

  /** The sha a branch, tag or abbreviated sha points at; undefined when unknown. */
  resolve(ref: string): Promise<string | undefined> {
    return this.#record.git.resolveCommit(ref);
  }

  /** Deletes objects no ref reaches (GitHub's eventual gc after a force-push) and forgets cached diffs. */
  async gc(): Promise<void> {
    await this.#record.git.gc();
    this.#record.diffCache.clear();
  }

  async createPullRequest(input: PullRequestInput): Promise<RestPullRequest> {
    const user = this.#state.ensureUser(input.user ?? "octocat");
    const pull = await openPull(this.#state, this.#record, {
      head: input.head,
      base: input.base,
      title: input.title,
      body: input.body,
      user,
      draft: input.draft,
      labels: input.labels,
      headRepo: input.headRepo?.record,
      authorAssociation: input.authorAssociation,
    });
    return this.pull(pull.number);
  }

  /** Changes a pull request as its author or a maintainer would (title, body, state, draft, labels, merged). */
  async updatePullRequest(number: number, patch: PullPatch): Promise<RestPullRequest> {
    await updatePull(this.#state, this.#record, this.#pullRecord(number), patch);
    return this.pull(number);
  }

  /** The pull request as GET /repos/{owner}/{repo}/pulls/{number} returns it. */
  async pull(number: number): Promise<RestPullRequest> {
    const pull = this.#pullRecord(number);
    const stats = await pullStats(this.#state, pull);
    return this.#present.pull(pull, stats.baseSha, stats) as unknown as RestPullRequest;
  }

  async createIssue(input: { title: string; body?: string; user?: string; labels?: readonly string[] }): Promise<RestIssue> {
    const issue = openIssue(this.#state, this.#record, {
      title: input.title,
      body: input.body ?? null,
      user: this.#state.ensureUser(input.user ?? "octocat"),
      labels: input.labels ?? [],
    });
    return this.#present.issue(issue) as unknown as RestIssue;
  }

  /** A person comments on an issue or pull request conversation (e.g. "/skywork review"). */
  async createIssueComment(number: number, input: { user: string; body: string }): Promise<RestIssueComment> {
    const user = this.#state.ensureUser(input.user);
    const comment = addIssueComment(this.#state, this.#record, number, user, input.body, false, TEST_DOCS);
    return this.#present.issueComment(comment) as unknown as RestIssueComment;
  }

  /** A person comments on a diff line, or replies to a review comment, with GitHub's placement rules. */
  async createReviewComment(number: number, input: ReviewCommentByUser): Promise<RestReviewComment> {
    const user = this.#state.ensureUser(input.user);
    const pull = this.#pullRecord(number);
    const comment =
      input.inReplyTo !== undefined
        ? await replyToComment(this.#state, this.#record, pull, user, input.inReplyTo, input.body, false, TEST_DOCS)
        : await createSingleComment(
            this.#state,
            this.#record,
            pull,
            user,
            {
              body: input.body,
              commit_id: pull.headSha,
              path: input.path ?? "",
              line: input.line,
              side: input.side,
              start_line: input.startLine,
            },
            false,
            TEST_DOCS,
          );
    return this.#present.reviewComment(comment) as unknown as RestReviewComment;
  }

  /**
   * A person resolves the review thread that `commentId` starts (or belongs to), as the "Resolve
   * conversation" button does; GitHub then sends pull_request_review_thread.resolved.
   */
  resolveReviewThread(commentId: number, user: string): void {
    const root = this.#threadRoot(commentId);
    this.#state.resolvedThreads.set(root, { resolvedBy: this.#state.ensureUser(user), at: this.#state.isoNow() });
    this.#state.changed({ kind: "review_thread.resolved", repo: this.fullName, id: root });
  }

  unresolveReviewThread(commentId: number): void {
    const root = this.#threadRoot(commentId);
    this.#state.resolvedThreads.delete(root);
    this.#state.changed({ kind: "review_thread.unresolved", repo: this.fullName, id: root });
  }

  /** A person reacts to a review comment (GitHub sends no webhook for reactions). */
  reactToReviewComment(commentId: number, user: string, content: ReactionContent): void {
    const comment = this.#state.reviewComments.get(commentId);
    if (!comment || comment.repoId !== this.id) throw new Error(`${this.fullName} has no review comment ${commentId}`);
    const reaction = {
      id: this.#state.nextId("reaction"),
      user: this.#state.ensureUser(user),
      content,
      createdAt: this.#state.isoNow(),
      target: { kind: "review_comment", id: commentId } as const,
    };
    this.#state.reactions.set(reaction.id, reaction);
    this.#state.changed({ kind: "reaction.created", repo: this.fullName, id: reaction.id });
  }

  #threadRoot(commentId: number): number {
    const comment = this.#state.reviewComments.get(commentId);
    if (!comment || comment.repoId !== this.id) throw new Error(`${this.fullName} has no review comment ${commentId}`);
    return comment.inReplyToId ?? comment.id;
  }

  /** Grants a collaborator role; GitHub maps maintain→write and triage→read in `permission`. */
  setPermission(login: string, permission: Permission): void {
    this.#state.ensureUser(login);
    this.#record.permissions.set(login.toLowerCase(), permission);
    this.#state.changed({ kind: "permission.changed", repo: this.fullName });
  }

  /** The repository as GET /repos/{owner}/{repo} returns it. */
  repository(): JsonObject {
    return this.#present.fullRepository(this.#record);
  }

  #pullRecord(number: number) {
    const pull = this.#record.pulls.get(number);
    if (!pull) throw new Error(`${this.fullName} has no pull request #${number}`);
    return pull;
  }
}
