// `/skywork fix`, carried out: a checkout at the right commit, one or more agent attempts, the
// candidate most attempts agree on, and the result published as commits or a pull request —
// with one status comment telling the requester where things stand.
import { mkdir } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { UnrecoverableError } from "bullmq";
import type { Logger } from "probot";
import { loadRepoConfig } from "../config/repo-config.js";
import { ModelUnavailableError, PermanentError } from "../errors.js";
import type { GitHubApp } from "../github/app-client.js";
import { react, readComment, updateOwnComment, type CommentRef } from "../github/comments.js";
import { code, codeBlock, join as joinMarkup, md, mention, text, type Markup } from "../github/markup.js";
import type { ModelClient } from "../model/client.js";
import { HAND_BACK_REASON, type FixJobData, type FixTargetRef } from "../queue/jobs.js";
import { judgeFailure, publicReason, type AttemptInfo } from "../queue/retry-policy.js";
import type { QwenTokenizer } from "../tokenizer/index.js";
import type { AgentResult, ChangeSet, Selection } from "./agent/index.js";
import { removeTree } from "../sandbox/dirs.js";
import { runAttempts, type AttemptsOutcome, type FixRuntime } from "./attempts.js";
import { fixStatusBody, publishedResult, type FixPhase, type FixStatus } from "./fix-status.js";
import { buildFixTask } from "./fix-task.js";
import { checkoutRepository, loadIssueTarget, loadPullTarget, planFix, publishFix, type FixTarget, type GitHost } from "./github/index.js";
import type { CandidateTests } from "./agent/select-candidate.js";
import { setupFailureText, verificationText } from "./verification.js";

export interface FixSettings {
  /** Tokens reserved for each agent answer (Skywork's evaluation used 8,192). */
  answerTokens: number;
  /** Where git is reached: the configured GitHub host. */
  gitHost: GitHost;
  /** Parent of the per-job working directories. */
  workRoot?: string;
  /** The sandbox and its limits (or none), and the fix's time limits. */
  runtime: FixRuntime;
}

export interface FixDeps {
  github: GitHubApp;
  model: ModelClient;
  tokenizer: QwenTokenizer;
  settings: FixSettings;
  log: Logger;
  /** Where this run stands in the queue's attempts; absent: no retry follows a failure. */
  attempt?: AttemptInfo;
}

export type FixOutcome =
  | { status: "published"; url: string; kind: "push" | "pull-request"; agreeing: number; candidates: number }
  | { status: "no-change"; reason: string }
  | { status: "failed"; reason: string }
  | { status: "already-done"; url: string };

/** Candidates sample with some randomness, or they would all write the same patch. */
const BEST_OF_N_TEMPERATURE = 0.7;

export function statusKey(job: Pick<FixJobData, "command">): string {
  return `fix-${job.command.kind}-${job.command.commentId}`;
}

