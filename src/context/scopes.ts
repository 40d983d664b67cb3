// How much of the new file to show around a change: the enclosing function (or small class) when
// it is small enough, else a bounded window inside it, never a 2,000-line class.
import { indentationScopes } from "./indent-scopes.js";
import { grammarFor } from "./languages.js";
import type { SourceText } from "./source-text.js";
import type { ScopeFinder, ScopeRange } from "./scope-types.js";
import { treeSitterScopes } from "./tree-sitter-scopes.js";

export interface ScopePolicy {
  /** A function (method, closure) up to this many lines is shown whole. */
  maxFunctionLines: number;
  /** A class, struct or namespace up to this many lines is shown whole. */
  maxContainerLines: number;
  /** Otherwise, lines shown above and below the change, inside the innermost scope. */
  windowLines: number;
  /** Sources larger than this are read by indentation, not parsed. */
  maxParseChars: number;
  maxParseMillis: number;
}

export const DEFAULT_SCOPE_POLICY: ScopePolicy = {
  maxFunctionLines: 150,
  maxContainerLines: 80,
  windowLines: 15,
  maxParseChars: 1_000_000,
  maxParseMillis: 250,
};

/** Tree-sitter where a grammar is available and the parse succeeds; indentation otherwise. */
export async function scopeFinderFor(path: string, text: string, source: SourceText, policy: ScopePolicy): Promise<ScopeFinder> {
  const grammar = grammarFor(path);
  if (grammar) {
    const finder = await treeSitterScopes(text, grammar, { maxChars: policy.maxParseChars, maxMillis: policy.maxParseMillis });
    if (finder) return finder;
  }
  return indentationScopes(source);
}

export interface ScopeTarget {
  start: number;
  end: number;
  /** The innermost scope's first line when the window does not reach it (shown in the hunk header). */
  opener: number | null;
}

/** The lines to show for a change that covers new lines `first`..`last`. */
export function scopeTarget(finder: ScopeFinder, first: number, last: number, policy: ScopePolicy): ScopeTarget {
  const top = sideTarget(finder.enclosing(first), first, policy);
  const bottom = sideTarget(finder.enclosing(last), last, policy);
  return { start: Math.min(top.start, first), end: Math.max(bottom.end, last), opener: top.opener };
}

function sideTarget(scopes: readonly ScopeRange[], line: number, policy: ScopePolicy): ScopeTarget {
  let chosen: ScopeRange | null = null;
  for (const scope of scopes) {
    const lines = scope.end - scope.start + 1;
    if (scope.kind === "function") {
      // Every scope further out is larger still.
      if (lines > policy.maxFunctionLines) break;
      chosen = scope;
    } else if (lines <= policy.maxContainerLines) {
      chosen = scope;
    }
    // A large container (an object literal, a namespace) may sit inside a function that is still small.
  }
  if (chosen) return { start: chosen.start, end: chosen.end, opener: null };
  const inner = scopes[0];
  if (!inner) return { start: line, end: line, opener: null };
  const start = Math.max(inner.start, line - policy.windowLines);
  const end = Math.min(inner.end, line + policy.windowLines);
  return { start, end, opener: start > inner.start ? inner.start : null };
}
