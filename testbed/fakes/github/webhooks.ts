// Webhook payloads built from GitHub's canonical examples (@octokit/webhooks-examples), with the
// fake's state patched in, and delivered the way GitHub's Hookshot sends them.
// https://docs.github.com/webhooks/webhook-events-and-payloads
import { createHmac, randomUUID } from "node:crypto";
import { createRequire } from "node:module";
import { sign } from "@octokit/webhooks-methods";
import type { WebhookDefinition } from "@octokit/webhooks-examples";
import type {
  IssueCommentCreatedEvent,
  IssuesOpenedEvent,
  PullRequestClosedEvent,
  PullRequestLabeledEvent,
  PullRequestOpenedEvent,
  PullRequestReadyForReviewEvent,
  PullRequestReopenedEvent,
  PullRequestReviewCommentCreatedEvent,
  PullRequestReviewThreadResolvedEvent,
  PullRequestReviewThreadUnresolvedEvent,
  PullRequestSynchronizeEvent,
} from "@octokit/webhooks-types";
import type { JsonObject } from "./errors.js";
import type { FakeGitHub, RepoRef } from "./fake-github.js";
import { pullStats } from "./operations.js";
import { nodeId } from "./presenters.js";
import type { RepoRecord, UserRecord } from "./state.js";

let examples: readonly WebhookDefinition[] | undefined;

function example(event: string, action: string): JsonObject {
  // 4 MB of JSON: read on first use only.
  examples ??= createRequire(import.meta.url)("@octokit/webhooks-examples") as WebhookDefinition[];
  const definition = examples.find((d) => d.name === event);
  const found = definition?.examples.find((e) => (e as { action?: string }).action === action) ?? definition?.examples[0];
  if (!found) throw new Error(`@octokit/webhooks-examples has no ${event} example`);
  return structuredClone(found) as unknown as JsonObject;
}

function record(fake: FakeGitHub, repo: RepoRef): RepoRecord {
  return (typeof repo === "string" ? fake.repo(repo) : repo).record;
}

function objectAt(payload: JsonObject, key: string): JsonObject {
  const value = payload[key];
  return typeof value === "object" && value !== null && !Array.isArray(value) ? value : {};
}

/** The parts every repository event shares: repository, installation, organization, sender. */
function envelope(fake: FakeGitHub, repo: RepoRecord, base: JsonObject, sender: UserRecord): JsonObject {
  const out: JsonObject = {
    ...base,
    repository: { ...objectAt(base, "repository"), ...fake.present.repository(repo) },
    sender: fake.present.user(sender),
  };
  if (repo.installationId !== undefined) {
    out["installation"] = { id: repo.installationId, node_id: nodeId("IntegrationInstallation", repo.installationId) };
  } else {
    delete out["installation"];
  }
  if (repo.owner.type === "Organization") {
    const api = fake.state.apiUrl;
    out["organization"] = {
      login: repo.owner.login,
      id: repo.owner.id,
      node_id: nodeId("Organization", repo.owner.id),
      url: `${api}/orgs/${repo.owner.login}`,
      repos_url: `${api}/orgs/${repo.owner.login}/repos`,
      events_url: `${api}/orgs/${repo.owner.login}/events`,
      hooks_url: `${api}/orgs/${repo.owner.login}/hooks`,
      issues_url: `${api}/orgs/${repo.owner.login}/issues`,
      members_url: `${api}/orgs/${repo.owner.login}/members{/member}`,
      public_members_url: `${api}/orgs/${repo.owner.login}/public_members{/member}`,
      avatar_url: `${fake.baseUrl}/avatars/u/${repo.owner.id}?`,
      description: null,
    };
  } else {
    delete out["organization"];
  }
  return out;
}

export type PullRequestAction = "opened" | "reopened" | "synchronize" | "ready_for_review" | "closed" | "labeled";

export type PullRequestEventFor<A extends PullRequestAction> = A extends "opened"
  ? PullRequestOpenedEvent
  : A extends "reopened"
    ? PullRequestReopenedEvent
    : A extends "synchronize"
      ? PullRequestSynchronizeEvent
      : A extends "ready_for_review"
        ? PullRequestReadyForReviewEvent
        : A extends "closed"
          ? PullRequestClosedEvent
          : PullRequestLabeledEvent;

export interface PullRequestEventOptions {
  /** Login of who caused the event; the pull request's author by default. */
  readonly sender?: string;
  /** synchronize: the head before the push; defaults to the head's first parent. */
  readonly before?: string;
  /** labeled: the label added; defaults to the pull request's last label. */
  readonly label?: string;
}

