// The context engine: a pull request's diff as the fewest model requests that each fit the window
// exactly and together show every reviewable changed line.
//
// 1. Filter (path rules, repository globs), then order by review priority (code, tests, the rest).
// 2. Prepare files in that order, reading sources a few files ahead: content filters, hunks
//    extended to their scope, rendering, one exact count per piece. Preparing stops as soon as
//    the counted text cannot fit the request cap, so a 3,000-file PR counts only what it can send.
// 3. Pack on those counts (they add up exactly, see pieces.ts): first-fit decreasing on whole
//    files, then splitting at hunk boundaries where it saves a request; past the cap, fill the
//    allowed requests in priority order and list the rest as unreviewed.
// 4. Show whole small files where a request has room left, then build the messages and count each
//    request with countChat, which is what the server counts.
import type { FileDiff } from "../diff/index.js";
import type { ChatMessage, QwenTokenizer } from "../tokenizer/index.js";
import { isAdditiveJoin } from "../tokenizer/index.js";
import { packAll, packInOrder, type Bin, type PackFile } from "./bin-pack.js";
import { pathSkipReason, reviewPriority } from "./filters.js";
import { compileIgnore } from "./glob.js";
import type { FileView } from "./pieces.js";
import { prepareFile, type PreparedFile, type PrepareOptions } from "./prepare-file.js";
import { DEFAULT_SCOPE_POLICY, type ScopePolicy } from "./scopes.js";
import type { FileSource, LineSpan, PackedRequest, PackInput, PackLimits, PackPlan, PathReason, SentPart } from "./types.js";

export type { FileSource, LineSpan, PackCoverage, PackedRequest, PackInput, PackLimits, PackPlan, PathReason, SentPart } from "./types.js";

/** Kept free for the worker's corrective follow-up line (about 15 tokens) and template drift. */
export const DEFAULT_MARGIN_TOKENS = 64;

export function promptBudget(limits: PackLimits): number {
  return limits.contextTokens - limits.answerTokens - limits.marginTokens;
}

/** Engine settings; the defaults are what the app uses. */
export interface PackTuning {
  scope: ScopePolicy;
  /** Files up to this many lines are shown whole when their request has room. */
  wholeFileMaxLines: number;
  /** Sources read ahead of the file being prepared (network latency hides behind counting). */
  readAhead: number;
}

export const DEFAULT_PACK_TUNING: PackTuning = { scope: DEFAULT_SCOPE_POLICY, wholeFileMaxLines: 400, readAhead: 8 };

/** Below this, a request has no room for a diff worth reviewing. */
const MIN_CONTENT_TOKENS = 256;
/** Extra tokens per request when the preamble does not provably join the diff additively. */
const JOIN_SLACK = 8;
const MAX_REPACKS = 3;

interface Reviewable {
  diff: FileDiff;
  priority: number;
  changedLines: number;
}

