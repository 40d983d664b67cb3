// One review of one head of one pull request: gather, pack, ask, check, act — with the check run
// showing progress, incremental scope, no repeated findings, and work for old heads abandoned.
import { setMaxListeners } from "node:events";
import { UnrecoverableError } from "bullmq";
import type { RedisClient } from "../queue/connection.js";
import type { Logger } from "probot";
import { loadRepoConfig, type RepoConfig } from "../config/repo-config.js";
import { memoizeSource, type PackInput, type PackPlan } from "../context/index.js";
import { fromGitHubFile, type FileDiff } from "../diff/index.js";
import type { GitHubApp, Octokit } from "../github/app-client.js";
import { completeCheckRun, completeLeftoverCheckRun, showCheckRunRetrying, skipCheckRun, startCheckRun, type CheckConclusion } from "../github/check-runs.js";
import { upsertComment } from "../github/comments.js";
import { commitFileSource } from "../github/contents.js";
import { httpStatus } from "../github/errors.js";
import { code, join, link, md, type Markup } from "../github/markup.js";
import { getPullRequest, listPullRequestFiles, type PullRef, type PullRequest } from "../github/pull-request.js";
import { createReview, listOwnReviews, type ReviewComment } from "../github/reviews.js";
import type { ModelClient } from "../model/client.js";
import { HAND_BACK_REASON, type ReviewJobData } from "../queue/jobs.js";
import { judgeFailure, publicReason, type AttemptInfo, type FailureVerdict } from "../queue/retry-policy.js";
import { latestHead } from "../queue/supersede.js";
import type { QwenTokenizer } from "../tokenizer/index.js";
import { answerNotes, askAll, dedupeFindings, Superseded, throwIfSuperseded } from "./ask-model.js";
import { SEVERITIES, SEVERITY_RANK, type Finding } from "./findings.js";
import { fingerprintsOf, isKnownFinding } from "./fingerprints.js";
import { placeFindings, type PlacedFinding } from "./placement.js";
import { REVIEW_SYSTEM_PROMPT, reviewPreamble } from "./prompt.js";
import { inlineCommentBody, reviewSummaryBody, SEVERITY_LABEL, type ListedFinding, type SummaryInput } from "./review-body.js";
import { decideScope, type ReviewScope } from "./review-scope.js";
import { skipReason } from "./skip-rules.js";

export interface ReviewSettings {
  /** Answer reserve when the repository does not set review.answer_tokens (LLM_ANSWER_TOKENS). */
  answerTokens: number;
  /** Model requests of one review in flight at once. */
  requestConcurrency: number;
}

export interface ReviewDeps {
  github: GitHubApp;
  model: ModelClient;
  tokenizer: QwenTokenizer;
  settings: ReviewSettings;
  log: Logger;
  /** Where the intake records each PR's newest head (see queue/supersede.ts). */
  heads?: { redis: RedisClient; prefix: string };
  /** Where this run stands in the queue's attempts; absent: no retry follows a failure. */
  attempt?: AttemptInfo;
}

export type ReviewOutcome =
  | { status: "posted"; reviewId: number; url: string; findings: number; inline: number; scope: ReviewScope["kind"] }
  | { status: "already-reviewed"; reviewId: number }
  | { status: "no-new-findings"; scope: ReviewScope["kind"] }
  | { status: "skipped"; reason: string }
  | { status: "stale"; reason: string };


