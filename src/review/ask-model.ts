// Asking the model for a review: every packed request (a few at a time), an unreadable answer
// retried once with a corrective line, and a re-pack into a smaller budget when the server says
// the window is smaller than we thought. Used by the worker and by `skywork review`.
import type { Logger } from "probot";
import { DEFAULT_MARGIN_TOKENS, packReview, type PackInput, type PackPlan, type PackedRequest } from "../context/index.js";
import type { ModelClient } from "../model/client.js";
import { ContextOverflowError, ModelConfigurationError } from "../model/errors.js";
import type { QwenTokenizer } from "../tokenizer/index.js";
import { parseReviewAnswer, REVIEW_ANSWER_SCHEMA, type Finding } from "./findings.js";

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
export class WindowTooSmallError extends ModelConfigurationError {
  constructor(contextTokens: number) {
    super(
      `The model server refused requests even after re-packing into a ${contextTokens}-token window. ` +
        "Check the server's context length (vLLM --max-model-len, llama.cpp --ctx-size) and set LLM_CONTEXT_TOKENS to it.",
    );
    this.name = "WindowTooSmallError";
  }
}

export class Superseded extends Error {}

export function throwIfSuperseded(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new Superseded("superseded by a newer commit");
}

export interface RequestAnswer {
  summary: string;
  findings: Finding[];
  discarded: number;
  error: string | null;
  promptTokens: number;
  completionTokens: number;
}

/** Packs and asks every request (a few at a time), re-packing smaller if the server overflows. */
export async function askAll(
  deps: AskDeps,
  input: PackInput,
  initial: { contextTokens: number; answerTokens: number; maxRequests: number },
  signal: AbortSignal | undefined,
  log: Logger,
): Promise<{ plan: PackPlan; answers: RequestAnswer[] }> {
  let limits = initial;
  let contextTokens = limits.contextTokens;
  for (;;) {
    const plan = await packReview(input, { contextTokens, answerTokens: limits.answerTokens, marginTokens: DEFAULT_MARGIN_TOKENS, maxRequests: limits.maxRequests }, deps.tokenizer);
    try {
      const answers = await mapLimited(plan.requests, deps.requestConcurrency, signal, (request, requestSignal) => ask(deps, request, limits.answerTokens, requestSignal, log));
      return { plan, answers };
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
      if (contextTokens - limits.answerTokens - DEFAULT_MARGIN_TOKENS < MIN_PROMPT_TOKENS) throw new WindowTooSmallError(contextTokens);
      log.warn({ contextTokens }, "model server reported a context overflow; re-packing into a smaller budget");
    }
  }
}

/** Asks one packed request; an unreadable answer gets one corrective retry, then is reported. */
async function ask(deps: AskDeps, request: PackedRequest, answerTokens: number, signal: AbortSignal | undefined, log: Logger): Promise<RequestAnswer> {
  let promptTokens = 0;
  let completionTokens = 0;
  let lastError = "";
  for (let attempt = 0; attempt < 2; attempt++) {
    throwIfSuperseded(signal);
    const messages =
      attempt === 0
        ? request.messages
        : [
            ...request.messages.slice(0, -1),
            { role: "user" as const, content: `${request.messages.at(-1)!.content}\n\nAnswer with only the JSON object described in the instructions.` },
          ];
    const completion = await deps.model.complete({
      messages,
      maxTokens: answerTokens,
      promptTokens: deps.tokenizer.countChat(messages),
      jsonSchema: { name: "review", schema: REVIEW_ANSWER_SCHEMA },
      // The job's logger: the client's warnings about this request carry its delivery, job and PR.
      log,
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


/**
 * Runs `fn` over `items`, `limit` at a time, results in order. The first failure stops the rest:
 * nothing new starts and the requests in flight are aborted (their GPU time would be wasted on a
 * plan about to be re-packed), then that first failure is thrown.
 */
async function mapLimited<T, R>(items: readonly T[], limit: number, outer: AbortSignal | undefined, fn: (item: T, signal: AbortSignal) => Promise<R>): Promise<R[]> {
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
    notes.push(`The model's answer for ${unreadable.length} of ${answers.length} request(s) could not be read (${unreadable[0]!.error}); those files have no findings.`);
  }
  const discarded = answers.reduce((n, a) => n + a.discarded, 0);
  if (discarded > 0) notes.push(`${discarded} finding(s) without a file, line or text were discarded.`);
  return notes;
}
