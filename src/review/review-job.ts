// One review of one head of one pull request: gather, pack, ask, check, act — with the check run
// showing progress, incremental scope, no repeated findings, and work for old heads abandoned.
import { setMaxListeners } from "node:events";
import type { RedisClient } from "../queue/connection.js";
import type { Logger } from "probot";
import { loadRepoConfig, type RepoConfig } from "../config/repo-config.js";
import { fromGitHubFile, type FileDiff } from "../diff/index.js";
import { PermanentError } from "../errors.js";
import type { GitHubApp, Octokit } from "../github/app-client.js";
import { completeCheckRun, completeLeftoverCheckRun, showCheckRunRetrying, skipCheckRun, startCheckRun, type CheckConclusion } from "../github/check-runs.js";
import { upsertComment } from "../github/comments.js";
import { commitFileSource } from "../github/contents.js";
import { httpStatus } from "../github/errors.js";
import { FINDING_MARKER_KIND, type FindingMarker } from "../github/markers.js";
import { code, join, link, marker, md, type Markup } from "../github/markup.js";
import { getPullRequest, listPullRequestFiles, type PullRef, type PullRequest } from "../github/pull-request.js";
import { createReview, listOwnReviews, type ReviewComment } from "../github/reviews.js";
import type { ModelClient } from "../model/client.js";
import { HAND_BACK_REASON, type ReviewJobData } from "../queue/jobs.js";
import { judgeFailure, publicReason, type AttemptInfo, type FailureVerdict } from "../queue/retry-policy.js";
import { latestHead } from "../queue/supersede.js";
import { loadQwenTokenizer, type QwenTokenizer } from "../tokenizer/index.js";
import { answerNotes, askAll, dedupeFindings, Superseded, throwIfSuperseded, type AskResult } from "./ask-model.js";
import { dismissedAs, Dismissers, findDismissals, recordLearnings } from "./dismissals.js";
import { SEVERITIES, SEVERITY_RANK, type Finding } from "./findings.js";
import { fingerprintsOf, isKnownFinding } from "./fingerprints.js";
import { guidanceSummary, loadGuidance, type Guidance } from "./guidance.js";
import { placeFindings, type PlacedFinding } from "./placement.js";
import { fileList, inlineCommentBody, reviewSummaryBody, SEVERITY_LABEL, type ListedFinding, type SummaryInput } from "./review-body.js";
import { recordQuietHead, reviewCovering } from "./review-record.js";
import { answerReserve, reviewPackInput } from "./review-input.js";
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
  | { status: "no-new-findings"; scope: ReviewScope["kind"]; findings?: number; dismissed?: number }
  | { status: "skipped"; reason: string }
  | { status: "stale"; reason: string };

