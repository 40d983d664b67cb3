// Does a file parse cleanly with its tree-sitter grammar? Used to drop best-of-N candidates whose
// edits break the syntax of a file. The WebAssembly runtime and each grammar load once per process.
import { grammarFor } from "../../context/languages.js";
import { withParse } from "../../context/tree-sitter.js";

/** Larger sources are not judged (parsing them could take long; selection just skips them). */
const MAX_CHARS = 1_000_000;
const MAX_PARSE_MILLIS = 2_000;

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
  return withParse(text, grammar.wasm, MAX_PARSE_MILLIS, (tree) => !tree.rootNode.hasError);
}
