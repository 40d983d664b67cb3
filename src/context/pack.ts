// The context engine: a pull request's diff as the fewest model requests that each fit the window
// exactly and together show every reviewable changed line.
//
// 1. Filter (path rules, repository globs), then order by review priority (code, tests, the rest).
// 2. Prepare files in that order, reading sources a few files ahead: content filters, hunks
//    extended to their scope, rendering, one exact count per piece (pieces.ts: counts add up).
//    Preparing stops once the counted text cannot fit the request cap, so a 3,000-file PR counts
//    little more than it can send. Context never costs coverage: when even the bare hunks cannot
//    fit the cap (estimated from characters), or the context pushes the diff over it, the hunks are
//    sent as they are.
// 3. Pack on those counts: first-fit decreasing on whole files, then splitting at hunk boundaries
//    where it saves a request; past the cap, fill the allowed requests in priority order (a hunk
//    split at a line boundary to fill the last room) and list the rest as unreviewed.
// 4. Show whole small files where a request has room left, then build the messages. A request's
//    count is its empty prompt's (countChat) plus its parts': exactly countChat of the whole.
import type { FileDiff } from "../diff/index.js";
import { PackLimitError } from "../errors.js";
import type { ChatMessage, QwenTokenizer } from "../tokenizer/index.js";
import { isAdditiveJoin } from "../tokenizer/index.js";
import { packAll, packInOrder, type Bin, type PackFile } from "./bin-pack.js";
import { pathSkipReason, reviewPriority } from "./filters.js";
import { compileIgnore } from "./glob.js";
import { splitPieceToFit, type FileView, type Piece } from "./pieces.js";
import { prepareFile, type PreparedFile, type PrepareOptions } from "./prepare-file.js";
import { JOIN_SLACK, overheadCounter } from "./request-overhead.js";
import { DEFAULT_SCOPE_POLICY, type ScopePolicy } from "./scopes.js";
import { SourceTexts } from "./source-texts.js";
import type { LineSpan, PackedRequest, PackInput, PackLimits, PackPlan, PathReason, SentPart } from "./types.js";

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
  /** Source characters tree-sitter parses per pack (~10 MB/s); later files are read by indentation. */
  maxParseChars: number;
}

export const DEFAULT_PACK_TUNING: PackTuning = { scope: DEFAULT_SCOPE_POLICY, wholeFileMaxLines: 400, readAhead: 8, maxParseChars: 4_000_000 };

/** Below this, a request has no room for a diff worth reviewing. */
const MIN_CONTENT_TOKENS = 256;
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
    throw new PackLimitError(
      `Only ${smallest} prompt tokens are left for the diff after the system prompt and the PR description ` +
        `(context ${limits.contextTokens}, answer ${limits.answerTokens}, margin ${limits.marginTokens}). ` +
        "Raise the context size or lower the answer reserve.",
    );
  }

  // Context is worth tokens, not coverage: when even the bare hunks cannot fit the cap, or the
  // context turns out to push the diff over it, the hunks are sent as they are.
  const texts = new SourceTexts(input.source, reviewable, tuning.readAhead);
  let lean = reviewable.reduce((n, r) => n + estimateBareTokens(r.diff), 0) > cap * smallest;
  for (;;) {
    const prepared = await prepareInOrder(reviewable, texts, tokenizer, {
      policy: tuning.scope,
      wholeFileMaxLines: tuning.wholeFileMaxLines,
      // Pieces leave a little room under the smallest request so a tighter re-pack still holds them.
      requestContentLimit: smallest - 4 * JOIN_SLACK,
      parseBudget: { chars: tuning.maxParseChars },
      lean,
      ceiling: cap * capacity(1),
    });
    if (!lean && prepared.rest.length > 0) {
      lean = true;
      continue;
    }
    const packed = packPrepared(input, prepared.files, cap, capacity, budget, prepared.rest.length > 0, tokenizer);
    if (!lean && packed.layout.unreviewed.length > 0) {
      lean = true;
      continue;
    }

    const reason = `over the limit of ${cap} model request${cap === 1 ? "" : "s"} per review`;
    const unreviewed: PathReason[] = [...packed.layout.unreviewed, ...prepared.rest.map((r) => ({ path: r.diff.path, reason: `not sent: ${reason}` }))];
    const reviewed = reviewable.filter((r) => !prepared.claimed.has(r));
    for (const r of reviewable) {
      const claim = prepared.claimed.get(r);
      if (claim) skipped.push({ path: r.diff.path, reason: claim });
    }
    const notes: string[] = [];
    if (lean && input.source && packed.requests.length > 0) {
      notes.push(`Hunks were sent without their enclosing functions: with them the diff would not fit ${cap} request${cap === 1 ? "" : "s"}.`);
    }
    return {
      requests: packed.requests,
      skipped,
      unreviewed,
      notes,
      coverage: {
        reviewableFiles: reviewed.length,
        reviewedFiles: packed.reviewedFiles,
        reviewableChangedLines: reviewed.reduce((n, r) => n + r.changedLines, 0),
        sentChangedLines: packed.requests.reduce((n, r) => n + r.changedLines, 0),
      },
    };
  }
}

interface PrepareInOrderOptions extends PrepareOptions {
  /** Hunks as they are: no sources for context, no whole files. */
  lean: boolean;
  /** Stop once this many tokens are counted: more cannot fit the request cap. */
  ceiling: number;
}