export async function runReviewJob(job: ReviewJobData, deps: ReviewDeps, signal?: AbortSignal): Promise<ReviewOutcome> {
  const started = Date.now();
  // One signal reaches every model request of the review (and each retry of the SDK).
  if (signal) setMaxListeners(64, signal);
  const log = deps.log.child({ deliveryId: job.deliveryId, repo: `${job.owner}/${job.repo}`, pr: job.pullNumber, head: job.headSha.slice(0, 7) });
  const ref: PullRef = { owner: job.owner, repo: job.repo, pullNumber: job.pullNumber };
  const repo = { owner: job.owner, repo: job.repo };

  // A newer head already arrived: drop this job before any GitHub call.
  if (deps.heads && !job.command) {
    const latest = await latestHead(deps.heads.redis, deps.heads.prefix, job.repoId, job.pullNumber);
    if (latest && latest.sha !== job.headSha && latest.at >= eventTime(job)) {
      log.info({ newer: latest.sha.slice(0, 7) }, "superseded before it started");
      return { status: "stale", reason: `superseded by ${latest.sha.slice(0, 7)}` };
    }
  }

  let octokit: Octokit | null = null;
  let botLogin: string | null = null;
  let checkRunId: number | null = null;
  let configProblems: readonly string[] = [];
  try {
    octokit = await deps.github.octokitFor(job.installationId);
    const gh = octokit;
    const pr = await getPullRequest(octokit, ref).catch((error: unknown) => {
      const status = httpStatus(error);
      if (status === 404 || status === 410) throw new UnrecoverableError(`Pull request ${job.owner}/${job.repo}#${job.pullNumber} no longer exists.`);
      throw error;
    });
    if (pr.state !== "open") return { status: "stale", reason: `the pull request is ${pr.state}` };
    if (pr.head.sha !== job.headSha) return { status: "stale", reason: `the head moved to ${pr.head.sha.slice(0, 7)}; that head gets its own review` };

    botLogin = await deps.github.botLogin();
    const { config, problems } = await loadRepoConfig(octokit, repo);
    configProblems = problems;
    const skip = skipReason(pr, config, job);
    if (skip) {
      await skipCheckRun(octokit, repo, job.headSha, { title: "Skipped", summary: withConfigProblems(skip, configProblems) });
      log.info({ reason: skip.toString() }, "review skipped");
      return { status: "skipped", reason: skip.toString() };
    }

    const ownReviews = await listOwnReviews(octokit, ref, botLogin);
    const done = ownReviews.find((r) => r.marker.head === job.headSha && (job.command ? r.marker.cmd === job.command.commentId : true));
    if (done) {
      await completeLeftoverCheckRun(octokit, repo, job.headSha, { title: "Reviewed", summary: md`The review of ${job.headSha.slice(0, 7)} was posted: ${link("the review", done.url)}.` }).catch(
        (error: unknown) => log.warn({ err: error }, "could not complete a leftover check run"),
      );
      log.info({ reviewId: done.id }, "head already reviewed; not posting again");
      return { status: "already-reviewed", reviewId: done.id };
    }

    const prFiles = (await listPullRequestFiles(octokit, ref)).map(fromGitHubFile);
    const diffs = new Map<string, FileDiff>(prFiles.map((f) => [f.path, f]));
    const scope = await decideScope(octokit, repo, job.headSha, prFiles, ownReviews, { full: job.full === true });
    const scopeText =
      scope.kind === "incremental"
        ? md`the changes since ${scope.since.slice(0, 7)} (${scope.files.length} file${scope.files.length === 1 ? "" : "s"})`
        : md`${scope.files.length} changed file${scope.files.length === 1 ? "" : "s"} (full review: ${scope.reason})`;
    const runId = await startCheckRun(octokit, repo, job.headSha, {
      title: "Reviewing…",
      summary: withConfigProblems(md`Reviewing ${scopeText} at ${job.headSha.slice(0, 7)}.`, configProblems),
    });
    checkRunId = runId;
    const finish = (conclusion: CheckConclusion, title: string, summary: Markup) =>
      completeCheckRun(gh, repo, runId, conclusion, { title, summary: withConfigProblems(summary, configProblems) });

    const model = await deps.model.resolve();
    const answerTokens = Math.min(config.review.answer_tokens ?? deps.settings.answerTokens, Math.floor(model.contextTokens / 2));
    const input: PackInput = {
      system: REVIEW_SYSTEM_PROMPT,
      preamble: (part) => reviewPreamble(headerOf(job, pr, config), part),
      files: scope.files,
      ignore: config.review.ignore,
      // Read once even when a server overflow makes the review re-pack.
      source: memoizeSource(commitFileSource(octokit, repo, job.headSha)),
    };
    const { plan, answers } = await askAll({ model: deps.model, tokenizer: deps.tokenizer, requestConcurrency: deps.settings.requestConcurrency, log }, input, { contextTokens: model.contextTokens, answerTokens, maxRequests: config.review.max_requests }, signal, log);

    if (plan.requests.length === 0) {
      await finish("skipped", "Nothing to review", nothingToReviewSummary(scope, plan.skipped));
      return { status: "skipped", reason: scope.kind === "incremental" ? "nothing reviewable changed" : "nothing reviewable: every changed file was skipped" };
    }

    const reported = dedupeFindings(answers.flatMap((a) => a.findings));
    const known = new Set(ownReviews.flatMap((r) => r.marker.fp ?? []));
    const fresh = reported.filter((f) => !isKnownFinding(f, diffs, known));
    const layout = layOutFindings(fresh, diffs, config, job.headSha, pr);
    const notes = [...plan.notes, ...answerNotes(answers), ...unlistedNote(pr, prFiles.length)];

    throwIfSuperseded(signal);
    // The head may have moved while the model was thinking: a review of an old head is noise.
    const current = await getPullRequest(octokit, ref);
    if (current.head.sha !== job.headSha) throw new Superseded(`the head moved to ${current.head.sha.slice(0, 7)} during the review`);

    const stats = {
      model: model.id,
      promptTokens: answers.reduce((n, a) => n + a.promptTokens, 0),
      completionTokens: answers.reduce((n, a) => n + a.completionTokens, 0),
      requests: answers.length,
    };
    const conclusion = checkConclusion(reported, config);
    const checkSummary = checkRunSummary(fresh, reported.length - fresh.length, plan, stats, Date.now() - started, scopeText);

    if (fresh.length === 0 && job.command && ownReviews.some((r) => r.marker.head === job.headSha)) {
      // A re-review that only repeats what is already on the PR posts nothing new.
      await upsertComment(octokit, { owner: job.owner, repo: job.repo, issueNumber: job.pullNumber }, `command-issue-${job.command.commentId}`, md`Reviewed ${job.headSha.slice(0, 7)} again in full: no new findings.`, botLogin);
      await finish(conclusion, "No new findings", checkSummary);
      return { status: "no-new-findings", scope: scope.kind };
    }

    const summary: SummaryInput = {
      headSha: job.headSha,
      scope: scope.kind === "incremental" ? { kind: "incremental", since: scope.since } : { kind: "full", reason: scope.reason },
      modelSummary: answers
        .map((a) => a.summary)
        .filter(Boolean)
        .join("\n\n"),
      inlineCount: layout.inline.length,
      newFindings: fresh,
      outsideDiff: layout.outsideDiff,
      belowThreshold: { severity: config.review.inline_severity, findings: layout.belowThreshold },
      overLimit: { limit: config.review.max_inline_comments, findings: layout.overLimit },
      repeated: reported.length - fresh.length,
      coverage: plan.coverage,
      skipped: plan.skipped,
      unreviewed: plan.unreviewed,
      notes,
      ...stats,
      fingerprints: fresh.flatMap((f) => fingerprintsOf(f, diffs)),
      commandCommentId: job.command?.commentId ?? null,
    };
    const posted = await postReview(octokit, ref, job.headSha, layout.inline, summary, log);
    await finish(conclusion, fresh.length === 0 ? "No new findings" : findingsTitle(fresh), md`${checkSummary}\n\n${link("The review", posted.url)}`);
    log.info({ reviewId: posted.id, findings: fresh.length, inline: posted.inline, scope: scope.kind }, "review posted");
    return { status: "posted", reviewId: posted.id, url: posted.url, findings: fresh.length, inline: posted.inline, scope: scope.kind };
  } catch (error) {
    // Shutting down: the job goes back to the queue as it is; the next worker updates the check.
    if (signal?.aborted && signal.reason === HAND_BACK_REASON) throw error;
    if (error instanceof Superseded || signal?.aborted) {
      const reason = error instanceof Superseded ? error.message : "superseded by a newer commit";
      if (octokit && checkRunId !== null) {
        await completeCheckRun(octokit, repo, checkRunId, "cancelled", { title: "Superseded", summary: withConfigProblems(md`Stopped: ${reason}.`, configProblems) }).catch(() => undefined);
      }
      log.info({ reason }, "review abandoned");
      return { status: "stale", reason };
    }
    const verdict = judgeFailure(error, deps.attempt);
    await reportReviewFailure({ octokit, job, checkRunId, configProblems, verdict, attempt: deps.attempt, botLogin, log });
    throw error;
  }
}