/** A pull_request event for the pull request as it is now in the fake. */
export async function pullRequestEvent<A extends PullRequestAction>(
  fake: FakeGitHub,
  repo: RepoRef,
  number: number,
  action: A,
  options: PullRequestEventOptions = {},
): Promise<PullRequestEventFor<A>> {
  const repoRecord = record(fake, repo);
  const pull = repoRecord.pulls.get(number);
  const issue = repoRecord.issues.get(number);
  if (!pull || !issue) throw new Error(`${repoRecord.fullName} has no pull request #${number}`);
  const stats = await pullStats(fake.state, pull);
  const base = example("pull_request", action);
  const sender = options.sender ? fake.state.ensureUser(options.sender) : issue.user;
  const payload = envelope(fake, repoRecord, base, sender);
  payload["action"] = action;
  payload["number"] = number;
  payload["pull_request"] = { ...objectAt(base, "pull_request"), ...fake.present.pull(pull, stats.baseSha, stats) };
  if (action === "synchronize") {
    const before = options.before ?? (await repoRecord.git.resolveCommit(`${pull.headSha}^`)) ?? pull.headSha;
    payload["before"] = before;
    payload["after"] = pull.headSha;
  } else {
    delete payload["before"];
    delete payload["after"];
  }
  if (action === "labeled") {
    const name = options.label ?? issue.labels[issue.labels.length - 1];
    if (!name) throw new Error(`pullRequestEvent("labeled"): #${number} has no label; pass options.label`);
    payload["label"] = fake.present.label(repoRecord, name);
  } else {
    delete payload["label"];
  }
  return payload as unknown as PullRequestEventFor<A>;
}

/** issue_comment.created for a comment made earlier (e.g. with `repo.createIssueComment`). */
export function issueCommentEvent(fake: FakeGitHub, repo: RepoRef, commentId: number): IssueCommentCreatedEvent {
  const repoRecord = record(fake, repo);
  const comment = fake.state.issueComments.get(commentId);
  const issue = comment ? repoRecord.issues.get(comment.issueNumber) : undefined;
  if (!comment || !issue) throw new Error(`${repoRecord.fullName} has no issue comment ${commentId}`);
  const base = example("issue_comment", "created");
  const payload = envelope(fake, repoRecord, base, comment.user);
  payload["action"] = "created";
  const presented = fake.present.issue(issue);
  const merged: JsonObject = { ...objectAt(base, "issue"), ...presented };
  // On a plain issue the key must be absent, since apps test `issue.pull_request` to tell them apart.
  if (!("pull_request" in presented)) delete merged["pull_request"];
  payload["issue"] = merged;
  payload["comment"] = { ...objectAt(base, "comment"), ...fake.present.issueComment(comment) };
  return payload as unknown as IssueCommentCreatedEvent;
}

/** pull_request_review_comment.created (a reply carries in_reply_to_id). */
export async function pullRequestReviewCommentEvent(fake: FakeGitHub, repo: RepoRef, commentId: number): Promise<PullRequestReviewCommentCreatedEvent> {
  const repoRecord = record(fake, repo);
  const comment = fake.state.reviewComments.get(commentId);
  const pull = comment ? repoRecord.pulls.get(comment.pullNumber) : undefined;
  if (!comment || !pull) throw new Error(`${repoRecord.fullName} has no review comment ${commentId}`);
  const { baseSha } = await fake.state.pullRange(pull);
  const base = example("pull_request_review_comment", "created");
  const payload = envelope(fake, repoRecord, base, comment.user);
  payload["action"] = "created";
  const presentedComment = fake.present.reviewComment(comment);
  const mergedComment: JsonObject = { ...objectAt(base, "comment"), ...presentedComment };
  if (!("in_reply_to_id" in presentedComment)) delete mergedComment["in_reply_to_id"];
  payload["comment"] = mergedComment;
  payload["pull_request"] = { ...objectAt(base, "pull_request"), ...fake.present.pullSimple(pull, baseSha) };
  return payload as unknown as PullRequestReviewCommentCreatedEvent;
}

/**
 * pull_request_review_thread.resolved / .unresolved for the thread `commentId` starts, as it is
 * now in the fake (resolve it first with `repo.resolveReviewThread`). `sender`: who did it.
 */
