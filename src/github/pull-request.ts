// Reading a pull request and its changed files.
import type { Octokit } from "./app-client.js";

export interface PullRef {
  owner: string;
  repo: string;
  pullNumber: number;
}

export type PullRequest = Awaited<ReturnType<Octokit["rest"]["pulls"]["get"]>>["data"];
export type PullFile = Awaited<ReturnType<Octokit["rest"]["pulls"]["listFiles"]>>["data"][number];

/** GitHub lists at most 3,000 files for a pull request, 100 per page. */
export const MAX_LISTED_FILES = 3_000;

export async function getPullRequest(octokit: Octokit, ref: PullRef): Promise<PullRequest> {
  const { data } = await octokit.rest.pulls.get({ owner: ref.owner, repo: ref.repo, pull_number: ref.pullNumber });
  return data;
}

/** All changed files, following pagination up to GitHub's cap. */
export async function listPullRequestFiles(octokit: Octokit, ref: PullRef): Promise<PullFile[]> {
  return octokit.paginate(octokit.rest.pulls.listFiles, {
    owner: ref.owner,
    repo: ref.repo,
    pull_number: ref.pullNumber,
    per_page: 100,
  });
}