/** A check run's summary is capped at 65,535 characters too; the list of files not reviewed gets this much. */
const CHECK_UNREVIEWED_LIST_CHARS = 20_000;

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
      if (status === 404 || status === 410) throw new PermanentError(`Pull request ${job.owner}/${job.repo}#${job.pullNumber} no longer exists.`);
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
    const done = reviewCovering(ownReviews, job.headSha, job.command?.commentId);
    if (done) {
      await completeLeftoverCheckRun(octokit, repo, job.headSha, {
        title: "Reviewed",
        summary: md`The review of ${job.headSha.slice(0, 7)} was posted: ${link("the review", done.url)}.`,
      }).catch((error: unknown) => log.warn({ err: error }, "could not complete a leftover check run"));
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
    const answerTokens = answerReserve(config.review.answer_tokens ?? deps.settings.answerTokens, model.contextTokens);

    // What people said about earlier findings, and the repository's guidance (read at the base),
    // which never takes more than a quarter of the room for the prompt.
    const { dismissals } = await findDismissals(octokit, ref, botLogin, new Dismissers(octokit, repo, pr.user?.login ?? ""));
    await recordLearnings(octokit, repo, job.pullNumber, dismissals, log);
    const guidanceTokens = Math.min(config.review.guidance_tokens, Math.floor((model.contextTokens - answerTokens) / 4));
    const guidance = await loadGuidance(octokit, repo, pr.base.sha, { ...config.review, guidance_tokens: guidanceTokens }, deps.tokenizer);
    const input = reviewPackInput({
      config,
      header: headerOf(job, pr),
      guidance: guidance.text,
      files: scope.files,
      source: commitFileSource(octokit, repo, job.headSha),
    });
    // A server that tokenizes without NFC (llama.cpp, Ollama) is budgeted at the larger of both counts.
    const tokenizer = model.server.normalizesUnicode ? deps.tokenizer : loadQwenTokenizer({ largerOfRawAndNfc: true });
    const { plan, answers, coverage, unreviewed, complete } = await askAll(
      { model: deps.model, tokenizer, requestConcurrency: deps.settings.requestConcurrency, log },
      input,
      { contextTokens: model.contextTokens, answerTokens, maxRequests: config.review.max_requests },
      signal,
      log,
    );

    if (plan.requests.length === 0) {
      await finish("skipped", "Nothing to review", nothingToReviewSummary(scope, plan.skipped));
      return { status: "skipped", reason: scope.kind === "incremental" ? "nothing reviewable changed" : "nothing reviewable: every changed file was skipped" };
    }

    const reported = dedupeFindings(answers.flatMap((a) => a.findings));
    // A dismissed finding is never raised again on this pull request, however the model words it.
    const dismissedFindings = dismissals.map((d) => d.finding);
    const standing = reported.filter((f) => dismissedAs(f, dismissedFindings, diffs) === null);
    const known = new Set(ownReviews.flatMap((r) => r.marker.fp ?? []));
    const fresh = standing.filter((f) => !isKnownFinding(f, diffs, known));
    const { posted: shown, withheld } = capFindings(fresh, config.review.max_findings);
    const layout = layOutFindings(shown, diffs, config, job.headSha, pr);
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
    const conclusion = checkConclusion(standing, config);
    const checkSummary = join([
      checkRunSummary(fresh, standing.length - fresh.length, { coverage, unreviewed }, stats, Date.now() - started, scopeText),
      ...listeningLines(reported.length - standing.length, withheld.length, config.review.max_findings, guidance),
    ]);
    const missing = new Set(unreviewed.map((u) => u.path)).size;
    // Never "No new findings" for a review that did not cover everything: the title says what is missing.
    const incompleteTitle = complete ? "" : `incomplete, ${missing} file${missing === 1 ? "" : "s"} not reviewed`;
    const title =
      fresh.length === 0
        ? complete
          ? "No new findings"
          : `Incomplete: ${missing} file${missing === 1 ? "" : "s"} not reviewed`
        : [findingsTitle(fresh), incompleteTitle].filter(Boolean).join(" · ");

    const latest = ownReviews.at(-1);
    if (fresh.length === 0 && complete && latest) {
      // Nothing new: no review is added to the conversation. The head is recorded on the latest
      // review (durable, on GitHub) and the check run says what was reviewed. (A review that missed
      // files is posted, to say so.)
      await recordQuietHead(octokit, ref, latest, job.headSha);
      if (job.command) {
        await upsertComment(
          octokit,
          { owner: job.owner, repo: job.repo, issueNumber: job.pullNumber },
          `command-issue-${job.command.commentId}`,
          md`Reviewed ${job.headSha.slice(0, 7)} again in full: no new findings.`,
          botLogin,
        );
      }
      await finish(
        conclusion,
        "No new findings",
        md`${checkSummary}\n\nNo new review was added to the conversation; ${link("the latest review", latest.url)} records this head.`,
      );
      log.info({ reported: reported.length, dismissed: reported.length - standing.length }, "no new findings; no review posted");
      return { status: "no-new-findings", scope: scope.kind, findings: reported.length, dismissed: reported.length - standing.length };
    }

    const summary: SummaryInput = {
      headSha: job.headSha,
      scope: scope.kind === "incremental" ? { kind: "incremental", since: scope.since } : { kind: "full", reason: scope.reason },
      modelSummary: answers
        .map((a) => a.summary)
        .filter(Boolean)
        .join("\n\n"),
      inlineCount: layout.inline.length,
      newFindings: shown,
      outsideDiff: layout.outsideDiff,
      belowThreshold: { severity: config.review.inline_severity, findings: layout.belowThreshold },
      overLimit: { limit: config.review.max_inline_comments, findings: layout.overLimit },
      repeated: standing.length - fresh.length,
      dismissed: reported.length - standing.length,
      withheld: { limit: config.review.max_findings, findings: withheld },
      guidance: guidance.used.length > 0 || guidance.left.length > 0 ? guidanceSummary(guidance) : null,
      coverage,
      skipped: plan.skipped,
      unreviewed,
      notes,
      ...stats,
      fingerprints: shown.flatMap((f) => fingerprintsOf(f, diffs)),
      commandCommentId: job.command?.commentId ?? null,
    };
    const posted = await postReview(octokit, ref, job.headSha, layout.inline, summary, diffs, log);
    await finish(conclusion, title, md`${checkSummary}\n\n${link("The review", posted.url)}`);
    log.info({ reviewId: posted.id, findings: shown.length, inline: posted.inline, scope: scope.kind }, "review posted");
    return { status: "posted", reviewId: posted.id, url: posted.url, findings: shown.length, inline: posted.inline, scope: scope.kind };
  } catch (error) {
    // Shutting down: the job goes back to the queue as it is; the next worker updates the check.
    if (signal?.aborted && signal.reason === HAND_BACK_REASON) throw error;
    if (error instanceof Superseded || signal?.aborted) {
      const reason = error instanceof Superseded ? error.message : "superseded by a newer commit";
      if (octokit && checkRunId !== null) {
        await completeCheckRun(octokit, repo, checkRunId, "cancelled", {
          title: "Superseded",
          summary: withConfigProblems(md`Stopped: ${reason}.`, configProblems),
        }).catch(() => undefined);
      }
      log.info({ reason }, "review abandoned");
      return { status: "stale", reason };
    }
    const verdict = judgeFailure(error, deps.attempt);
    await reportReviewFailure({ octokit, job, checkRunId, configProblems, verdict, attempt: deps.attempt, botLogin, log });
    throw error;
  }
}