export async function packReview(input: PackInput, limits: PackLimits, tokenizer: QwenTokenizer, tuning: PackTuning = DEFAULT_PACK_TUNING): Promise<PackPlan> {
  checkLimits(limits);
  const budget = promptBudget(limits);
  const ignore = input.ignore && input.ignore.length > 0 ? compileIgnore(input.ignore) : null;
  const skipped: PathReason[] = [];
  const reviewable: Reviewable[] = [];
  for (const diff of input.files) {
    const reason = pathSkipReason(diff, ignore);
    if (reason) skipped.push({ path: diff.path, reason });
    else reviewable.push({ diff, priority: reviewPriority(diff.path), changedLines: changedLinesOf(diff) });
  }
  reviewable.sort((a, b) => a.priority - b.priority || compare(a.diff.path, b.diff.path));

  const overhead = overheadCounter(input, tokenizer);
  const capacity = (total: number): number => budget - overhead(total);
  const cap = limits.maxRequests;
  const smallest = capacity(cap);
  if (smallest < MIN_CONTENT_TOKENS) {
    throw new Error(
      `Only ${smallest} prompt tokens are left for the diff after the system prompt and the PR description ` +
        `(context ${limits.contextTokens}, answer ${limits.answerTokens}, margin ${limits.marginTokens}). ` +
        "Raise the context size or lower the answer reserve.",
    );
  }

  // Prepare in priority order until the counted text cannot fit the cap whatever the packing.
  // Pieces leave a little room under the smallest request so a tighter re-pack still holds them.
  const options: PrepareOptions = { policy: tuning.scope, wholeFileMaxLines: tuning.wholeFileMaxLines, requestContentLimit: smallest - 4 * JOIN_SLACK };
  const prepared: Array<{ file: PreparedFile; entry: Reviewable }> = [];
  const contentSkipped = new Set<Reviewable>();
  const reads: Array<Promise<string | null> | undefined> = [];
  const readAt = (i: number): Promise<string | null> | undefined => {
    const entry = reviewable[i];
    if (!entry) return undefined;
    reads[i] ??= readSource(input.source, entry.diff);
    return reads[i];
  };
  const ceiling = cap * capacity(1);
  let counted = 0;
  let next = 0;
  for (; next < reviewable.length && counted <= ceiling; next++) {
    for (let k = next; k <= next + tuning.readAhead; k++) void readAt(k);
    const entry = reviewable[next] as Reviewable;
    const text = (await readAt(next)) ?? null;
    const result = await prepareFile(entry.diff, text, tokenizer, options);
    reads[next] = undefined;
    if (result.kind === "skip" || result.file.view.pieces.length === 0) {
      skipped.push({ path: entry.diff.path, reason: result.kind === "skip" ? result.reason : "no textual changes" });
      contentSkipped.add(entry);
      continue;
    }
    prepared.push({ file: result.file, entry });
    counted += result.file.view.tokens;
  }
  const notPrepared = reviewable.slice(next);

  let shrink = 0;
  for (let attempt = 0; ; attempt++) {
    const layout = layOut(prepared.map((p) => p.file), cap, (total) => capacity(total) - shrink, notPrepared.length > 0);
    const built = buildRequests(input, layout, tokenizer);
    const over = Math.max(0, ...built.requests.map((r) => r.promptTokens - budget));
    if (over > 0 && attempt < MAX_REPACKS) {
      // Counts add up by construction; a custom preamble that merges with the diff can still cost
      // a few tokens more. Re-pack a little tighter rather than send an oversized request.
      shrink += over + JOIN_SLACK;
      continue;
    }
    if (over > 0) throw new Error(`A packed request exceeds the prompt budget by ${over} tokens; this is a bug in the context packer.`);

    const unreviewed: PathReason[] = [...layout.unreviewed];
    const reason = `over the limit of ${cap} model request${cap === 1 ? "" : "s"} per review`;
    for (const entry of notPrepared) unreviewed.push({ path: entry.diff.path, reason: `not sent: ${reason}` });
    const reviewableEntries = reviewable.filter((r) => !contentSkipped.has(r));
    return {
      requests: built.requests,
      skipped,
      unreviewed,
      coverage: {
        reviewableFiles: reviewableEntries.length,
        reviewedFiles: built.reviewedFiles,
        reviewableChangedLines: reviewableEntries.reduce((n, r) => n + r.changedLines, 0),
        sentChangedLines: built.requests.reduce((n, r) => n + r.changedLines, 0),
      },
    };
  }
}

interface Layout {
  files: readonly PreparedFile[];
  bins: Bin[];
  total: number;
  /** Per bin, the files shown whole (their whole-file view) instead of their hunks. */
  wholeViews: Array<Map<number, FileView>>;
  unreviewed: PathReason[];
}

/** Which pieces go in which request. */
function layOut(files: readonly PreparedFile[], cap: number, capacity: (total: number) => number, knownOverCap: boolean): Layout {
  const specs: PackFile[] = files.map((f) => ({ headerTokens: f.headerTokens, pieceTokens: f.view.pieces.map((p) => p.tokens) }));
  const order = files.map((_, i) => i);
  const sum = files.reduce((n, f) => n + f.view.tokens, 0);
  const reason = `over the limit of ${cap} model request${cap === 1 ? "" : "s"} per review`;

  let bins: Bin[] | null = null;
  let total = 1;
  if (!knownOverCap) {
    if (sum <= capacity(1)) {
      bins = sum === 0 ? [] : [{ tokens: sum, files: new Map(specs.map((s, i) => [i, s.pieceTokens.map((_, p) => p)])) }];
    } else {
      total = Math.max(2, Math.ceil(sum / capacity(2)));
      while (total <= cap) {
        const attempt = packAll(specs, capacity(total));
        if (attempt.length <= total) {
          bins = attempt;
          break;
        }
        total = attempt.length;
      }
    }
  }
  const unreviewed: PathReason[] = [];
  if (!bins) {
    // Over the cap: fill every allowed request in priority order; the rest is listed.
    const filled = packInOrder(specs, order, capacity(cap), cap);
    bins = filled.bins;
    for (const [index, pieces] of filled.left) {
      const file = files[index] as PreparedFile;
      unreviewed.push({ path: file.path, reason: pieces.length === file.view.pieces.length ? `not sent: ${reason}` : `${describePieces(file, pieces)} not sent: ${reason}` });
    }
  }
  total = bins.length;
  const wholeViews = bins.map(() => new Map<number, FileView>());
  if (unreviewed.length === 0) bins.forEach((bin, i) => showWholeFiles(bin, files, capacity(total), wholeViews[i] as Map<number, FileView>));
  return { files, bins, total, wholeViews, unreviewed };
}

