// Everything the fake GitHub knows. Plain records in maps, mutated by the REST routes and the
// test API alike; git content lives in real bare repositories under `rootDir`.
import { EventEmitter } from "node:events";
import { join } from "node:path";
import type { AppAuthority } from "./auth.js";
import { diffCommits, type CommitDiff } from "./diff.js";
import { GitRepo } from "./git.js";

export type UserType = "User" | "Bot" | "Organization";
export type Permission = "admin" | "maintain" | "write" | "triage" | "read" | "none";
export type ReviewState = "PENDING" | "COMMENTED" | "APPROVED" | "CHANGES_REQUESTED" | "DISMISSED";
export type ReactionContent = "+1" | "-1" | "laugh" | "confused" | "heart" | "hooray" | "rocket" | "eyes";
export const REACTION_CONTENTS: readonly ReactionContent[] = ["+1", "-1", "laugh", "confused", "heart", "hooray", "rocket", "eyes"];

export interface UserRecord {
  readonly login: string;
  readonly id: number;
  readonly type: UserType;
  readonly name: string;
  readonly email: string;
}

export interface InstallationRecord {
  readonly id: number;
  readonly account: UserRecord;
  readonly permissions: Record<string, string>;
  readonly events: readonly string[];
  readonly repositorySelection: "all" | "selected";
  readonly createdAt: string;
  readonly repoIds: Set<number>;
}

export interface IssueRecord {
  readonly repoId: number;
  readonly number: number;
  readonly id: number;
  title: string;
  body: string | null;
  readonly user: UserRecord;
  state: "open" | "closed";
  stateReason: "completed" | "reopened" | "not_planned" | null;
  labels: string[];
  locked: boolean;
  readonly createdAt: string;
  updatedAt: string;
  closedAt: string | null;
  /** Set when this issue is the conversation of a pull request. */
  pullNumber: number | undefined;
}

export interface PullRecord {
  readonly repoId: number;
  readonly number: number;
  readonly id: number;
  readonly headRepoId: number;
  readonly headRef: string;
  headSha: string;
  baseRef: string;
  draft: boolean;
  merged: boolean;
  mergedAt: string | null;
  mergeCommitSha: string | null;
  maintainerCanModify: boolean;
  authorAssociation: string | undefined;
}

export interface IssueCommentRecord {
  readonly id: number;
  readonly repoId: number;
  readonly issueNumber: number;
  readonly user: UserRecord;
  body: string;
  readonly createdAt: string;
  updatedAt: string;
  /** Created with an installation token: GitHub then fills `performed_via_github_app`. */
  readonly viaApp: boolean;
}

export interface ReviewRecord {
  readonly id: number;
  readonly repoId: number;
  readonly pullNumber: number;
  readonly user: UserRecord;
  body: string;
  state: ReviewState;
  readonly commitId: string;
  submittedAt: string | null;
}

export interface ReviewCommentRecord {
  readonly id: number;
  readonly repoId: number;
  readonly pullNumber: number;
  readonly reviewId: number;
  readonly user: UserRecord;
  body: string;
  readonly path: string;
  readonly commitId: string;
  readonly diffHunk: string;
  readonly position: number | null;
  readonly line: number | null;
  readonly startLine: number | null;
  readonly side: "LEFT" | "RIGHT" | null;
  readonly startSide: "LEFT" | "RIGHT" | null;
  readonly subjectType: "line" | "file";
  readonly inReplyToId: number | undefined;
  readonly createdAt: string;
  updatedAt: string;
  readonly viaApp: boolean;
}

/** A review thread marked resolved, keyed in `FakeState.resolvedThreads` by the thread's first comment. */
export interface ThreadResolutionRecord {
  readonly resolvedBy: UserRecord;
  readonly at: string;
}

export type ReactionTarget =
  | { readonly kind: "issue"; readonly repoId: number; readonly number: number }
  | { readonly kind: "issue_comment"; readonly id: number }
  | { readonly kind: "review_comment"; readonly id: number };

export interface ReactionRecord {
  readonly id: number;
  readonly user: UserRecord;
  readonly content: ReactionContent;
  readonly createdAt: string;
  readonly target: ReactionTarget;
}

export interface CheckAnnotation {
  readonly path: string;
  readonly start_line: number;
  readonly end_line: number;
  readonly start_column?: number;
  readonly end_column?: number;
  readonly annotation_level: "notice" | "warning" | "failure";
  readonly message: string;
  readonly title?: string;
  readonly raw_details?: string;
}

