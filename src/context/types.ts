// The context engine's contract with the review worker and the CLI.
import type { FileDiff } from "../diff/index.js";
import type { ChatMessage } from "../tokenizer/index.js";

/** Full text of files at the pull request's head. */
export interface FileSource {
  /** The file's text, or null when it is unavailable (deleted, too large, not text). */
  read(path: string): Promise<string | null>;
}

export interface PackLimits {
  /** The model's window: prompt plus answer. */
  contextTokens: number;
  /** Reserved for the answer; the worker sends it as max_tokens. */
  answerTokens: number;
  /** Kept free for a corrective follow-up line and server-side template differences. */
  marginTokens: number;
  /** Upper bound on requests for one review (GPU budget). */
  maxRequests: number;
}

export interface PackInput {
  /** Identical in every request, so the server's prefix cache reuses it. */
  system: string;
  /** The user message's opening, given the request's position among all requests. */
  preamble: (part: { index: number; total: number }) => string;
  files: readonly FileDiff[];
  /** The repository's ignore globs (`docs/**`, `*.snap`, `!docs/api.md`). */
  ignore?: readonly string[];
  /** Absent (a bare .patch file): hunks are sent as they are, without context or whole files. */
  source?: FileSource;
}

/** A line range of the new file, inclusive. */
export interface LineSpan {
  start: number;
  end: number;
}

/** One file, or one part of a file, inside a request. */
export interface SentPart {
  path: string;
  /** Exact tokens of this part's text in the user message. */
  tokens: number;
  changedLines: number;
  /** New-file lines shown (null when only deleted lines are shown). */
  newLines: LineSpan | null;
  /** Part `index` of `of` when the file did not fit one request; null when sent whole. */
  split: { index: number; of: number } | null;
  /** The whole file at the head is shown, not only its hunks. */
  wholeFile: boolean;
  /** How hunks were extended: to scopes found by tree-sitter or by indentation, or not at all. */
  context: "tree-sitter" | "indentation" | "none";
}

export interface PackedRequest {
  messages: ChatMessage[];
  /** Exact prompt tokens of `messages` as the server counts them: `tokenizer.countChat(messages)`. */
  promptTokens: number;
  /** Paths in this request, in the order shown; a split file appears in each request that has a part. */
  files: string[];
  changedLines: number;
  parts: SentPart[];
}

export interface PathReason {
  path: string;
  reason: string;
}

export interface PackCoverage {
  reviewableFiles: number;
  /** Files with at least one part sent. */
  reviewedFiles: number;
  /** Additions plus deletions of every reviewable file. */
  reviewableChangedLines: number;
  sentChangedLines: number;
}

export interface PackPlan {
  requests: PackedRequest[];
  /** Never sent, with the reason (binary, lockfile, generated, minified, vendored, ignored…). */
  skipped: PathReason[];
  /** Reviewable but not sent: only past the request cap. Names whole files or line ranges. */
  unreviewed: PathReason[];
  coverage: PackCoverage;
  /** What a reader of the review should know about how the diff was sent (one sentence each). */
  notes: string[];
}
