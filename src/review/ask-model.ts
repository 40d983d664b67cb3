// Asking the model for a review: every packed request (a few at a time) with an answer budget sized
// to its code, an answer cut at max_tokens salvaged and only the files it did not reach asked again,
// a malformed answer retried once with a corrective line, and a re-pack into a smaller budget when
// the server says the window is smaller than we thought. Used by the worker and by `skywork review`.
import type { Logger } from "probot";
import {
  DEFAULT_MARGIN_TOKENS,
  packReview,
  type PackInput,
  type PackLimits,
  type PackPlan,
  type PackedRequest,
  type PathReason,
  type SentPart,
} from "../context/index.js";
import type { FileDiff } from "../diff/index.js";
import type { ModelClient } from "../model/client.js";
import { ContextOverflowError, WindowTooSmallError } from "../errors.js";
import type { QwenTokenizer } from "../tokenizer/index.js";
import { answerBudget } from "./answer-budget.js";
import { parseReviewAnswer, reviewAnswerSchema, type Finding } from "./findings.js";
import { findingsLimitLine } from "./prompt.js";
import { salvageReviewAnswer } from "./salvage.js";

export interface AskDeps {
  model: Pick<ModelClient, "complete" | "learnWindow">;
  tokenizer: QwenTokenizer;
  /** Model requests of one review in flight at once. */
  requestConcurrency: number;
  log: Logger;
}

/** A window overflow reported by the server, without a stated window, shrinks the budget this much. */
const OVERFLOW_SHRINK = 0.7;
/**
 * Re-packing stops when the prompt budget would fall below this: a server that refuses even such
 * small requests is misconfigured (its window is not what it reports), and shrinking further would
 * only send more, smaller requests to the same refusal.
 */
const MIN_PROMPT_TOKENS = 1_024;

/** An operator must fix the server's or the app's window setting: a configuration error, not retried. */
function refusedEvenSmall(contextTokens: number): WindowTooSmallError {
  return new WindowTooSmallError(
    `The model server refused requests even after re-packing into a ${contextTokens}-token window. ` +
      "Check the server's context length (vLLM --max-model-len, llama.cpp --ctx-size) and set LLM_CONTEXT_TOKENS to it.",
  );
}

export class Superseded extends Error {}

export function throwIfSuperseded(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new Superseded("superseded by a newer commit");
}

export interface RequestAnswer {
  summary: string;
  findings: Finding[];
  discarded: number;
  impossibleLines: string[];
  /** Why the answer could not be read; null when it was (whole, or salvaged after a cut). */
  error: string | null;
  /** The server cut the answer at max_tokens: its complete findings were kept (salvage.ts). */
  cut: boolean;
  promptTokens: number;
  completionTokens: number;
}

/** What the model's answers covered: a file counts once every part of it sent was answered. */
export interface ReviewCoverage {
  reviewableFiles: number;
  reviewedFiles: number;
  reviewableChangedLines: number;
  reviewedChangedLines: number;
}

export interface AskResult {
  /** The plan of the first round (skipped files, notes); re-asks are extra requests. */
  plan: PackPlan;
  /** Every request's answer, re-asks included. */
  answers: RequestAnswer[];
  coverage: ReviewCoverage;
  /** Reviewable files (or line ranges) whose review is missing, and why: over the request cap, or an answer lost. */
  unreviewed: PathReason[];
  /** Every reviewable changed line was sent and its answer read. */
  complete: boolean;
}

/** Re-asks of cut answers may add at most this many times the review's request cap. */
const REASK_REQUEST_FACTOR = 1;