export interface CheckRunRecord {
  readonly id: number;
  readonly repoId: number;
  readonly headSha: string;
  name: string;
  status: "queued" | "in_progress" | "completed" | "waiting" | "requested" | "pending";
  conclusion: string | null;
  startedAt: string | null;
  completedAt: string | null;
  externalId: string;
  detailsUrl: string | null;
  output: { title: string | null; summary: string | null; text: string | null; annotations: CheckAnnotation[] };
  readonly checkSuiteId: number;
}

/** One webhook sent with `deliverWebhook({ fake })`: what GET /app/hook/deliveries would list. */
export interface HookDelivery {
  readonly id: number;
  readonly guid: string;
  readonly deliveredAt: string;
  readonly event: string;
  readonly action: string | null;
  readonly installationId: number | null;
  readonly repositoryId: number | null;
  readonly url: string;
  /** Exactly the bytes and headers sent, so a redelivery can replay them. */
  readonly requestHeaders: Record<string, string>;
  readonly requestBody: string;
  readonly statusCode: number;
  readonly responseBody: string;
  readonly durationMs: number;
  readonly redelivery: boolean;
}

export class RepoRecord {
  readonly issues = new Map<number, IssueRecord>();
  readonly pulls = new Map<number, PullRecord>();
  readonly permissions = new Map<string, Permission>();
  readonly labelIds = new Map<string, number>();
  readonly diffCache = new Map<string, Promise<CommitDiff>>();
  nextNumber = 1;
  pushedAt: string;

  constructor(
    readonly id: number,
    readonly owner: UserRecord,
    readonly name: string,
    readonly git: GitRepo,
    readonly isPrivate: boolean,
    public defaultBranch: string,
    readonly parentId: number | undefined,
    public installationId: number | undefined,
    readonly createdAt: string,
  ) {
    this.pushedAt = createdAt;
  }

  get fullName(): string {
    return `${this.owner.login}/${this.name}`;
  }
}

/** One git smart-HTTP request (clone, fetch, push), for tests that assert which token was used. */
export interface GitRequestRecord {
  /** "owner/name" as the URL spelled it. */
  readonly repo: string;
  readonly service: "git-upload-pack" | "git-receive-pack";
  /** "advertisement" for GET info/refs, "rpc" for the POST that follows. */
  readonly phase: "advertisement" | "rpc";
  /** The installation token presented (Basic password), or null when none was. */
  readonly token: string | null;
  readonly installationId: number | null;
  readonly at: string;
  status: number;
}

/** Emitted on `state.events` as "change" after every mutation, so tests can wait without sleeping. */
export interface ChangeEvent {
  readonly kind: string;
  readonly repo?: string;
  readonly id?: number;
}

// Separate id ranges per kind make ids look like GitHub's and keep kinds from colliding in tests.
const ID_BASES: Record<string, number> = {
  user: 5_000_000,
  installation: 40_000_000,
  repo: 700_000_000,
  issue: 2_400_000_000,
  pull: 1_900_000_000,
  issue_comment: 2_600_000_000,
  review: 2_300_000_000,
  review_comment: 1_700_000_000,
  reaction: 250_000_000,
  check_run: 30_000_000_000,
  check_suite: 27_000_000_000,
  label: 6_000_000_000,
  hook_delivery: 80_000_000_000,
};

/**
 * Committer of the commits GitHub makes and signs itself (web-flow): createCommitOnBranch, and
 * git database commits of an App that names no author or committer.
 */
export const GITHUB_COMMITTER = { name: "GitHub", email: "noreply@github.com" } as const;

export interface AppIdentity {
  readonly id: number;
  readonly slug: string;
  readonly name: string;
  readonly clientId: string;
  readonly owner: UserRecord;
  readonly bot: UserRecord;
  readonly permissions: Record<string, string>;
  readonly events: readonly string[];
  readonly createdAt: string;
}

