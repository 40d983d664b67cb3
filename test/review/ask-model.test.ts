// Asking for every packed request when the server refuses for the window: the other requests of
// the refused plan are stopped (their GPU time would be wasted), the review is re-packed smaller,
// and a server that refuses even small requests gets a clear configuration error, not a loop.
import { pino } from "pino";
import { describe, expect, it } from "vitest";
import { ContextOverflowError, WindowTooSmallError } from "../../src/errors.js";
import type { Completion, CompletionRequest } from "../../src/model/client.js";
import { askAll, type AskDeps } from "../../src/review/ask-model.js";
import { loadQwenTokenizer } from "../../src/tokenizer/index.js";
import { gitDiffOf, inputOf } from "../context/fixtures.js";

const tokenizer = loadQwenTokenizer();
const log = pino({ level: "silent" });
const ANSWER: Completion = { content: '{"summary":"fine","findings":[]}', finishReason: "stop", promptTokens: 0, completionTokens: 5, toolCalls: [] };

/** Eight files of 150 added lines: several requests in a 6k window. */
function bigInput() {
  const body = (n: number) => Array.from({ length: 150 }, (_, i) => `export const value_${n}_${i} = compute(${i}, "${n}");`).join("\n") + "\n";
  return inputOf(gitDiffOf(Array.from({ length: 8 }, (_, n) => ({ path: `src/file${n}.ts`, before: null, after: body(n) }))));
}

function depsWith(complete: (request: CompletionRequest) => Promise<Completion>, learned: number[] = []): AskDeps {
  return { model: { complete, learnWindow: (w: number) => void learned.push(w) }, tokenizer, requestConcurrency: 2, log };
}

const LIMITS = { contextTokens: 6_000, answerTokens: 1_000, maxRequests: 50 };

describe("askAll", () => {
  it("stops the refused plan's other requests, then re-packs into the window the server states", async () => {
    let calls = 0;
    let aborted = 0;
    const learned: number[] = [];
    const complete = async (request: CompletionRequest): Promise<Completion> => {
      calls++;
      if (calls === 1) {
        // Refused after its sibling has started.
        await new Promise((resolve) => setTimeout(resolve, 50));
        throw new ContextOverflowError("This model's maximum context length is 5000 tokens", request.promptTokens, 5_000);
      }
      if (calls === 2) {
        // The sibling of the refused plan: runs until it is stopped.
        return new Promise((_, reject) => {
          request.signal?.addEventListener("abort", () => {
            aborted++;
            reject(new Error("aborted"));
          });
        });
      }
      expect(request.promptTokens + request.maxTokens).toBeLessThanOrEqual(5_000);
      return ANSWER;
    };
    const { plan, answers } = await askAll(depsWith(complete, learned), bigInput(), LIMITS, undefined, log);
    expect(aborted).toBe(1);
    expect(learned).toEqual([5_000]);
    expect(answers).toHaveLength(plan.requests.length);
    expect(plan.requests.length).toBeGreaterThan(1);
    expect(answers.every((a) => a.error === null)).toBe(true);
  });

  it("gives up with a configuration error when even small requests are refused", async () => {
    let calls = 0;
    const complete = async (request: CompletionRequest): Promise<Completion> => {
      calls++;
      throw new ContextOverflowError("400 status code (no body)", request.promptTokens);
    };
    await expect(askAll(depsWith(complete), bigInput(), LIMITS, undefined, log)).rejects.toBeInstanceOf(WindowTooSmallError);
    // Each plan stopped at its first refusal: a handful of tries in all, not every request of every plan.
    expect(calls).toBeLessThan(20);
  });
});
