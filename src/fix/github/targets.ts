// Reads what a fix targets from GitHub, in the shape planFix wants.
import type { Octokit } from "../../github/app-client.js";
import type { IssueTarget, PullTarget } from "./plan.js";
import type { RepoRef } from "./types.js";

export async function loadIssueTarget(octokit: Octokit, repo: RepoRef, issueNumber: number): Promise<IssueTarget> {
  const [{ data: repository }, { data: issue }] = await Promise.all([
    octokit.rest.repos.get({ owner: repo.owner, repo: repo.repo }),
    octokit.rest.issues.get({ owner: repo.owner, repo: repo.repo, issue_number: issueNumber }),
  ]);
  const defaultBranch = repository.default_branch;
  const { data: ref } = await octokit.rest.git.getRef({ owner: repo.owner, repo: repo.repo, ref: `heads/${defaultBranch}` });
  return { kind: "issue", repo, issueNumber, issueTitle: issue.title, defaultBranch, defaultBranchSha: ref.object.sha };
}

export async function loadPullTarget(octokit: Octokit, repo: RepoRef, pullNumber: number): Promise<PullTarget> {
  const { data: pull } = await octokit.rest.pulls.get({ owner: repo.owner, repo: repo.repo, pull_number: pullNumber });
  const headRepo = pull.head.repo ? { owner: pull.head.repo.owner.login, repo: pull.head.repo.name } : null;
  return {
    kind: "pull",
    repo,
    pullNumber,
    pullTitle: pull.title,
    baseRef: pull.base.ref,
    headRef: pull.head.ref,
    headSha: pull.head.sha,
    headRepo,
  };
}
