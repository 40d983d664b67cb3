// Scopes from a real parse (see tree-sitter.ts for how the parser is loaded and shared).
import type { Query as TsQuery } from "@vscode/tree-sitter-wasm";
import type { GrammarInfo } from "./languages.js";
import type { ScopeFinder, ScopeRange } from "./scope-types.js";
import { withParse, type TreeSitterModule, type TsLanguage, type TsTree } from "./tree-sitter.js";

const queries = new Map<string, TsQuery | null>();

export interface ParseLimits {
  /** Larger sources are not parsed (the indentation heuristic reads them). */
  maxChars: number;
  /** A parse that runs longer is abandoned. */
  maxMillis: number;
}

/**
 * A finder over a tree-sitter parse of `text`, or null when the grammar cannot load, the text is too
 * large, or the parse is abandoned or fails; the caller then falls back to indentation.
 */
export async function treeSitterScopes(text: string, grammar: GrammarInfo, limits: ParseLimits): Promise<ScopeFinder | null> {
  if (text.length > limits.maxChars) return null;
  const scopes = await withParse(text, grammar.wasm, limits.maxMillis, (tree, { module, language }) => collectScopes(tree, module, language, grammar));
  return scopes ? scopesFinder(scopes) : null;
}

/**
 * Every scope node's line range, collected once so the tree can be freed right away. A query
 * captures them inside WebAssembly; walking every node from JavaScript costs ten times more.
 */
function collectScopes(tree: TsTree, module: TreeSitterModule, language: TsLanguage, grammar: GrammarInfo): ScopeRange[] | null {
  const query = scopeQuery(module, language, grammar);
  if (!query) return null;
  const out: ScopeRange[] = [];
  for (const { name, node } of query.captures(tree.rootNode)) {
    const start = node.startPosition.row + 1;
    const endPosition = node.endPosition;
    // A node that ends at column 0 ends with the previous line's newline.
    const end = Math.max(start, endPosition.column === 0 ? endPosition.row : endPosition.row + 1);
    out.push({ start, end, kind: name === "container" ? "container" : "function" });
  }
  return out;
}

/** `(type) @function …` for the scope types this grammar really has; null if it has none. */
function scopeQuery(module: TreeSitterModule, language: TsLanguage, grammar: GrammarInfo): TsQuery | null {
  if (queries.has(grammar.wasm)) return queries.get(grammar.wasm) ?? null;
  const patterns: string[] = [];
  const add = (types: ReadonlySet<string>, capture: string): void => {
    for (const type of types) if (language.idForNodeType(type, true) !== null) patterns.push(`(${type}) @${capture}`);
  };
  add(grammar.functions, "function");
  add(grammar.containers, "container");
  let query: TsQuery | null = null;
  try {
    query = patterns.length > 0 ? new module.Query(language, patterns.join("\n")) : null;
  } catch {
    query = null;
  }
  queries.set(grammar.wasm, query);
  return query;
}

/** Scopes nest, so those enclosing a line are the ranges that contain it, sorted by size. */
function scopesFinder(scopes: readonly ScopeRange[]): ScopeFinder {
  return {
    method: "tree-sitter",
    enclosing(line) {
      const found: ScopeRange[] = [];
      for (const scope of scopes) if (scope.start <= line && line <= scope.end) found.push(scope);
      return found.sort((a, b) => a.end - a.start - (b.end - b.start) || b.start - a.start);
    },
  };
}
