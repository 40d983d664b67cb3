// Turns fake state into the JSON GitHub returns: same keys, ids, node ids, URLs and timestamps.
// Self-tests validate these shapes against GitHub's OpenAPI response schemas.
import type { JsonObject, JsonValue } from "./errors.js";
import type { FileDiff } from "./diff.js";
import type { CommitInfo, TreeEntry } from "./git.js";
import {
  REACTION_CONTENTS,
  type CheckRunRecord,
  type FakeState,
  type InstallationRecord,
  type IssueCommentRecord,
  type IssueRecord,
  type PullRecord,
  type ReactionRecord,
  type ReactionTarget,
  type RepoRecord,
  type ReviewCommentRecord,
  type ReviewRecord,
  type UserRecord,
} from "./state.js";

/** Legacy global node ids: base64("0<len>:<Type><id>"), e.g. "MDQ6VXNlcjE=" for User 1. */
export function nodeId(type: string, id: number | string): string {
  return Buffer.from(`0${type.length}:${type}${id}`).toString("base64");
}

/** Node id of a ref, the same in REST (`node_id`) and GraphQL (`Ref.id`, `CommittableBranch.id`). */
export function refNodeId(repoId: number, ref: string): string {
  return Buffer.from(`03:Ref${repoId}:${ref}`).toString("base64");
}

/** The repository id and full ref name inside a ref node id; undefined for any other id. */
export function parseRefNodeId(id: string): { repoId: number; ref: string } | undefined {
  const match = /^03:Ref(\d+):(refs\/.+)$/.exec(Buffer.from(id, "base64").toString("utf8"));
  return match ? { repoId: Number(match[1]), ref: match[2] ?? "" } : undefined;
}

export interface PatchLimits {
  /** Files a pull request's file list stops at (GitHub: 3,000). */
  readonly pullFilesMax: number;
  /** Files the compare endpoint lists (GitHub: 300). */
  readonly compareFilesMax: number;
  /** `Accept: …diff` gives 406 above this many files (GitHub: 300). */
  readonly diffMaxFiles: number;
  /** …or above this many diff lines (GitHub: 20,000). */
  readonly diffMaxLines: number;
  /** A file's `patch` is left out above this many lines… */
  readonly filePatchMaxLines: number;
  /** …or this many bytes (GitHub does not document its threshold; see README). */
  readonly filePatchMaxBytes: number;
}

export const DEFAULT_LIMITS: PatchLimits = {
  pullFilesMax: 3000,
  compareFilesMax: 300,
  diffMaxFiles: 300,
  diffMaxLines: 20_000,
  filePatchMaxLines: 3000,
  filePatchMaxBytes: 100_000,
};

const encodePath = (path: string): string => path.split("/").map(encodeURIComponent).join("/");

export class Presenter {
  constructor(
    private readonly state: FakeState,
    private readonly limits: PatchLimits,
  ) {}

  private get api(): string {
    return this.state.apiUrl;
  }

  private get html(): string {
    return this.state.origin;
  }

  repoApi(repo: RepoRecord): string {
    return `${this.api}/repos/${repo.fullName}`;
  }

  repoHtml(repo: RepoRecord): string {
    return `${this.html}/${repo.fullName}`;
  }

  user(user: UserRecord): JsonObject {
    const url = `${this.api}/users/${encodeURIComponent(user.login)}`;
    return {
      login: user.login,
      id: user.id,
      node_id: nodeId(user.type, user.id),
      avatar_url: `${this.html}/avatars/u/${user.id}?`,
      gravatar_id: "",
      url,
      html_url: user.type === "Bot" ? `${this.html}/apps/${user.login.replace(/\[bot\]$/, "")}` : `${this.html}/${user.login}`,
      followers_url: `${url}/followers`,
      following_url: `${url}/following{/other_user}`,
      gists_url: `${url}/gists{/gist_id}`,
      starred_url: `${url}/starred{/owner}{/repo}`,
      subscriptions_url: `${url}/subscriptions`,
      organizations_url: `${url}/orgs`,
      repos_url: `${url}/repos`,
      events_url: `${url}/events{/privacy}`,
      received_events_url: `${url}/received_events`,
      type: user.type,
      user_view_type: "public",
      site_admin: false,
    };
  }

