// Scopes from a real parse. web-tree-sitter runs as WebAssembly: the runtime and each grammar are
// loaded once per process (~40 ms each) and reused.
import { createRequire } from "node:module";
import type { Language as TsLanguage, Node as TsNode, Parser as TsParser } from "@vscode/tree-sitter-wasm";
import type { GrammarInfo } from "./languages.js";
import type { ScopeFinder, ScopeRange } from "./scope-types.js";

type TreeSitterModule = typeof import("@vscode/tree-sitter-wasm");

const require = createRequire(import.meta.url);

let runtime: Promise<TreeSitterModule> | undefined;
const languages = new Map<string, Promise<TsLanguage>>();
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
  const scopes = collectScopes(tree.rootNode, grammar);
  tree.delete();
  return scopesFinder(scopes);
}

/** Every scope node's line range, collected once so the tree can be freed right away. */
function collectScopes(root: TsNode, grammar: GrammarInfo): ScopeRange[] {
  const out: ScopeRange[] = [];
  const cursor = root.walk();
  let done = false;
  while (!done) {
    const type = cursor.nodeType;
    const kind = grammar.functions.has(type) ? "function" : grammar.containers.has(type) ? "container" : null;
    if (kind) {
      const start = cursor.startPosition.row + 1;
      const endPosition = cursor.endPosition;
      // A node that ends at column 0 ends with the previous line's newline.
      const end = Math.max(start, endPosition.column === 0 ? endPosition.row : endPosition.row + 1);
      if (end > start || kind === "container") out.push({ start, end, kind });
    }
    if (cursor.gotoFirstChild()) continue;
    while (!cursor.gotoNextSibling()) {
      if (!cursor.gotoParent()) {
        done = true;
        break;
      }
    }
  }
  cursor.delete();
  return out;
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