/** At most `limit` findings are posted, most severe first; the rest are only counted. */
function capFindings(findings: readonly Finding[], limit: number): { posted: Finding[]; withheld: Finding[] } {
  const ordered = [...findings].sort((a, b) => SEVERITY_RANK[a.severity] - SEVERITY_RANK[b.severity]);
  return { posted: ordered.slice(0, limit), withheld: ordered.slice(limit) };
}

/** What the check run adds about dismissed findings, the findings cap and the guidance given. */
function listeningLines(dismissed: number, withheld: number, limit: number, guidance: Guidance): Markup[] {
  const lines: Markup[] = [];
  if (dismissed > 0) lines.push(md`${dismissed} finding(s) dismissed earlier on this pull request were not raised again.`);
  if (withheld > 0) lines.push(md`${withheld} more finding(s) over \`review.max_findings\` (${limit}) were counted, not posted.`);
  if (guidance.tokens > 0)
    lines.push(
      md`**Guidance:** ${guidance.used.length} source(s), ${guidance.tokens.toLocaleString("en-US")} of ${guidance.budget.toLocaleString("en-US")} tokens, first in every request.`,
    );
  return lines;
}

interface FindingLayout {
  inline: PlacedFinding[];
  outsideDiff: ListedFinding[];
  belowThreshold: ListedFinding[];
  overLimit: ListedFinding[];
}

/** Inline when placeable, severe enough and within the limit (most severe first); listed otherwise. */
function layOutFindings(
  findings: readonly Finding[],
  diffs: ReadonlyMap<string, FileDiff>,
  config: RepoConfig,
  headSha: string,
  pr: PullRequest,
): FindingLayout {
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
  covered: Pick<AskResult, "coverage" | "unreviewed">,
  stats: { model: string; promptTokens: number; completionTokens: number; requests: number },
  durationMs: number,
  scopeText: Markup,
): Markup {
  const bySeverity = SEVERITIES.map((s) => md`| ${SEVERITY_LABEL[s]} | ${fresh.filter((f) => f.severity === s).length} |`);
  const c = covered.coverage;
  const missing = covered.unreviewed.length > 0 ? [md``, md`**Not reviewed:**`, ...fileList(covered.unreviewed, CHECK_UNREVIEWED_LIST_CHARS)] : [];
  return join([
    md`Reviewed ${scopeText}.`,
    md``,
    md`| Severity | New findings |`,
    md`| --- | --- |`,
    ...bySeverity,
    md``,
    ...(repeated > 0 ? [md`${repeated} finding(s) already reported earlier were not repeated.`, md``] : []),
    md`**Coverage:** ${c.reviewedFiles}/${c.reviewableFiles} files, ${c.reviewedChangedLines}/${c.reviewableChangedLines} changed lines.`,
    ...missing,
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

function headerOf(job: ReviewJobData, pr: PullRequest) {
  return {
    owner: job.owner,
    repo: job.repo,
    number: job.pullNumber,
    title: pr.title,
    body: pr.body,
    baseRef: pr.base.ref,
    headRef: pr.head.ref,
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
        await showCheckRunRetrying(octokit, repo, report.checkRunId, {
          title: "Retrying…",
          summary: md`${attemptLabel(report.attempt)} failed and will be retried: ${reason}`,
        });
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
    await upsertComment(octokit, { ...repo, issueNumber: job.pullNumber }, `command-issue-${job.command.commentId}`, body, report.botLogin).catch(
      (error: unknown) => log.warn({ err: error }, "could not reply to /skywork review with the failure"),
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
  files: ReadonlyMap<string, FileDiff>,
  log: Logger,
): Promise<{ id: number; url: string; inline: number }> {
  const comments: ReviewComment[] = inline.map((p) => ({
    path: p.finding.path,
    line: p.line,
    side: "RIGHT",
    ...(p.startLine !== null ? { start_line: p.startLine, start_side: "RIGHT" as const } : {}),
    // The marker ties replies, reactions and resolutions of this thread to the finding.
    body: md`${inlineCommentBody(p)}\n\n${marker(FINDING_MARKER_KIND, { v: 1, fp: fingerprintsOf(p.finding, files), path: p.finding.path, title: p.finding.title.slice(0, 200), severity: p.finding.severity } satisfies FindingMarker)}`,
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
  return [
    `GitHub lists only the first ${listed.toLocaleString("en-US")} of this pull request's ${pr.changed_files.toLocaleString("en-US")} changed files: the other ${unlisted.toLocaleString("en-US")} could not be read and were not reviewed. Split the pull request to have them reviewed.`,
  ];
}
