// What people did with the review comments of a pull request: the comments and replies (REST),
// whether each thread is resolved or outdated and who resolved it (GraphQL only: REST does not
// expose thread resolution), and who reacted to a comment. GitHub sends no webhook for reactions,
// so they are read here when a review needs them.
// https://docs.github.com/graphql/reference/objects#pullrequestreviewthread
import type { Octokit } from "./app-client.js";
import type { PullRef } from "./pull-request.js";

export type ReviewCommentData = Awaited<ReturnType<Octokit["rest"]["pulls"]["listReviewComments"]>>["data"][number];

export interface ThreadState {
  /** The database id of the thread's first comment (what REST calls the comment's id). */
  rootCommentId: number;
  isResolved: boolean;
  /** The lines the thread is on changed since it was started. */
  isOutdated: boolean;
  resolvedBy: string | null;
}

/** Every review comment of the pull request, replies included, oldest first. */
export async function listReviewComments(octokit: Octokit, ref: PullRef): Promise<ReviewCommentData[]> {
  return octokit.paginate(octokit.rest.pulls.listReviewComments, { owner: ref.owner, repo: ref.repo, pull_number: ref.pullNumber, per_page: 100 });
}

const THREADS_QUERY = `query($owner: String!, $name: String!, $number: Int!, $after: String) {
  repository(owner: $owner, name: $name) {
    pullRequest(number: $number) {
      reviewThreads(first: 100, after: $after) {
        pageInfo { hasNextPage endCursor }
        nodes {
          isResolved
          isOutdated
          resolvedBy { login }
          comments(first: 1) { nodes { databaseId } }
        }
      }
    }
  }
}`;

interface ThreadsPage {
  repository: {
    pullRequest: {
      reviewThreads: {
        pageInfo: { hasNextPage: boolean; endCursor: string | null };
        nodes: Array<{
          isResolved: boolean;
          isOutdated: boolean;
          resolvedBy: { login: string } | null;
          comments: { nodes: Array<{ databaseId: number | null }> };
        } | null>;
      };
    } | null;
  } | null;
}

/** Threads bounded so a pull request with thousands of threads costs at most this many pages. */
const MAX_THREAD_PAGES = 20;

/** Resolution state of every review thread, keyed by the thread's first comment. */
export async function listThreadStates(octokit: Octokit, ref: PullRef): Promise<Map<number, ThreadState>> {
  const states = new Map<number, ThreadState>();
  let after: string | null = null;
  for (let page = 0; page < MAX_THREAD_PAGES; page++) {
    const data: ThreadsPage = await octokit.graphql<ThreadsPage>(THREADS_QUERY, { owner: ref.owner, name: ref.repo, number: ref.pullNumber, after });
    const threads = data.repository?.pullRequest?.reviewThreads;
    if (!threads) break;
    for (const node of threads.nodes) {
      const root = node?.comments.nodes[0]?.databaseId;
      if (!node || typeof root !== "number") continue;
      states.set(root, { rootCommentId: root, isResolved: node.isResolved, isOutdated: node.isOutdated, resolvedBy: node.resolvedBy?.login ?? null });
    }
    if (!threads.pageInfo.hasNextPage || !threads.pageInfo.endCursor) break;
    after = threads.pageInfo.endCursor;
  }
  return states;
}

/** Logins of people (not bots) who reacted to a review comment with `content`. */
export async function reactionUsers(octokit: Octokit, repo: { owner: string; repo: string }, commentId: number, content: "-1" | "+1"): Promise<string[]> {
  const reactions = await octokit.paginate(octokit.rest.reactions.listForPullRequestReviewComment, {
    owner: repo.owner,
    repo: repo.repo,
    comment_id: commentId,
    content,
    per_page: 100,
  });
  return reactions.flatMap((r) => (r.user && r.user.type !== "Bot" ? [r.user.login] : []));
}
