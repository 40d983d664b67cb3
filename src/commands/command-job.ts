// A `/skywork …` comment, acted on: who may run it, an immediate 👀, then the command itself.
import { stringify } from "yaml";
import type { Logger } from "probot";
import { CONFIG_PATH, loadRepoConfig, type LoadedRepoConfig } from "../config/repo-config.js";
import type { GitHubApp, Octokit } from "../github/app-client.js";
import { react, replyInThreadOnce, upsertComment, type CommentRef } from "../github/comments.js";
import { code, codeBlock, join, md, mention, type Markup } from "../github/markup.js";
import { hasWriteAccess } from "../github/permissions.js";
import { getPullRequest } from "../github/pull-request.js";
import type { CommandJobData, ReviewJobData } from "../queue/jobs.js";
import { judgeFailure, publicReason, type AttemptInfo, type FailureVerdict } from "../queue/retry-policy.js";
import { forgetLearning, normalizeLearningId, readLearnings, type Learning } from "../review/learnings.js";
import { parseCommand, type ParsedCommand } from "./parse-command.js";
import { HELP, type CommandVerb } from "./registry.js";

export interface CommandDeps {
  github: GitHubApp;
  enqueueReview: (data: ReviewJobData) => Promise<{ jobId: string }>;
  /** Starts a fix (issue, PR or review thread); absent when fixes are not available. */
  startFix?: (job: CommandJobData, instructions: string, octokit: Octokit) => Promise<void>;
  /** What fixes can do on this worker (sandboxed or file tools only), for `/skywork help`. */
  fixSummary?: Markup;
  log: Logger;
  /** Where this run stands in the queue's attempts; absent: no retry follows a failure. */
  attempt?: AttemptInfo;
}

export type CommandOutcome = { status: "ignored"; reason: string } | { status: "refused"; reason: string } | { status: "done"; verb: CommandVerb | "unknown" };

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

async function carryOut(
  job: CommandJobData,
  parsed: Exclude<ParsedCommand, { kind: "none" }>,
  deps: CommandDeps,
  octokit: Octokit,
  botLogin: string,
  log: Logger,
): Promise<CommandOutcome> {
  const repo = { owner: job.owner, repo: job.repo };
  const comment: CommentRef =
    job.comment.kind === "issue" ? { kind: "issue", id: job.comment.id } : { kind: "review", id: job.comment.id, pullNumber: job.issueNumber };
  const reply = (body: Markup) => replyTo(octokit, job, `command-${job.comment.kind}-${job.comment.id}`, body, botLogin);
  const verb = parsed.kind === "command" ? parsed.verb : "unknown";

  if (!(await hasWriteAccess(octokit, repo, job.comment.author))) {
    log.info({ author: job.comment.author, verb }, "command refused: no write access");
    await reply(
      md`Sorry ${mention(job.comment.author)}, only people with write access to this repository can run ${code(`/skywork ${verb === "unknown" ? "" : verb}`)}. A maintainer can run it for you.`,
    );
    return { status: "refused", reason: "no write access" };
  }
  // At once, so the person sees the command was heard before any long work starts.
  await react(octokit, repo, comment, "eyes");

  if (parsed.kind === "unknown") {
    await reply(unknownCommandReply(parsed.word));
    return { status: "done", verb: "unknown" };
  }
  await HANDLERS[parsed.verb]({ job, instructions: parsed.instructions, deps, octokit, repo, reply, log });
  return { status: "done", verb: parsed.verb };
}

/** What a command's handler works with; the permission check and the 👀 are done. */
interface CommandContext {
  job: CommandJobData;
  /** The text after the verb. */
  instructions: string;
  deps: CommandDeps;
  octokit: Octokit;
  repo: { owner: string; repo: string };
  /** Answers the command (once, however often the job runs). */
  reply: (body: Markup) => Promise<void>;
  log: Logger;
}