  app(): JsonObject {
    const app = this.state.app;
    let installations = 0;
    for (const _ of this.state.installations.values()) installations++;
    return {
      id: app.id,
      slug: app.slug,
      node_id: nodeId("Integration", app.id),
      client_id: app.clientId,
      owner: this.user(app.owner),
      name: app.name,
      description: "Reviews pull requests with Skywork-SWE-32B",
      external_url: `${this.html}/apps/${app.slug}`,
      html_url: `${this.html}/apps/${app.slug}`,
      created_at: app.createdAt,
      updated_at: app.createdAt,
      permissions: app.permissions,
      events: [...app.events],
      installations_count: installations,
    };
  }

  installation(installation: InstallationRecord): JsonObject {
    const app = this.state.app;
    const account = installation.account;
    return {
      id: installation.id,
      account: this.user(account),
      repository_selection: installation.repositorySelection,
      access_tokens_url: `${this.api}/app/installations/${installation.id}/access_tokens`,
      repositories_url: `${this.api}/installation/repositories`,
      html_url:
        account.type === "Organization"
          ? `${this.html}/organizations/${account.login}/settings/installations/${installation.id}`
          : `${this.html}/settings/installations/${installation.id}`,
      app_id: app.id,
      client_id: app.clientId,
      app_slug: app.slug,
      target_id: account.id,
      target_type: account.type === "Organization" ? "Organization" : "User",
      permissions: installation.permissions,
      events: [...installation.events],
      created_at: installation.createdAt,
      updated_at: installation.createdAt,
      single_file_name: null,
      has_multiple_single_files: false,
      single_file_paths: [],
      suspended_by: null,
      suspended_at: null,
    };
  }

  /** The `repository` schema (webhooks, pull request head/base); `fullRepository` adds the extras of GET /repos. */
  repository(repo: RepoRecord): JsonObject {
    const api = this.repoApi(repo);
    const html = this.repoHtml(repo);
    const host = new URL(this.html).host;
    return {
      id: repo.id,
      node_id: nodeId("Repository", repo.id),
      name: repo.name,
      full_name: repo.fullName,
      private: repo.isPrivate,
      owner: this.user(repo.owner),
      html_url: html,
      description: null,
      fork: repo.parentId !== undefined,
      url: api,
      forks_url: `${api}/forks`,
      keys_url: `${api}/keys{/key_id}`,
      collaborators_url: `${api}/collaborators{/collaborator}`,
      teams_url: `${api}/teams`,
      hooks_url: `${api}/hooks`,
      issue_events_url: `${api}/issues/events{/number}`,
      events_url: `${api}/events`,
      assignees_url: `${api}/assignees{/user}`,
      branches_url: `${api}/branches{/branch}`,
      tags_url: `${api}/tags`,
      blobs_url: `${api}/git/blobs{/sha}`,
      git_tags_url: `${api}/git/tags{/sha}`,
      git_refs_url: `${api}/git/refs{/sha}`,
      trees_url: `${api}/git/trees{/sha}`,
      statuses_url: `${api}/statuses/{sha}`,
      languages_url: `${api}/languages`,
      stargazers_url: `${api}/stargazers`,
      contributors_url: `${api}/contributors`,
      subscribers_url: `${api}/subscribers`,
      subscription_url: `${api}/subscription`,
      commits_url: `${api}/commits{/sha}`,
      git_commits_url: `${api}/git/commits{/sha}`,
      comments_url: `${api}/comments{/number}`,
      issue_comment_url: `${api}/issues/comments{/number}`,
      contents_url: `${api}/contents/{+path}`,
      compare_url: `${api}/compare/{base}...{head}`,
      merges_url: `${api}/merges`,
      archive_url: `${api}/{archive_format}{/ref}`,
      downloads_url: `${api}/downloads`,
      issues_url: `${api}/issues{/number}`,
      pulls_url: `${api}/pulls{/number}`,
      milestones_url: `${api}/milestones{/number}`,
      notifications_url: `${api}/notifications{?since,all,participating}`,
      labels_url: `${api}/labels{/name}`,
      releases_url: `${api}/releases{/id}`,
      deployments_url: `${api}/deployments`,
      created_at: repo.createdAt,
      updated_at: repo.pushedAt,
      pushed_at: repo.pushedAt,
      git_url: `git://${host}/${repo.fullName}.git`,
      ssh_url: `git@${host}:${repo.fullName}.git`,
      clone_url: `${html}.git`,
      svn_url: html,
      homepage: null,
      size: 0,
      stargazers_count: 0,
      watchers_count: 0,
      language: null,
      has_issues: true,
      has_projects: true,
      has_downloads: true,
      has_wiki: true,
      has_pages: false,
      has_discussions: false,
      forks_count: 0,
      mirror_url: null,
      archived: false,
      disabled: false,
      open_issues_count: [...repo.issues.values()].filter((i) => i.state === "open").length,
      license: null,
      allow_forking: true,
      is_template: false,
      web_commit_signoff_required: false,
      topics: [],
      visibility: repo.isPrivate ? "private" : "public",
      forks: 0,
      open_issues: [...repo.issues.values()].filter((i) => i.state === "open").length,
      watchers: 0,
      default_branch: repo.defaultBranch,
    };
  }