interface FindingLayout {
  inline: PlacedFinding[];
  outsideDiff: ListedFinding[];
  belowThreshold: ListedFinding[];
  overLimit: ListedFinding[];
}

/** Inline when placeable, severe enough and within the limit (most severe first); listed otherwise. */
function layOutFindings(findings: readonly Finding[], diffs: ReadonlyMap<string, FileDiff>, config: RepoConfig, headSha: string, pr: PullRequest): FindingLayout {
  const ordered = [...findings].sort((a, b) => SEVERITY_RANK[a.severity] - SEVERITY_RANK[b.severity]);
  const placement = placeFindings(ordered, diffs);
  const listed = (finding: Finding): ListedFinding => ({ finding, url: diffs.has(finding.path) ? blobUrl(pr, headSha, finding) : null });
  const threshold = SEVERITY_RANK[config.review.inline_severity];
  const inline: PlacedFinding[] = [];
  const belowThreshold: ListedFinding[] = [];
  const overLimit: ListedFinding[] = [];
  for (const placed of placement.inline) {
    if (SEVERITY_RANK[placed.finding.severity] > threshold) belowThreshold.push(listed(placed.finding));
    else if (inline.length >= config.review.max_inline_comments) overLimit.push(listed(placed.finding));
    else inline.push(placed);
  }
  return { inline, outsideDiff: placement.unplaced.map((u) => listed(u.finding)), belowThreshold, overLimit };
}

