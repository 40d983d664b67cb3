// The problem statement an agent gets, from what `/skywork fix` was written on. All of it is
// untrusted text (the agent neutralises special tokens); it is bounded so it cannot crowd out
// the agent's working room.
import type { Octokit } from "../github/app-client.js";
import { code, md, type Markup } from "../github/markup.js";
import { stripMarkers } from "../github/markers.js";
import type { FixJobData } from "../queue/jobs.js";
import { Dismissers, findDismissals } from "../review/dismissals.js";

const MAX_TASK_CHARS = 12_000;
const MAX_COMMENTS = 10;

export interface FixTask {
  /** The problem statement. */
  text: string;
  /** How the target reads in the status comment (a file name in it is quoted). */
  label: Markup;
}

export async function buildFixTask(octokit: Octokit, job: FixJobData, botLogin: string): Promise<FixTask> {
  const repo = { owner: job.owner, repo: job.repo };
  const asked = job.command.instructions.trim();
  const request = asked ? `\n\nThe maintainer who asked for this fix wrote:\n${asked}` : "";
  const target = job.target;

  if (target.kind === "thread") {
    const { data: root } = await octokit.rest.pulls.getReviewComment({ ...repo, comment_id: target.rootCommentId });
    const replies = (await octokit.paginate(octokit.rest.pulls.listReviewComments, { ...repo, pull_number: target.number, per_page: 100 })).filter(
      (c) => c.in_reply_to_id === root.id && c.id !== job.command.commentId && c.user?.login !== botLogin,
    );
    const line = root.line ?? root.original_line;
    const text = [
      `A review comment on pull request #${target.number}, file ${root.path}${line ? ` line ${line}` : ""}, asks for a change:`,
      "",
      stripMarkers(root.body),
      ...replies.slice(-MAX_COMMENTS).map((c) => `\nReply by ${c.user?.login ?? "someone"}:\n${c.body}`),
      "",
      "The code it refers to (diff hunk):",
      root.diff_hunk,
      "",
      `Make the change in ${root.path} (and wherever else it is needed).`,
    ].join("\n");
    return { text: bound(text + request), label: threadLabel(root.path, line ?? null, target.number) };
  }

  const { data: issue } = await octokit.rest.issues.get({ ...repo, issue_number: target.number });
  const comments = (await octokit.paginate(octokit.rest.issues.listComments, { ...repo, issue_number: target.number, per_page: 100 })).filter(
    (c) => c.id !== job.command.commentId && c.user?.type !== "Bot",
  );
  const discussion = comments.slice(-MAX_COMMENTS).map((c) => `\nComment by ${c.user?.login ?? "someone"}:\n${c.body ?? ""}`);
  if (target.kind === "issue") {
    const text = [`Issue #${target.number}: ${issue.title}`, "", issue.body ?? "(no description)", ...discussion].join("\n");
    return { text: bound(text + request), label: md`issue #${target.number}` };
  }
  // On a pull request without instructions, the open findings of the bot's reviews are the task;
  // the ones people dismissed are not (review/dismissals.ts).
  let findings = "";
  if (!asked) {
    const all = await octokit.paginate(octokit.rest.pulls.listReviewComments, { ...repo, pull_number: target.number, per_page: 100 });
    const { dismissals } = await findDismissals(
      octokit,
      { ...repo, pullNumber: target.number },
      botLogin,
      new Dismissers(octokit, repo, issue.user?.login ?? ""),
      all,
    );
    const dismissed = new Set(dismissals.map((d) => d.finding.commentId));
    const own = all.filter((c) => c.user?.login === botLogin && c.in_reply_to_id === undefined && !dismissed.has(c.id));
    findings = own.length
      ? `\n\nReview findings to address:\n${own.map((c) => `- ${c.path}:${c.line ?? c.original_line ?? "?"}: ${stripMarkers(c.body).split("\n").slice(0, 6).join(" ")}`).join("\n")}`
      : "";
  }
  const text = [`Pull request #${target.number}: ${issue.title}`, "", issue.body ?? "(no description)", ...discussion].join("\n");
  return { text: bound(text + findings + request), label: md`pull request #${target.number}` };
}

/** The status comment's name for a review thread: its file (from the pull request, quoted) and line. */
export function threadLabel(path: string, line: number | null, pullNumber: number): Markup {
  return md`the review thread on ${code(`${path}${line ? `:${line}` : ""}`)} of #${pullNumber}`;
}

function bound(text: string): string {
  return text.length > MAX_TASK_CHARS ? `${text.slice(0, MAX_TASK_CHARS)}\n[… truncated]` : text;
}