/** One handler per command of the registry (registry.ts). */
const HANDLERS: { readonly [V in CommandVerb]: (context: CommandContext) => Promise<void> } = {
  async help({ octokit, repo, deps, reply }) {
    await reply(helpReply(await loadRepoConfig(octokit, repo), deps.fixSummary));
  },
  async review({ job, deps, octokit, reply, log }) {
    if (!job.isPullRequest) {
      await reply(md`\`/skywork review\` works on pull requests; on an issue, try \`/skywork fix\`.`);
      return;
    }
    const pr = await getPullRequest(octokit, { owner: job.owner, repo: job.repo, pullNumber: job.issueNumber });
    if (pr.state !== "open") {
      await reply(md`This pull request is closed; reopen it to get a review.`);
      return;
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
  },
  async learnings({ octokit, repo, reply }) {
    await reply(learningsList(await readLearnings(octokit, repo)));
  },
  async forget({ job, instructions, octokit, repo, reply, log }) {
    const id = normalizeLearningId(instructions.split(/\s+/, 1)[0] ?? "");
    if (id === null) {
      await reply(md`Say which learning to forget, by its id: \`/skywork forget L3\`. \`/skywork learnings\` lists them.`);
      return;
    }
    const forgotten = await forgetLearning(octokit, repo, id, job.comment.author);
    await reply(
      forgotten
        ? md`Forgot ${forgotten.id}: later reviews may flag ${JSON.stringify(forgotten.avoid)} in ${code(forgotten.pattern)} again.`
        : md`There is no learning ${id} in this repository. \`/skywork learnings\` lists them.`,
    );
    log.info({ id, forgotten: forgotten !== null }, "forget requested");
  },
  async fix({ job, instructions, deps, octokit, reply }) {
    if (!deps.startFix) {
      await reply(md`\`/skywork fix\` is not enabled on this installation.`);
      return;
    }
    await deps.startFix(job, instructions, octokit);
  },
};

/** The answer to \`/skywork <word>\` for a word that is no command (the word is the commenter's). */
export function unknownCommandReply(word: string): Markup {
  return md`I don't know ${code(`/skywork ${word}`)}.\n\n${HELP}`;
}

/**
 * The answer to \`/skywork help\`: the commands, the effective configuration as YAML (its values
 * come from the repository, so they are shown as code that cannot end its block), and the
 * configuration's problems (keys and values from the file, quoted).
 */
export function helpReply(loaded: Pick<LoadedRepoConfig, "config" | "problems" | "files">, fixSummary?: Markup): Markup {
  const { config, problems, files } = loaded;
  const source = files.length > 0 ? md`from ${join(files.map(code), ", ")}` : md`defaults; no ${code(CONFIG_PATH)} found`;
  const problemText =
    problems.length > 0 ? md`\n\n**Problems in the configuration** (defaults apply to these keys):\n${join(problems.map((p) => md`- ${p}`))}` : md``;
  const fixes = fixSummary ? md`\n\n${fixSummary}` : md``;
  return md`${HELP}${fixes}\n\n**Effective configuration** (${source}):\n\n${codeBlock(stringify(config).trimEnd(), "yaml")}${problemText}`;
}

/** The repository's learnings as a table, newest first. Their texts are model or maintainer words: quoted. */
function learningsList(learnings: readonly Learning[]): Markup {
  if (learnings.length === 0) {
    return md`This repository has taught me nothing yet. When someone with write access dismisses one of my findings (a 👎, resolving its thread without changing its lines, or replying that it is not an issue), I learn not to raise it again; \`/skywork learnings\` then lists it here.`;
  }
  const rows = [...learnings].reverse().map((l) => {
    const how = l.source.kind === "thumbs-down" ? "👎" : l.source.kind === "resolved" ? "resolved unchanged" : "reply";
    return md`| ${l.id} | ${code(l.pattern)} | ${l.avoid}${l.why ? md` (${l.why})` : md``} | #${l.source.pr}, ${how} by ${l.source.by} |`;
  });
  return join([
    md`**What this repository taught me** (${learnings.length}, newest first; later reviews are told not to raise these):`,
    md``,
    md`| Id | Where | Do not flag | From |`,
    md`| --- | --- | --- | --- |`,
    ...rows,
    md``,
    md`\`/skywork forget <id>\` removes one. They are stored in this repository's \`refs/skywork/learnings\`.`,
  ]);
}

/**
 * What a person reads when their command failed for good: what failed and why, in one paragraph.
 * Reasons are redacted and neutralised: they come from error messages, not from us.
 */
export function failureReply(parsed: Exclude<ParsedCommand, { kind: "none" }>, verdict: FailureVerdict, attempt: AttemptInfo | undefined): Markup {
  const command = code(parsed.kind === "command" ? `/skywork ${parsed.verb}` : `/skywork ${parsed.word}`);
  const reason = publicReason(verdict);
  if (verdict.kind === "permanent") return md`Sorry, ${command} could not be carried out: ${reason}`;
  const attempts = attempt?.attempts ?? 1;
  return md`Sorry, ${command} could not be carried out after ${attempts} attempt${attempts === 1 ? "" : "s"}: ${reason}\n\nPlease try again later.`;
}

/**
 * Answers where the command was written: in its review thread, or in the conversation. The reply
 * carries `key` in a hidden marker and is found again by it, so a retried job never answers twice.
 */
async function replyTo(octokit: Octokit, job: CommandJobData, key: string, body: Markup, botLogin: string): Promise<void> {
  if (job.comment.kind === "review") {
    await replyInThreadOnce(
      octokit,
      { owner: job.owner, repo: job.repo, pullNumber: job.issueNumber },
      job.comment.inReplyTo ?? job.comment.id,
      key,
      body,
      botLogin,
    );
    return;
  }
  await upsertComment(octokit, { owner: job.owner, repo: job.repo, issueNumber: job.issueNumber }, key, body, botLogin);
}