interface Prepared {
  files: PreparedFile[];
  /** Files whose content says they are generated or minified, with that reason. */
  claimed: Map<Reviewable, string>;
  /** Files not prepared because the counted text already filled the cap. */
  rest: Reviewable[];
}

/** Prepares files in priority order until the counted text cannot fit the cap whatever the packing. */
async function prepareInOrder(
  reviewable: readonly Reviewable[],
  texts: SourceTexts,
  tokenizer: QwenTokenizer,
  options: PrepareInOrderOptions,
): Promise<Prepared> {
  const files: PreparedFile[] = [];
  const claimed = new Map<Reviewable, string>();
  let counted = 0;
  let next = 0;
  for (; next < reviewable.length && counted <= options.ceiling; next++) {
    const entry = reviewable[next] as Reviewable;
    const known = texts.claim(next);
    let text: string | null = null;
    let claim: string | null;
    if (known !== undefined && options.lean) {
      claim = known;
    } else {
      text = await texts.read(next);
      claim = texts.judge(next, text);
    }
    if (claim) {
      claimed.set(entry, claim);
      continue;
    }
    const file = await prepareFile(entry.diff, options.lean ? null : text, tokenizer, options);
    if (file.view.pieces.length === 0) {
      claimed.set(entry, "no textual changes");
      continue;
    }
    files.push(file);
    counted += file.view.tokens;
  }
  return { files, claimed, rest: reviewable.slice(next) };
}

/** Tokens of a file's bare hunks, roughly (code runs at ~4 characters a token, line numbers digit by digit). */
function estimateBareTokens(diff: FileDiff): number {
  let tokens = 10;
  for (const hunk of diff.hunks) {
    tokens += 12;
    for (const line of hunk.lines) tokens += line.text.length / 4 + (line.newLine === null ? 1 : String(line.newLine).length + 1);
  }
  return tokens;
}

interface Packed {
  requests: PackedRequest[];
  reviewedFiles: number;
  layout: Layout;
}

/** Lays the prepared files out in requests and builds them; re-packs tighter if a request came out over. */
function packPrepared(
  input: PackInput,
  files: readonly PreparedFile[],
  cap: number,
  capacity: (total: number) => number,
  budget: number,
  knownOverCap: boolean,
  tokenizer: QwenTokenizer,
): Packed {
  let shrink = 0;
  for (let attempt = 0; ; attempt++) {
    const layout = layOut(files, cap, (total) => capacity(total) - shrink, knownOverCap, tokenizer);
    const built = buildRequests(input, layout, tokenizer);
    const over = Math.max(0, ...built.requests.map((r) => r.promptTokens - budget));
    if (over === 0) return { ...built, layout };
    // Counts add up by construction; a custom preamble that merges with the diff can still cost a
    // few tokens more. Re-pack a little tighter rather than send an oversized request.
    if (attempt >= MAX_REPACKS) throw new Error(`A packed request exceeds the prompt budget by ${over} tokens; this is a bug in the context packer.`);
    shrink += over + JOIN_SLACK;
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
function layOut(files: readonly PreparedFile[], cap: number, capacity: (total: number) => number, knownOverCap: boolean, tokenizer: QwenTokenizer): Layout {
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
    const filled = packInOrder(specs, order, capacity(cap), cap, (index, piece, room) => {
      const file = files[index] as PreparedFile;
      const target = file.view.pieces[piece];
      const halves = target ? splitPieceToFit(target, file.view.width, room, tokenizer) : null;
      if (!halves) return false;
      file.view.pieces.splice(piece, 1, ...halves);
      file.view.tokens += halves[0].tokens + halves[1].tokens - (target as Piece).tokens;
      (specs[index] as PackFile).pieceTokens = file.view.pieces.map((p) => p.tokens);
      return true;
    });
    bins = filled.bins;
    for (const [index, pieces] of filled.left) {
      const file = files[index] as PreparedFile;
      unreviewed.push({
        path: file.path,
        reason: pieces.length === file.view.pieces.length ? `not sent: ${reason}` : `${describePieces(file, pieces)} not sent: ${reason}`,
      });
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
    if (file.wholeView && file.wholeExtraLines > 0 && pieces.length === file.view.pieces.length) candidates.push({ index, file });
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
      parts.push({
        path: file.path,
        tokens,
        changedLines,
        newLines,
        split: of > 1 ? { index: nth, of } : null,
        wholeFile: wholeView !== undefined,
        context: file.context,
      });
    }
    const preamble = input.preamble({ index: i + 1, total: ordered.length });
    const messages: ChatMessage[] = [
      { role: "system", content: input.system },
      { role: "user", content: preamble + texts.join("") },
    ];
    // Every part's text ends with "\n" and starts with "##" or "@@", so the counts add up (see
    // pieces.ts): the request's count is its empty prompt's plus its parts', nothing counted twice.
    // A preamble that does not provably join that way is counted whole.
    const promptTokens = isAdditiveJoin(preamble, texts[0] ?? "")
      ? tokenizer.countChat([messages[0] as ChatMessage, { role: "user", content: preamble }]) + parts.reduce((n, p) => n + p.tokens, 0)
      : tokenizer.countChat(messages);
    return {
      messages,
      promptTokens,
      files: parts.map((p) => p.path),
      changedLines: parts.reduce((n, p) => n + p.changedLines, 0),
      parts,
    };
  });
  return { requests, reviewedFiles: partsOf.size };
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
    throw new PackLimitError(
      `The answer reserve (${answerTokens}) plus margin (${marginTokens}) leaves no room for a prompt in a ${contextTokens}-token window; lower the answer reserve.`,
    );
  }
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
