// A `/skywork …` comment, acted on: who may run it, an immediate 👀, then the command itself.
import { stringify } from "yaml";
import type { Logger } from "probot";
import { CONFIG_PATH, loadRepoConfig } from "../config/repo-config.js";
import type { GitHubApp, Octokit } from "../github/app-client.js";
import { react, replyInThreadOnce, upsertComment, type CommentRef } from "../github/comments.js";
import { neutralizeMarkdown } from "../github/markdown.js";
import { hasWriteAccess } from "../github/permissions.js";
import { getPullRequest } from "../github/pull-request.js";
import type { CommandJobData, ReviewJobData } from "../queue/jobs.js";
import { judgeFailure, publicReason, type AttemptInfo, type FailureVerdict } from "../queue/retry-policy.js";
import { forgetLearning, normalizeLearningId, readLearnings, type Learning } from "../review/learnings.js";
import { codeSpan } from "../review/review-body.js";
import { parseCommand, type CommandVerb, type ParsedCommand } from "./parse-command.js";

export interface CommandDeps {
  github: GitHubApp;
  enqueueReview: (data: ReviewJobData) => Promise<{ jobId: string }>;
  /** Starts a fix (issue, PR or review thread); absent when fixes are not available. */
  startFix?: (job: CommandJobData, instructions: string, octokit: Octokit) => Promise<void>;
  /** What fixes can do on this worker (sandboxed or file tools only), for `/skywork help`. */
  fixSummary?: string;
  log: Logger;
  /** Where this run stands in the queue's attempts; absent: no retry follows a failure. */
  attempt?: AttemptInfo;
}

export type CommandOutcome =
  | { status: "ignored"; reason: string }
  | { status: "refused"; reason: string }
  | { status: "done"; verb: CommandVerb | "unknown" };

export async function runCommandJob(job: CommandJobData, deps: CommandDeps): Promise<CommandOutcome> {
  const parsed = parseCommand(job.comment.body);
  if (parsed.kind === "none") return { status: "ignored", reason: "no command in the comment" };
  const log = deps.log.child({ deliveryId: job.deliveryId, repo: `${job.owner}/${job.repo}`, issue: job.issueNumber, commentId: job.comment.id });
  let octokit: Octokit | null = null;
  let botLogin: string | null = null;
  try {
    octokit = await deps.github.octokitFor(job.installationId);
    botLogin = await deps.github.botLogin();
    return await carryOut(job, parsed, deps, octokit, botLogin, log);
  } catch (error) {
    const verdict = judgeFailure(error, deps.attempt);
    if (!verdict.final) throw error;
    if (octokit && botLogin) {
      // Its own key: an earlier reply to the same command (a refusal, the help) stays as it was.
      const key = `command-failed-${job.comment.kind}-${job.comment.id}`;
      await replyTo(octokit, job, key, failureReply(parsed, verdict, deps.attempt), botLogin).catch((replyError: unknown) => {
        // GitHub refusing the reply too (the App lost access to the repository): only the log can tell.
        log.error({ err: replyError, reason: verdict.reason }, "could not reply with the reason the command failed; it is only in this log");
      });
    } else {
      log.error({ reason: verdict.reason }, "command failed before GitHub could be reached; the reason is only in this log");
    }
    throw error;
  }
}

async function carryOut(job: CommandJobData, parsed: Exclude<ParsedCommand, { kind: "none" }>, deps: CommandDeps, octokit: Octokit, botLogin: string, log: Logger): Promise<CommandOutcome> {
  const repo = { owner: job.owner, repo: job.repo };
  const comment: CommentRef = job.comment.kind === "issue" ? { kind: "issue", id: job.comment.id } : { kind: "review", id: job.comment.id, pullNumber: job.issueNumber };
  const reply = (body: string) => replyTo(octokit, job, `command-${job.comment.kind}-${job.comment.id}`, body, botLogin);
  const verb = parsed.kind === "command" ? parsed.verb : "unknown";

  if (!(await hasWriteAccess(octokit, repo, job.comment.author))) {
    log.info({ author: job.comment.author, verb }, "command refused: no write access");
    await reply(
      `Sorry @${job.comment.author}, only people with write access to this repository can run \`/skywork ${verb === "unknown" ? "" : verb}\`. ` +
        "A maintainer can run it for you.",
    );
    return { status: "refused", reason: "no write access" };
  }
  // At once, so the person sees the command was heard before any long work starts.
  await react(octokit, repo, comment, "eyes");

  if (parsed.kind === "unknown") {
    await reply(`I don't know \`/skywork ${parsed.word.replace(/`/g, "")}\`.\n\n${HELP}`);
    return { status: "done", verb: "unknown" };
  }
  switch (parsed.verb) {
    case "help": {
      const { config, problems, files } = await loadRepoConfig(octokit, repo);
      const source = files.length > 0 ? `from ${files.map((f) => `\`${f}\``).join(", ")}` : `defaults; no \`${CONFIG_PATH}\` found`;
      const problemText = problems.length > 0 ? `\n\n**Problems in the configuration** (defaults apply to these keys):\n${problems.map((p) => `- ${p}`).join("\n")}` : "";
      const fixes = deps.fixSummary ? `\n\n${deps.fixSummary}` : "";
      await reply(`${HELP}${fixes}\n\n**Effective configuration** (${source}):\n\n\`\`\`yaml\n${stringify(config).trimEnd()}\n\`\`\`${problemText}`);
      return { status: "done", verb: "help" };
    }
    case "review": {
      if (!job.isPullRequest) {
        await reply("`/skywork review` works on pull requests; on an issue, try `/skywork fix`.");
        return { status: "done", verb: "review" };
      }
      const pr = await getPullRequest(octokit, { owner: job.owner, repo: job.repo, pullNumber: job.issueNumber });
      if (pr.state !== "open") {
        await reply("This pull request is closed; reopen it to get a review.");
        return { status: "done", verb: "review" };
      }
      const { jobId } = await deps.enqueueReview({
        installationId: job.installationId,
        owner: job.owner,
        repo: job.repo,
        repoId: job.repoId,
        pullNumber: job.issueNumber,
        headSha: pr.head.sha,
        trigger: "command",
        deliveryId: job.deliveryId,
        eventAt: pr.updated_at,
        full: true,
        command: { commentId: job.comment.id, author: job.comment.author },
      });
      log.info({ jobId }, "full review requested");
      return { status: "done", verb: "review" };
    }
    case "learnings": {
      await reply(learningsList(await readLearnings(octokit, repo)));
      return { status: "done", verb: "learnings" };
    }
    case "forget": {
      const id = normalizeLearningId(parsed.instructions.split(/\s+/, 1)[0] ?? "");
      if (id === null) {
        await reply("Say which learning to forget, by its id: `/skywork forget L3`. `/skywork learnings` lists them.");
        return { status: "done", verb: "forget" };
      }
      const forgotten = await forgetLearning(octokit, repo, id, job.comment.author);
      await reply(
        forgotten
          ? `Forgot ${forgotten.id}: later reviews may flag ${neutralizeMarkdown(JSON.stringify(forgotten.avoid))} in ${codeSpan(forgotten.pattern)} again.`
          : `There is no learning ${id} in this repository. \`/skywork learnings\` lists them.`,
      );
      log.info({ id, forgotten: forgotten !== null }, "forget requested");
      return { status: "done", verb: "forget" };
    }
    case "fix": {
      if (!deps.startFix) {
        await reply("`/skywork fix` is not enabled on this installation.");
        return { status: "done", verb: "fix" };
      }
      await deps.startFix(job, parsed.instructions, octokit);
      return { status: "done", verb: "fix" };
    }
  }
}