/** Upgrades files of `bin` to their whole text, cheapest first, while the request has room. */
function showWholeFiles(bin: Bin, files: readonly PreparedFile[], capacity: number, chosen: Map<number, FileView>): void {
  // Every extra line costs at least two tokens (its number and its newline): files that cannot
  // fit are never rendered, and the rest are tried from the smallest addition up.
  const candidates: Array<{ index: number; file: PreparedFile }> = [];
  for (const [index, pieces] of bin.files) {
    const file = files[index] as PreparedFile;
    if (file.wholeView && pieces.length === file.view.pieces.length) candidates.push({ index, file });
  }
  candidates.sort((a, b) => a.file.wholeExtraLines - b.file.wholeExtraLines || a.index - b.index);
  let tokens = bin.tokens;
  for (const { index, file } of candidates) {
    if (tokens + 2 * file.wholeExtraLines > capacity) break;
    const view = file.wholeView?.() ?? null;
    if (!view) continue;
    const extra = view.tokens - file.view.tokens;
    if (tokens + extra > capacity) continue;
    tokens += extra;
    chosen.set(index, view);
  }
  bin.tokens = tokens;
}

function buildRequests(input: PackInput, layout: Layout, tokenizer: QwenTokenizer): { requests: PackedRequest[]; reviewedFiles: number } {
  const { files, bins } = layout;
  const key = (index: number): string => `${reviewPriority((files[index] as PreparedFile).path)}\u0000${(files[index] as PreparedFile).path}`;
  const ordered = bins.map((bin, i) => ({ bin, whole: layout.wholeViews[i] as Map<number, FileView> }));
  const firstKey = (bin: Bin): string => [...bin.files.keys()].map(key).sort()[0] ?? "";
  ordered.sort((a, b) => compare(firstKey(a.bin), firstKey(b.bin)));

  // A file in several requests is numbered part 1..k in request order.
  const partsOf = new Map<number, number>();
  for (const { bin } of ordered) for (const index of bin.files.keys()) partsOf.set(index, (partsOf.get(index) ?? 0) + 1);
  const seen = new Map<number, number>();

  const requests = ordered.map(({ bin, whole }, i): PackedRequest => {
    const indices = [...bin.files.keys()].sort((a, b) => compare(key(a), key(b)));
    const texts: string[] = [];
    const parts: SentPart[] = [];
    for (const index of indices) {
      const file = files[index] as PreparedFile;
      const wholeView = whole.get(index);
      const pieces = wholeView ? wholeView.pieces : (bin.files.get(index) as number[]).map((p) => file.view.pieces[p]!);
      texts.push(file.header);
      let tokens = file.headerTokens;
      let changedLines = 0;
      let newLines: LineSpan | null = null;
      for (const piece of pieces) {
        texts.push(piece.text);
        tokens += piece.tokens;
        changedLines += piece.changedLines;
        newLines = spanUnion(newLines, piece.newSpan);
      }
      const of = partsOf.get(index) ?? 1;
      const nth = (seen.get(index) ?? 0) + 1;
      seen.set(index, nth);
      parts.push({ path: file.path, tokens, changedLines, newLines, split: of > 1 ? { index: nth, of } : null, wholeFile: wholeView !== undefined });
    }
    const messages: ChatMessage[] = [
      { role: "system", content: input.system },
      { role: "user", content: input.preamble({ index: i + 1, total: ordered.length }) + texts.join("") },
    ];
    return {
      messages,
      promptTokens: tokenizer.countChat(messages),
      files: parts.map((p) => p.path),
      changedLines: parts.reduce((n, p) => n + p.changedLines, 0),
      parts,
    };
  });
  return { requests, reviewedFiles: partsOf.size };
}