function blobUrl(pr: PullRequest, headSha: string, finding: Finding): string {
  const path = finding.path.split("/").map(encodeURIComponent).join("/");
  const lines = finding.startLine !== null ? `L${finding.startLine}-L${finding.line}` : `L${finding.line}`;
  return `${pr.base.repo.html_url}/blob/${headSha}/${path}#${lines}`;
}

function checkConclusion(findings: readonly Finding[], config: RepoConfig): CheckConclusion {
  if (config.review.fail_on === "never") return "neutral";
  const limit = SEVERITY_RANK[config.review.fail_on];
  return findings.some((f) => SEVERITY_RANK[f.severity] <= limit) ? "failure" : "neutral";
}

function findingsTitle(findings: readonly Finding[]): string {
  return SEVERITIES.map((s) => [s, findings.filter((f) => f.severity === s).length] as const)
    .filter(([, n]) => n > 0)
    .map(([s, n]) => `${n} ${s}`)
    .join(", ");
}

/** The check run's summary of a posted (or repeated) review. */
export function checkRunSummary(
  fresh: readonly Finding[],
  repeated: number,
  plan: Pick<PackPlan, "coverage">,
  stats: { model: string; promptTokens: number; completionTokens: number; requests: number },
  durationMs: number,
  scopeText: Markup,
): Markup {
  const bySeverity = SEVERITIES.map((s) => md`| ${SEVERITY_LABEL[s]} | ${fresh.filter((f) => f.severity === s).length} |`);
  const c = plan.coverage;
  return join([
    md`Reviewed ${scopeText}.`,
    md``,
    md`| Severity | New findings |`,
    md`| --- | --- |`,
    ...bySeverity,
    md``,
    ...(repeated > 0 ? [md`${repeated} finding(s) already reported earlier were not repeated.`, md``] : []),
    md`**Coverage:** ${c.reviewedFiles}/${c.reviewableFiles} files, ${c.sentChangedLines}/${c.reviewableChangedLines} changed lines.`,
    md`**Model:** ${stats.model} · ${stats.requests} request(s) · ${stats.promptTokens.toLocaleString("en-US")} prompt + ${stats.completionTokens.toLocaleString("en-US")} answer tokens`,
    md`**Duration:** ${(durationMs / 1000).toFixed(1)} s`,
  ]);
}

