// Exact token counting for Skywork-SWE-32B (Qwen2.5 tokenizer and chat template), as vLLM counts.
export type { ChatMessage, ChatRole } from "./chat-template.js";
export { QWEN_DEFAULT_SYSTEM_PROMPT } from "./chat-template.js";
export { isAdditiveJoin } from "./pre-tokenizer.js";
export { loadQwenTokenizer, type QwenTokenizer, type TokenizerOptions } from "./qwen-tokenizer.js";
export { neutralizeSpecialTokens } from "./special-tokens.js";

/** Tokens of the generation prompt `<|im_start|>assistant\n` that closes every rendered chat. */
export const GENERATION_PROMPT_TOKENS = 3;
/** Tokens of the system turn the template inserts when the first message is not a system message. */
export const DEFAULT_SYSTEM_PROMPT_TOKENS = 21;