/**
 * Tokens of a request without any diff, for `total` requests: the largest over the request's
 * possible positions, and never less than for fewer requests, so that capacities only shrink as
 * requests are added.
 */
function overheadCounter(input: PackInput, tokenizer: QwenTokenizer): (total: number) => number {
  const exact = new Map<number, number>();
  const forTotal = (total: number): number => {
    let max = 0;
    for (const index of positionsToCheck(total)) {
      const preamble = input.preamble({ index, total });
      const tokens = tokenizer.countChat([
        { role: "system", content: input.system },
        { role: "user", content: preamble },
      ]);
      const slack = isAdditiveJoin(preamble, "## ") ? 0 : JOIN_SLACK;
      max = Math.max(max, tokens + slack);
    }
    return max;
  };
  const monotone = new Map<number, number>();
  return (total) => {
    const t = Math.max(1, Math.floor(total));
    let value = monotone.get(t);
    if (value === undefined) {
      let own = exact.get(t);
      if (own === undefined) {
        own = forTotal(t);
        exact.set(t, own);
      }
      value = t === 1 ? own : Math.max(own, overheadUpTo(t - 1));
      monotone.set(t, value);
    }
    return value;
  };

  function overheadUpTo(t: number): number {
    // Iterative to keep deep caps off the stack.
    let best = 0;
    for (let k = 1; k <= t; k++) {
      let value = monotone.get(k);
      if (value === undefined) {
        let own = exact.get(k);
        if (own === undefined) {
          own = forTotal(k);
          exact.set(k, own);
        }
        value = Math.max(own, best);
        monotone.set(k, value);
      }
      best = value;
    }
    return best;
  }
}

/** Positions whose "part i of n" text can differ in length: each digit count, and the first few. */
function positionsToCheck(total: number): number[] {
  const out = new Set<number>();
  for (let i = 1; i <= Math.min(total, 12); i++) out.add(i);
  for (let p = 10; p <= total; p *= 10) {
    out.add(p - 1);
    out.add(p);
  }
  out.add(total);
  return [...out];
}

function describePieces(file: PreparedFile, pieces: readonly number[]): string {
  let newSpan: LineSpan | null = null;
  let oldSpan: LineSpan | null = null;
  for (const index of pieces) {
    const piece = file.view.pieces[index];
    if (!piece) continue;
    newSpan = spanUnion(newSpan, piece.newSpan);
    oldSpan = spanUnion(oldSpan, piece.oldSpan);
  }
  if (newSpan) return newSpan.start === newSpan.end ? `line ${newSpan.start}` : `lines ${newSpan.start}-${newSpan.end}`;
  if (oldSpan) return `deleted lines ${oldSpan.start}-${oldSpan.end} (old numbering)`;
  return "part of the diff";
}

function spanUnion(a: LineSpan | null, b: LineSpan | null): LineSpan | null {
  if (!a) return b;
  if (!b) return a;
  return { start: Math.min(a.start, b.start), end: Math.max(a.end, b.end) };
}

async function readSource(source: FileSource | undefined, diff: FileDiff): Promise<string | null> {
  if (!source || diff.newPath === null) return null;
  try {
    return await source.read(diff.path);
  } catch {
    // An unreadable source costs the file its context, not the review.
    return null;
  }
}

function changedLinesOf(diff: FileDiff): number {
  let n = 0;
  for (const hunk of diff.hunks) for (const line of hunk.lines) if (line.kind !== "context") n++;
  return n;
}

function checkLimits(limits: PackLimits): void {
  const { contextTokens, answerTokens, marginTokens, maxRequests } = limits;
  for (const [name, value] of Object.entries({ contextTokens, answerTokens, marginTokens, maxRequests })) {
    if (!Number.isSafeInteger(value) || value < 0) throw new Error(`Pack limit ${name} must be a non-negative integer, got ${String(value)}.`);
  }
  if (maxRequests < 1) throw new Error("Pack limit maxRequests must be at least 1.");
  if (answerTokens + marginTokens >= contextTokens) {
    throw new Error(`The answer reserve (${answerTokens}) plus margin (${marginTokens}) leaves no room for a prompt in a ${contextTokens}-token window; lower the answer reserve.`);
  }
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
