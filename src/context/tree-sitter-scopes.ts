// Scopes from a real parse. web-tree-sitter runs as WebAssembly: the runtime and each grammar are
// loaded once per process (~40 ms each) and reused.
import { createRequire } from "node:module";
import type { Language as TsLanguage, Parser as TsParser, Query as TsQuery, Tree as TsTree } from "@vscode/tree-sitter-wasm";
import type { GrammarInfo } from "./languages.js";
import type { ScopeFinder, ScopeRange } from "./scope-types.js";

type TreeSitterModule = typeof import("@vscode/tree-sitter-wasm");

const require = createRequire(import.meta.url);

let runtime: Promise<TreeSitterModule> | undefined;
const languages = new Map<string, Promise<TsLanguage>>();
const queries = new Map<string, TsQuery | null>();
let parser: TsParser | undefined;

function loadRuntime(): Promise<TreeSitterModule> {
  runtime ??= (async () => {
    // A CommonJS package: its exports arrive as the default export.
    const imported = (await import("@vscode/tree-sitter-wasm")) as TreeSitterModule & { default?: TreeSitterModule };
    const module = imported.default ?? imported;
    await module.Parser.init();
    return module;
  })();
  return runtime;
}

async function loadLanguage(wasm: string): Promise<TsLanguage> {
  let language = languages.get(wasm);
  if (!language) {
    language = loadRuntime().then((module) => module.Language.load(require.resolve(`@vscode/tree-sitter-wasm/wasm/tree-sitter-${wasm}.wasm`)));
    languages.set(wasm, language);
  }
  return language;
}

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
  let language: TsLanguage;
  let module: TreeSitterModule;
  try {
    [module, language] = await Promise.all([loadRuntime(), loadLanguage(grammar.wasm)]);
  } catch {
    return null;
  }
  parser ??= new module.Parser();
  parser.setLanguage(language);
  const deadline = performance.now() + limits.maxMillis;
  let tree;
  try {
    tree = parser.parse(text, null, { progressCallback: () => performance.now() > deadline });
  } catch {
    tree = null;
  } finally {
    // An abandoned parse would otherwise resume on the next file.
    parser.reset();
  }
  if (!tree) return null;
  try {
    const scopes = collectScopes(tree, module, language, grammar);
    return scopes ? scopesFinder(scopes) : null;
  } finally {
    tree.delete();
  }
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
