// A file as the model sees it: one header line and hunks, each rendered once and counted exactly.
//
// Counts add up: the header and every hunk's text end with "\n", and every hunk starts with "@@"
// (every file with "##"), so by the tokenizer's `isAdditiveJoin` the tokens of a request's text
// are the sum of its pieces. A file can then be split at hunk boundaries, and its parts moved
// between requests, without counting anything again.
import { renderFileForModel, renderHunkForModel, type DiffLine, type FileDiff, type Hunk } from "../diff/index.js";
import type { QwenTokenizer } from "../tokenizer/index.js";
import { neutralizeSpecialTokens } from "../tokenizer/index.js";
import { hunkFrame } from "./extend-hunks.js";
import type { LineSpan } from "./types.js";

/** Deleted lines shown from each run in a deletion-only hunk. */
export const KEEP_DELETED_LINES = 3;

export interface Piece {
  hunk: Hunk;
  text: string;
  tokens: number;
  changedLines: number;
  newSpan: LineSpan | null;
  oldSpan: LineSpan | null;
}

export interface FileView {
  width: number;
  pieces: Piece[];
  /** Header plus every piece. */
  tokens: number;
}

/** The `## path (facts)` line of a file, with its newline. */
export function fileHeader(file: FileDiff): string {
  const probe: Hunk = { oldStart: 0, oldLines: 0, newStart: 0, newLines: 0, section: "", lines: [] };
  const rendered = renderFileForModel({ ...file, hunks: [probe] });
  return `${neutralizeSpecialTokens(rendered.slice(0, rendered.indexOf("\n")))}\n`;
}

/**
 * Renders and counts `hunks` (already extended) with one line-number width. A hunk whose text alone
 * exceeds `pieceLimit` tokens is split at line boundaries; each part gets its own hunk header.
 */
export function renderView(hunks: readonly Hunk[], headerTokens: number, pieceLimit: number, tokenizer: QwenTokenizer): FileView {
  const width = digits(maxNewLine(hunks));
  const pieces: Piece[] = [];
  let tokens = headerTokens;
  for (const hunk of hunks) {
    for (const piece of renderHunkPieces(hunk, width, pieceLimit, tokenizer)) {
      pieces.push(piece);
      tokens += piece.tokens;
    }
  }
  return { width, pieces, tokens };
}

function renderHunkPieces(hunk: Hunk, width: number, limit: number, tokenizer: QwenTokenizer): Piece[] {
  const compress = isDeletionOnly(hunk);
  const whole = makePiece(hunk, width, compress, tokenizer);
  if (whole.tokens <= limit) return [whole];
  return splitByLines(hunk, width, compress, limit, tokenizer);
}

function makePiece(hunk: Hunk, width: number, compress: boolean, tokenizer: QwenTokenizer): Piece {
  const text = `${neutralizeSpecialTokens(renderHunkForModel(hunk, compress ? { lineNumberWidth: width, compressDeletions: { keep: KEEP_DELETED_LINES } } : { lineNumberWidth: width }))}\n`;
  let changedLines = 0;
  let newSpan: LineSpan | null = null;
  let oldSpan: LineSpan | null = null;
  for (const line of hunk.lines) {
    if (line.kind !== "context") changedLines++;
    if (line.newLine !== null) newSpan = newSpan ? { start: newSpan.start, end: line.newLine } : { start: line.newLine, end: line.newLine };
    if (line.oldLine !== null) oldSpan = oldSpan ? { start: oldSpan.start, end: line.oldLine } : { start: line.oldLine, end: line.oldLine };
  }
  return { hunk, text, tokens: tokenizer.count(text), changedLines, newSpan, oldSpan };
}

/**
 * A hunk too big for any request, cut into consecutive runs of lines that each fit `limit` with
 * their own (recomputed) hunk header.
 */
function splitByLines(hunk: Hunk, width: number, compress: boolean, limit: number, tokenizer: QwenTokenizer): Piece[] {
  const costs = lineCosts(hunk, width, tokenizer);
  const pieces: Piece[] = [];
  let from = 0;
  while (from < hunk.lines.length) {
    const taken = takeLines(hunk, from, limit, costs, width, compress, tokenizer);
    if (taken) {
      pieces.push(taken.piece);
      from = taken.to;
    } else {
      pieces.push(cutLongLine(hunk, from, width, limit, tokenizer));
      from++;
    }
  }
  return pieces;
}

/**
 * `piece` cut in two at a line boundary so that the first part fits `room` tokens: how a request
 * that is almost full still takes the start of the next hunk. Null when not even one line fits.
 */
