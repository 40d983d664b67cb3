// A GitHub Enterprise Server the app reaches over real HTTP: GHE_HOST=fake.host, GHE_PROTOCOL=http.
// Tests arrange repositories and people through this object, then read back what the app did.
import { EventEmitter } from "node:events";
import { mkdtemp, rm } from "node:fs/promises";
import { createServer, type RequestListener, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { AppAuthority, appKeys } from "./auth.js";
import type { JsonObject } from "./errors.js";
import { FakeRepo } from "./fake-repo.js";
import { FaultQueue, type FaultMatch, type FaultResponse } from "./faults.js";
import type { FileChange } from "./git.js";
import { commitToBranch } from "./operations.js";
import { DEFAULT_LIMITS, Presenter, sameTarget, type PatchLimits } from "./presenters.js";
import { Router, type RouteModule } from "./router.js";
import { defaultRoutes } from "./routes/index.js";
import { createRequestHandler, type ContractViolation, type RecordedRequest, type UnimplementedCall } from "./server.js";
import { FakeState, type ChangeEvent, type GitRequestRecord, type HookDelivery, type UserType } from "./state.js";
import type {
  RestCheckRun,
  RestIssue,
  RestIssueComment,
  RestPullRequest,
  RestPullRequestSimple,
  RestReaction,
  RestRepository,
  RestReview,
  RestReviewComment,
} from "./types.js";

export interface FakeGitHubOptions {
  /** @defaultValue 4242 */
  readonly appId?: number;
  /** @defaultValue "skywork" — the bot is then "skywork[bot]". */
  readonly appSlug?: string;
  /** Milliseconds since the epoch; drives timestamps, token expiry and JWT checks. @defaultValue Date.now */
  readonly clock?: () => number;
  /** Also check every JSON response against GitHub's response schema (slower; the fake's self-tests use it). */
  readonly checkResponses?: boolean;
  /** Delay added to every request, in milliseconds. @defaultValue 0 */
  readonly latencyMs?: number;
  /** Size limits (GitHub's by default); lower them to exercise the app's large-PR paths cheaply. */
  readonly limits?: Partial<PatchLimits>;
  /** Extra route modules, registered after the built-in ones. */
  readonly routes?: readonly RouteModule[];
}

export interface InstallationOptions {
  /** Login of the account the app is installed on; created if new. */
  readonly account: string;
  /** @defaultValue "Organization" */
  readonly accountType?: "Organization" | "User";
  readonly permissions?: Record<string, string>;
  readonly events?: readonly string[];
}

export interface CreateRepoOptions {
  readonly owner: string;
  readonly name: string;
  /** Installation that can see this repository; forks of contributors usually have none. */
  readonly installationId?: number;
  /** @defaultValue "main" */
  readonly defaultBranch?: string;
  /** Content of the first commit on the default branch. */
  readonly files?: Readonly<Record<string, FileChange>>;
  /** @defaultValue true */
  readonly private?: boolean;
  /** Makes the new repository a fork (a copy of its git history, `fork: true`, `parent`). */
  readonly forkOf?: FakeRepo;
}

export type RepoRef = FakeRepo | string;

export type ReactionSubject = { readonly issue: number } | { readonly issueComment: number } | { readonly reviewComment: number };

export interface WaitForOptions {
  /** @defaultValue 5000 */
  readonly timeoutMs?: number;
  /** Named in the timeout error. */
  readonly what?: string;
}

const DEFAULT_PERMISSIONS: Record<string, string> = {
  checks: "write",
  contents: "write",
  issues: "write",
  metadata: "read",
  pull_requests: "write",
};

const DEFAULT_EVENTS = ["issue_comment", "issues", "pull_request", "pull_request_review", "pull_request_review_comment"];

export class FakeGitHub {
  /** "127.0.0.1:<port>", for GHE_HOST. */
  readonly host: string;
  readonly protocol = "http" as const;
  /** http://127.0.0.1:<port> — the web UI root, where git clone URLs live. */
  readonly baseUrl: string;
  /** http://127.0.0.1:<port>/api/v3 */
  readonly restUrl: string;
  /** http://127.0.0.1:<port>/api/graphql */
  readonly graphqlUrl: string;
  readonly appId: number;
  readonly appSlug: string;
  /** PKCS#1 PEM, like the key GitHub lets you download; pass it as PRIVATE_KEY. */
  readonly privateKey: string;
  readonly botLogin: string;
  readonly botUserId: number;
  /** Every request, in order of completion. */
  readonly requests: RecordedRequest[] = [];
  /** Requests GitHub would have refused (unknown route, bad params or body) and bugs of the fake itself. */
  readonly violations: ContractViolation[] = [];
  /** Calls to real GitHub operations the fake does not serve (answered 501). */
  readonly unimplemented: UnimplementedCall[] = [];
  /** "request" (a RecordedRequest) after every answer; "change" (a ChangeEvent) after every mutation. */
  readonly events = new EventEmitter();

  readonly #state: FakeState;
  readonly #present: Presenter;
  readonly #server: Server;
  readonly #faults: FaultQueue;
  readonly #repos = new Map<number, FakeRepo>();
  #latencyMs: number;

  /** Use startFakeGitHub(). */
  constructor(internals: { state: FakeState; present: Presenter; server: Server; faults: FaultQueue; latencyMs: number; privateKey: string }) {
    this.#state = internals.state;
    this.#present = internals.present;
    this.#server = internals.server;
    this.#faults = internals.faults;
    this.#latencyMs = internals.latencyMs;
    const origin = new URL(this.#state.origin);
    this.host = origin.host;
    this.baseUrl = this.#state.origin;
    this.restUrl = `${this.#state.origin}/api/v3`;
    this.graphqlUrl = `${this.#state.origin}/api/graphql`;
    const app = this.#state.app;
    this.appId = app.id;
    this.appSlug = app.slug;
    this.botLogin = app.bot.login;
    this.botUserId = app.bot.id;
    this.privateKey = internals.privateKey;
    this.events.setMaxListeners(0);
    this.#state.events.on("change", (event: ChangeEvent) => this.events.emit("change", event));
  }

  /** @internal Used by startFakeGitHub and by modules of the fake (webhooks, future routes). */
  get state(): FakeState {
    return this.#state;
  }

  /** @internal */
  get present(): Presenter {
    return this.#present;
  }

  /** Webhooks sent with `deliverWebhook({ fake })`, oldest first (what /app/hook/deliveries lists). */
  get hookDeliveries(): readonly HookDelivery[] {
    return this.#state.hookDeliveries;
  }

  /** Git smart-HTTP requests (clone, fetch, push), oldest first, with the token each presented. */
  get gitRequests(): readonly GitRequestRecord[] {
    return this.#state.gitRequests;
  }

  /** @internal */
  latencyMs(): number {
    return this.#latencyMs;
  }

  /** Installs the app on an account; returns the installation id. */
  addInstallation(options: InstallationOptions): { id: number } {
    const type: UserType = options.accountType ?? "Organization";
    const account = this.#state.ensureUser(options.account, type);
    const id = this.#state.nextId("installation");
    this.#state.installations.set(id, {
      id,
      account,
      permissions: { ...(options.permissions ?? DEFAULT_PERMISSIONS) },
      events: options.events ?? DEFAULT_EVENTS,
      repositorySelection: "selected",
      createdAt: this.#state.isoNow(),
      repoIds: new Set(),
    });
    this.#state.changed({ kind: "installation.created", id });
    return { id };
  }

  async createRepo(options: CreateRepoOptions): Promise<FakeRepo> {
    if (this.#state.repoByName(options.owner, options.name)) {
      throw new Error(`Repository ${options.owner}/${options.name} already exists in the fake GitHub`);
    }
    const installationAccount = [...this.#state.installations.values()].find((i) => i.account.login.toLowerCase() === options.owner.toLowerCase())?.account;
    const owner = installationAccount ?? this.#state.ensureUser(options.owner);
    const parent = options.forkOf?.record;
    const record = await this.#state.createRepoRecord({
      owner,
      name: options.name,
      isPrivate: options.private ?? true,
      defaultBranch: options.defaultBranch ?? parent?.defaultBranch ?? "main",
      installationId: options.installationId,
      forkOf: parent,
    });
    const repo = new FakeRepo(this.#state, this.#present, record);
    this.#repos.set(record.id, repo);
    if (options.files && Object.keys(options.files).length > 0) {
      await commitToBranch(this.#state, record, {
        branch: record.defaultBranch,
        files: options.files,
        message: "Initial commit",
      });
    }
    return repo;
  }

  /** The handle of a repository created earlier, by "owner/name". */
  repo(fullName: string): FakeRepo {
    const [owner = "", name = ""] = fullName.split("/");
    const record = this.#state.repoByName(owner, name);
    const repo = record ? this.#repos.get(record.id) : undefined;
    if (!repo) throw new Error(`The fake GitHub has no repository ${fullName}`);
    return repo;
  }

  /** Every installation token issued so far now answers 401 Bad credentials. */
  expireTokens(): void {
    this.#state.authority.expireTokens();
  }

  /** Answers the next `times` requests matching `match` with `response`, before any other check. */
  failNext(match: FaultMatch, response: FaultResponse, times = 1): void {
    this.#faults.add(match, response, times);
  }

  /** Adds a delay to every request from now on. */
  setLatency(ms: number): void {
    this.#latencyMs = ms;
  }

  /**
   * Resolves with the first truthy value of `predicate`, re-checked after every request and
   * state change (and every 50 ms), so tests wait for "a review appeared" without sleeping.
   */
  waitFor<T>(predicate: () => T | Promise<T>, options: WaitForOptions = {}): Promise<Exclude<T, undefined | null | false | 0 | "">> {
    const timeoutMs = options.timeoutMs ?? 5000;
    return new Promise((resolve, reject) => {
      let done = false;
      let running = false;
      let again = false;
      const finish = (): void => {
        done = true;
        clearTimeout(timer);
        clearInterval(poll);
        this.events.off("request", check);
        this.events.off("change", check);
      };
      const check = (): void => {
        if (done) return;
        if (running) {
          again = true;
          return;
        }
        running = true;
        Promise.resolve()
          .then(predicate)
          .then(
            (value) => {
              running = false;
              if (done) return;
              if (value) {
                finish();
                resolve(value as Exclude<T, undefined | null | false | 0 | "">);
              } else if (again) {
                again = false;
                check();
              }
            },
            (error: unknown) => {
              running = false;
              if (!done) {
                finish();
                reject(error instanceof Error ? error : new Error(String(error)));
              }
            },
          );
      };
      const timer = setTimeout(() => {
        if (done) return;
        finish();
        const recent = this.requests
          .slice(-10)
          .map((r) => `${r.method} ${r.path} → ${r.status}`)
          .join("\n  ");
        reject(new Error(`Timed out after ${timeoutMs} ms waiting for ${options.what ?? "the condition"}. Last requests:\n  ${recent}`));
      }, timeoutMs);
      const poll = setInterval(check, 50);
      this.events.on("request", check);
      this.events.on("change", check);
      check();
    });
  }

  // Readers: what GitHub would return for the same question, regardless of who asks.

  async pulls(repo: RepoRef): Promise<RestPullRequestSimple[]> {
    const record = this.#record(repo);
    const out: RestPullRequestSimple[] = [];
    for (const pull of record.pulls.values()) {
      const baseSha = (await record.git.branchHead(pull.baseRef)) ?? pull.headSha;
      out.push(this.#present.pullSimple(pull, baseSha) as unknown as RestPullRequestSimple);
    }
    return out;
  }

  pull(repo: RepoRef, number: number): Promise<RestPullRequest> {
    return this.#handle(repo).pull(number);
  }

  issue(repo: RepoRef, number: number): RestIssue {
    const issue = this.#record(repo).issues.get(number);
    if (!issue) throw new Error(`No issue #${number} in ${this.#record(repo).fullName}`);
    return this.#present.issue(issue) as unknown as RestIssue;
  }

  repository(repo: RepoRef): RestRepository {
    return this.#present.fullRepository(this.#record(repo)) as unknown as RestRepository;
  }

  /** A user as GitHub shows it (login, id, node_id, type…); created on first use. */
  user(login: string): JsonObject {
    return this.#present.user(this.#state.ensureUser(login));
  }

  /** Reviews of a pull request, pending ones included, oldest first. */
  reviews(repo: RepoRef, number: number): RestReview[] {
    const id = this.#record(repo).id;
    return [...this.#state.reviews.values()]
      .filter((r) => r.repoId === id && r.pullNumber === number)
      .map((r) => this.#present.review(r) as unknown as RestReview);
  }

  /** Review comments of a pull request, those of pending reviews included, oldest first. */
  reviewComments(repo: RepoRef, number: number): RestReviewComment[] {
    const id = this.#record(repo).id;
    return [...this.#state.reviewComments.values()]
      .filter((c) => c.repoId === id && c.pullNumber === number)
      .map((c) => this.#present.reviewComment(c) as unknown as RestReviewComment);
  }

  issueComments(repo: RepoRef, number: number): RestIssueComment[] {
    const id = this.#record(repo).id;
    return [...this.#state.issueComments.values()]
      .filter((c) => c.repoId === id && c.issueNumber === number)
      .map((c) => this.#present.issueComment(c) as unknown as RestIssueComment);
  }

  checkRuns(repo: RepoRef, sha?: string): RestCheckRun[] {
    const id = this.#record(repo).id;
    return [...this.#state.checkRuns.values()]
      .filter((r) => r.repoId === id && (sha === undefined || r.headSha === sha))
      .map((r) => this.#present.checkRun(r) as unknown as RestCheckRun);
  }

  reactions(repo: RepoRef, subject: ReactionSubject): RestReaction[] {
    const record = this.#record(repo);
    const target =
      "issue" in subject
        ? ({ kind: "issue", repoId: record.id, number: subject.issue } as const)
        : "issueComment" in subject
          ? ({ kind: "issue_comment", id: subject.issueComment } as const)
          : ({ kind: "review_comment", id: subject.reviewComment } as const);
    return [...this.#state.reactions.values()].filter((r) => sameTarget(r.target, target)).map((r) => this.#present.reaction(r) as unknown as RestReaction);
  }

  /** Stops the server and deletes every repository on disk. */
  async close(): Promise<void> {
    this.#faults.clear();
    this.#server.closeAllConnections();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
    this.events.removeAllListeners();
    this.#state.events.removeAllListeners();
    await rm(this.#state.rootDir, { recursive: true, force: true });
  }

  #record(repo: RepoRef) {
    return (typeof repo === "string" ? this.repo(repo) : repo).record;
  }

  #handle(repo: RepoRef): FakeRepo {
    return typeof repo === "string" ? this.repo(repo) : repo;
  }
}

/** Starts a fake GitHub Enterprise Server on 127.0.0.1 with a random port. */
export async function startFakeGitHub(options: FakeGitHubOptions = {}): Promise<FakeGitHub> {
  const [keys, rootDir] = await Promise.all([appKeys(), mkdtemp(join(tmpdir(), "fake-github-"))]);
  const clock = options.clock ?? Date.now;
  const limits: PatchLimits = { ...DEFAULT_LIMITS, ...options.limits };
  const router = new Router();
  for (const register of [...defaultRoutes, ...(options.routes ?? [])]) register(router);
  const faults = new FaultQueue();
  // The port is only known once listening, and the state needs it for every URL it writes.
  let handler: RequestListener | undefined;
  const server = createServer((req, res) => handler?.(req, res));
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const state = new FakeState(rootDir, `http://127.0.0.1:${port}`, clock);
  const present = new Presenter(state, limits);
  const appId = options.appId ?? 4242;
  const slug = options.appSlug ?? "skywork";
  state.app = {
    id: appId,
    slug,
    name: slug === "skywork" ? "Skywork" : slug,
    clientId: `Iv1.${appId.toString(16).padStart(16, "0")}`,
    owner: state.ensureUser("skywork-admin", "Organization"),
    bot: state.ensureUser(`${slug}[bot]`, "Bot"),
    permissions: DEFAULT_PERMISSIONS,
    events: DEFAULT_EVENTS,
    createdAt: state.isoNow(),
  };
  state.authority = new AppAuthority(appId, state.app.clientId, keys.publicKey, clock);
  const fake = new FakeGitHub({
    state,
    present,
    server,
    faults,
    latencyMs: options.latencyMs ?? 0,
    privateKey: keys.privateKeyPem,
  });
  handler = createRequestHandler({
    state,
    present,
    router,
    limits,
    faults,
    checkResponses: options.checkResponses ?? false,
    latencyMs: () => fake.latencyMs(),
    onRequest: (record) => {
      fake.requests.push(record);
      fake.events.emit("request", record);
    },
    onViolation: (violation) => fake.violations.push(violation),
    onUnimplemented: (call) => fake.unimplemented.push(call),
  });
  return fake;
}