/** Packs and asks every request (a few at a time), re-packing smaller if the server overflows. */
export async function askAll(
  deps: AskDeps,
  input: PackInput,
  initial: { contextTokens: number; answerTokens: number; maxRequests: number },
  signal: AbortSignal | undefined,
  log: Logger,
): Promise<AskResult> {
  let limits = initial;
  let contextTokens = limits.contextTokens;
  for (;;) {
    const packLimits = { contextTokens, answerTokens: limits.answerTokens, marginTokens: DEFAULT_MARGIN_TOKENS, maxRequests: limits.maxRequests };
    const plan = await packReview(input, packLimits, deps.tokenizer);
    try {
      return await askPlan(deps, input, plan, packLimits, signal, log);
    } catch (error) {
      // Our counts are exact, but a server with another template or a smaller real window can
      // still refuse: re-pack into a smaller budget rather than fail the review.
      if (!(error instanceof ContextOverflowError)) throw error;
      const stated = error.serverWindow;
      if (stated !== null && stated < contextTokens) {
        // The server named its real window: fit it exactly, now and for later reviews.
        deps.model.learnWindow(stated, log);
        contextTokens = stated;
      } else {
        contextTokens = Math.floor(limits.answerTokens + (contextTokens - limits.answerTokens) * OVERFLOW_SHRINK);
      }
      // The answer reserve must still leave room for a prompt.
      limits = { ...limits, answerTokens: Math.min(limits.answerTokens, Math.floor(contextTokens / 2)) };
      if (contextTokens - limits.answerTokens - DEFAULT_MARGIN_TOKENS < MIN_PROMPT_TOKENS) throw refusedEvenSmall(contextTokens);
      log.warn({ contextTokens }, "model server reported a context overflow; re-packing into a smaller budget");
    }
  }
}

/** A request to ask, with the findings cap its answer gets (lowered when a one-file answer was cut bare). */
interface Pending {
  request: PackedRequest;
  cap: number;
}

/**
 * Asks the plan's requests; a cut answer keeps its complete findings and the files it did not
 * reach are asked again in smaller requests, never the same prompt twice.
 */
async function askPlan(deps: AskDeps, input: PackInput, plan: PackPlan, limits: PackLimits, signal: AbortSignal | undefined, log: Logger): Promise<AskResult> {
  const answers: RequestAnswer[] = [];
  const sentLines = new Map<string, number>();
  for (const request of plan.requests) for (const part of request.parts) sentLines.set(part.path, (sentLines.get(part.path) ?? 0) + part.changedLines);
  const lostLines = new Map<string, number>();
  const lost: PathReason[] = [];
  const lose = (part: SentPart, reason: string) => {
    lostLines.set(part.path, (lostLines.get(part.path) ?? 0) + part.changedLines);
    lost.push({ path: part.path, reason: part.split && part.newLines ? `lines ${part.newLines.start}-${part.newLines.end}: ${reason}` : reason });
  };
  const maxRequests = limits.maxRequests * (1 + REASK_REQUEST_FACTOR);
  let pending: Pending[] = plan.requests.map((request) => ({ request, cap: Number.POSITIVE_INFINITY }));
  while (pending.length > 0) {
    const round = await mapLimited(pending, deps.requestConcurrency, signal, (item, requestSignal) => ask(deps, item, limits.answerTokens, requestSignal, log));
    answers.push(...round);
    const next: Pending[] = [];
    for (const [i, answer] of round.entries()) {
      const { request, cap } = pending[i]!;
      if (answer.error !== null) {
        for (const part of request.parts) lose(part, `the model's answer could not be read (${answer.error})`);
        continue;
      }
      if (!answer.cut) continue;
      const reached = new Set(answer.findings.map((f) => f.path));
      const unreached = request.parts.filter((part) => !reached.has(part.path));
      if (unreached.length === 0) continue;
      log.warn(
        { files: request.parts.length, unreached: unreached.length, kept: answer.findings.length },
        "model answer cut at max_tokens; asking again for the files it did not reach",
      );
      let groups: SentPart[][];
      let nextCap = Number.POSITIVE_INFINITY;
      if (unreached.length < request.parts.length) groups = [unreached];
      else if (unreached.length > 1) groups = [unreached.slice(0, Math.ceil(unreached.length / 2)), unreached.slice(Math.ceil(unreached.length / 2))];
      else {
        // One file and not one complete finding: ask for fewer findings (a different prompt), once.
        const asked = Math.min(cap, budgetOf(request, limits.answerTokens).maxFindings);
        if (asked <= 1 || cap !== Number.POSITIVE_INFINITY) {
          lose(unreached[0]!, "the model's answer was cut off at the token limit before reaching it");
          continue;
        }
        groups = [unreached];
        nextCap = Math.max(1, Math.floor(asked / 2));
      }
      for (const group of groups) {
        const room = maxRequests - answers.length - next.length;
        const reask = room > 0 ? await packReview(reaskInput(input, group), { ...limits, maxRequests: room }, deps.tokenizer) : null;
        for (const part of group) {
          if (!reask || reask.unreviewed.some((u) => u.path === part.path) || !reask.requests.some((r) => r.files.includes(part.path))) {
            lose(part, `the model's answer was cut off before reaching it, and re-asking would pass the limit of ${maxRequests} model requests`);
          }
        }
        for (const r of reask?.requests ?? []) next.push({ request: r, cap: nextCap });
      }
    }
    pending = next;
  }

  const reviewedChangedLines = [...sentLines].reduce((n, [path, lines]) => n + Math.max(0, lines - (lostLines.get(path) ?? 0)), 0);
  const unreviewed = [...plan.unreviewed, ...lost];
  return {
    plan,
    answers,
    coverage: {
      reviewableFiles: plan.coverage.reviewableFiles,
      reviewedFiles: [...sentLines.keys()].filter((path) => !lostLines.has(path) && !plan.unreviewed.some((u) => u.path === path)).length,
      reviewableChangedLines: plan.coverage.reviewableChangedLines,
      reviewedChangedLines,
    },
    unreviewed,
    complete: unreviewed.length === 0 && reviewedChangedLines === plan.coverage.reviewableChangedLines,
  };
}

