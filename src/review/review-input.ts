// What a review packs, built from the repository's configuration in one place: the worker
// (review-job.ts), `skywork review` and `skywork pack` send exactly what this builds, so the local
// commands' counts and plans are the App's.
import type { RepoConfig } from "../config/repo-config.js";
import { memoizeSource, type FileSource, type PackInput } from "../context/index.js";
import type { FileDiff } from "../diff/index.js";
import { REVIEW_SYSTEM_PROMPT, reviewPreamble, type PullRequestHeader } from "./prompt.js";

export interface ReviewInputOptions {
  /** The repository's effective `.github/skywork.yml`. */
  config: RepoConfig;
  /** The pull request as the prompt names it; the maintainers' words come from `config` and `guidance`. */
  header: Omit<PullRequestHeader, "instructions" | "guidance">;
  /** The repository's guidance block (guidance.ts), which supersedes `review.instructions`; absent: the instructions alone. */
  guidance?: string;
  files: readonly FileDiff[];
  /** Files at the head. Absent (a bare .patch file): hunks are sent as they are. */
  source?: FileSource;
  /** Globs skipped on top of `review.ignore` (`skywork pack --ignore`). */
  extraIgnore?: readonly string[];
}

export function reviewPackInput(options: ReviewInputOptions): PackInput {
  const header: PullRequestHeader = {
    ...options.header,
    instructions: options.config.review.instructions,
    ...(options.guidance !== undefined ? { guidance: options.guidance } : {}),
  };
  return {
    system: REVIEW_SYSTEM_PROMPT,
    preamble: (part) => reviewPreamble(header, part),
    files: options.files,
    ignore: [...options.config.review.ignore, ...(options.extraIgnore ?? [])],
    // Read once even when a server overflow makes the review re-pack.
    ...(options.source ? { source: memoizeSource(options.source) } : {}),
  };
}

/** Tokens reserved for each answer: `answerTokens` (review.answer_tokens, a flag, else LLM_ANSWER_TOKENS), never more than half the window. */
export function answerReserve(answerTokens: number, window: number): number {
  return Math.min(answerTokens, Math.floor(window / 2));
}