  fullRepository(repo: RepoRecord): JsonObject {
    const parent = repo.parentId !== undefined ? this.state.repos.get(repo.parentId) : undefined;
    const extra: JsonObject = {
      permissions: { admin: false, maintain: false, push: true, triage: true, pull: true },
      allow_squash_merge: true,
      allow_merge_commit: true,
      allow_rebase_merge: true,
      allow_auto_merge: false,
      delete_branch_on_merge: false,
      allow_update_branch: false,
      network_count: 0,
      subscribers_count: 0,
    };
    if (repo.owner.type === "Organization") extra["organization"] = this.user(repo.owner);
    if (parent) {
      extra["parent"] = this.repository(parent);
      extra["source"] = this.repository(parent);
    }
    return { ...this.repository(repo), ...extra };
  }

  label(repo: RepoRecord, name: string): JsonObject {
    const id = this.state.labelId(repo, name);
    return {
      id,
      node_id: nodeId("Label", id),
      url: `${this.repoApi(repo)}/labels/${encodeURIComponent(name)}`,
      name,
      color: "ededed",
      default: false,
      description: null,
    };
  }

  private branchSide(repo: RepoRecord, ref: string, sha: string): JsonObject {
    return {
      label: `${repo.owner.login}:${ref}`,
      ref,
      sha,
      user: this.user(repo.owner),
      repo: this.repository(repo),
    };
  }

  private pullLinks(repo: RepoRecord, number: number, headSha: string): JsonObject {
    const api = this.repoApi(repo);
    return {
      self: { href: `${api}/pulls/${number}` },
      html: { href: `${this.repoHtml(repo)}/pull/${number}` },
      issue: { href: `${api}/issues/${number}` },
      comments: { href: `${api}/issues/${number}/comments` },
      review_comments: { href: `${api}/pulls/${number}/comments` },
      review_comment: { href: `${api}/pulls/comments{/number}` },
      commits: { href: `${api}/pulls/${number}/commits` },
      statuses: { href: `${api}/statuses/${headSha}` },
    };
  }

