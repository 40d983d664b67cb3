// Opening the fix's pull request, idempotently: a retried job finds the one it opened before
// instead of failing on GitHub's 422 "A pull request already exists for owner:branch."
// https://docs.github.com/rest/pulls/pulls#create-a-pull-request
import type { Octokit } from "../../github/app-client.js";
import { httpStatus } from "../../github/errors.js";
import type { Markup } from "../../github/markup.js";
import type { RepoRef } from "./types.js";

export interface PullRequestResult {
  readonly number: number;
  /** The page people open (html_url). */
  readonly url: string;
  readonly headSha: string;
  /** False when it already existed. */
  readonly created: boolean;
}

export interface OpenPullRequestInput {
  /** A branch of `repo` itself (fix branches always live in the base repository). */
  readonly head: string;
  readonly base: string;
  readonly title: string;
  readonly body: Markup;
  readonly draft?: boolean;
}

/** GitHub refuses titles above 256 characters. */
const MAX_TITLE = 256;

/** The open pull request whose head is `branch` of `repo` (into `base`, when given), if any. */
export async function findPullRequestForHead(octokit: Octokit, repo: RepoRef, branch: string, base?: string): Promise<PullRequestResult | null> {
  const { data } = await octokit.rest.pulls.list({
    owner: repo.owner,
    repo: repo.repo,
    head: `${repo.owner}:${branch}`,
    state: "open",
    ...(base !== undefined ? { base } : {}),
    per_page: 10,
  });
  const found = data.find((pull) => pull.head.ref === branch);
  return found ? { number: found.number, url: found.html_url, headSha: found.head.sha, created: false } : null;
}

function alreadyExists(error: unknown): boolean {
  if (httpStatus(error) !== 422) return false;
  const errors = (error as { response?: { data?: { errors?: unknown } } }).response?.data?.errors;
  return Array.isArray(errors) && errors.some((e: unknown) => /already exists/i.test(String((e as { message?: unknown } | null)?.message ?? "")));
}

export async function openPullRequest(octokit: Octokit, repo: RepoRef, input: OpenPullRequestInput): Promise<PullRequestResult> {
  const existing = await findPullRequestForHead(octokit, repo, input.head, input.base);
  if (existing) return existing;
  const title = input.title.length > MAX_TITLE ? `${input.title.slice(0, MAX_TITLE - 1)}…` : input.title;
  try {
    const { data } = await octokit.rest.pulls.create({
      owner: repo.owner,
      repo: repo.repo,
      head: input.head,
      base: input.base,
      title,
      body: input.body.toString(),
      draft: input.draft ?? false,
    });
    return { number: data.number, url: data.html_url, headSha: data.head.sha, created: true };
  } catch (error) {
    // Another attempt of the same job won the race.
    if (alreadyExists(error)) {
      const raced = await findPullRequestForHead(octokit, repo, input.head, input.base);
      if (raced) return raced;
    }
    throw error;
  }
}
