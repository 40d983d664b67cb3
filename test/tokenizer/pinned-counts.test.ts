// Pinned numbers: counts written down from the reference, and ids published by others. If the
// tokenizer, the installed package or the reference drifts, these fail with a readable number.
import { describe, expect, it } from "vitest";
import { DEFAULT_SYSTEM_PROMPT_TOKENS, GENERATION_PROMPT_TOKENS, loadQwenTokenizer } from "../../src/tokenizer/index.js";
import { referenceCount, referenceDecode, referenceEncode } from "../../testbed/fakes/model/reference-tokenizer.js";
import { CODE_SAMPLES, LLAMA_CPP_QWEN2_VECTORS, SPECIAL_IN_CONTENT, TEXT_SAMPLES } from "./fixtures.js";

const tokenizer = loadQwenTokenizer();
const pinned = [CODE_SAMPLES, TEXT_SAMPLES, SPECIAL_IN_CONTENT].flatMap((group) => Object.entries(group));

describe("pinned counts", () => {
  it.each(pinned)("%s", (_name, { text, tokens }) => {
    expect(tokenizer.count(text)).toBe(tokens);
    expect(referenceCount(text)).toBe(tokens);
  });

  it("counts code at the expected characters per token", () => {
    // DESIGN.md: ~3.5–4 characters per token on code; a far-off ratio means a broken vocabulary.
    for (const { text, tokens } of Object.values(CODE_SAMPLES)) {
      expect(text.length / tokens).toBeGreaterThan(2);
      expect(text.length / tokens).toBeLessThan(5.5);
    }
  });
});

describe("published Qwen2 token ids (llama.cpp's test vectors, from Hugging Face tokenizers)", () => {
  it.each(LLAMA_CPP_QWEN2_VECTORS.map((vector) => [JSON.stringify(vector.text).slice(0, 60), vector] as const))("%s", (_label, { text, ids }) => {
    const expected = ids === "" ? [] : ids.split(" ").map(Number);
    expect(tokenizer.encode(text)).toEqual(expected);
    expect(tokenizer.count(text)).toBe(expected.length);
    expect(referenceEncode(text)).toEqual(expected);
    expect(tokenizer.decode(expected)).toBe(text);
  });
});

describe("pinned ids of the chat control tokens and of the template's fixed parts", () => {
  it("has Qwen2.5's ids for the ChatML tokens (tokenizer_config.json: eos 151645, pad 151643)", () => {
    expect(tokenizer.encode("<|endoftext|><|im_start|><|im_end|>")).toEqual([151643, 151644, 151645]);
    expect(tokenizer.encode("<tool_call></tool_call><|fim_prefix|><|fim_middle|><|fim_suffix|>")).toEqual([151657, 151658, 151659, 151660, 151661]);
    expect(tokenizer.encode("<|im_start|>user\n")).toEqual([151644, 872, 198]);
    expect(tokenizer.encode("<|im_start|>assistant\n")).toEqual([151644, 77091, 198]);
    expect(tokenizer.encode("<|im_start|>system\n")).toEqual([151644, 8948, 198]);
  });

  it("decodes control tokens back to their text", () => {
    const ids = [151644, 872, 198, 9707, 151645, 198];
    expect(tokenizer.decode(ids)).toBe("<|im_start|>user\nHello<|im_end|>\n");
    expect(referenceDecode(ids)).toBe("<|im_start|>user\nHello<|im_end|>\n");
  });

  it("has the exported template constants the reference counts", () => {
    expect(GENERATION_PROMPT_TOKENS).toBe(3);
    expect(DEFAULT_SYSTEM_PROMPT_TOKENS).toBe(21);
    expect(referenceCount("<|im_start|>assistant\n")).toBe(GENERATION_PROMPT_TOKENS);
    expect(referenceCount("<|im_start|>system\nYou are Qwen, created by Alibaba Cloud. You are a helpful assistant.<|im_end|>\n")).toBe(
      DEFAULT_SYSTEM_PROMPT_TOKENS,
    );
  });
});
