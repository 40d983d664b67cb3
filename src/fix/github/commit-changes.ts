// One commit of a fix on a branch, on top of an expected head.
// - GraphQL `createCommitOnBranch` when it can express the change: GitHub signs those commits as
//   the App (verified badge) and checks `expectedHeadOid` atomically. It cannot set file modes:
//   existing files keep theirs, new files are 100644.
// - Otherwise the git database API (blobs → tree on base_tree → commit → fast-forward ref), which
//   sets every mode. Without a custom author GitHub signs that commit as the App too.
// https://docs.github.com/graphql/reference/mutations#createcommitonbranch
// https://docs.github.com/authentication/managing-commit-signature-verification/about-commit-signature-verification#signature-verification-for-bots
import { StaleBranchError } from "../../errors.js";
import type { Octokit } from "../../github/app-client.js";
import { httpStatus } from "../../github/errors.js";
import { getBranchHead, isFixCommit } from "./branches.js";
import { assertPublishable, type PublishableChange } from "./change-set.js";
import { fullMessage, withFixTrailer } from "./commit-message.js";
import type { CommitMessage, RepoRef } from "./types.js";

export type CommitMethod = "graphql" | "git-data" | "existing";

export interface CommitResult {
  readonly sha: string;
  /** "existing": an earlier attempt of the same fix already made this commit. */
  readonly method: CommitMethod;
}

export interface CommitOptions {
  /** Recorded as a `Skywork-Fix-Id` trailer; a branch head carrying it is taken as already done. */
  readonly fixId?: string;
}

const CREATE_COMMIT_ON_BRANCH = /* GraphQL */ `
  mutation SkyworkCommit($input: CreateCommitOnBranchInput!) {
    createCommitOnBranch(input: $input) {
      commit { oid }
    }
  }
`;

/** The `type`s of a GraphQL error response (Octokit's GraphqlResponseError carries them in `errors`). */
function graphqlErrorTypes(error: unknown): string[] {
  const errors = (error as { errors?: unknown } | null)?.errors;
  if (!Array.isArray(errors)) return [];
  return errors.map((e: unknown) => String((e as { type?: unknown } | null)?.type ?? ""));
}

/**
 * Modes of `paths` at commit `sha`, from one recursive tree listing; null when GitHub truncated it
 * (more than 100,000 entries), in which case the caller must not rely on it.
 */
async function modesAt(octokit: Octokit, repo: RepoRef, sha: string, paths: readonly string[]): Promise<Map<string, string> | null> {
  const { data } = await octokit.rest.git.getTree({ owner: repo.owner, repo: repo.repo, tree_sha: sha, recursive: "1" });
  if (data.truncated) return null;
  const wanted = new Set(paths);
  const modes = new Map<string, string>();
  for (const entry of data.tree) if (entry.path !== undefined && wanted.has(entry.path) && entry.mode !== undefined) modes.set(entry.path, entry.mode);
  return modes;
}

/** True when createCommitOnBranch would write a different mode than the change asks for. */
async function needsExplicitModes(octokit: Octokit, repo: RepoRef, baseSha: string, changes: readonly PublishableChange[]): Promise<boolean> {
  if (changes.some((change) => change.status === "added" && change.mode !== "100644")) return true;
  // Whether the mutation keeps a symlink a symlink is not documented: spell every mode out instead.
  if (changes.some((change) => change.status !== "deleted" && change.mode === "120000")) return true;
  const modified = changes.filter((change) => change.status === "modified");
  if (modified.length === 0) return false;
  const existing = await modesAt(
    octokit,
    repo,
    baseSha,
    modified.map((change) => change.path),
  );
  if (existing === null) return true;
  return modified.some((change) => (existing.get(change.path) ?? "100644") !== change.mode);
}