  /** The list form (`pull-request-simple`); `baseSha` is the base branch tip right now. */
  pullSimple(pull: PullRecord, baseSha: string): JsonObject {
    const repo = this.state.requireRepo(pull.repoId);
    const issue = repo.issues.get(pull.number);
    if (!issue) throw new Error(`Pull request ${repo.fullName}#${pull.number} has no issue record`);
    const headRepo = this.state.requireRepo(pull.headRepoId);
    const api = this.repoApi(repo);
    const html = `${this.repoHtml(repo)}/pull/${pull.number}`;
    return {
      url: `${api}/pulls/${pull.number}`,
      id: pull.id,
      node_id: nodeId("PullRequest", pull.id),
      html_url: html,
      diff_url: `${html}.diff`,
      patch_url: `${html}.patch`,
      issue_url: `${api}/issues/${pull.number}`,
      commits_url: `${api}/pulls/${pull.number}/commits`,
      review_comments_url: `${api}/pulls/${pull.number}/comments`,
      review_comment_url: `${api}/pulls/comments{/number}`,
      comments_url: `${api}/issues/${pull.number}/comments`,
      statuses_url: `${api}/statuses/${pull.headSha}`,
      number: pull.number,
      state: issue.state,
      locked: issue.locked,
      title: issue.title,
      user: this.user(issue.user),
      body: issue.body,
      labels: issue.labels.map((name) => this.label(repo, name)),
      milestone: null,
      active_lock_reason: null,
      created_at: issue.createdAt,
      updated_at: issue.updatedAt,
      closed_at: issue.closedAt,
      merged_at: pull.mergedAt,
      merge_commit_sha: pull.mergeCommitSha,
      assignee: null,
      assignees: [],
      requested_reviewers: [],
      requested_teams: [],
      head: this.branchSide(headRepo, pull.headRef, pull.headSha),
      base: this.branchSide(repo, pull.baseRef, baseSha),
      _links: this.pullLinks(repo, pull.number, pull.headSha),
      author_association: pull.authorAssociation ?? this.state.authorAssociation(repo, issue.user),
      auto_merge: null,
      draft: pull.draft,
    };
  }

  pull(pull: PullRecord, baseSha: string, stats: { commits: number; additions: number; deletions: number; changedFiles: number }): JsonObject {
    const repo = this.state.requireRepo(pull.repoId);
    const comments = [...this.state.issueComments.values()].filter((c) => c.repoId === repo.id && c.issueNumber === pull.number).length;
    const reviewComments = [...this.state.reviewComments.values()].filter((c) => c.repoId === repo.id && c.pullNumber === pull.number).length;
    const open = repo.issues.get(pull.number)?.state === "open";
    return {
      ...this.pullSimple(pull, baseSha),
      merged: pull.merged,
      // GitHub computes mergeability in the background; the fake always reports a clean merge.
      mergeable: open ? true : null,
      rebaseable: open ? true : null,
      mergeable_state: !open ? "unknown" : pull.draft ? "draft" : "clean",
      merged_by: null,
      comments,
      review_comments: reviewComments,
      maintainer_can_modify: pull.maintainerCanModify,
      commits: stats.commits,
      additions: stats.additions,
      deletions: stats.deletions,
      changed_files: stats.changedFiles,
    };
  }

  issue(issue: IssueRecord): JsonObject {
    const repo = this.state.requireRepo(issue.repoId);
    const api = `${this.repoApi(repo)}/issues/${issue.number}`;
    const pull = issue.pullNumber !== undefined ? repo.pulls.get(issue.pullNumber) : undefined;
    const comments = [...this.state.issueComments.values()].filter((c) => c.repoId === repo.id && c.issueNumber === issue.number).length;
    const out: JsonObject = {
      url: api,
      repository_url: this.repoApi(repo),
      labels_url: `${api}/labels{/name}`,
      comments_url: `${api}/comments`,
      events_url: `${api}/events`,
      html_url: `${this.repoHtml(repo)}/${pull ? "pull" : "issues"}/${issue.number}`,
      id: issue.id,
      node_id: nodeId(pull ? "PullRequest" : "Issue", issue.id),
      number: issue.number,
      title: issue.title,
      user: this.user(issue.user),
      labels: issue.labels.map((name) => this.label(repo, name)),
      state: issue.state,
      locked: issue.locked,
      assignee: null,
      assignees: [],
      milestone: null,
      comments,
      created_at: issue.createdAt,
      updated_at: issue.updatedAt,
      closed_at: issue.closedAt,
      author_association: pull?.authorAssociation ?? this.state.authorAssociation(repo, issue.user),
      active_lock_reason: null,
      body: issue.body,
      closed_by: null,
      reactions: this.reactionRollup({ kind: "issue", repoId: repo.id, number: issue.number }, `${api}/reactions`),
      timeline_url: `${api}/timeline`,
      performed_via_github_app: null,
      state_reason: issue.stateReason,
    };
    if (pull) {
      const html = `${this.repoHtml(repo)}/pull/${issue.number}`;
      out["draft"] = pull.draft;
      out["pull_request"] = {
        url: `${this.repoApi(repo)}/pulls/${issue.number}`,
        html_url: html,
        diff_url: `${html}.diff`,
        patch_url: `${html}.patch`,
        merged_at: pull.mergedAt,
      };
    }
    return out;
  }

