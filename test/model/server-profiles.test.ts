// Each server profile detected from the server's own answers (the fake plays each one as it
// really answers), and the window taken from where that server reports it.
import { pino } from "pino";
import { afterEach, describe, expect, it } from "vitest";
import { ContextOverflowError } from "../../src/errors.js";
import { ModelClient } from "../../src/model/client.js";
import { chooseModel, isOverflowAnswer, listedModels, windowFromOverflowText } from "../../src/model/server-profiles.js";
import { loadQwenTokenizer } from "../../src/tokenizer/index.js";
import { referenceEncodeUnnormalized } from "../../testbed/fakes/model/reference-tokenizer.js";
import { startFakeModel, type FakeModel, type FakeModelOptions } from "../../testbed/fakes/model/index.js";

const log = pino({ level: "silent" });
let fake: FakeModel | null = null;
afterEach(async () => {
  await fake?.close();
  fake = null;
});

async function resolved(options: FakeModelOptions, contextTokens: number | null = null) {
  fake = await startFakeModel(options);
  const client = new ModelClient({ baseUrl: fake.baseUrl, apiKey: null, model: null, contextTokens, timeoutMs: 10_000 }, log);
  return { client, model: await client.resolve() };
}

describe("server profiles", () => {
  it("vLLM: max_model_len", async () => {
    const { model } = await resolved({ contextTokens: 16384 });
    expect(model).toMatchObject({ contextTokens: 16384, windowSource: "max_model_len", server: { kind: "vllm", normalizesUnicode: true } });
  });

  it("llama.cpp: data[].meta.n_ctx, else /props, else not reported", async () => {
    expect((await resolved({ profile: "llamacpp", contextTokens: 12288 })).model).toMatchObject({
      contextTokens: 12288,
      windowSource: "meta.n_ctx",
      server: { kind: "llamacpp", normalizesUnicode: false },
    });
    await fake!.close();
    expect((await resolved({ profile: "llamacpp", contextTokens: 12288, reportMaxModelLen: false })).model).toMatchObject({
      contextTokens: 32768,
      server: { kind: "llamacpp" },
    });
  });

  it("Ollama: /api/ps once loaded, else the Modelfile's num_ctx, else loaded on purpose to ask", async () => {
    const fromModelfile = await resolved({
      profile: "ollama",
      modelId: "hf.co/bartowski/Skywork-SWE-32B-GGUF:Q4_K_M",
      contextTokens: 8192,
      numCtxInModelfile: true,
    });
    expect(fromModelfile.model).toMatchObject({
      id: "hf.co/bartowski/Skywork-SWE-32B-GGUF:Q4_K_M",
      contextTokens: 8192,
      windowSource: "/api/show num_ctx",
      server: { kind: "ollama", truncatesSilently: true },
    });
    await fake!.close();
    // Set only on the server (OLLAMA_CONTEXT_LENGTH): the model is loaded (an empty prompt) and /api/ps read.
    expect((await resolved({ profile: "ollama", contextTokens: 16384 })).model).toMatchObject({ contextTokens: 16384, windowSource: "/api/ps context_length" });
    expect(fake!.requests).toHaveLength(0);
  });

  it("a configured window larger than the one the server reports is refused with the server's own setting named", async () => {
    await expect(resolved({ profile: "llamacpp", contextTokens: 8192 }, 16384)).rejects.toThrow(
      "LLM_CONTEXT_TOKENS=16384 is larger than the 8192-token window the endpoint reports (llama.cpp server, meta.n_ctx); lower it or start the server with a larger window (llama-server --ctx-size).",
    );
  });

  it("llama.cpp: a length stop short of max_tokens is a window problem, with the window it reveals", async () => {
    // An older build that does not report its window: the app assumes 32768, the server has 2048.
    const { client } = await resolved({ profile: "llamacpp", contextTokens: 2048, reportMaxModelLen: false, reply: () => ({ content: "word ".repeat(3000) }) });
    const messages = [{ role: "user" as const, content: "Review this." }];
    const error = await client.complete({ messages, maxTokens: 4000, promptTokens: loadQwenTokenizer().countChat(messages) }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ContextOverflowError);
    expect((error as ContextOverflowError).serverWindow).toBe(2048);
  });

  it("Ollama: a silently cut prompt is a window problem, with the tokens it kept as the window", async () => {
    const { client } = await resolved({ profile: "ollama", contextTokens: 1024, reportMaxModelLen: false }, 32768);
    const messages = [{ role: "user" as const, content: "word ".repeat(3000) }];
    const error = await client.complete({ messages, maxTokens: 100, promptTokens: loadQwenTokenizer().countChat(messages) }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ContextOverflowError);
    expect((error as ContextOverflowError).serverWindow).toBe(1024);
    expect(fake!.requests[0]!.status).toBe(200);
  });

  it("llama.cpp's 500 'Context size has been exceeded.' is not retried blindly by the SDK; alone on the server it is a window problem", async () => {
    const { client } = await resolved({ profile: "llamacpp" });
    fake!.failNext(500, 3, { error: { code: 500, message: "Context size has been exceeded.", type: "server_error" } });
    const messages = [{ role: "user" as const, content: "Review this." }];
    await expect(client.complete({ messages, maxTokens: 100, promptTokens: loadQwenTokenizer().countChat(messages) })).rejects.toBeInstanceOf(
      ContextOverflowError,
    );
    // One request: neither the SDK's immediate retries nor a wait for requests that are not there.
    expect(fake!.requests).toHaveLength(1);
  });

  it("servers that tokenize without NFC are budgeted at the larger count", () => {
    // Decomposed accents: e + U+0301. NFC composes them; llama.cpp tokenizes them as they are.
    const text = "Re\u0301sume\u0301 des donne\u0301es: e\u0301te\u0301, cafe\u0301, na\u0131\u0308ve.\n".repeat(20);
    const nfc = loadQwenTokenizer().count(text);
    const larger = loadQwenTokenizer({ largerOfRawAndNfc: true }).count(text);
    const server = referenceEncodeUnnormalized(text).length;
    expect(nfc).toBeLessThan(server);
    expect(larger).toBeGreaterThanOrEqual(server);
    // ASCII code costs nothing extra.
    expect(loadQwenTokenizer({ largerOfRawAndNfc: true }).count("const x = 1;\n")).toBe(loadQwenTokenizer().count("const x = 1;\n"));
  });
});

