// Does a file parse cleanly with its tree-sitter grammar? Used to drop best-of-N candidates whose
// edits break the syntax of a file. The WebAssembly runtime and each grammar load once per process.
import { createRequire } from "node:module";
import type { Language as TsLanguage, Parser as TsParser } from "@vscode/tree-sitter-wasm";
import { grammarFor } from "../../context/languages.js";

type TreeSitterModule = typeof import("@vscode/tree-sitter-wasm");

const require = createRequire(import.meta.url);
/** Larger sources are not judged (parsing them could take long; selection just skips them). */
const MAX_CHARS = 1_000_000;
const MAX_PARSE_MILLIS = 2_000;

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

function loadLanguage(wasm: string): Promise<TsLanguage> {
  let language = languages.get(wasm);
  if (!language) {
    language = loadRuntime().then((module) => module.Language.load(require.resolve(`@vscode/tree-sitter-wasm/wasm/tree-sitter-${wasm}.wasm`)));
    languages.set(wasm, language);
  }
  return language;
}

/**
 * true: parses without error nodes; false: has syntax errors; null: not judged (no grammar for
 * this file type, not UTF-8, too large, or the parser gave up).
 */
export async function parsesCleanly(filePath: string, content: Buffer): Promise<boolean | null> {
  const grammar = grammarFor(filePath);
  if (!grammar) return null;
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true }).decode(content);
  } catch {
    return null;
  }
  if (text.length > MAX_CHARS) return null;
  let module: TreeSitterModule;
  let language: TsLanguage;
  try {
    [module, language] = await Promise.all([loadRuntime(), loadLanguage(grammar.wasm)]);
  } catch {
    return null;
  }
  parser ??= new module.Parser();
  parser.setLanguage(language);
  const deadline = performance.now() + MAX_PARSE_MILLIS;
  try {
    const tree = parser.parse(text, null, { progressCallback: () => performance.now() > deadline });
    if (!tree) return null;
    const clean = !tree.rootNode.hasError;
    tree.delete();
    return clean;
  } catch {
    return null;
  } finally {
    parser.reset();
  }
}