async function viaGraphQL(
  octokit: Octokit,
  repo: RepoRef,
  branch: string,
  expectedHeadSha: string,
  changes: readonly PublishableChange[],
  message: CommitMessage,
): Promise<string> {
  const additions = changes
    .filter((change) => change.status !== "deleted")
    .map((change) => ({ path: change.path, contents: (change.content ?? Buffer.alloc(0)).toString("base64") }));
  const deletions = changes.filter((change) => change.status === "deleted").map((change) => ({ path: change.path }));
  try {
    const result = await octokit.graphql<{ createCommitOnBranch: { commit: { oid: string } } }>(CREATE_COMMIT_ON_BRANCH, {
      input: {
        branch: { repositoryNameWithOwner: `${repo.owner}/${repo.repo}`, branchName: branch },
        message: message.body ? { headline: message.headline, body: message.body } : { headline: message.headline },
        fileChanges: { additions, deletions },
        expectedHeadOid: expectedHeadSha,
      },
    });
    return result.createCommitOnBranch.commit.oid;
  } catch (error) {
    if (graphqlErrorTypes(error).includes("STALE_DATA")) {
      throw new StaleBranchError(branch, expectedHeadSha, await getBranchHead(octokit, repo, branch));
    }
    throw error;
  }
}

async function viaGitData(
  octokit: Octokit,
  repo: RepoRef,
  branch: string,
  expectedHeadSha: string,
  changes: readonly PublishableChange[],
  message: CommitMessage,
): Promise<string> {
  const params = { owner: repo.owner, repo: repo.repo };
  const { data: base } = await octokit.rest.git.getCommit({ ...params, commit_sha: expectedHeadSha });
  const tree: Array<{ path: string; mode: "100644" | "100755" | "120000"; type: "blob"; sha: string | null }> = [];
  for (const change of changes) {
    if (change.status === "deleted" || change.content === null) {
      tree.push({ path: change.path, mode: change.mode, type: "blob", sha: null });
      continue;
    }
    const { data: blob } = await octokit.rest.git.createBlob({ ...params, content: change.content.toString("base64"), encoding: "base64" });
    tree.push({ path: change.path, mode: change.mode, type: "blob", sha: blob.sha });
  }
  const { data: newTree } = await octokit.rest.git.createTree({ ...params, base_tree: base.tree.sha, tree });
  // No author or committer: GitHub then authors the commit as the App and signs it.
  const { data: commit } = await octokit.rest.git.createCommit({ ...params, message: fullMessage(message), tree: newTree.sha, parents: [expectedHeadSha] });
  try {
    // A fast-forward only: if someone pushed meanwhile, this fails instead of dropping their work.
    await octokit.rest.git.updateRef({ ...params, ref: `heads/${branch}`, sha: commit.sha, force: false });
  } catch (error) {
    if (httpStatus(error) === 422) throw new StaleBranchError(branch, expectedHeadSha, await getBranchHead(octokit, repo, branch));
    throw error;
  }
  return commit.sha;
}

/**
 * Commits `changes` on `branch`, whose head must be `expectedHeadSha`. With a fixId, a branch whose
 * head is already this fix's commit (a retried job) is left as is and that commit returned.
 */
export async function commitChanges(
  octokit: Octokit,
  repo: RepoRef,
  branch: string,
  expectedHeadSha: string,
  changes: readonly PublishableChange[],
  message: CommitMessage,
  options: CommitOptions = {},
): Promise<CommitResult> {
  assertPublishable(changes);
  const finalMessage = options.fixId !== undefined ? withFixTrailer(message, options.fixId) : message;
  const head = await getBranchHead(octokit, repo, branch);
  if (head === null) throw new StaleBranchError(branch, expectedHeadSha, null);
  if (options.fixId !== undefined && (await isFixCommit(octokit, repo, head, options.fixId))) return { sha: head, method: "existing" };
  if (head !== expectedHeadSha) throw new StaleBranchError(branch, expectedHeadSha, head);
  if (await needsExplicitModes(octokit, repo, expectedHeadSha, changes)) {
    return { sha: await viaGitData(octokit, repo, branch, expectedHeadSha, changes, finalMessage), method: "git-data" };
  }
  return { sha: await viaGraphQL(octokit, repo, branch, expectedHeadSha, changes, finalMessage), method: "graphql" };
}