export class FakeState {
  readonly events = new EventEmitter();
  readonly users = new Map<string, UserRecord>();
  readonly installations = new Map<number, InstallationRecord>();
  readonly repos = new Map<number, RepoRecord>();
  readonly issueComments = new Map<number, IssueCommentRecord>();
  readonly reviews = new Map<number, ReviewRecord>();
  readonly reviewComments = new Map<number, ReviewCommentRecord>();
  readonly reactions = new Map<number, ReactionRecord>();
  /** Resolved review threads, by the id of the thread's first comment (GitHub's REST has no thread id). */
  readonly resolvedThreads = new Map<number, ThreadResolutionRecord>();
  readonly checkRuns = new Map<number, CheckRunRecord>();
  /** `${repoId}:${headSha}` → check suite id: one suite per app and commit, as GitHub keeps them. */
  readonly checkSuites = new Map<string, number>();
  readonly hookDeliveries: HookDelivery[] = [];
  readonly gitRequests: GitRequestRecord[] = [];
  /**
   * Commits GitHub signed itself (createCommitOnBranch), sha → verified_at. Keyed by sha because
   * the signature travels with the object into forks and base repositories alike.
   */
  readonly signedCommits = new Map<string, string>();
  readonly #ids = new Map<string, number>();
  #app: AppIdentity | undefined;
  #authority: AppAuthority | undefined;

  constructor(
    readonly rootDir: string,
    readonly origin: string,
    readonly clock: () => number,
  ) {
    this.events.setMaxListeners(0);
  }

  get apiUrl(): string {
    return `${this.origin}/api/v3`;
  }

