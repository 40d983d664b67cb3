// One reviewable file made ready to pack: its hunks extended to their scopes (when its text at the
// head is given), rendered and counted exactly.
import type { FileDiff, Hunk } from "../diff/index.js";
import type { QwenTokenizer } from "../tokenizer/index.js";
import { extendHunks, hunkNewSpan, type HunkExtent } from "./extend-hunks.js";
import { fileHeader, renderView, type FileView } from "./pieces.js";
import { scopeFinderFor, scopeTarget, type ScopePolicy } from "./scopes.js";
import { sourceMatchesDiff, splitSource, type SourceText } from "./source-text.js";
import type { SentPart } from "./types.js";

export interface PrepareOptions {
  policy: ScopePolicy;
  /** Files up to this many lines may be shown whole when a request has room. */
  wholeFileMaxLines: number;
  /** Largest piece: what one request holds for one file after its header. */
  requestContentLimit: number;
  /** Characters tree-sitter may still parse in this pack; past it, indentation reads scopes. */
  parseBudget: { chars: number };
}

export type ContextMethod = SentPart["context"];

export interface PreparedFile {
  diff: FileDiff;
  path: string;
  header: string;
  headerTokens: number;
  view: FileView;
  changedLines: number;
  context: ContextMethod;
  /** The whole file at the head as one view, built on demand; null when not offered. */
  wholeView: (() => FileView | null) | null;
  /** New lines the whole view would add to `view` (each costs at least two tokens); 0 without one. */
  wholeExtraLines: number;
}

/**
 * Renders one file. With `text` (the head's content, matching the diff) its hunks are extended to
 * their scopes and it may be shown whole; without, its hunks are sent as they are.
 */
export function prepareFile(diff: FileDiff, text: string | null, tokenizer: QwenTokenizer, options: PrepareOptions): Promise<PreparedFile> | PreparedFile {
  const header = fileHeader(diff);
  const headerTokens = tokenizer.count(header);
  const pieceLimit = options.requestContentLimit - headerTokens;
  const changedLines = countChanged(diff.hunks);
  const source = text === null ? null : splitSource(text);
  if (!source || !sourceMatchesDiff(diff, source)) {
    // Without the head's text (or with a text that is not the diff's head), nothing is guessed.
    const view = renderView(mergeAdjacent(diff.hunks), headerTokens, pieceLimit, tokenizer);
    return { diff, path: diff.path, header, headerTokens, view, changedLines, context: "none", wholeView: null, wholeExtraLines: 0 };
  }
  return withContext(diff, text as string, source, header, headerTokens, changedLines, tokenizer, options);
}

async function withContext(
  diff: FileDiff,
  text: string,
  source: SourceText,
  header: string,
  headerTokens: number,
  changedLines: number,
  tokenizer: QwenTokenizer,
  options: PrepareOptions,
): Promise<PreparedFile> {
  const pieceLimit = options.requestContentLimit - headerTokens;
  const parse = text.length <= options.parseBudget.chars;
  if (parse) options.parseBudget.chars -= text.length;
  const finder = await scopeFinderFor(diff.path, text, source, parse ? options.policy : { ...options.policy, maxParseChars: 0 });
  const extents = diff.hunks.map((hunk): HunkExtent | null => {
    const changed = changedSpan(hunk);
    if (!changed) return null;
    const target = scopeTarget(finder, changed.start, changed.end, options.policy);
    const opener = target.opener === null ? null : (source.lines[target.opener - 1] ?? "").trim();
    return { start: target.start, end: target.end, ...(opener ? { section: clip(opener, 120) } : {}) };
  });
  const view = renderView(extendHunks(diff.hunks, extents, source), headerTokens, pieceLimit, tokenizer);
  const offerWhole = source.lines.length <= options.wholeFileMaxLines && diff.newPath !== null;
  let whole: FileView | null | undefined;
  const wholeView = offerWhole
    ? () => {
        if (whole === undefined) {
          const hunks = extendHunks(
            diff.hunks,
            diff.hunks.map(() => ({ start: 1, end: source.lines.length })),
            source,
          );
          const rendered = renderView(hunks, headerTokens, pieceLimit, tokenizer);
          whole = rendered.pieces.length === 1 ? rendered : null;
        }
        return whole;
      }
    : null;
  const wholeExtraLines = wholeView ? source.lines.length - shownNewLines(view) : 0;
  return { diff, path: diff.path, header, headerTokens, view, changedLines, context: finder.method, wholeView, wholeExtraLines };
}

function shownNewLines(view: FileView): number {
  let n = 0;
  for (const piece of view.pieces) for (const line of piece.hunk.lines) if (line.newLine !== null) n++;
  return n;
}

/**
 * New lines the hunk's changes sit on: the added lines, and for a run of deletions with nothing
 * added in its place, the lines on both sides of the gap it leaves.
 */
function changedSpan(hunk: Hunk): { start: number; end: number } | null {
  let start: number | null = null;
  let end: number | null = null;
  const mark = (line: number): void => {
    if (line < 1) return;
    start = start === null ? line : Math.min(start, line);
    end = end === null ? line : Math.max(end, line);
  };
  let lastNew = hunkNewSpan(hunk).before;
  let i = 0;
  const lines = hunk.lines;
  while (i < lines.length) {
    const line = lines[i]!;
    if (line.kind === "context") {
      if (line.newLine !== null) lastNew = line.newLine;
      i++;
      continue;
    }
    let added = false;
    for (; i < lines.length && lines[i]!.kind !== "context"; i++) {
      const changed = lines[i]!;
      if (changed.kind === "add" && changed.newLine !== null) {
        mark(changed.newLine);
        lastNew = changed.newLine;
        added = true;
      }
    }
    if (!added) {
      mark(lastNew);
      const following = lines[i]?.newLine ?? null;
      if (following !== null) mark(following);
    }
  }
  return start === null || end === null ? null : { start, end };
}

/** Hunks that touch with no line between can be one hunk even without the source. */
function mergeAdjacent(hunks: readonly Hunk[]): Hunk[] {
  const out: Hunk[] = [];
  for (const hunk of hunks) {
    if (hunk.lines.length === 0) continue;
    const previous = out[out.length - 1];
    if (previous && touches(previous, hunk)) {
      out[out.length - 1] = {
        ...previous,
        oldLines: previous.oldLines + hunk.oldLines,
        newLines: previous.newLines + hunk.newLines,
        lines: previous.lines.concat(hunk.lines),
      };
    } else {
      out.push(hunk);
    }
  }
  return out;
}

function touches(a: Hunk, b: Hunk): boolean {
  const spanA = hunkNewSpan(a);
  const spanB = hunkNewSpan(b);
  let lastOldA: number | null = null;
  for (const line of a.lines) if (line.oldLine !== null) lastOldA = line.oldLine;
  const firstOldB = b.lines.find((l) => l.oldLine !== null)?.oldLine ?? null;
  const oldTouch = lastOldA === null || firstOldB === null || firstOldB === lastOldA + 1;
  return spanA.before + spanA.count === spanB.before && oldTouch;
}

function countChanged(hunks: readonly Hunk[]): number {
  let n = 0;
  for (const hunk of hunks) for (const line of hunk.lines) if (line.kind !== "context") n++;
  return n;
}

function clip(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max)}…` : text;
}