export function splitPieceToFit(piece: Piece, width: number, room: number, tokenizer: QwenTokenizer): [Piece, Piece] | null {
  const hunk = piece.hunk;
  if (hunk.lines.length < 2) return null;
  const compress = isDeletionOnly(hunk);
  const taken = takeLines(hunk, 0, room, lineCosts(hunk, width, tokenizer), width, compress, tokenizer);
  if (!taken || taken.to >= hunk.lines.length) return null;
  return [taken.piece, makePiece(subHunk(hunk, taken.to, hunk.lines.length), width, compress, tokenizer)];
}

interface LineCosts {
  /** Tokens of each diff line's rendered row(s), uncompressed: an upper bound for any part. */
  lines: number[];
  /** Room for a part's own header: the whole hunk's, plus digits its numbers may gain. */
  header: number;
}

function lineCosts(hunk: Hunk, width: number, tokenizer: QwenTokenizer): LineCosts {
  const rows = neutralizeSpecialTokens(renderHunkForModel(hunk, { lineNumberWidth: width })).split("\n");
  const lines: number[] = [];
  let row = 1;
  for (const line of hunk.lines) {
    let cost = tokenizer.count(`${rows[row] ?? ""}\n`);
    row++;
    if (line.noNewlineAtEof) {
      cost += tokenizer.count(`${rows[row] ?? ""}\n`);
      row++;
    }
    lines.push(cost);
  }
  return { lines, header: tokenizer.count(`${rows[0] ?? ""}\n`) + 8 };
}

/**
 * The longest run of lines from `from` that fits `limit` once rendered as its own hunk: chosen on
 * the line costs, then rendered and counted exactly, and shortened in the rare case the estimate
 * was low. Null when not even the first line fits.
 */
function takeLines(
  hunk: Hunk,
  from: number,
  limit: number,
  costs: LineCosts,
  width: number,
  compress: boolean,
  tokenizer: QwenTokenizer,
): { piece: Piece; to: number } | null {
  let to = from;
  let sum = costs.header;
  while (to < hunk.lines.length && sum + (costs.lines[to] as number) <= limit) sum += costs.lines[to++] as number;
  if (to === from) return null;
  let piece = makePiece(subHunk(hunk, from, to), width, compress, tokenizer);
  while (piece.tokens > limit && to - from > 1) {
    to--;
    piece = makePiece(subHunk(hunk, from, to), width, compress, tokenizer);
  }
  return piece.tokens > limit ? null : { piece, to };
}

/** Lines `from`..`to` (exclusive) of `hunk` as a hunk of their own. */
export function subHunk(hunk: Hunk, from: number, to: number): Hunk {
  const lines = hunk.lines.slice(from, to);
  // For a side with no lines here, git's start is the line before: the last one seen so far.
  const frame = hunkFrame(hunk);
  let oldBefore = frame.oldBefore;
  let newBefore = frame.newBefore;
  for (let i = 0; i < from; i++) {
    const line = hunk.lines[i] as DiffLine;
    if (line.oldLine !== null) oldBefore = line.oldLine;
    if (line.newLine !== null) newBefore = line.newLine;
  }
  const firstOld = lines.find((l) => l.oldLine !== null)?.oldLine;
  const firstNew = lines.find((l) => l.newLine !== null)?.newLine;
  return {
    oldStart: firstOld ?? oldBefore,
    oldLines: lines.filter((l) => l.oldLine !== null).length,
    newStart: firstNew ?? newBefore,
    newLines: lines.filter((l) => l.newLine !== null).length,
    section: hunk.section,
    lines,
  };
}

/**
 * One line longer than a whole request (a data blob that is not minified enough to be skipped):
 * sent cut to fit, with a note saying how much is missing. Its line number stays citable.
 */
function cutLongLine(hunk: Hunk, index: number, width: number, limit: number, tokenizer: QwenTokenizer): Piece {
  const line = hunk.lines[index] as DiffLine;
  const single = subHunk(hunk, index, index + 1);
  let lo = 0;
  let hi = line.text.length;
  let best: Piece | null = null;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const cut: DiffLine = { ...line, text: `${line.text.slice(0, mid)} … [line cut here: ${line.text.length - mid} more characters]` };
    const piece = makePiece({ ...single, lines: [cut] }, width, false, tokenizer);
    if (piece.tokens <= limit) {
      best = piece;
      lo = mid + 1;
    } else {
      hi = mid - 1;
    }
  }
  if (!best) throw new Error(`A single diff line cannot fit in ${limit} tokens even when cut; raise the context size.`);
  return best;
}

function isDeletionOnly(hunk: Hunk): boolean {
  let deletions = false;
  for (const line of hunk.lines) {
    if (line.kind === "add") return false;
    if (line.kind === "del") deletions = true;
  }
  return deletions;
}

function maxNewLine(hunks: readonly Hunk[]): number {
  let max = 0;
  for (const hunk of hunks) for (const line of hunk.lines) if (line.newLine !== null && line.newLine > max) max = line.newLine;
  return max;
}

function digits(n: number): number {
  return n === 0 ? 0 : String(n).length;
}
