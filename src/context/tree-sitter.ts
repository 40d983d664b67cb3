// tree-sitter, shared by the context engine (enclosing scopes) and the fix agent (syntax checks).
// It runs as WebAssembly: the runtime and each grammar load once per process (~40 ms each) and one
// parser is reused.
import { createRequire } from "node:module";
import type { Language as TsLanguage, Parser as TsParser, Tree as TsTree } from "@vscode/tree-sitter-wasm";

export type TreeSitterModule = typeof import("@vscode/tree-sitter-wasm");
export type { TsLanguage, TsTree };

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

/** The runtime and the grammar `tree-sitter-<wasm>.wasm`, or null when either cannot load. */
export async function loadGrammar(wasm: string): Promise<{ module: TreeSitterModule; language: TsLanguage } | null> {
  let language = languages.get(wasm);
  if (!language) {
    language = loadRuntime().then((module) => module.Language.load(require.resolve(`@vscode/tree-sitter-wasm/wasm/tree-sitter-${wasm}.wasm`)));
    languages.set(wasm, language);
  }
  try {
    const [module, loaded] = await Promise.all([loadRuntime(), language]);
    return { module, language: loaded };
  } catch {
    return null;
  }
}

/**
 * Parses `text` with the grammar and hands the tree to `use`, freeing it afterwards. Null when the
 * grammar cannot load, or the parse fails or runs past `maxMillis` (then it is abandoned).
 */
export async function withParse<T>(
  text: string,
  wasm: string,
  maxMillis: number,
  use: (tree: TsTree, grammar: { module: TreeSitterModule; language: TsLanguage }) => T,
): Promise<T | null> {
  const grammar = await loadGrammar(wasm);
  if (!grammar) return null;
  parser ??= new grammar.module.Parser();
  parser.setLanguage(grammar.language);
  const deadline = performance.now() + maxMillis;
  let tree: TsTree | null;
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
    return use(tree, grammar);
  } finally {
    tree.delete();
  }
}