  get app(): AppIdentity {
    if (!this.#app) throw new Error("The fake GitHub app is not configured yet");
    return this.#app;
  }

  set app(app: AppIdentity) {
    this.#app = app;
  }

  get authority(): AppAuthority {
    if (!this.#authority) throw new Error("The fake GitHub authority is not configured yet");
    return this.#authority;
  }

  set authority(authority: AppAuthority) {
    this.#authority = authority;
  }

  nextId(kind: string): number {
    const next = (this.#ids.get(kind) ?? this.#base(kind)) + 1;
    this.#ids.set(kind, next);
    return next;
  }

  /**
   * Installation ids start at a random base per fake: the app's clustered GitHub rate limiter
   * (Redis, keyed by installation) would otherwise make parallel test files throttle each other.
   */
  #base(kind: string): number {
    const base = ID_BASES[kind] ?? 1_000_000;
    return kind === "installation" ? base + Math.floor(Math.random() * 1_000_000) * 100 : base;
  }

  /** ISO-8601 without milliseconds, as GitHub writes timestamps. */
  isoNow(): string {
    return new Date(this.clock()).toISOString().replace(/\.\d{3}Z$/, "Z");
  }

  changed(event: ChangeEvent): void {
    this.events.emit("change", event);
  }

  ensureUser(login: string, type: UserType = login.endsWith("[bot]") ? "Bot" : "User"): UserRecord {
    const existing = this.users.get(login.toLowerCase());
    if (existing) return existing;
    const id = this.nextId("user");
    const user: UserRecord = {
      login,
      id,
      type,
      name: login,
      email: `${id}+${login}@users.noreply.${new URL(this.origin).hostname}`,
    };
    this.users.set(login.toLowerCase(), user);
    return user;
  }

  findUser(login: string): UserRecord | undefined {
    return this.users.get(login.toLowerCase());
  }

  userByEmail(email: string): UserRecord | undefined {
    for (const user of this.users.values()) if (user.email.toLowerCase() === email.toLowerCase()) return user;
    return undefined;
  }

  repoByName(owner: string, name: string): RepoRecord | undefined {
    const wanted = `${owner}/${name}`.toLowerCase();
    for (const repo of this.repos.values()) if (repo.fullName.toLowerCase() === wanted) return repo;
    return undefined;
  }

  requireRepo(id: number): RepoRecord {
    const repo = this.repos.get(id);
    if (!repo) throw new Error(`No repository with id ${id}`);
    return repo;
  }

  /** Whether an installation (and a token possibly narrowed to some repositories) may see a repository. */
  installationCanAccess(installationId: number, repo: RepoRecord, tokenRepoIds?: ReadonlySet<number>): boolean {
    const installation = this.installations.get(installationId);
    if (!installation || !installation.repoIds.has(repo.id)) return false;
    return tokenRepoIds === undefined || tokenRepoIds.has(repo.id);
  }

  async createRepoRecord(input: {
    owner: UserRecord;
    name: string;
    isPrivate: boolean;
    defaultBranch: string;
    installationId: number | undefined;
    forkOf: RepoRecord | undefined;
  }): Promise<RepoRecord> {
    const id = this.nextId("repo");
    const dir = join(this.rootDir, "repos", `${input.owner.login}`, `${input.name}.git`);
    const git = input.forkOf ? await GitRepo.cloneBare(input.forkOf.git, dir) : await GitRepo.init(dir, input.defaultBranch);
    const repo = new RepoRecord(id, input.owner, input.name, git, input.isPrivate, input.defaultBranch, input.forkOf?.id, input.installationId, this.isoNow());
    this.repos.set(id, repo);
    if (input.installationId !== undefined) {
      const installation = this.installations.get(input.installationId);
      if (!installation) throw new Error(`No installation with id ${input.installationId}; call addInstallation first`);
      installation.repoIds.add(id);
    }
    this.changed({ kind: "repo.created", repo: repo.fullName, id });
    return repo;
  }

  /** Diff between two commits; cached, since commits never change (gc() clears the cache). */
  diff(repo: RepoRecord, base: string, head: string): Promise<CommitDiff> {
    const key = `${base}..${head}`;
    let cached = repo.diffCache.get(key);
    if (!cached) {
      cached = diffCommits(repo.git, base, head);
      cached.catch(() => repo.diffCache.delete(key));
      repo.diffCache.set(key, cached);
    }
    return cached;
  }

  /** Base branch tip, merge base and head of a pull request, resolved now. */
  async pullRange(pull: PullRecord): Promise<{ baseSha: string; mergeBase: string; headSha: string }> {
    const repo = this.requireRepo(pull.repoId);
    const baseSha = await repo.git.branchHead(pull.baseRef);
    if (!baseSha) throw new Error(`Base branch ${pull.baseRef} of ${repo.fullName}#${pull.number} no longer exists`);
    const mergeBase = (await repo.git.mergeBase(baseSha, pull.headSha)) ?? baseSha;
    return { baseSha, mergeBase, headSha: pull.headSha };
  }

  async pullDiff(pull: PullRecord): Promise<CommitDiff> {
    const { mergeBase, headSha } = await this.pullRange(pull);
    return this.diff(this.requireRepo(pull.repoId), mergeBase, headSha);
  }

  /** A branch moved: open pull requests whose head is that branch follow it (GitHub's "synchronize"). */
  async branchMoved(repo: RepoRecord, branch: string, sha: string): Promise<void> {
    repo.pushedAt = this.isoNow();
    for (const base of this.repos.values()) {
      for (const pull of base.pulls.values()) {
        const issue = base.issues.get(pull.number);
        if (pull.headRepoId !== repo.id || pull.headRef !== branch || issue?.state !== "open") continue;
        await this.syncPullHead(base, pull, repo, sha);
        if (issue) issue.updatedAt = this.isoNow();
      }
    }
    this.changed({ kind: "branch.moved", repo: repo.fullName });
  }

  /** Keeps refs/pull/N/head in the base repository, where GitHub keeps fork heads too. */
  async syncPullHead(base: RepoRecord, pull: PullRecord, headRepo: RepoRecord, sha: string): Promise<void> {
    const ref = `refs/pull/${pull.number}/head`;
    if (headRepo.id === base.id) await base.git.updateRef(ref, sha);
    else await base.git.fetchRef(headRepo.git, `refs/heads/${pull.headRef}`, ref);
    pull.headSha = sha;
  }

  permissionOf(repo: RepoRecord, login: string): Permission {
    if (repo.owner.login.toLowerCase() === login.toLowerCase()) return "admin";
    return repo.permissions.get(login.toLowerCase()) ?? "none";
  }

  /** OWNER, COLLABORATOR or NONE; GitHub also knows MEMBER and CONTRIBUTOR, which tests can force per pull. */
  authorAssociation(repo: RepoRecord, user: UserRecord): string {
    if (repo.owner.login.toLowerCase() === user.login.toLowerCase()) return "OWNER";
    const permission = repo.permissions.get(user.login.toLowerCase());
    return permission && permission !== "none" ? "COLLABORATOR" : "NONE";
  }

  labelId(repo: RepoRecord, name: string): number {
    let id = repo.labelIds.get(name);
    if (id === undefined) {
      id = this.nextId("label");
      repo.labelIds.set(name, id);
    }
    return id;
  }

  checkSuiteId(repo: RepoRecord, headSha: string): number {
    const key = `${repo.id}:${headSha}`;
    let id = this.checkSuites.get(key);
    if (id === undefined) {
      id = this.nextId("check_suite");
      this.checkSuites.set(key, id);
    }
    return id;
  }
}