/** The pull request's files narrowed to `parts`: whole files, or the hunks a split part showed. */
function reaskInput(input: PackInput, parts: readonly SentPart[]): PackInput {
  const byPath = new Map<string, SentPart[]>();
  for (const part of parts) byPath.set(part.path, [...(byPath.get(part.path) ?? []), part]);
  const files: FileDiff[] = [];
  for (const diff of input.files) {
    const mine = byPath.get(diff.path);
    if (!mine) continue;
    if (mine.some((part) => part.split === null)) {
      files.push(diff);
      continue;
    }
    const hunks = diff.hunks.filter((hunk) =>
      mine.some((part) =>
        part.newLines === null
          ? hunk.newLines === 0
          : hunk.newStart <= part.newLines.end && hunk.newStart + Math.max(hunk.newLines, 1) - 1 >= part.newLines.start,
      ),
    );
    const additions = hunks.reduce((n, h) => n + h.lines.filter((l) => l.kind === "add").length, 0);
    const deletions = hunks.reduce((n, h) => n + h.lines.filter((l) => l.kind === "del").length, 0);
    files.push({ ...diff, hunks, additions, deletions });
  }
  return { ...input, files };
}

function budgetOf(request: PackedRequest, answerTokens: number, cap?: number) {
  return answerBudget({ files: new Set(request.files).size, changedLines: request.changedLines }, answerTokens, cap);
}

