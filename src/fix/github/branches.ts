// Branches through the git database API, idempotent for retried jobs.
// https://docs.github.com/rest/git/refs
import { BranchConflictError } from "../../errors.js";
import type { Octokit } from "../../github/app-client.js";
import { httpStatus } from "../../github/errors.js";
import { fixIdsOf } from "./commit-message.js";
import type { RepoRef } from "./types.js";

export interface BranchResult {
  /** Where the branch points now. */
  readonly sha: string;
  /** False when an earlier attempt already made it. */
  readonly created: boolean;
}

/** The branch's head, or null when there is no such branch. */
export async function getBranchHead(octokit: Octokit, repo: RepoRef, branch: string): Promise<string | null> {
  try {
    const { data } = await octokit.rest.git.getRef({ owner: repo.owner, repo: repo.repo, ref: `heads/${branch}` });
    return data.object.sha;
  } catch (error) {
    if (httpStatus(error) === 404) return null;
    throw error;
  }
}

/** Whether commit `sha` is the commit of fix `fixId` (its message carries the trailer). */
export async function isFixCommit(octokit: Octokit, repo: RepoRef, sha: string, fixId: string): Promise<boolean> {
  const { data } = await octokit.rest.git.getCommit({ owner: repo.owner, repo: repo.repo, commit_sha: sha });
  return fixIdsOf(data.message).includes(fixId);
}

/**
 * Creates `branch` at `fromSha`. When it already exists (a retried job), it is reused if it points
 * at `fromSha` or at this fix's own commit, and fast-forwarded if it is behind `fromSha`; anything
 * else is someone's work and raises BranchConflictError.
 */
export async function createBranch(
  octokit: Octokit,
  repo: RepoRef,
  branch: string,
  fromSha: string,
  options: { readonly fixId?: string } = {},
): Promise<BranchResult> {
  try {
    await octokit.rest.git.createRef({ owner: repo.owner, repo: repo.repo, ref: `refs/heads/${branch}`, sha: fromSha });
    return { sha: fromSha, created: true };
  } catch (error) {
    // "Reference already exists" is a 422; so is "Object does not exist", which the lookup tells apart.
    if (httpStatus(error) !== 422) throw error;
    const head = await getBranchHead(octokit, repo, branch);
    if (head === null) throw error;
    if (head === fromSha) return { sha: head, created: false };
    if (options.fixId !== undefined && (await isFixCommit(octokit, repo, head, options.fixId))) return { sha: head, created: false };
    try {
      await octokit.rest.git.updateRef({ owner: repo.owner, repo: repo.repo, ref: `heads/${branch}`, sha: fromSha, force: false });
      return { sha: fromSha, created: false };
    } catch (updateError) {
      if (httpStatus(updateError) === 422) throw new BranchConflictError(branch, head);
      throw updateError;
    }
  }
}
