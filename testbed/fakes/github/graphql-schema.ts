// The part of GitHub's GraphQL schema the fake serves: repositories, refs and git objects for
// reading, `createCommitOnBranch` for writing, `rateLimit`. Type, field and argument names are
// GitHub's (https://docs.github.com/graphql/reference); anything else is an `undefinedField` error.
import { createCommitOnBranch, visibleRepository, type CommitOnBranchInput, type GraphQLCaller } from "./commit-on-branch.js";
import type { CommitInfo } from "./git.js";
import type { FieldDef, Schema, TypeDef } from "./graphql-executor.js";
import { nodeId, refNodeId, type Presenter } from "./presenters.js";
import { GraphQLFieldError } from "./graphql-executor.js";
import { isOutdated, threadComments, threadRoots } from "./review-threads.js";
import type { FakeState, PullRecord, RepoRecord, ReviewCommentRecord, UserRecord } from "./state.js";

export interface GraphQLContext {
  readonly state: FakeState;
  readonly present: Presenter;
  readonly caller: GraphQLCaller;
}

interface RepositoryValue {
  readonly __typename: "Repository";
  readonly repo: RepoRecord;
}

interface RefValue {
  readonly __typename: "Ref";
  readonly repo: RepoRecord;
  readonly ref: string;
  readonly sha: string;
}

interface GitObjectValue {
  readonly __typename: "Commit" | "Tree" | "Blob" | "Tag";
  readonly repo: RepoRecord;
  readonly sha: string;
}

interface PullRequestValue {
  readonly __typename: "PullRequest";
  readonly repo: RepoRecord;
  readonly pull: PullRecord;
}

interface ThreadValue {
  readonly __typename: "PullRequestReviewThread";
  readonly repo: RepoRecord;
  readonly pull: PullRecord;
  readonly root: ReviewCommentRecord;
}

interface ReviewCommentValue {
  readonly __typename: "PullRequestReviewComment";
  readonly comment: ReviewCommentRecord;
}

/**
 * A page of `items` for `first`/`after` (cursors are opaque strings, as GitHub's are). GitHub
 * requires `first` or `last` on connections and caps them at 100.
 */
function connection<T>(
  items: readonly T[],
  args: Record<string, unknown>,
  what: string,
): { nodes: T[]; totalCount: number; pageInfo: Record<string, unknown> } {
  const first = typeof args["first"] === "number" ? args["first"] : typeof args["last"] === "number" ? args["last"] : undefined;
  if (first === undefined)
    throw new GraphQLFieldError(
      `You must provide a \`first\` or \`last\` value to properly paginate the \`${what}\` connection.`,
      "MISSING_PAGINATION_BOUNDARIES",
    );
  if (first < 0 || first > 100)
    throw new GraphQLFieldError(
      `Requesting ${first} records on the \`${what}\` connection exceeds the \`first\` limit of 100 records.`,
      "EXCESSIVE_PAGINATION",
    );
  const after =
    typeof args["after"] === "string"
      ? Number(
          Buffer.from(args["after"], "base64")
            .toString("utf8")
            .replace(/^cursor:v2:/, ""),
        )
      : -1;
  const start = Number.isInteger(after) ? after + 1 : 0;
  const nodes =
    typeof args["last"] === "number" && args["first"] === undefined ? items.slice(Math.max(0, items.length - first)) : items.slice(start, start + first);
  const offset = items.indexOf(nodes[0] as T);
  const cursor = (index: number) => Buffer.from(`cursor:v2:${index}`).toString("base64");
  return {
    nodes,
    totalCount: items.length,
    pageInfo: {
      hasNextPage: offset + nodes.length < items.length,
      hasPreviousPage: offset > 0,
      startCursor: nodes.length > 0 ? cursor(offset) : null,
      endCursor: nodes.length > 0 ? cursor(offset + nodes.length - 1) : null,
    },
  };
}

function userValue(user: UserRecord): { __typename: string; user: UserRecord } {
  return { __typename: user.type === "Bot" ? "Bot" : "User", user };
}