/** The check run's summary when nothing was sent to the model. */
export function nothingToReviewSummary(scope: { kind: ReviewScope["kind"]; since?: string }, skipped: ReadonlyArray<{ path: string; reason: string }>): Markup {
  if (scope.kind === "incremental") return md`Nothing reviewable changed since ${(scope.since ?? "").slice(0, 7)}.`;
  return md`Nothing reviewable: ${skipped.length} changed file(s), all skipped.\n\n${join(skipped.map((s) => md`- ${code(s.path)}: ${s.reason}`))}`;
}

/** A check run's summary with the repository configuration's problems (YAML keys and values quoted). */
export function withConfigProblems(summary: Markup, problems: readonly string[]): Markup {
  if (problems.length === 0) return summary;
  return md`${summary}\n\n**${code(".github/skywork.yml")} has problems** (defaults apply to these keys):\n${join(problems.map((p) => md`- ${p}`))}`;
}

function headerOf(job: ReviewJobData, pr: PullRequest, config: RepoConfig) {
  return {
    owner: job.owner,
    repo: job.repo,
    number: job.pullNumber,
    title: pr.title,
    body: pr.body,
    baseRef: pr.base.ref,
    headRef: pr.head.ref,
    instructions: config.review.instructions,
  };
}

function eventTime(job: ReviewJobData): number {
  const at = job.eventAt ? Date.parse(job.eventAt) : Number.NaN;
  return Number.isFinite(at) ? at : 0;
}

interface FailureReport {
  /** Null when not even an installation token could be had. */
  octokit: Octokit | null;
  job: ReviewJobData;
  /** Null when the failure came before the check run was started. */
  checkRunId: number | null;
  configProblems: readonly string[];
  verdict: FailureVerdict;
  attempt: AttemptInfo | undefined;
  botLogin: string | null;
  log: Logger;
}

/**
 * Shows why the review failed where people look: the check run (created for the purpose when the
 * failure came before it), and the conversation when a `/skywork review` asked for the review.
 * An attempt that will be retried says so; a final failure completes the check with its reason.
 */
