// Cutting long observations in the middle, as OpenHands' `truncate_content` does, by characters
// and (because our window is counted in tokens) by exact Qwen tokens.
import type { QwenTokenizer } from "../../tokenizer/index.js";

export const TRUNCATION_NOTE = "\n[... Observation truncated due to length ...]\n";

/** OpenHands' `truncate_content`: keep the head and the tail, note the cut. */
export function truncateMiddleChars(text: string, maxChars: number): string {
  if (maxChars < 0 || text.length <= maxChars) return text;
  const half = Math.floor(maxChars / 2);
  return text.slice(0, half) + TRUNCATION_NOTE + text.slice(text.length - half);
}

/** The same cut, sized so that the result counts at most `maxTokens` tokens. */
export function truncateMiddleTokens(text: string, maxTokens: number, tokenizer: QwenTokenizer): string {
  if (tokenizer.count(text) <= maxTokens) return text;
  const noteTokens = tokenizer.count(TRUNCATION_NOTE);
  if (maxTokens <= noteTokens) return TRUNCATION_NOTE.trim().slice(0, Math.max(0, maxTokens));
  let keep = text.length;
  for (let attempt = 0; attempt < 30; attempt++) {
    const candidate = truncateMiddleChars(text, keep);
    const tokens = tokenizer.count(candidate);
    if (tokens <= maxTokens) return candidate;
    // Shrink in proportion to the overshoot, and always by something.
    keep = Math.min(keep - 2, Math.floor(keep * ((maxTokens - noteTokens) / Math.max(1, tokens - noteTokens)) * 0.97));
    if (keep <= 0) break;
  }
  return TRUNCATION_NOTE.trim();
}