export async function pullRequestReviewThreadEvent<A extends "resolved" | "unresolved">(
  fake: FakeGitHub,
  repo: RepoRef,
  commentId: number,
  action: A,
  sender: string,
): Promise<A extends "resolved" ? PullRequestReviewThreadResolvedEvent : PullRequestReviewThreadUnresolvedEvent> {
  const repoRecord = record(fake, repo);
  const first = fake.state.reviewComments.get(commentId);
  const root = first?.inReplyToId !== undefined ? fake.state.reviewComments.get(first.inReplyToId) : first;
  const pull = root ? repoRecord.pulls.get(root.pullNumber) : undefined;
  if (!root || !pull) throw new Error(`${repoRecord.fullName} has no review comment ${commentId}`);
  const { baseSha } = await fake.state.pullRange(pull);
  const base = example("pull_request_review_thread", action);
  const payload = envelope(fake, repoRecord, base, fake.state.ensureUser(sender));
  payload["action"] = action;
  payload["pull_request"] = { ...objectAt(base, "pull_request"), ...fake.present.pullSimple(pull, baseSha) };
  const comments = [...fake.state.reviewComments.values()].filter((c) => c.id === root.id || c.inReplyToId === root.id).sort((a, b) => a.id - b.id);
  payload["thread"] = { node_id: nodeId("PullRequestReviewThread", root.id), comments: comments.map((c) => fake.present.reviewComment(c)) };
  return payload as unknown as A extends "resolved" ? PullRequestReviewThreadResolvedEvent : PullRequestReviewThreadUnresolvedEvent;
}

export function issuesOpenedEvent(fake: FakeGitHub, repo: RepoRef, number: number): IssuesOpenedEvent {
  const repoRecord = record(fake, repo);
  const issue = repoRecord.issues.get(number);
  if (!issue) throw new Error(`${repoRecord.fullName} has no issue #${number}`);
  const base = example("issues", "opened");
  const payload = envelope(fake, repoRecord, base, issue.user);
  payload["action"] = "opened";
  payload["issue"] = { ...objectAt(base, "issue"), ...fake.present.issue(issue) };
  return payload as unknown as IssuesOpenedEvent;
}

export interface DeliverWebhookOptions {
  /** The app's webhook URL. */
  readonly url: string;
  readonly secret: string;
  /** X-GitHub-Event, e.g. "pull_request". */
  readonly event: string;
  readonly payload: object;
  /** X-GitHub-Delivery; a new UUID by default (reuse one to simulate a redelivery). */
  readonly deliveryId?: string;
  /** Records the delivery in `fake.hookDeliveries` and adds the GHES headers. */
  readonly fake?: FakeGitHub;
}

/**
 * GitHub gives up on a delivery the app has not answered within 10 seconds (and records it as
 * failed): https://docs.github.com/en/webhooks/using-webhooks/best-practices-for-using-webhooks#respond-within-10-seconds
 */
export const DELIVERY_TIMEOUT_MS = 10_000;

/** POSTs a signed webhook exactly as GitHub does, and reports what the app answered. */
export async function deliverWebhook(options: DeliverWebhookOptions): Promise<{ status: number; body: string; deliveryId: string }> {
  const body = JSON.stringify(options.payload);
  const deliveryId = options.deliveryId ?? randomUUID();
  const payload = options.payload as { action?: unknown; installation?: { id?: unknown }; repository?: { id?: unknown } };
  const headers: Record<string, string> = {
    "content-type": "application/json",
    "user-agent": "GitHub-Hookshot/5a6b7c8",
    "x-github-event": options.event,
    "x-github-delivery": deliveryId,
    "x-github-hook-id": "1",
    "x-github-hook-installation-target-type": "integration",
    "x-github-hook-installation-target-id": String(options.fake?.appId ?? 1),
    "x-hub-signature": `sha1=${createHmac("sha1", options.secret).update(body).digest("hex")}`,
    "x-hub-signature-256": await sign(options.secret, body),
  };
  if (options.fake) {
    headers["x-github-enterprise-version"] = "3.19.0";
    headers["x-github-enterprise-host"] = options.fake.host;
  }
  const started = performance.now();
  let status = 0;
  let text = "";
  let failure: unknown = null;
  try {
    const response = await fetch(options.url, { method: "POST", headers, body, signal: AbortSignal.timeout(DELIVERY_TIMEOUT_MS) });
    status = response.status;
    text = await response.text();
  } catch (error) {
    // GitHub records an unreachable or too slow app as a failed delivery (status 0) too.
    failure = error;
    text = error instanceof Error ? error.message : String(error);
  }
  if (options.fake) {
    const state = options.fake.state;
    state.hookDeliveries.push({
      id: state.nextId("hook_delivery"),
      guid: deliveryId,
      deliveredAt: state.isoNow(),
      event: options.event,
      action: typeof payload.action === "string" ? payload.action : null,
      installationId: typeof payload.installation?.id === "number" ? payload.installation.id : null,
      repositoryId: typeof payload.repository?.id === "number" ? payload.repository.id : null,
      url: options.url,
      requestHeaders: headers,
      requestBody: body,
      statusCode: status,
      responseBody: text,
      durationMs: Math.round(performance.now() - started),
      redelivery: false,
    });
    state.changed({ kind: "hook_delivery.created" });
  }
  if (failure) throw failure;
  return { status, body: text, deliveryId };
}