/** Field helper: `parent` is the value the enclosing object's own field resolved to. */
function field<P>(
  type: string,
  resolve: (parent: P, args: Record<string, unknown>, ctx: GraphQLContext) => unknown,
  args?: Record<string, string>,
): FieldDef<GraphQLContext> {
  return { type, resolve: (parent, fieldArgs, ctx) => resolve(parent as P, fieldArgs, ctx), ...(args ? { args } : {}) };
}

const TYPE_NAMES: Record<string, GitObjectValue["__typename"]> = { commit: "Commit", tree: "Tree", blob: "Blob", tag: "Tag" };

async function gitObject(repo: RepoRecord, sha: string): Promise<GitObjectValue | null> {
  const type = await repo.git.objectType(sha);
  const typename = type ? TYPE_NAMES[type] : undefined;
  if (!typename) return null;
  const full = (await repo.git.text(["rev-parse", "--verify", sha])).trim();
  return { __typename: typename, repo, sha: full };
}

async function refValue(repo: RepoRecord, qualifiedName: string): Promise<RefValue | null> {
  // "Fully qualified matches are checked in order (refs/heads/master) before falling back onto
  // checks for short name matches (master)."
  const candidates = qualifiedName.startsWith("refs/") ? [qualifiedName] : [`refs/heads/${qualifiedName}`, `refs/tags/${qualifiedName}`];
  for (const candidate of candidates) {
    const found = (await repo.git.refs(candidate)).find((r) => r.ref === candidate);
    if (found) return { __typename: "Ref", repo, ref: found.ref, sha: found.sha };
  }
  return null;
}

async function commitInfo(value: GitObjectValue): Promise<CommitInfo> {
  const [info] = await value.repo.git.commitInfos([value.sha]);
  if (!info) throw new Error(`GraphQL fake: ${value.sha} is not a commit`);
  return info;
}

function gitObjectFields() {
  return {
    id: field<GitObjectValue>("ID!", (o) => nodeId(o.__typename, `${o.repo.id}:${o.sha}`)),
    oid: field<GitObjectValue>("GitObjectID!", (o) => o.sha),
    abbreviatedOid: field<GitObjectValue>("String!", (o) => o.sha.slice(0, 7)),
    commitUrl: field<GitObjectValue>("URI!", (o, _a, ctx) => `${ctx.present.repoHtml(o.repo)}/commit/${o.sha}`),
    commitResourcePath: field<GitObjectValue>("URI!", (o) => `/${o.repo.fullName}/commit/${o.sha}`),
    repository: field<GitObjectValue>("Repository!", (o): RepositoryValue => ({ __typename: "Repository", repo: o.repo })),
  };
}

function actor(kind: "author" | "committer") {
  return field<GitObjectValue>("GitActor", async (o) => {
    const info = await commitInfo(o);
    return info[kind];
  });
}

const SCALAR = (check: (value: unknown) => boolean) => ({
  kind: "scalar" as const,
  coerce: (value: unknown) => (check(value) ? { ok: true as const, value } : { ok: false as const }),
});
const isString = (value: unknown): boolean => typeof value === "string";