export async function runFixJob(job: FixJobData, jobId: string, deps: FixDeps, signal?: AbortSignal): Promise<FixOutcome> {
  const log = deps.log.child({ deliveryId: job.deliveryId, repo: `${job.owner}/${job.repo}`, target: `${job.target.kind}#${job.target.number}` });
  const repo = { owner: job.owner, repo: job.repo };
  const octokit = await deps.github.octokitFor(job.installationId);
  const botLogin = await deps.github.botLogin();
  const statusComment: CommentRef =
    job.status.kind === "issue" ? { kind: "issue", id: job.status.commentId } : { kind: "review", id: job.status.commentId, pullNumber: job.target.number };
  const commandComment: CommentRef =
    job.command.kind === "issue" ? { kind: "issue", id: job.command.commentId } : { kind: "review", id: job.command.commentId, pullNumber: job.target.number };

  let current: FixStatus = { phase: "queued", target: targetLabel(job.target), requestedBy: mention(job.command.author) };
  // Updates are written one after another, in the order they were made: the agent's progress is
  // reported without waiting, and a late step update must never land over "done" or "failed".
  let writing: Promise<void> = Promise.resolve();
  const show = (next: Partial<FixStatus> & { phase: FixPhase }): Promise<void> => {
    current = { ...current, ...next };
    const body = fixStatusBody(current);
    writing = writing.then(() =>
      updateOwnComment(octokit, repo, statusComment, statusKey(job), body).then(
        () => undefined,
        (error: unknown) => log.warn({ err: error }, "could not update the fix status comment"),
      ),
    );
    return writing;
  };
  const fail = async (reason: Markup): Promise<FixOutcome> => {
    await show({ phase: "failed", detail: reason });
    await react(octokit, repo, commandComment, "confused").catch(() => undefined);
    log.info({ reason: reason.toString() }, "fix ended without a change");
    return { status: "failed", reason: reason.toString() };
  };
  let workRoot: string | null = null;

  try {
    // A retried job whose fix was already published stops here.
    const done = publishedResult(await readComment(octokit, repo, statusComment));
    if (done) return { status: "already-done", url: done.url };

    const task = await buildFixTask(octokit, job, botLogin);
    current = { ...current, target: task.label };
    const { config } = await loadRepoConfig(octokit, repo);
    const target: FixTarget =
      job.target.kind === "issue" ? await loadIssueTarget(octokit, repo, job.target.number) : await loadPullTarget(octokit, repo, job.target.number);
    const baseSha = target.kind === "issue" ? target.defaultBranchSha : target.headSha;
    workRoot = join(deps.settings.workRoot ?? join(tmpdir(), "skywork-fix"), jobId.replace(/[^\w.-]/g, "_"));
    // A previous attempt of this job may have died and left its working copies behind.
    await removeTree(workRoot);
    await mkdir(workRoot, { recursive: true });

    await show({ phase: "setting-up", detail: md`Checking out ${baseSha.slice(0, 7)}…` });
    const { token } = (await octokit.auth({ type: "installation" })) as { token: string };
    const pristine = await checkoutRepository({
      host: deps.settings.gitHost,
      owner: job.owner,
      repo: job.repo,
      sha: baseSha,
      ...(target.kind === "pull" ? { ref: `refs/pull/${target.pullNumber}/head` } : {}),
      token,
      // Never mounted into a sandbox: its .git is what the agent's work is read back with.
      dir: join(workRoot, "pristine"),
      ...(signal ? { signal } : {}),
    });
    const candidates = config.fix.candidates;
    const model = await deps.model.resolve();
    const instructions = [job.command.instructions.trim(), config.fix.instructions.trim()].filter(Boolean).join("\n\n");
    let lastPhase: FixPhase = "setting-up";
    const outcome: AttemptsOutcome = await runAttempts({
      runtime: deps.settings.runtime,
      fix: config.fix,
      pristine: pristine.dir,
      workRoot,
      repoName: job.repo,
      baseSha,
      task: task.text,
      ...(instructions ? { instructions } : {}),
      model: deps.model,
      tokenizer: deps.tokenizer,
      contextTokens: model.contextTokens,
      answerTokens: Math.min(deps.settings.answerTokens, Math.floor(model.contextTokens / 4)),
      temperature: candidates > 1 ? BEST_OF_N_TEMPERATURE : 0,
      ...(signal ? { signal } : {}),
      onStep: (step, detail) => {
        lastPhase = step === "setting-up" ? "setting-up" : "validating";
        void show({ phase: lastPhase, detail });
      },
      onProgress: (progress) => {
        // The first candidate speaks for all: one status update per phase change.
        if (progress.phase === lastPhase || progress.phase === "done" || progress.phase === "failed") return;
        lastPhase = progress.phase;
        void show({ phase: progress.phase, detail: md`Step ${progress.step} of at most ${config.fix.max_steps}.` });
      },
    });
    if (signal?.aborted) throw signal.reason instanceof Error ? signal.reason : new Error(String(signal.reason));
    if (outcome.kind === "setup-failed") return await fail(setupFailureText(outcome.setup));
    const { results, changeSets, selection } = outcome;
    // A model outage is worth another attempt of the whole job; other agent errors are reported.
    const outage = results.find((r) => r.outcome === "error" && r.error instanceof ModelUnavailableError);
    if (outage?.error && !judgeFailure(outage.error, deps.attempt).final) throw outage.error;

    await show({ phase: "validating", detail: candidates > 1 ? md`Comparing ${candidates} candidate fixes…` : md`Checking the change…` });
    if (selection.chosen === null || selection.changes === null) {
      return await fail(noFixReason(results, changeSets, selection, config.fix.max_steps, outcome.tests));
    }
    const chosen = results[selection.chosen]!;
    const chosenSet = selection.changes;
    const changes = chosenSet.files;
    const verification = verificationText({
      runtime: deps.settings.runtime,
      testCommand: config.fix.test,
      setUp: outcome.setUp,
      tests: outcome.tests,
      chosen: selection.chosen,
      agreeing: selection.agreeing,
      candidates,
      baseSha,
      dropped: selection.dropped,
    });

    await show({ phase: "publishing", detail: md`Committing ${changes.length} changed file${changes.length === 1 ? "" : "s"}…` });
    const summary = fixSummary(chosen.message, verification.body, chosenSet.skipped);
    const plan = planFix({ target, fixId: jobId, allowPush: config.fix.push, summary, changes, requestedBy: job.command.author });
    const published = await publishFix(octokit, plan, changes);
    const web = `${deps.settings.gitHost.protocol}://${deps.settings.gitHost.host}/${target.repo.owner}/${target.repo.repo}`;
    const result = published.pullRequest
      ? { label: `pull request #${published.pullRequest.number}`, url: published.pullRequest.url }
      : { label: `commit ${published.commit.sha.slice(0, 7)} on ${published.branch}`, url: `${web}/commit/${published.commit.sha}` };
    await show({ phase: "done", result, detail: verification.status });
    await react(octokit, repo, commandComment, "rocket").catch(() => undefined);
    log.info({ url: result.url, kind: published.kind, agreeing: selection.agreeing }, "fix published");
    return { status: "published", url: result.url, kind: published.kind, agreeing: selection.agreeing, candidates };
  } catch (error) {
    if (signal?.aborted && signal.reason === HAND_BACK_REASON) throw error;
    // The worker reaches the same verdict from the same error: a permanent failure is not retried.
    const verdict = judgeFailure(error, deps.attempt);
    const reason = publicReason(verdict);
    if (verdict.final) {
      await fail(verdict.kind === "permanent" ? md`The fix failed: ${reason}` : md`The fix failed after ${deps.attempt?.attempts ?? 1} attempts: ${reason}`);
      if (verdict.kind === "permanent" && !(error instanceof UnrecoverableError)) throw new PermanentError(verdict.reason);
    } else {
      const attempt = deps.attempt ? `Attempt ${deps.attempt.attemptsMade + 1} of ${deps.attempt.attempts}` : "An attempt";
      await show({ phase: current.phase, detail: md`${attempt} failed and will be retried: ${reason}` });
    }
    throw error;
  } finally {
    if (workRoot) await removeTree(workRoot).catch((error: unknown) => log.warn({ err: error, workRoot }, "could not remove the fix's working folders"));
  }
}