// The wordings and listing rules the client and /readyz share.
describe("server quirks", () => {
  it("reads an overflow from each server's wording, a bare 400 included, and the window it names", () => {
    const vllm = "This model's maximum context length is 32768 tokens. However, you requested 40000 tokens";
    const llamacpp = '{"code":400,"message":"the request exceeds the available context size (8192 tokens)","type":"exceed_context_size_error","n_ctx":8192}';
    expect(isOverflowAnswer(400, vllm, false)).toBe(true);
    expect(isOverflowAnswer(400, llamacpp, false)).toBe(true);
    expect(isOverflowAnswer(400, "400 status code (no body)", true)).toBe(true);
    expect(isOverflowAnswer(400, "invalid temperature", false)).toBe(false);
    expect(isOverflowAnswer(500, "Context size has been exceeded.", false)).toBe(false);
    expect(windowFromOverflowText(vllm)).toBe(32768);
    expect(windowFromOverflowText(llamacpp)).toBe(8192);
    expect(windowFromOverflowText("prompt is too long")).toBeNull();
  });

  it("lists only entries that name a model, and picks LLM_MODEL or else the first", () => {
    const listed = listedModels([{ id: "a", owned_by: "vllm" }, { object: "model" }, null, "b", { id: "c" }]);
    expect(listed.map((m) => m.id)).toEqual(["a", "c"]);
    expect(chooseModel(listed, null)?.id).toBe("a");
    expect(chooseModel(listed, "c")?.id).toBe("c");
    expect(chooseModel(listed, "missing")).toBeUndefined();
  });
});