const types: Record<string, TypeDef<GraphQLContext>> = {
  GitObjectID: SCALAR((v) => typeof v === "string" && /^[0-9a-f]{40}$/i.test(v)),
  Base64String: SCALAR(isString),
  URI: SCALAR(isString),
  DateTime: SCALAR(isString),
  GitTimestamp: SCALAR(isString),

  Query: {
    kind: "object",
    fields: {
      repository: field<unknown>(
        "Repository",
        (_root, args, ctx): RepositoryValue => ({
          __typename: "Repository",
          repo: visibleRepository(ctx.state, ctx.caller, `${String(args["owner"])}/${String(args["name"])}`),
        }),
        { owner: "String!", name: "String!", followRenames: "Boolean" },
      ),
      rateLimit: field<unknown>(
        "RateLimit",
        (_root, _args, ctx) => ({
          limit: 5000,
          cost: 1,
          remaining: 4999,
          used: 1,
          nodeCount: 1,
          resetAt: new Date(Math.floor(ctx.state.clock() / 3_600_000) * 3_600_000 + 3_600_000).toISOString().replace(/\.\d{3}Z$/, "Z"),
        }),
        { dryRun: "Boolean" },
      ),
    },
  },
  RateLimit: {
    kind: "object",
    fields: {
      limit: field<{ limit: number }>("Int!", (r) => r.limit),
      cost: field<{ cost: number }>("Int!", (r) => r.cost),
      remaining: field<{ remaining: number }>("Int!", (r) => r.remaining),
      used: field<{ used: number }>("Int!", (r) => r.used),
      nodeCount: field<{ nodeCount: number }>("Int!", (r) => r.nodeCount),
      resetAt: field<{ resetAt: string }>("DateTime!", (r) => r.resetAt),
    },
  },
  Repository: {
    kind: "object",
    fields: {
      id: field<RepositoryValue>("ID!", (r) => nodeId("Repository", r.repo.id)),
      databaseId: field<RepositoryValue>("Int", (r) => r.repo.id),
      name: field<RepositoryValue>("String!", (r) => r.repo.name),
      nameWithOwner: field<RepositoryValue>("String!", (r) => r.repo.fullName),
      url: field<RepositoryValue>("URI!", (r, _a, ctx) => ctx.present.repoHtml(r.repo)),
      isPrivate: field<RepositoryValue>("Boolean!", (r) => r.repo.isPrivate),
      isFork: field<RepositoryValue>("Boolean!", (r) => r.repo.parentId !== undefined),
      owner: field<RepositoryValue>("RepositoryOwner!", (r) => ({
        __typename: r.repo.owner.type === "Organization" ? "Organization" : "User",
        user: r.repo.owner,
      })),
      defaultBranchRef: field<RepositoryValue>("Ref", (r) => refValue(r.repo, `refs/heads/${r.repo.defaultBranch}`)),
      ref: field<RepositoryValue>("Ref", (r, args) => refValue(r.repo, String(args["qualifiedName"])), { qualifiedName: "String!" }),
      pullRequest: field<RepositoryValue>(
        "PullRequest",
        (r, args): PullRequestValue => {
          const pull = r.repo.pulls.get(Number(args["number"]));
          if (!pull) throw new GraphQLFieldError(`Could not resolve to a PullRequest with the number of ${String(args["number"])}.`, "NOT_FOUND");
          return { __typename: "PullRequest", repo: r.repo, pull };
        },
        { number: "Int!" },
      ),
      object: field<RepositoryValue>(
        "GitObject",
        async (r, args) => {
          const spec = typeof args["oid"] === "string" ? args["oid"] : typeof args["expression"] === "string" ? args["expression"] : "";
          if (spec === "" || spec.startsWith("-")) return null;
          try {
            return await gitObject(r.repo, (await r.repo.git.text(["rev-parse", "--verify", "--quiet", "--end-of-options", spec])).trim());
          } catch {
            return null;
          }
        },
        { oid: "GitObjectID", expression: "String" },
      ),
    },
  },
  RepositoryOwner: { kind: "interface", fields: { login: { type: "String!" }, id: { type: "ID!" } } },
  Actor: { kind: "interface", fields: { login: { type: "String!" } } },
  Bot: {
    kind: "object",
    interfaces: ["Actor"],
    fields: {
      login: field<{ user: { login: string } }>("String!", (o) => o.user.login.replace(/\[bot\]$/, "")),
      id: field<{ user: { id: number } }>("ID!", (o) => nodeId("Bot", o.user.id)),
      databaseId: field<{ user: { id: number } }>("Int", (o) => o.user.id),
    },
  },
  PullRequest: {
    kind: "object",
    fields: {
      id: field<PullRequestValue>("ID!", (p) => nodeId("PullRequest", p.pull.id)),
      number: field<PullRequestValue>("Int!", (p) => p.pull.number),
      reviewThreads: field<PullRequestValue>(
        "PullRequestReviewThreadConnection!",
        (p, args, ctx) =>
          connection(
            threadRoots(ctx.state, p.repo, p.pull).map((root): ThreadValue => ({ __typename: "PullRequestReviewThread", repo: p.repo, pull: p.pull, root })),
            args,
            "reviewThreads",
          ),
        { first: "Int", last: "Int", after: "String", before: "String" },
      ),
    },
  },
  PageInfo: {
    kind: "object",
    fields: {
      hasNextPage: field<{ hasNextPage: boolean }>("Boolean!", (p) => p.hasNextPage),
      hasPreviousPage: field<{ hasPreviousPage: boolean }>("Boolean!", (p) => p.hasPreviousPage),
      startCursor: field<{ startCursor: string | null }>("String", (p) => p.startCursor),
      endCursor: field<{ endCursor: string | null }>("String", (p) => p.endCursor),
    },
  },
  PullRequestReviewThreadConnection: {
    kind: "object",
    fields: {
      totalCount: field<{ totalCount: number }>("Int!", (c) => c.totalCount),
      nodes: field<{ nodes: ThreadValue[] }>("[PullRequestReviewThread]", (c) => c.nodes),
      pageInfo: field<{ pageInfo: unknown }>("PageInfo!", (c) => c.pageInfo),
    },
  },
  PullRequestReviewThread: {
    kind: "object",
    fields: {
      id: field<ThreadValue>("ID!", (t) => nodeId("PullRequestReviewThread", t.root.id)),
      path: field<ThreadValue>("String!", (t) => t.root.path),
      line: field<ThreadValue>("Int", (t) => t.root.line),
      isResolved: field<ThreadValue>("Boolean!", (t, _a, ctx) => ctx.state.resolvedThreads.has(t.root.id)),
      isOutdated: field<ThreadValue>("Boolean!", (t, _a, ctx) => isOutdated(ctx.state, t.repo, t.pull, t.root)),
      resolvedBy: field<ThreadValue>("User", (t, _a, ctx) => {
        const resolution = ctx.state.resolvedThreads.get(t.root.id);
        return resolution ? userValue(resolution.resolvedBy) : null;
      }),
      comments: field<ThreadValue>(
        "PullRequestReviewCommentConnection!",
        (t, args, ctx) =>
          connection(
            threadComments(ctx.state, t.root).map((comment): ReviewCommentValue => ({ __typename: "PullRequestReviewComment", comment })),
            args,
            "comments",
          ),
        { first: "Int", last: "Int", after: "String", before: "String" },
      ),
    },
  },
  PullRequestReviewCommentConnection: {
    kind: "object",
    fields: {
      totalCount: field<{ totalCount: number }>("Int!", (c) => c.totalCount),
      nodes: field<{ nodes: ReviewCommentValue[] }>("[PullRequestReviewComment]", (c) => c.nodes),
      pageInfo: field<{ pageInfo: unknown }>("PageInfo!", (c) => c.pageInfo),
    },
  },
  PullRequestReviewComment: {
    kind: "object",
    fields: {
      id: field<ReviewCommentValue>("ID!", (c) => nodeId("PullRequestReviewComment", c.comment.id)),
      databaseId: field<ReviewCommentValue>("Int", (c) => c.comment.id),
      body: field<ReviewCommentValue>("String!", (c) => c.comment.body),
      path: field<ReviewCommentValue>("String!", (c) => c.comment.path),
      author: field<ReviewCommentValue>("Actor", (c) => userValue(c.comment.user)),
    },
  },
  User: {
    kind: "object",
    interfaces: ["RepositoryOwner", "Actor"],
    fields: {
      login: field<{ user: { login: string } }>("String!", (o) => o.user.login),
      id: field<{ user: { id: number; type: string } }>("ID!", (o) => nodeId(o.user.type, o.user.id)),
      databaseId: field<{ user: { id: number } }>("Int", (o) => o.user.id),
    },
  },
  Organization: {
    kind: "object",
    interfaces: ["RepositoryOwner"],
    fields: {
      login: field<{ user: { login: string } }>("String!", (o) => o.user.login),
      id: field<{ user: { id: number; type: string } }>("ID!", (o) => nodeId(o.user.type, o.user.id)),
      databaseId: field<{ user: { id: number } }>("Int", (o) => o.user.id),
    },
  },
  Ref: {
    kind: "object",
    fields: {
      id: field<RefValue>("ID!", (r) => refNodeId(r.repo.id, r.ref)),
      name: field<RefValue>("String!", (r) => r.ref.replace(/^refs\/(heads|tags)\//, "")),
      prefix: field<RefValue>("String!", (r) => /^refs\/(heads|tags)\//.exec(r.ref)?.[0] ?? "refs/"),
      target: field<RefValue>("GitObject", (r) => gitObject(r.repo, r.sha)),
      repository: field<RefValue>("Repository!", (r): RepositoryValue => ({ __typename: "Repository", repo: r.repo })),
    },
  },
  GitObject: {
    kind: "interface",
    fields: {
      id: { type: "ID!" },
      oid: { type: "GitObjectID!" },
      abbreviatedOid: { type: "String!" },
      commitUrl: { type: "URI!" },
      commitResourcePath: { type: "URI!" },
      repository: { type: "Repository!" },
    },
  },
  Commit: {
    kind: "object",
    interfaces: ["GitObject"],
    fields: {
      ...gitObjectFields(),
      url: field<GitObjectValue>("URI!", (o, _a, ctx) => `${ctx.present.repoHtml(o.repo)}/commit/${o.sha}`),
      resourcePath: field<GitObjectValue>("URI!", (o) => `/${o.repo.fullName}/commit/${o.sha}`),
      message: field<GitObjectValue>("String!", async (o) => (await commitInfo(o)).message),
      messageHeadline: field<GitObjectValue>("String!", async (o) => (await commitInfo(o)).message.split("\n")[0] ?? ""),
      messageBody: field<GitObjectValue>("String!", async (o) => (await commitInfo(o)).message.split("\n").slice(1).join("\n").replace(/^\n+/, "")),
      authoredDate: field<GitObjectValue>("DateTime!", async (o) => new Date((await commitInfo(o)).author.date).toISOString().replace(/\.\d{3}Z$/, "Z")),
      committedDate: field<GitObjectValue>("DateTime!", async (o) => new Date((await commitInfo(o)).committer.date).toISOString().replace(/\.\d{3}Z$/, "Z")),
      author: actor("author"),
      committer: actor("committer"),
      signature: field<GitObjectValue>("GitSignature", (o, _a, ctx) => {
        const verifiedAt = ctx.state.signedCommits.get(o.sha);
        return verifiedAt === undefined ? null : { __typename: "GpgSignature", verifiedAt };
      }),
      tree: field<GitObjectValue>("Tree!", async (o): Promise<GitObjectValue> => ({ __typename: "Tree", repo: o.repo, sha: (await commitInfo(o)).tree })),
      parents: field<GitObjectValue>(
        "CommitConnection!",
        async (o) => {
          const parents = (await commitInfo(o)).parents;
          return { totalCount: parents.length, nodes: parents.map((sha): GitObjectValue => ({ __typename: "Commit", repo: o.repo, sha })) };
        },
        { first: "Int", last: "Int", after: "String", before: "String" },
      ),
      changedFilesIfAvailable: field<GitObjectValue>("Int", async (o) => {
        const parent = (await commitInfo(o)).parents[0];
        const args = parent
          ? ["diff-tree", "-r", "--name-only", "--no-commit-id", parent, o.sha]
          : ["diff-tree", "-r", "--root", "--name-only", "--no-commit-id", o.sha];
        return (await o.repo.git.text(args)).split("\n").filter(Boolean).length;
      }),
    },
  },
  CommitConnection: {
    kind: "object",
    fields: {
      totalCount: field<{ totalCount: number }>("Int!", (c) => c.totalCount),
      nodes: field<{ nodes: GitObjectValue[] }>("[Commit]", (c) => c.nodes),
    },
  },
  GitActor: {
    kind: "object",
    fields: {
      name: field<{ name: string }>("String", (a) => a.name),
      email: field<{ email: string }>("String", (a) => a.email),
      date: field<{ date: string }>("GitTimestamp", (a) => a.date),
      user: field<{ email: string }>("User", (a, _args, ctx) => {
        const user = ctx.state.userByEmail(a.email);
        // Bots are not Users in GitHub's schema.
        return user && user.type !== "Bot" ? { __typename: "User", user } : null;
      }),
    },
  },
  GitSignature: {
    kind: "interface",
    fields: { isValid: { type: "Boolean!" }, state: { type: "GitSignatureState!" }, wasSignedByGitHub: { type: "Boolean!" } },
  },
  GitSignatureState: { kind: "enum", values: ["VALID", "INVALID", "UNSIGNED"] },
  GpgSignature: {
    kind: "object",
    interfaces: ["GitSignature"],
    fields: {
      isValid: field<unknown>("Boolean!", () => true),
      state: field<unknown>("GitSignatureState!", () => "VALID"),
      wasSignedByGitHub: field<unknown>("Boolean!", () => true),
    },
  },
  Tree: {
    kind: "object",
    interfaces: ["GitObject"],
    fields: {
      ...gitObjectFields(),
      entries: field<GitObjectValue>("[TreeEntry!]", async (o) =>
        (await o.repo.git.readTree(o.sha, false)).map((e) => ({ name: e.path, path: e.path, mode: Number.parseInt(e.mode, 8), type: e.type, oid: e.sha })),
      ),
    },
  },
  TreeEntry: {
    kind: "object",
    fields: {
      name: field<{ name: string }>("String!", (e) => e.name),
      path: field<{ path: string }>("String", (e) => e.path),
      mode: field<{ mode: number }>("Int!", (e) => e.mode),
      type: field<{ type: string }>("String!", (e) => e.type),
      oid: field<{ oid: string }>("GitObjectID!", (e) => e.oid),
    },
  },
  Blob: {
    kind: "object",
    interfaces: ["GitObject"],
    fields: {
      ...gitObjectFields(),
      byteSize: field<GitObjectValue>("Int!", async (o) => (await o.repo.git.readBlob(o.sha)).length),
      text: field<GitObjectValue>("String", async (o) => {
        const bytes = await o.repo.git.readBlob(o.sha);
        return bytes.includes(0) ? null : bytes.toString("utf8");
      }),
      isBinary: field<GitObjectValue>("Boolean", async (o) => (await o.repo.git.readBlob(o.sha)).includes(0)),
    },
  },
  Tag: { kind: "object", interfaces: ["GitObject"], fields: { ...gitObjectFields() } },

  Mutation: {
    kind: "object",
    fields: {
      createCommitOnBranch: field<unknown>(
        "CreateCommitOnBranchPayload",
        async (_root, args, ctx) => {
          const input = args["input"] as CommitOnBranchInput;
          const { repo, ref, sha } = await createCommitOnBranch(ctx.state, ctx.caller, input);
          return {
            clientMutationId: input.clientMutationId ?? null,
            commit: { __typename: "Commit", repo, sha } satisfies GitObjectValue,
            ref: { __typename: "Ref", repo, ref, sha } satisfies RefValue,
          };
        },
        { input: "CreateCommitOnBranchInput!" },
      ),
    },
  },
  CreateCommitOnBranchPayload: {
    kind: "object",
    fields: {
      clientMutationId: field<{ clientMutationId: string | null }>("String", (p) => p.clientMutationId),
      commit: field<{ commit: GitObjectValue }>("Commit", (p) => p.commit),
      ref: field<{ ref: RefValue }>("Ref", (p) => p.ref),
    },
  },
  CreateCommitOnBranchInput: {
    kind: "input",
    fields: {
      branch: "CommittableBranch!",
      clientMutationId: "String",
      expectedHeadOid: "GitObjectID!",
      fileChanges: "FileChanges",
      message: "CommitMessage!",
    },
  },
  CommittableBranch: { kind: "input", fields: { branchName: "String", id: "ID", repositoryNameWithOwner: "String" } },
  CommitMessage: { kind: "input", fields: { body: "String", headline: "String!" } },
  FileChanges: { kind: "input", fields: { additions: "[FileAddition!]", deletions: "[FileDeletion!]" } },
  FileAddition: { kind: "input", fields: { contents: "Base64String!", path: "String!" } },
  FileDeletion: { kind: "input", fields: { path: "String!" } },
};

export const githubSchema: Schema<GraphQLContext> = { types, query: "Query", mutation: "Mutation" };
