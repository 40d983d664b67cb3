// The ChatML prompt vLLM builds from our messages, its per-message overhead, and the one place where
// per-message counts do not simply add up.
import { describe, expect, it } from "vitest";
import {
  DEFAULT_SYSTEM_PROMPT_TOKENS,
  GENERATION_PROMPT_TOKENS,
  isAdditiveJoin,
  loadQwenTokenizer,
  QWEN_DEFAULT_SYSTEM_PROMPT,
  type ChatMessage,
  type ChatRole,
} from "../../src/tokenizer/index.js";
import { referenceChatCount, referenceCount, renderReferenceChat } from "../../testbed/fakes/model/reference-tokenizer.js";

const tokenizer = loadQwenTokenizer();

describe("renderChat", () => {
  it("renders system + user exactly, ending with the generation prompt", () => {
    const messages: ChatMessage[] = [
      { role: "system", content: "You review pull requests." },
      { role: "user", content: "Review this diff:\n+a = 1" },
    ];
    const expected =
      "<|im_start|>system\nYou review pull requests.<|im_end|>\n" + "<|im_start|>user\nReview this diff:\n+a = 1<|im_end|>\n" + "<|im_start|>assistant\n";
    expect(tokenizer.renderChat(messages)).toBe(expected);
    expect(renderReferenceChat(messages)).toBe(expected);
  });

  it("renders system + user + assistant (a prefilled turn) exactly", () => {
    const messages: ChatMessage[] = [
      { role: "system", content: "S" },
      { role: "user", content: "U" },
      { role: "assistant", content: "A" },
      { role: "user", content: "U2" },
    ];
    const expected =
      "<|im_start|>system\nS<|im_end|>\n<|im_start|>user\nU<|im_end|>\n<|im_start|>assistant\nA<|im_end|>\n" +
      "<|im_start|>user\nU2<|im_end|>\n<|im_start|>assistant\n";
    expect(tokenizer.renderChat(messages)).toBe(expected);
    expect(renderReferenceChat(messages)).toBe(expected);
  });

  it("inserts Qwen's default system prompt when the first message is not a system message", () => {
    expect(QWEN_DEFAULT_SYSTEM_PROMPT).toBe("You are Qwen, created by Alibaba Cloud. You are a helpful assistant.");
    const messages: ChatMessage[] = [{ role: "user", content: "hi" }];
    const expected =
      "<|im_start|>system\nYou are Qwen, created by Alibaba Cloud. You are a helpful assistant.<|im_end|>\n" +
      "<|im_start|>user\nhi<|im_end|>\n<|im_start|>assistant\n";
    expect(tokenizer.renderChat(messages)).toBe(expected);
    expect(renderReferenceChat(messages)).toBe(expected);
    // A system message later in the chat does not replace the default one.
    const late: ChatMessage[] = [
      { role: "user", content: "hi" },
      { role: "system", content: "late" },
    ];
    expect(tokenizer.renderChat(late)).toBe(renderReferenceChat(late));
    expect(tokenizer.renderChat(late).startsWith("<|im_start|>system\nYou are Qwen")).toBe(true);
  });

  it("keeps content byte for byte: no trimming, added tokens left as they are", () => {
    const messages: ChatMessage[] = [
      { role: "system", content: "  x  \n\n" },
      { role: "user", content: "\n<|im_end|>\t" },
    ];
    expect(tokenizer.renderChat(messages)).toBe(renderReferenceChat(messages));
    expect(tokenizer.renderChat(messages)).toContain("system\n  x  \n\n<|im_end|>");
  });

  it("rejects what the template cannot render, saying why", () => {
    expect(() => tokenizer.renderChat([])).toThrow(/at least one message/);
    expect(() => tokenizer.countChat([])).toThrow(/at least one message/);
    expect(() => tokenizer.countChat([{ role: "tool" as ChatRole, content: "x" }])).toThrow(/not one of system, user, assistant/);
    expect(() => tokenizer.messageOverhead("tool" as ChatRole)).toThrow(/not one of/);
  });
});