/** The status comment's name for the target until the task is read (as start-fix.ts wrote it). */
export function targetLabel(target: FixTargetRef): Markup {
  if (target.kind === "issue") return md`issue #${target.number}`;
  return target.kind === "pull" ? md`pull request #${target.number}` : md`a review thread of #${target.number}`;
}

/**
 * What the fix's commit message and pull request say it did: the agent's closing message (quoted),
 * how the change was checked, and the files left out (names quoted).
 */
export function fixSummary(message: string, verification: Markup, skipped: ReadonlyArray<{ path: string; reason: string }>): Markup {
  const parts = [message.trim() ? text(message.trim()) : md`The agent made the change below.`, verification];
  if (skipped.length > 0)
    parts.push(
      md`Not included: ${joinMarkup(
        skipped.map((s) => md`${code(s.path)} (${s.reason})`),
        ", ",
      )}.`,
    );
  return joinMarkup(parts, "\n\n");
}

export function noFixReason(
  results: readonly AgentResult[],
  changeSets: readonly ChangeSet[],
  selection: Selection,
  maxSteps: number,
  tests: CandidateTests | null,
): Markup {
  if (results.every((r) => r.outcome === "step-limit"))
    return md`The agent reached its limit of ${maxSteps} steps without finishing (raise \`fix.max_steps\` in .github/skywork.yml, or give more precise instructions).`;
  const errored = results.find((r) => r.outcome === "error");
  if (errored && results.every((r) => r.outcome !== "finished")) return md`The agent stopped with an error: ${errored.message}`;
  const gaveUp = results.find((r) => r.outcome === "finished" && r.gaveUp);
  if (gaveUp && results.every((r) => r.outcome !== "finished" || r.gaveUp)) {
    return md`The agent gave up without a change it would stand behind. It said: ${gaveUp.message.trim().split("\n")[0]!.slice(0, 300)}`;
  }
  if (changeSets.every((c) => c.files.length === 0 && !c.refused)) {
    const message = results.find((r) => r.outcome === "finished")?.message.trim();
    return message
      ? md`The agent finished without changing any file. It said: ${message.split("\n")[0]!.slice(0, 300)}`
      : md`The agent finished without changing any file.`;
  }
  const reasons = [...new Set(selection.dropped.map((d) => d.reason))].join("; ");
  const tail = tests?.runs.find((run) => run && !run.passed)?.tail;
  return tail
    ? md`No candidate change survived: ${reasons}.\n\nThe end of the test output:\n\n${codeBlock(tail)}`
    : md`No candidate change survived: ${reasons}.`;
}
