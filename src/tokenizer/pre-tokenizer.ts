import { QWEN25_ADDED_TOKENS } from "./special-tokens.js";

/**
 * Qwen2's pre-tokenizer regex, rewritten for JavaScript so that it splits exactly as Hugging Face's
 * (Oniguruma) does:
 * - `(?i:'s|…)` has no JS equivalent; Oniguruma's case folding also lets `'s` match `'ſ` (U+017F).
 * - Oniguruma's `\s` is Unicode White_Space: it includes U+0085 and excludes U+FEFF, unlike JS `\s`.
 *   A byte-order mark before `import` is one pre-token for vLLM, two for a naive port.
 * `\p{L}`/`\p{N}` come from the runtime's Unicode tables; characters assigned after the Unicode
 * version of the server's Oniguruma (Unicode 17 scripts on tokenizers 0.23) may classify differently.
 */
const WS = "\\t\\n\\v\\f\\r \\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000";

export const PRE_TOKEN_PATTERN = new RegExp(
  [
    "'(?:[sS\\u017f]|[tT]|[rR][eE]|[vV][eE]|[mM]|[lL][lL]|[dD])",
    "[^\\r\\n\\p{L}\\p{N}]?\\p{L}+",
    "\\p{N}",
    ` ?[^${WS}\\p{L}\\p{N}]+[\\r\\n]*`,
    `[${WS}]*[\\r\\n]+`,
    `[${WS}]+(?![^${WS}])`,
    `[${WS}]+`,
  ].join("|"),
  "gu",
);

/** Whitespace for the boundary scan: Oniguruma's set plus JS's U+FEFF, so the scan errs on the safe side. */
function isWhitespace(code: number): boolean {
  if (code <= 0x20) return code === 0x20 || (code >= 0x09 && code <= 0x0d);
  if (code < 0x85) return false;
  return (
    code === 0x85 ||
    code === 0xa0 ||
    code === 0x1680 ||
    (code >= 0x2000 && code <= 0x200a) ||
    code === 0x2028 ||
    code === 0x2029 ||
    code === 0x202f ||
    code === 0x205f ||
    code === 0x3000 ||
    code === 0xfeff
  );
}

/**
 * End of the chunk that starts at `start`: the position after the next "\n" whose following
 * whitespace run holds no "\r" or "\n", or the text's end.
 *
 * Why that is a pre-token boundary: a pre-token holding a "\n" is `\s*[\r\n]+` or the tail of
 * ` ?[^\s\p{L}\p{N}]+[\r\n]*`; both end on newline characters, so neither can reach past that "\n"
 * into a non-newline character, and the `(?!\S)` lookahead is never consulted for them. Matching
 * after the boundary never looks behind it, and NFC never composes across a "\n". So counting the
 * chunks one by one equals counting the whole text, and each chunk (mostly one source line) can be
 * cached on its own.
 */
export function chunkEnd(text: string, start: number): number {
  let newline = text.indexOf("\n", start);
  while (newline !== -1) {
    let next = newline + 1;
    for (;;) {
      const code = text.charCodeAt(next);
      if (code === 0x0a || code === 0x0d || !isWhitespace(code)) break; // NaN at the end: boundary
      next++;
    }
    const stop = text.charCodeAt(next);
    if (stop !== 0x0a && stop !== 0x0d) return newline + 1;
    newline = text.indexOf("\n", next);
  }
  return text.length;
}

/**
 * True when tokenizing `left + right` gives the tokens of `left` followed by those of `right`, so
 * their counts add up. Holds when either side is empty, when `left` ends with "\n" and `right` does
 * not start with whitespace that reaches a "\r"/"\n", or when an added token stands at the seam
 * (added tokens are cut out before anything else runs). Conservative: false means "not proven".
 */
export function isAdditiveJoin(left: string, right: string): boolean {
  if (left.length === 0 || right.length === 0) return true;
  if (left.endsWith("\n") && !startsWithNewlineRun(right)) return true;
  return QWEN25_ADDED_TOKENS.some(([token]) => left.endsWith(token) || right.startsWith(token));
}

function startsWithNewlineRun(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code === 0x0a || code === 0x0d) return true;
    if (!isWhitespace(code)) return false;
  }
  return false;
}

/** True when `text` needs NFC work; ASCII (most code) never does. */
export function mayNeedNfc(text: string): boolean {
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) >= 0x80) return true;
  return false;
}