/** Asks one request; a malformed (not cut) answer gets one corrective retry, then is reported. */
async function ask(deps: AskDeps, item: Pending, answerTokens: number, signal: AbortSignal | undefined, log: Logger): Promise<RequestAnswer> {
  const { request } = item;
  const budget = budgetOf(request, answerTokens, item.cap);
  let promptTokens = 0;
  let completionTokens = 0;
  let lastError = "";
  const last = request.messages.at(-1)!;
  for (let attempt = 0; attempt < 2; attempt++) {
    throwIfSuperseded(signal);
    const corrective = attempt === 0 ? "" : "\n\nAnswer with only the JSON object described in the instructions.";
    const messages = [...request.messages.slice(0, -1), { role: last.role, content: `${last.content}${findingsLimitLine(budget.maxFindings)}${corrective}` }];
    const completion = await deps.model.complete({
      messages,
      maxTokens: budget.maxTokens,
      promptTokens: deps.tokenizer.countChat(messages),
      jsonSchema: { name: "review", schema: reviewAnswerSchema(budget.maxFindings) },
      // The job's logger: the client's warnings about this request carry its delivery, job and PR.
      log,
      ...(signal ? { signal } : {}),
    });
    promptTokens += completion.promptTokens;
    completionTokens += completion.completionTokens;
    if (completion.finishReason === "length") {
      // Never the same prompt again: what the cut answer finished is kept, the rest re-asked smaller.
      const salvaged = salvageReviewAnswer(completion.content) ?? { summary: "", findings: [], discarded: 0, impossibleLines: [] };
      return { ...salvaged, error: null, cut: true, promptTokens, completionTokens };
    }
    const parsed = parseReviewAnswer(completion.content);
    if (parsed.ok) return { ...parsed.answer, error: null, cut: false, promptTokens, completionTokens };
    lastError = parsed.error;
    log.warn({ attempt, error: lastError }, "unreadable model answer");
  }
  return { summary: "", findings: [], discarded: 0, impossibleLines: [], error: lastError, cut: false, promptTokens, completionTokens };
}

/**
 * Runs `fn` over `items`, `limit` at a time, results in order. The first failure stops the rest:
 * nothing new starts and the requests in flight are aborted (their GPU time would be wasted on a
 * plan about to be re-packed), then that first failure is thrown.
 */
async function mapLimited<T, R>(
  items: readonly T[],
  limit: number,
  outer: AbortSignal | undefined,
  fn: (item: T, signal: AbortSignal) => Promise<R>,
): Promise<R[]> {
  const results = new Array<R>(items.length);
  const stop = new AbortController();
  const signal = outer ? AbortSignal.any([outer, stop.signal]) : stop.signal;
  let failure: { error: unknown } | null = null;
  let next = 0;
  const run = async () => {
    while (next < items.length && !failure) {
      const index = next++;
      try {
        results[index] = await fn(items[index]!, signal);
      } catch (error) {
        if (!failure) {
          failure = { error };
          stop.abort();
        }
        return;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, run));
  if (failure) throw (failure as { error: unknown }).error;
  return results;
}

export function dedupeFindings(findings: readonly Finding[]): Finding[] {
  const seen = new Set<string>();
  return findings.filter((f) => {
    const key = `${f.path}\u0000${f.startLine ?? ""}\u0000${f.line}\u0000${f.title.toLowerCase()}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

export function answerNotes(answers: readonly RequestAnswer[]): string[] {
  const notes: string[] = [];
  const unreadable = answers.filter((a) => a.error !== null);
  if (unreadable.length > 0) {
    notes.push(
      `The model's answer for ${unreadable.length} of ${answers.length} request(s) could not be read (${unreadable[0]!.error}); their files are listed as not reviewed.`,
    );
  }
  const cut = answers.filter((a) => a.cut).length;
  if (cut > 0) {
    notes.push(
      `${cut} answer(s) ran into the token limit: every complete finding in them was kept, and the files they did not reach were asked again in smaller requests.`,
    );
  }
  const discarded = answers.reduce((n, a) => n + a.discarded, 0);
  if (discarded > 0) notes.push(`${discarded} finding(s) without a file, line or text were discarded.`);
  const impossible = answers.flatMap((a) => a.impossibleLines);
  if (impossible.length > 0) {
    const shown = [...new Set(impossible)].slice(0, 5).join(", ");
    notes.push(`${impossible.length} finding(s) cited line numbers no file has (${shown}) and were discarded.`);
  }
  return notes;
}