  reactionRollup(target: ReactionTarget, url: string): JsonObject {
    const counts: Record<string, number> = {};
    for (const content of REACTION_CONTENTS) counts[content] = 0;
    let total = 0;
    for (const reaction of this.state.reactions.values()) {
      if (!sameTarget(reaction.target, target)) continue;
      counts[reaction.content] = (counts[reaction.content] ?? 0) + 1;
      total++;
    }
    return { url, total_count: total, ...counts };
  }

  issueComment(comment: IssueCommentRecord): JsonObject {
    const repo = this.state.requireRepo(comment.repoId);
    const issue = repo.issues.get(comment.issueNumber);
    const url = `${this.repoApi(repo)}/issues/comments/${comment.id}`;
    const kind = issue?.pullNumber !== undefined ? "pull" : "issues";
    return {
      url,
      html_url: `${this.repoHtml(repo)}/${kind}/${comment.issueNumber}#issuecomment-${comment.id}`,
      issue_url: `${this.repoApi(repo)}/issues/${comment.issueNumber}`,
      id: comment.id,
      node_id: nodeId("IssueComment", comment.id),
      user: this.user(comment.user),
      created_at: comment.createdAt,
      updated_at: comment.updatedAt,
      author_association: this.state.authorAssociation(repo, comment.user),
      body: comment.body,
      reactions: this.reactionRollup({ kind: "issue_comment", id: comment.id }, `${url}/reactions`),
      performed_via_github_app: comment.viaApp ? this.app() : null,
    };
  }

  review(review: ReviewRecord): JsonObject {
    const repo = this.state.requireRepo(review.repoId);
    const html = `${this.repoHtml(repo)}/pull/${review.pullNumber}#pullrequestreview-${review.id}`;
    const pullUrl = `${this.repoApi(repo)}/pulls/${review.pullNumber}`;
    const out: JsonObject = {
      id: review.id,
      node_id: nodeId("PullRequestReview", review.id),
      user: this.user(review.user),
      body: review.body,
      state: review.state,
      html_url: html,
      pull_request_url: pullUrl,
      author_association: this.state.authorAssociation(repo, review.user),
      _links: { html: { href: html }, pull_request: { href: pullUrl } },
      commit_id: review.commitId,
    };
    // Pending reviews have no submitted_at: https://docs.github.com/rest/pulls/reviews#create-a-review-for-a-pull-request
    if (review.submittedAt) out["submitted_at"] = review.submittedAt;
    return out;
  }

  reviewComment(comment: ReviewCommentRecord): JsonObject {
    const repo = this.state.requireRepo(comment.repoId);
    const url = `${this.repoApi(repo)}/pulls/comments/${comment.id}`;
    const html = `${this.repoHtml(repo)}/pull/${comment.pullNumber}#discussion_r${comment.id}`;
    const pullUrl = `${this.repoApi(repo)}/pulls/${comment.pullNumber}`;
    const out: JsonObject = {
      url,
      pull_request_review_id: comment.reviewId,
      id: comment.id,
      node_id: nodeId("PullRequestReviewComment", comment.id),
      diff_hunk: comment.diffHunk,
      path: comment.path,
      position: comment.position,
      original_position: comment.position ?? 1,
      commit_id: comment.commitId,
      original_commit_id: comment.commitId,
      user: this.user(comment.user),
      body: comment.body,
      created_at: comment.createdAt,
      updated_at: comment.updatedAt,
      html_url: html,
      pull_request_url: pullUrl,
      author_association: this.state.authorAssociation(repo, comment.user),
      _links: { self: { href: url }, html: { href: html }, pull_request: { href: pullUrl } },
      reactions: this.reactionRollup({ kind: "review_comment", id: comment.id }, `${url}/reactions`),
      start_line: comment.startLine,
      original_start_line: comment.startLine,
      start_side: comment.startSide,
      line: comment.line,
      original_line: comment.line,
      side: comment.side,
      subject_type: comment.subjectType,
    };
    if (comment.inReplyToId !== undefined) out["in_reply_to_id"] = comment.inReplyToId;
    return out;
  }

