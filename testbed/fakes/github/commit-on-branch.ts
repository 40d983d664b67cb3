// GraphQL `createCommitOnBranch` as GitHub performs it: one commit on top of the branch head,
// authored by the App's bot, committed and signed by GitHub (so REST shows it verified), refused
// when `expectedHeadOid` is not the head any more. Existing files keep their mode; new files are
// 100644 (the mutation has no way to say otherwise).
// https://docs.github.com/graphql/reference/mutations#createcommitonbranch
import { GraphQLFieldError } from "./graphql-executor.js";
import { MissingTreePathError, type TreeEdit, type TreeMode } from "./git.js";
import { parseRefNodeId } from "./presenters.js";
import { GITHUB_COMMITTER, type FakeState, type RepoRecord } from "./state.js";
import { mayChangeWorkflows, workflowRefusal } from "./workflow-guard.js";

export interface CommitOnBranchInput {
  readonly branch: { readonly repositoryNameWithOwner?: string | null; readonly branchName?: string | null; readonly id?: string | null };
  readonly message: { readonly headline: string; readonly body?: string | null };
  readonly fileChanges?: {
    readonly additions?: readonly { readonly path: string; readonly contents: string }[] | null;
    readonly deletions?: readonly { readonly path: string }[] | null;
  } | null;
  readonly expectedHeadOid: string;
  readonly clientMutationId?: string | null;
}

export interface CommitOnBranchResult {
  readonly repo: RepoRecord;
  readonly ref: string;
  readonly sha: string;
}

/** Who asks: the installation behind the token, and the repositories the token was narrowed to. */
export interface GraphQLCaller {
  readonly installationId: number;
  readonly repositoryIds: ReadonlySet<number> | undefined;
}

// "correct padding is required and no characters outside the standard alphabet may be used"
const RFC4648_BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

function notFound(message: string): GraphQLFieldError {
  return new GraphQLFieldError(message, "NOT_FOUND");
}

function unprocessable(message: string): GraphQLFieldError {
  return new GraphQLFieldError(message, "UNPROCESSABLE");
}

/** The repository a caller may see by "owner/name"; GitHub's NOT_FOUND otherwise. */
export function visibleRepository(state: FakeState, caller: GraphQLCaller, nameWithOwner: string): RepoRecord {
  const [owner = "", name = ""] = nameWithOwner.split("/");
  const repo = state.repoByName(owner, name);
  if (!repo || !state.installationCanAccess(caller.installationId, repo, caller.repositoryIds)) {
    throw notFound(`Could not resolve to a Repository with the name '${nameWithOwner}'.`);
  }
  return repo;
}

function resolveBranch(state: FakeState, caller: GraphQLCaller, branch: CommitOnBranchInput["branch"]): { repo: RepoRecord; ref: string } {
  if (branch.id) {
    const parsed = parseRefNodeId(branch.id);
    const repo = parsed ? state.repos.get(parsed.repoId) : undefined;
    if (!parsed || !repo || !state.installationCanAccess(caller.installationId, repo, caller.repositoryIds)) {
      throw notFound(`Could not resolve to a node with the global id of '${branch.id}'`);
    }
    return { repo, ref: parsed.ref };
  }
  if (!branch.repositoryNameWithOwner || !branch.branchName) {
    throw unprocessable("A branch must be given by id, or by repositoryNameWithOwner and branchName.");
  }
  const repo = visibleRepository(state, caller, branch.repositoryNameWithOwner);
  // "the fully qualified path must begin with refs/heads/, although including this prefix is optional"
  const ref = branch.branchName.startsWith("refs/") ? branch.branchName : `refs/heads/${branch.branchName}`;
  return { repo, ref };
}

export async function createCommitOnBranch(state: FakeState, caller: GraphQLCaller, input: CommitOnBranchInput): Promise<CommitOnBranchResult> {
  const { repo, ref } = resolveBranch(state, caller, input.branch);
  if (!ref.startsWith("refs/heads/")) throw unprocessable(`${ref} is not a branch; commits can only be appended to refs/heads/*.`);
  const installation = state.installations.get(caller.installationId);
  if (installation?.permissions["contents"] !== "write") {
    throw new GraphQLFieldError("Resource not accessible by integration", "FORBIDDEN");
  }
  const head = (await repo.git.refs(ref)).find((r) => r.ref === ref)?.sha;
  if (!head) throw notFound(`Could not resolve to a Ref with the name '${ref}'.`);
  if (head !== input.expectedHeadOid) {
    // Seen verbatim, two spaces included (repo-guardian spike notes; several clients match on it).
    throw new GraphQLFieldError(`Expected branch to point to "${input.expectedHeadOid}" but it did not.  Pull and try again.`, "STALE_DATA");
  }

  const additions = input.fileChanges?.additions ?? [];
  const deletions = input.fileChanges?.deletions ?? [];
  const paths = [...additions, ...deletions].map((change) => change.path);
  if (new Set(paths).size !== paths.length) {
    throw unprocessable("Paths must be unique across additions and deletions. At least one path was included more than once.");
  }
  if (!mayChangeWorkflows(state, caller.installationId)) {
    const workflow = paths.find((path) => path.startsWith(".github/workflows/"));
    if (workflow !== undefined) throw new GraphQLFieldError(workflowRefusal(workflow), "FORBIDDEN");
  }

  const edits: TreeEdit[] = [];
  for (const addition of additions) {
    if (!RFC4648_BASE64.test(addition.contents)) throw unprocessable(`Invalid base64 encoding for the contents of ${addition.path}.`);
    const [existing] = await repo.git.lsTree(head, addition.path, false);
    // The mutation cannot set modes: an existing blob keeps its own, anything new is a plain file.
    const mode: TreeMode = existing?.type === "blob" && (existing.mode === "100755" || existing.mode === "120000") ? existing.mode : "100644";
    edits.push({ path: addition.path, mode, sha: await repo.git.writeBlob(Buffer.from(addition.contents, "base64")) });
  }
  for (const deletion of deletions) edits.push({ path: deletion.path, mode: "100644", sha: null });

  const [headInfo] = await repo.git.commitInfos([head]);
  if (!headInfo) throw new Error(`head ${head} of ${repo.fullName} has no commit`);
  let tree: string;
  try {
    tree = await repo.git.writeTree(headInfo.tree, edits);
  } catch (error) {
    if (error instanceof MissingTreePathError) {
      // The documented rule ("the path is required to exist"); the exact wording is a guess.
      throw unprocessable(`A path was requested for deletion which does not exist as of commit oid \`${head}\``);
    }
    throw error;
  }
  const bot = state.app.bot;
  const date = `@${Math.floor(state.clock() / 1000)} +0000`;
  const message = input.message.body ? `${input.message.headline}\n\n${input.message.body}` : input.message.headline;
  const sha = await repo.git.commitTree({
    tree,
    parents: [head],
    message,
    author: { name: bot.login, email: bot.email, date },
    committer: { ...GITHUB_COMMITTER, date },
  });
  try {
    // Compare-and-swap: a push that lands meanwhile makes this commit stale, as on GitHub.
    await repo.git.run(["update-ref", ref, sha, head]);
  } catch {
    throw new GraphQLFieldError(`Expected branch to point to "${input.expectedHeadOid}" but it did not.  Pull and try again.`, "STALE_DATA");
  }
  state.signedCommits.set(sha, state.isoNow());
  await state.branchMoved(repo, ref.slice("refs/heads/".length), sha);
  return { repo, ref, sha };
}
