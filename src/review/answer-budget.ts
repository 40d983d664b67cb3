// How long one review answer may be. The findings cap N (asked for in the prompt and enforced by the
// json_schema's maxItems, so guided decoding closes the array in time) and the answer's max_tokens
// are derived from each other:
//
//   answer tokens = SUMMARY_TOKENS + FRAME_TOKENS + N × FINDING_TOKENS
//
// FINDING_TOKENS is the 90th percentile of a finding as the model writes it (path, line, severity,
// title, a two-to-four-sentence comment, a suggestion in about a third of them; json.dumps spacing
// and the ", " after it): `npx tsx bench/finding-tokens.ts` measured p50 89, p90 129, max 142 on
// bench/data/sample-findings.json, and measures real answers given a log of them. The summary is
// asked for in two to five sentences (about 70 tokens); 200 leaves room for a wordy one.
//
// The reserve (LLM_ANSWER_TOKENS or review.answer_tokens, 6,144 by default) bounds every request:
// N_max = (6144 − 200 − 16) / 130 = 45 findings. Each request asks for no more findings than its
// code calls for — two per file plus one per 20 changed lines, at least 10 — and gets just the
// answer tokens those take: a one-file request is not handed 45 findings' worth of room to ramble.
// An answer that still runs into max_tokens (a model that ignores the cap, or writes findings far
// longer than these) is salvaged, not thrown away (salvage.ts).

/** Tokens one finding takes in the answer (p90, measured). */
export const FINDING_TOKENS = 130;
/** Tokens kept for the summary. */
export const SUMMARY_TOKENS = 200;
/** `{"summary": …, "findings": [` and `]}` around them. */
export const FRAME_TOKENS = 16;
/** The fewest findings any request is allowed, however little code it carries. */
export const MIN_FINDINGS = 10;
/** Changed lines per extra finding a request may report, on top of two per file. */
export const CHANGED_LINES_PER_FINDING = 20;

export interface AnswerBudget {
  /** At most this many findings: the prompt's "at most N" and the schema's maxItems. */
  maxFindings: number;
  /** Sent as max_tokens. */
  maxTokens: number;
}

/** The most findings an answer reserve of `answerTokens` holds. */
export function maxFindingsFor(answerTokens: number): number {
  return Math.max(1, Math.floor((answerTokens - SUMMARY_TOKENS - FRAME_TOKENS) / FINDING_TOKENS));
}

/** The answer tokens `maxFindings` findings take. */
export function answerTokensFor(maxFindings: number): number {
  return SUMMARY_TOKENS + FRAME_TOKENS + maxFindings * FINDING_TOKENS;
}

/** The budget of one request carrying `files` files and `changedLines` changed lines, within `answerTokens`. */
export function answerBudget(request: { files: number; changedLines: number }, answerTokens: number, cap = Number.POSITIVE_INFINITY): AnswerBudget {
  const demand = Math.max(MIN_FINDINGS, 2 * request.files + Math.ceil(request.changedLines / CHANGED_LINES_PER_FINDING));
  const maxFindings = Math.max(1, Math.min(maxFindingsFor(answerTokens), demand, cap));
  return { maxFindings, maxTokens: Math.min(answerTokens, answerTokensFor(maxFindings)) };
}
