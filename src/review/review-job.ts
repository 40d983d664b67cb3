// One review of one head of one pull request: gather, pack, ask, check, act.
import { UnrecoverableError } from "bullmq";
import type { Logger } from "probot";
import { packReview, DEFAULT_MARGIN_TOKENS, type PackPlan, type PackedRequest } from "../context/pack.js";
import { fromGitHubFile, type FileDiff } from "../diff/index.js";
import type { GitHubApp } from "../github/app-client.js";
import { httpStatus } from "../github/errors.js";
import { getPullRequest, listPullRequestFiles, type PullRef } from "../github/pull-request.js";
import { createReview, listOwnReviews, type ReviewComment } from "../github/reviews.js";
import type { ModelClient } from "../model/client.js";
import { ContextOverflowError } from "../model/errors.js";
import type { ReviewJobData } from "../queue/jobs.js";
import type { QwenTokenizer } from "../tokenizer/index.js";
import { parseReviewAnswer, REVIEW_ANSWER_SCHEMA, type Finding } from "./findings.js";
import { placeFindings, type Placement } from "./placement.js";
import { REVIEW_SYSTEM_PROMPT, reviewPreamble } from "./prompt.js";
import { inlineCommentBody, reviewSummaryBody } from "./review-body.js";

export interface ReviewSettings {
  answerTokens: number;
  maxRequests: number;
}

export interface ReviewDeps {
  github: GitHubApp;
  model: ModelClient;
  tokenizer: QwenTokenizer;
  settings: ReviewSettings;
  log: Logger;
}

export type ReviewOutcome =
  | { status: "posted"; reviewId: number; url: string; findings: number; inline: number }
  | { status: "already-reviewed"; reviewId: number }
  | { status: "stale"; reason: string };

/** GitHub rejects review bodies over 65,536 characters. */
const MAX_BODY_CHARS = 60_000;
/** A window overflow reported by the server shrinks the budget by this much before re-packing. */
const OVERFLOW_SHRINK = 0.85;
const MAX_OVERFLOW_REPACKS = 3;

export async function runReviewJob(job: ReviewJobData, deps: ReviewDeps, signal?: AbortSignal): Promise<ReviewOutcome> {
  const log = deps.log.child({ deliveryId: job.deliveryId, repo: `${job.owner}/${job.repo}`, pr: job.pullNumber, head: job.headSha.slice(0, 7) });
  const ref: PullRef = { owner: job.owner, repo: job.repo, pullNumber: job.pullNumber };
  const octokit = await deps.github.octokitFor(job.installationId);

  const pr = await getPullRequest(octokit, ref).catch((error: unknown) => {
    const status = httpStatus(error);
    if (status === 404 || status === 410) throw new UnrecoverableError(`Pull request ${job.owner}/${job.repo}#${job.pullNumber} no longer exists.`);
    throw error;
  });
  if (pr.state !== "open") return { status: "stale", reason: `the pull request is ${pr.state}` };
  if (pr.head.sha !== job.headSha) return { status: "stale", reason: `the head moved to ${pr.head.sha.slice(0, 7)}; that head gets its own review` };

  const botLogin = await deps.github.botLogin();
  const existing = (await listOwnReviews(octokit, ref, botLogin)).find((r) => r.marker.head === job.headSha);
  if (existing) {
    log.info({ reviewId: existing.id }, "head already reviewed; not posting again");
    return { status: "already-reviewed", reviewId: existing.id };
  }

  const files = (await listPullRequestFiles(octokit, ref)).map(fromGitHubFile);
  const diffs = new Map<string, FileDiff>(files.map((f) => [f.path, f]));
  const model = await deps.model.resolve();

  const header = {
    owner: job.owner,
    repo: job.repo,
    number: job.pullNumber,
    title: pr.title,
    body: pr.body,
    baseRef: pr.base.ref,
    headRef: pr.head.ref,
  };
  const input = { system: REVIEW_SYSTEM_PROMPT, preamble: (part: { index: number; total: number }) => reviewPreamble(header, part), files };

  let contextTokens = model.contextTokens;
  let plan: PackPlan | null = null;
  let answers: RequestAnswer[] = [];
  for (let attempt = 0; ; attempt++) {
    plan = await packReview(input, { contextTokens, answerTokens: deps.settings.answerTokens, marginTokens: DEFAULT_MARGIN_TOKENS, maxRequests: deps.settings.maxRequests }, deps.tokenizer);
    try {
      answers = [];
      for (const request of plan.requests) answers.push(await ask(deps, request, signal, log));
      break;
    } catch (error) {
      // Our counts are exact, but a server with a different template or a smaller real window can
      // still refuse: re-pack into a smaller budget rather than fail the review.
      if (!(error instanceof ContextOverflowError) || attempt >= MAX_OVERFLOW_REPACKS) throw error;
      contextTokens = Math.floor(deps.settings.answerTokens + (contextTokens - deps.settings.answerTokens) * OVERFLOW_SHRINK);
      log.warn({ contextTokens }, "model server reported a context overflow; re-packing into a smaller budget");
    }
  }

  const findings = dedupeFindings(answers.flatMap((a) => a.findings));
  const placement = placeFindings(findings, diffs);
  const notes: string[] = [];
  const unreadable = answers.filter((a) => a.error !== null);
  if (unreadable.length > 0) {
    notes.push(
      `The model's answer for ${unreadable.length} of ${answers.length} request(s) could not be read (${unreadable[0]!.error}); those files have no findings.`,
    );
  }
  const discarded = answers.reduce((n, a) => n + a.discarded, 0);
  if (discarded > 0) notes.push(`${discarded} finding(s) without a file, line or text were discarded.`);

  // The head may have moved while the model was thinking: a review of an old head is noise.
  const current = await getPullRequest(octokit, ref);
  if (current.head.sha !== job.headSha) return { status: "stale", reason: `the head moved to ${current.head.sha.slice(0, 7)} during the review` };
  const again = (await listOwnReviews(octokit, ref, botLogin)).find((r) => r.marker.head === job.headSha);
  if (again) return { status: "already-reviewed", reviewId: again.id };

  const summary = {
    headSha: job.headSha,
    modelSummary: answers
      .map((a) => a.summary)
      .filter(Boolean)
      .join("\n\n"),
    coverage: plan.coverage,
    skipped: plan.skipped,
    unreviewed: plan.unreviewed,
    notes,
    model: model.id,
    promptTokens: answers.reduce((n, a) => n + a.promptTokens, 0),
    completionTokens: answers.reduce((n, a) => n + a.completionTokens, 0),
    requests: answers.length,
  };
  const posted = await postOnce(deps, octokit, ref, job.headSha, placement, summary, log);
  log.info({ reviewId: posted.id, findings: findings.length, inline: posted.inline }, "review posted");
  return { status: "posted", reviewId: posted.id, url: posted.url, findings: findings.length, inline: posted.inline };
}

