import { pino } from "pino";
import { afterEach, describe, expect, it } from "vitest";
import { ModelClient, type ModelSettings } from "../../src/model/client.js";
import { ContextOverflowError, ModelConfigurationError, ModelUnavailableError } from "../../src/errors.js";
import { classifyFailure } from "../../src/queue/retry-policy.js";
import { loadQwenTokenizer } from "../../src/tokenizer/index.js";
import { startFakeModel, type FakeModel, type FakeModelOptions } from "../../testbed/fakes/model/index.js";

const log = pino({ level: "silent" });
let fake: FakeModel | null = null;
afterEach(async () => {
  await fake?.close();
  fake = null;
});

async function clientFor(options: FakeModelOptions, settings: Partial<ModelSettings> = {}): Promise<ModelClient> {
  fake = await startFakeModel(options);
  return new ModelClient({ baseUrl: fake.baseUrl, apiKey: null, model: null, contextTokens: null, timeoutMs: 10_000, ...settings }, log);
}

describe("ModelClient.resolve", () => {
  it("takes the first listed model and its max_model_len", async () => {
    const client = await clientFor({ modelId: "Skywork/Skywork-SWE-32B", contextTokens: 16384 });
    expect(await client.resolve()).toMatchObject({
      id: "Skywork/Skywork-SWE-32B",
      contextTokens: 16384,
      windowSource: "max_model_len",
      server: { kind: "vllm" },
    });
  });

  it("falls back to 32768 when the server does not report a window", async () => {
    const client = await clientFor({ reportMaxModelLen: false });
    expect((await client.resolve()).contextTokens).toBe(32768);
  });

  it("prefers configured values", async () => {
    const client = await clientFor({ modelId: "skywork", contextTokens: 32768 }, { model: "skywork", contextTokens: 20000 });
    expect(await client.resolve()).toMatchObject({ id: "skywork", contextTokens: 20000, windowSource: "LLM_CONTEXT_TOKENS" });
  });

  it("says clearly when the configured model is not served, or the window is larger than the server's", async () => {
    await expect((await clientFor({ modelId: "a" }, { model: "b" })).resolve()).rejects.toThrow(/LLM_MODEL=b is not served by .*it serves: a/);
    await fake!.close();
    await expect((await clientFor({ contextTokens: 8192 }, { contextTokens: 32768 })).resolve()).rejects.toThrow(
      /LLM_CONTEXT_TOKENS=32768 is larger than the 8192-token window/,
    );
  });

  it("a listing that does not answer in time: transient without LLM_MODEL; with it, the model is asked for by name and the listing tried again later", async () => {
    const unnamed = await clientFor({ modelsLatencyMs: 30_000 }, { timeoutMs: 300 });
    const error = await unnamed.resolve().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ModelUnavailableError);
    expect((error as Error).message).toMatch(/did not list its models within 0\.3 s/);
    expect(classifyFailure(error).kind).toBe("transient");
    await fake!.close();

    const named = await clientFor({ modelsLatencyMs: 30_000 }, { timeoutMs: 300, model: "Skywork/Skywork-SWE-32B" });
    expect(await named.resolve()).toMatchObject({ id: "Skywork/Skywork-SWE-32B", contextTokens: 32768 });
    const listings = fake!.modelListings;
    fake!.setModelsLatency(0);
    // Not cached: the next call lists again and learns the real window.
    expect(await named.resolve()).toMatchObject({ id: "Skywork/Skywork-SWE-32B", contextTokens: 32768 });
    expect(fake!.modelListings).toBe(listings + 1);
  });

  it("a job that is stopped does not wait for a slow listing", async () => {
    const client = await clientFor({ modelsLatencyMs: 30_000 });
    const stop = new AbortController();
    const waiting = client.resolve(stop.signal).catch((e: unknown) => e);
    stop.abort(new Error("handed back"));
    expect(await waiting).toEqual(new Error("handed back"));
  });

  it("reports an unreachable endpoint as temporarily unavailable", async () => {
    const client = new ModelClient({ baseUrl: "http://127.0.0.1:9/v1", apiKey: null, model: null, contextTokens: null, timeoutMs: 2_000 }, log);
    await expect(client.resolve()).rejects.toBeInstanceOf(ModelUnavailableError);
  });
});

describe("ModelClient.complete", () => {
  const messages = [
    { role: "system" as const, content: "Review." },
    { role: "user" as const, content: "x".repeat(2000) },
  ];

  it("sends max_tokens and the JSON schema, and reads usage", async () => {
    const client = await clientFor({});
    const completion = await client.complete({
      messages,
      maxTokens: 512,
      promptTokens: loadQwenTokenizer().countChat(messages),
      jsonSchema: { name: "review", schema: { type: "object" } },
    });
    expect(fake!.requests[0]!.maxTokens).toBe(512);
    expect(fake!.requests[0]!.responseFormat).toMatchObject({ type: "json_schema" });
    expect(completion.promptTokens).toBe(fake!.requests[0]!.promptTokens);
  });

  for (const overflow of ["vllm", "vllm-flat", "llamacpp"] as const) {
    it(`recognises a ${overflow} context overflow`, async () => {
      const client = await clientFor({ contextTokens: 1024, overflow }, { contextTokens: 1024 });
      // llama.cpp refuses only a prompt that fills the window by itself (it cuts the answer short
      // otherwise), so the prompt alone is made larger than the window.
      const long = [messages[0]!, { role: "user" as const, content: "word ".repeat(1500) }];
      await expect(client.complete({ messages: long, maxTokens: 100, promptTokens: 1500 })).rejects.toBeInstanceOf(ContextOverflowError);
    });
  }

  it("classifies a bad API key as configuration, and 503 as temporary", async () => {
    const locked = await clientFor({ apiKey: "secret" }, { apiKey: "wrong" });
    await expect(locked.complete({ messages, maxTokens: 10, promptTokens: 10 })).rejects.toBeInstanceOf(ModelConfigurationError);
    await fake!.close();
    const flaky = await clientFor({});
    await flaky.resolve();
    fake!.failNext(503, 10);
    await expect(flaky.complete({ messages, maxTokens: 10, promptTokens: 10 })).rejects.toBeInstanceOf(ModelUnavailableError);
  });
});