async function reportReviewFailure(report: FailureReport): Promise<void> {
  const { octokit, job, verdict, log } = report;
  if (!octokit) {
    // No installation token (the App was uninstalled or suspended): GitHub cannot be told.
    log.error({ reason: verdict.reason }, "review failed before GitHub could be reached; the reason is only in this log");
    return;
  }
  const repo = { owner: job.owner, repo: job.repo };
  const reason = publicReason(verdict);
  try {
    if (!verdict.final) {
      // Before its check run exists, an attempt that will be retried leaves nothing to update.
      if (report.checkRunId !== null) {
        await showCheckRunRetrying(octokit, repo, report.checkRunId, { title: "Retrying…", summary: md`${attemptLabel(report.attempt)} failed and will be retried: ${reason}` });
      }
      return;
    }
    const output = { title: "Review failed", summary: withConfigProblems(failureSummary(verdict, reason, report.attempt), report.configProblems) };
    const checkRunId = report.checkRunId ?? (await startCheckRun(octokit, repo, job.headSha, output));
    await completeCheckRun(octokit, repo, checkRunId, "neutral", output);
  } catch (error) {
    // Typically GitHub refusing the check run for the very reason being reported (403: the App
    // lacks the Checks permission, or no longer has access to the repository): the log is the
    // only place left to say why the review failed.
    log.error({ err: error, reason: verdict.reason }, "could not show the review failure on GitHub; the reason is only in this log");
  }
  if (verdict.final && job.command && report.botLogin) {
    const body = md`The review asked for with \`/skywork review\` could not be completed: ${reason}`;
    await upsertComment(octokit, { ...repo, issueNumber: job.pullNumber }, `command-issue-${job.command.commentId}`, body, report.botLogin).catch((error: unknown) =>
      log.warn({ err: error }, "could not reply to /skywork review with the failure"),
    );
  }
}

function failureSummary(verdict: FailureVerdict, reason: string, attempt: AttemptInfo | undefined): Markup {
  if (verdict.kind === "permanent") {
    return md`The review could not be completed: ${reason}

Retrying cannot help with this failure, so it was not retried. Once it is resolved, push a commit or comment \`/skywork review\` to review again.`;
  }
  const attempts = attempt?.attempts ?? 1;
  return md`The review could not be completed after ${attempts} attempt${attempts === 1 ? "" : "s"}: ${reason}

Comment \`/skywork review\` to try again.`;
}

function attemptLabel(attempt: AttemptInfo | undefined): string {
  return attempt ? `Attempt ${attempt.attemptsMade + 1} of ${attempt.attempts}` : "An attempt";
}

/**
 * Posts the review. If GitHub still refuses an inline comment (422), the review is posted again
 * with every finding in the summary, so a review is never lost to placement.
 */
async function postReview(
  octokit: Octokit,
  ref: PullRef,
  headSha: string,
  inline: readonly PlacedFinding[],
  summary: SummaryInput,
  log: Logger,
): Promise<{ id: number; url: string; inline: number }> {
  const comments: ReviewComment[] = inline.map((p) => ({
    path: p.finding.path,
    line: p.line,
    side: "RIGHT",
    ...(p.startLine !== null ? { start_line: p.startLine, start_side: "RIGHT" as const } : {}),
    body: inlineCommentBody(p),
  }));
  try {
    const posted = await createReview(octokit, ref, { commitId: headSha, body: reviewSummaryBody(summary), comments });
    return { ...posted, inline: comments.length };
  } catch (error) {
    if (httpStatus(error) !== 422 || comments.length === 0) throw error;
    log.error({ err: error }, "GitHub refused an inline comment; posting every finding in the summary instead");
    const moved = inline.map((p) => ({ finding: p.finding, url: null }));
    const fallback = { ...summary, inlineCount: 0, outsideDiff: [...summary.outsideDiff, ...moved] };
    const posted = await createReview(octokit, ref, { commitId: headSha, body: reviewSummaryBody(fallback), comments: [] });
    return { ...posted, inline: 0 };
  }
}

/**
 * GitHub lists at most 3,000 files of a pull request; the rest cannot be read through the API,
 * so the review says how many it never saw rather than look complete.
 * https://docs.github.com/rest/pulls/pulls#list-pull-requests-files
 */
export function unlistedNote(pr: Pick<PullRequest, "changed_files">, listed: number): string[] {
  const unlisted = pr.changed_files - listed;
  if (unlisted <= 0) return [];
  return [`GitHub lists only the first ${listed.toLocaleString("en-US")} of this pull request's ${pr.changed_files.toLocaleString("en-US")} changed files: the other ${unlisted.toLocaleString("en-US")} could not be read and were not reviewed. Split the pull request to have them reviewed.`];
}