interface RequestAnswer {
  summary: string;
  findings: Finding[];
  discarded: number;
  error: string | null;
  promptTokens: number;
  completionTokens: number;
}

/** Asks one packed request; an unreadable answer gets one corrective retry, then is reported. */
async function ask(deps: ReviewDeps, request: PackedRequest, signal: AbortSignal | undefined, log: Logger): Promise<RequestAnswer> {
  let promptTokens = 0;
  let completionTokens = 0;
  let lastError = "";
  for (let attempt = 0; attempt < 2; attempt++) {
    const messages =
      attempt === 0
        ? request.messages
        : [
            ...request.messages.slice(0, -1),
            { role: "user" as const, content: `${request.messages.at(-1)!.content}\n\nAnswer with only the JSON object described in the instructions.` },
          ];
    const completion = await deps.model.complete({
      messages,
      maxTokens: deps.settings.answerTokens,
      promptTokens: deps.tokenizer.countChat(messages),
      jsonSchema: { name: "review", schema: REVIEW_ANSWER_SCHEMA },
      ...(signal ? { signal } : {}),
    });
    promptTokens += completion.promptTokens;
    completionTokens += completion.completionTokens;
    const parsed = parseReviewAnswer(completion.content);
    if (parsed.ok) return { ...parsed.answer, error: null, promptTokens, completionTokens };
    lastError = completion.finishReason === "length" ? "the answer was cut off at the token limit" : parsed.error;
    log.warn({ attempt, error: lastError }, "unreadable model answer");
  }
  return { summary: "", findings: [], discarded: 0, error: lastError, promptTokens, completionTokens };
}

function dedupeFindings(findings: readonly Finding[]): Finding[] {
  const seen = new Set<string>();
  return findings.filter((f) => {
    const key = `${f.path}\u0000${f.startLine ?? ""}\u0000${f.line}\u0000${f.title.toLowerCase()}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

type Summary = Omit<Parameters<typeof reviewSummaryBody>[0], "inline" | "unplaced">;

/**
 * Posts the review. If GitHub still refuses an inline comment (422), the review is posted again
 * with every finding in the summary, so a review is never lost to placement.
 */
async function postOnce(
  deps: ReviewDeps,
  octokit: Awaited<ReturnType<GitHubApp["octokitFor"]>>,
  ref: PullRef,
  headSha: string,
  placement: Placement,
  summary: Summary,
  log: Logger,
): Promise<{ id: number; url: string; inline: number }> {
  const comments: ReviewComment[] = placement.inline.map((p) => ({
    path: p.finding.path,
    line: p.line,
    side: "RIGHT",
    ...(p.startLine !== null ? { start_line: p.startLine, start_side: "RIGHT" as const } : {}),
    body: inlineCommentBody(p),
  }));
  const body = capBody(reviewSummaryBody({ ...summary, inline: placement.inline, unplaced: placement.unplaced }));
  try {
    const posted = await createReview(octokit, ref, { commitId: headSha, body, comments });
    return { ...posted, inline: comments.length };
  } catch (error) {
    if (httpStatus(error) !== 422 || comments.length === 0) throw error;
    log.error({ err: error }, "GitHub refused an inline comment; posting every finding in the summary instead");
    const allInSummary = [...placement.unplaced, ...placement.inline.map((p) => ({ finding: p.finding, reason: "GitHub refused the inline comment" }))];
    const fallback = capBody(reviewSummaryBody({ ...summary, inline: [], unplaced: allInSummary }));
    const posted = await createReview(octokit, ref, { commitId: headSha, body: fallback, comments: [] });
    return { ...posted, inline: 0 };
  }
}

/** Keeps the marker (the last line) when a body must be shortened to GitHub's limit. */
function capBody(body: string): string {
  if (body.length <= MAX_BODY_CHARS) return body;
  const markerStart = body.lastIndexOf("\n<!-- skywork:");
  const marker = markerStart === -1 ? "" : body.slice(markerStart);
  return `${body.slice(0, MAX_BODY_CHARS - marker.length - 80)}\n\n_… summary shortened to fit GitHub's size limit._${marker}`;
}