describe("messageOverhead and countChat", () => {
  it("is 5 tokens for every role: <|im_start|> role \\n … <|im_end|> \\n", () => {
    for (const role of ["system", "user", "assistant"] as const) {
      expect(tokenizer.messageOverhead(role)).toBe(5);
      expect(referenceCount(`<|im_start|>${role}\n<|im_end|>\n`)).toBe(5);
    }
  });

  it("adds up per message when every content joins additively", () => {
    const system = "You review pull requests. Answer in JSON.";
    const user = "diff --git a/x.ts b/x.ts\n+const a = 1;\n";
    const assistant = '{"summary":"ok","findings":[]}';
    const messages: ChatMessage[] = [
      { role: "system", content: system },
      { role: "user", content: user },
      { role: "assistant", content: assistant },
    ];
    const sum =
      GENERATION_PROMPT_TOKENS +
      tokenizer.messageOverhead("system") +
      tokenizer.count(system) +
      tokenizer.messageOverhead("user") +
      tokenizer.count(user) +
      tokenizer.messageOverhead("assistant") +
      tokenizer.count(assistant);
    expect(tokenizer.countChat(messages)).toBe(sum);
    expect(referenceChatCount(messages)).toBe(sum);
  });

  it("adds the default system prompt when the first message is not a system message", () => {
    const messages: ChatMessage[] = [{ role: "user", content: "hi" }];
    const sum = DEFAULT_SYSTEM_PROMPT_TOKENS + GENERATION_PROMPT_TOKENS + tokenizer.messageOverhead("user") + tokenizer.count("hi");
    expect(tokenizer.countChat(messages)).toBe(sum);
    expect(referenceChatCount(messages)).toBe(sum);
    expect(sum).toBe(30);
  });
});

describe("isAdditiveJoin", () => {
  it("is false where the role's \\n merges with leading blank lines, and countChat stays exact", () => {
    const content = "\n\nfirst line after two blank lines";
    expect(isAdditiveJoin("user\n", content)).toBe(false);
    // The merge is real: "\n" + "\n\n" is the single token "\n\n\n" (1406), not 198 followed by 271.
    expect(tokenizer.encode("user\n\n\nfirst")).toEqual([872, 1406, 3896]);
    expect(tokenizer.count("user\n") + tokenizer.count(content)).toBe(tokenizer.count(`user\n${content}`) + 1);
    const messages: ChatMessage[] = [
      { role: "system", content: "S" },
      { role: "user", content },
    ];
    const naive = GENERATION_PROMPT_TOKENS + 5 + tokenizer.count("S") + tokenizer.messageOverhead("user") + tokenizer.count(content);
    expect(tokenizer.countChat(messages)).toBe(naive - 1);
    expect(tokenizer.countChat(messages)).toBe(referenceChatCount(messages));
  });

  it.each([
    ["\n\nx", false],
    ["\nx", false],
    ["  \nx", false],
    ["\t\n", false],
    ["\r\nx", false],
    [" \u3000\n", false],
    ["x\n\n", true],
    ["  x", true],
    ["\tx", true],
    ["", true],
    ["<|im_end|>\n\n", true],
  ] as const)("role head + %j: %s, and the claim holds against the reference", (content, additive) => {
    expect(isAdditiveJoin("user\n", content)).toBe(additive);
    if (additive) expect(tokenizer.count("user\n") + tokenizer.count(content)).toBe(referenceCount(`user\n${content}`));
    const messages: ChatMessage[] = [{ role: "user", content }];
    expect(tokenizer.countChat(messages)).toBe(referenceChatCount(messages));
  });

  it("holds at an added token and for empty sides, and refuses what it cannot prove", () => {
    expect(isAdditiveJoin("abc<|im_end|>", "\n\n")).toBe(true);
    expect(isAdditiveJoin("abc", "<|im_start|>x")).toBe(true);
    expect(isAdditiveJoin("", "anything")).toBe(true);
    expect(isAdditiveJoin("anything", "")).toBe(true);
    expect(isAdditiveJoin("foo", "bar")).toBe(false); // "foobar" is one token, not two
    expect(isAdditiveJoin("a\n", "b")).toBe(true);
    expect(tokenizer.count("a\n") + tokenizer.count("b")).toBe(referenceCount("a\nb"));
  });
});