  reaction(reaction: ReactionRecord): JsonObject {
    return {
      id: reaction.id,
      node_id: nodeId("Reaction", reaction.id),
      user: this.user(reaction.user),
      content: reaction.content,
      created_at: reaction.createdAt,
    };
  }

  checkRun(run: CheckRunRecord): JsonObject {
    const repo = this.state.requireRepo(run.repoId);
    const url = `${this.repoApi(repo)}/check-runs/${run.id}`;
    const pulls: JsonValue[] = [];
    for (const pull of repo.pulls.values()) {
      if (pull.headSha !== run.headSha || repo.issues.get(pull.number)?.state !== "open") continue;
      const headRepo = this.state.requireRepo(pull.headRepoId);
      const small = (r: RepoRecord): JsonObject => ({ id: r.id, url: this.repoApi(r), name: r.name });
      pulls.push({
        id: pull.id,
        number: pull.number,
        url: `${this.repoApi(repo)}/pulls/${pull.number}`,
        head: { ref: pull.headRef, sha: pull.headSha, repo: small(headRepo) },
        base: { ref: pull.baseRef, sha: pull.headSha, repo: small(repo) },
      });
    }
    return {
      id: run.id,
      name: run.name,
      node_id: nodeId("CheckRun", run.id),
      head_sha: run.headSha,
      external_id: run.externalId,
      url,
      html_url: `${this.repoHtml(repo)}/runs/${run.id}`,
      details_url: run.detailsUrl ?? `${this.repoHtml(repo)}/runs/${run.id}`,
      status: run.status,
      conclusion: run.conclusion,
      started_at: run.startedAt,
      completed_at: run.completedAt,
      output: {
        title: run.output.title,
        summary: run.output.summary,
        text: run.output.text,
        annotations_count: run.output.annotations.length,
        annotations_url: `${url}/annotations`,
      },
      check_suite: { id: run.checkSuiteId },
      app: this.app(),
      pull_requests: pulls,
    };
  }

  commit(repo: RepoRecord, info: CommitInfo, extra: { stats?: JsonObject; files?: JsonValue[] } = {}): JsonObject {
    const api = this.repoApi(repo);
    const person = (who: CommitInfo["author"]): JsonObject | null => {
      const user = this.state.userByEmail(who.email);
      return user ? this.user(user) : null;
    };
    const date = (iso: string): string => new Date(iso).toISOString().replace(/\.\d{3}Z$/, "Z");
    const out: JsonObject = {
      sha: info.sha,
      node_id: nodeId("Commit", `${repo.id}:${info.sha}`),
      commit: {
        author: { name: info.author.name, email: info.author.email, date: date(info.author.date) },
        committer: { name: info.committer.name, email: info.committer.email, date: date(info.committer.date) },
        message: info.message,
        tree: { sha: info.tree, url: `${api}/git/trees/${info.tree}` },
        url: `${api}/git/commits/${info.sha}`,
        comment_count: 0,
        verification: this.verification(info.sha),
      },
      url: `${api}/commits/${info.sha}`,
      html_url: `${this.repoHtml(repo)}/commit/${info.sha}`,
      comments_url: `${api}/commits/${info.sha}/comments`,
      author: person(info.author),
      committer: person(info.committer),
      parents: info.parents.map((sha) => ({
        sha,
        url: `${api}/commits/${sha}`,
        html_url: `${this.repoHtml(repo)}/commit/${sha}`,
      })),
    };
    if (extra.stats) out["stats"] = extra.stats;
    if (extra.files) out["files"] = extra.files;
    return out;
  }

