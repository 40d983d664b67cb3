// Building blocks for the tests of a reviewer that listens: scripted review answers, prompts as
// the model saw them, pushes, comments, the queue's view of a job, and learnings as stored on GitHub.
import { execFileSync } from "node:child_process";
import { Queue } from "bullmq";
import { deliverWebhook, issueCommentEvent, pullRequestReviewCommentEvent, type FakeRepo } from "../../testbed/fakes/github/index.js";
import type { RecordedRequest, Reply } from "../../testbed/fakes/model/index.js";
import { eventually, type Harness } from "./harness.js";
import { deliverPullRequest, type PullScenario } from "./scenario.js";

export const finding = (path: string, line: number, title: string, severity = "major") => ({ path, line, severity, title, comment: `${title}.` });
export const answer = (findings: object[], summary = "Looked at it."): Reply => ({ content: JSON.stringify({ summary, findings }) });

export function userPrompt(request: RecordedRequest): string {
  const body = request.body as { messages: Array<{ role: string; content: string }> };
  return body.messages.find((m) => m.role === "user")?.content ?? "";
}

export function systemPrompt(request: RecordedRequest): string {
  const body = request.body as { messages: Array<{ role: string; content: string }> };
  return body.messages.find((m) => m.role === "system")?.content ?? "";
}

/** The guidance block a review request starts with (everything before the pull request's header). */
export function guidanceOf(request: RecordedRequest): string {
  const prompt = userPrompt(request);
  const end = prompt.indexOf("\n\nRepository: ");
  return end === -1 ? "" : prompt.slice(0, end);
}

export async function reviews(h: Harness, pr: PullScenario, count: number) {
  return eventually(
    () => {
      const list = h.github.reviews(pr.repo, pr.number);
      return list.length >= count && list;
    },
    `${count} review(s)`,
    30_000,
  );
}

export async function push(h: Harness, pr: PullScenario, files: Record<string, string | null>): Promise<string> {
  pr.headSha = await pr.repo.commit({ branch: "feature", files, message: "More work" });
  await deliverPullRequest(h, pr, "synchronize");
  return pr.headSha;
}

/** Runs `fn` with this harness's BullMQ queue `name`. */
export async function withQueue<T>(h: Harness, name: string, fn: (queue: Queue) => Promise<T>): Promise<T> {
  const queue = new Queue(name, { connection: h.redis, prefix: h.prefix });
  try {
    return await fn(queue);
  } finally {
    await queue.close();
  }
}

/** What job `id` of queue `name` returned, once it has finished. */
export async function jobOutcome(h: Harness, name: string, id: string): Promise<{ status: string }> {
  return withQueue(h, name, (queue) =>
    eventually(
      async () => {
        const job = await queue.getJob(id);
        return job?.finishedOn ? (job.returnvalue as { status: string }) : undefined;
      },
      `job ${id} to finish`,
      30_000,
    ),
  );
}

/** The repository's learnings as stored on GitHub (the ref), or null when there is none. */
export function storedLearnings(repo: FakeRepo): { learnings: Array<{ id: string; pattern: string; avoid: string }>; forgotten: string[] } | null {
  try {
    return JSON.parse(
      execFileSync("git", ["--git-dir", repo.gitDir, "show", "refs/skywork/learnings:learnings.json"], {
        encoding: "utf8",
        stdio: ["ignore", "pipe", "ignore"],
      }),
    );
  } catch {
    return null;
  }
}

export async function comment(h: Harness, pr: PullScenario, user: string, body: string) {
  const made = await pr.repo.createIssueComment(pr.number, { user, body });
  await deliverWebhook({ url: h.webhookUrl, secret: h.secret, event: "issue_comment", payload: issueCommentEvent(h.github, pr.repo, made.id), fake: h.github });
  return made;
}

/** The bot's reply to a conversation comment, once there is one. */
export async function botReplyTo(h: Harness, pr: PullScenario, commentId: number) {
  return eventually(
    () =>
      h.github
        .issueComments(pr.repo, pr.number)
        .find(
          (c) =>
            c.user?.login === h.github.botLogin &&
            (c.body ?? "").includes(Buffer.from(JSON.stringify({ key: `command-issue-${commentId}` })).toString("base64url")),
        ),
    `the bot's reply to comment ${commentId}`,
    30_000,
  );
}

/** A person replies in a review thread, and GitHub tells the app. */
export async function replyInThread(h: Harness, pr: PullScenario, user: string, inReplyTo: number, body: string, deliveryId?: string) {
  const made = await pr.repo.createReviewComment(pr.number, { user, body, inReplyTo });
  const delivered = await deliverWebhook({
    url: h.webhookUrl,
    secret: h.secret,
    event: "pull_request_review_comment",
    payload: await pullRequestReviewCommentEvent(h.github, pr.repo, made.id),
    fake: h.github,
    ...(deliveryId ? { deliveryId } : {}),
  });
  return { comment: made, deliveryId: delivered.deliveryId };
}