export const HELP = [
  "**Skywork commands** (for people with write access):",
  "",
  "- `/skywork review`: review this pull request again, in full.",
  "- `/skywork fix [instructions]`: on an issue, a pull request or a review thread, make the change and propose it as commits or a pull request for a human to review.",
  "- `/skywork learnings`: what the reviewer learned from findings maintainers dismissed here (a 👎, a thread resolved unchanged, a reply such as \"not an issue\"), with ids.",
  "- `/skywork forget <id>`: remove one learning, so later reviews may flag it again.",
  "- `/skywork help`: this message.",
].join("\n");

/** The repository's learnings as a table, newest first. Their texts are model or maintainer words: neutralised. */
function learningsList(learnings: readonly Learning[]): string {
  if (learnings.length === 0) {
    return "This repository has taught me nothing yet. When someone with write access dismisses one of my findings (a 👎, resolving its thread without changing its lines, or replying that it is not an issue), I learn not to raise it again; `/skywork learnings` then lists it here.";
  }
  const rows = [...learnings].reverse().map((l) => {
    const cell = (text: string) => neutralizeMarkdown(text).replace(/\|/g, "\\|");
    const how = l.source.kind === "thumbs-down" ? "👎" : l.source.kind === "resolved" ? "resolved unchanged" : "reply";
    return `| ${l.id} | ${codeSpan(l.pattern).replace(/\|/g, "\\|")} | ${cell(l.avoid)}${l.why ? ` (${cell(l.why)})` : ""} | #${l.source.pr}, ${how} by ${cell(l.source.by)} |`;
  });
  return [
    `**What this repository taught me** (${learnings.length}, newest first; later reviews are told not to raise these):`,
    "",
    "| Id | Where | Do not flag | From |",
    "| --- | --- | --- | --- |",
    ...rows,
    "",
    "`/skywork forget <id>` removes one. They are stored in this repository's `refs/skywork/learnings`.",
  ].join("\n");
}

/**
 * What a person reads when their command failed for good: what failed and why, in one paragraph.
 * Reasons are redacted and neutralised: they come from error messages, not from us.
 */
function failureReply(parsed: Exclude<ParsedCommand, { kind: "none" }>, verdict: FailureVerdict, attempt: AttemptInfo | undefined): string {
  const command = parsed.kind === "command" ? `/skywork ${parsed.verb}` : `/skywork ${parsed.word.replace(/`/g, "")}`;
  const reason = neutralizeMarkdown(publicReason(verdict));
  if (verdict.kind === "permanent") return `Sorry, \`${command}\` could not be carried out: ${reason}`;
  const attempts = attempt?.attempts ?? 1;
  return `Sorry, \`${command}\` could not be carried out after ${attempts} attempt${attempts === 1 ? "" : "s"}: ${reason}\n\nPlease try again later.`;
}

/**
 * Answers where the command was written: in its review thread, or in the conversation. The reply
 * carries `key` in a hidden marker and is found again by it, so a retried job never answers twice.
 */
async function replyTo(octokit: Octokit, job: CommandJobData, key: string, body: string, botLogin: string): Promise<void> {
  if (job.comment.kind === "review") {
    await replyInThreadOnce(octokit, { owner: job.owner, repo: job.repo, pullNumber: job.issueNumber }, job.comment.inReplyTo ?? job.comment.id, key, body, botLogin);
    return;
  }
  await upsertComment(octokit, { owner: job.owner, repo: job.repo, issueNumber: job.issueNumber }, key, body, botLogin);
}