  /** A commit as the git database endpoints show it (GET/POST /git/commits). */
  gitCommit(repo: RepoRecord, info: CommitInfo): JsonObject {
    const api = this.repoApi(repo);
    const date = (iso: string): string => new Date(iso).toISOString().replace(/\.\d{3}Z$/, "Z");
    return {
      sha: info.sha,
      node_id: nodeId("Commit", `${repo.id}:${info.sha}`),
      url: `${api}/git/commits/${info.sha}`,
      html_url: `${this.repoHtml(repo)}/commit/${info.sha}`,
      author: { name: info.author.name, email: info.author.email, date: date(info.author.date) },
      committer: { name: info.committer.name, email: info.committer.email, date: date(info.committer.date) },
      tree: { sha: info.tree, url: `${api}/git/trees/${info.tree}` },
      message: info.message,
      parents: info.parents.map((sha) => ({
        sha,
        url: `${api}/git/commits/${sha}`,
        html_url: `${this.repoHtml(repo)}/commit/${sha}`,
      })),
      verification: this.verification(info.sha),
    };
  }

  /** A reference as /git/ref(s) endpoints show it; `type` is the git type of the object it names. */
  gitRef(repo: RepoRecord, ref: string, sha: string, type: string): JsonObject {
    const api = this.repoApi(repo);
    return {
      ref,
      node_id: refNodeId(repo.id, ref),
      url: `${api}/git/${ref}`,
      object: { type, sha, url: `${api}/git/${type}s/${sha}` },
    };
  }

  /** A tree listing (GET/POST /git/trees); `entries` come from ls-tree. */
  gitTree(repo: RepoRecord, sha: string, entries: readonly TreeEntry[]): JsonObject {
    const api = this.repoApi(repo);
    return {
      sha,
      url: `${api}/git/trees/${sha}`,
      tree: entries.map((entry) => {
        const out: JsonObject = { path: entry.path, mode: entry.mode, type: entry.type, sha: entry.sha };
        if (entry.type === "blob") {
          out["size"] = entry.size;
          out["url"] = `${api}/git/blobs/${entry.sha}`;
        } else if (entry.type === "tree") {
          out["url"] = `${api}/git/trees/${entry.sha}`;
        }
        return out;
      }),
      truncated: false,
    };
  }

  /**
   * GitHub signs commits made through createCommitOnBranch (or the web UI) with its own key and
   * shows them verified; everything else the fake writes is unsigned.
   */
  verification(sha: string): JsonObject {
    const verifiedAt = this.state.signedCommits.get(sha);
    if (verifiedAt === undefined) return { verified: false, reason: "unsigned", signature: null, payload: null, verified_at: null };
    return {
      verified: true,
      reason: "valid",
      signature: "-----BEGIN PGP SIGNATURE-----\n\nwsBcBAABCAAQBQJfakesignature\n-----END PGP SIGNATURE-----\n",
      payload: `fake-github signed commit ${sha}\n`,
      verified_at: verifiedAt,
    };
  }

  /** One entry of a file list, with GitHub's rule that very large patches are left out. */
  diffEntry(repo: RepoRecord, headSha: string, file: FileDiff): JsonObject {
    const path = encodePath(file.filename);
    const out: JsonObject = {
      sha: file.status === "removed" ? file.oldSha : file.newSha,
      filename: file.filename,
      status: file.status,
      additions: file.additions,
      deletions: file.deletions,
      changes: file.additions + file.deletions,
      blob_url: `${this.repoHtml(repo)}/blob/${headSha}/${path}`,
      raw_url: `${this.repoHtml(repo)}/raw/${headSha}/${path}`,
      contents_url: `${this.repoApi(repo)}/contents/${path}?ref=${headSha}`,
    };
    if (file.patch !== undefined && file.patchLineCount <= this.limits.filePatchMaxLines && Buffer.byteLength(file.patch) <= this.limits.filePatchMaxBytes) {
      out["patch"] = file.patch;
    }
    if (file.previousFilename !== undefined) out["previous_filename"] = file.previousFilename;
    return out;
  }
}

export function sameTarget(a: ReactionTarget, b: ReactionTarget): boolean {
  if (a.kind === "issue" && b.kind === "issue") return a.repoId === b.repoId && a.number === b.number;
  if (a.kind === "issue_comment" && b.kind === "issue_comment") return a.id === b.id;
  if (a.kind === "review_comment" && b.kind === "review_comment") return a.id === b.id;
  return false;
}
