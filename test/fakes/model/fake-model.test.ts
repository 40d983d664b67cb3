// Self-tests of the fake model server, through the real openai SDK (v6) at its base URL, the way
// the app talks to it.
import OpenAI, { APIError } from "openai";
import { afterEach, describe, expect, it } from "vitest";
import { loadQwenTokenizer } from "../../../src/tokenizer/index.js";
import {
  DEFAULT_REPLY_CONTENT,
  referenceChatCount,
  startFakeModel,
  type FakeModel,
  type FakeModelOptions,
  type OverflowStyle,
} from "../../../testbed/fakes/model/index.js";

const MODEL = "Skywork/Skywork-SWE-32B";
const started: FakeModel[] = [];

async function fake(options: FakeModelOptions = {}): Promise<FakeModel> {
  const model = await startFakeModel(options);
  started.push(model);
  return model;
}

function client(model: FakeModel, apiKey = "unused"): OpenAI {
  return new OpenAI({ baseURL: model.baseUrl, apiKey, maxRetries: 0, timeout: 10_000 });
}

afterEach(async () => {
  await Promise.all(started.splice(0).map((model) => model.close()));
});

/** A user message of about `tokens` tokens of code. */
function codeOfTokens(tokens: number): string {
  const line = "const value = compute(input, 42);\n"; // 9 tokens
  return line.repeat(Math.ceil(tokens / 9));
}

async function caught(promise: Promise<unknown>): Promise<APIError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof APIError) return error;
    throw error;
  }
  throw new Error("expected the request to fail");
}

describe("models, health and tokenize", () => {
  it("lists the model with max_model_len, as vLLM does", async () => {
    const model = await fake();
    const page = await client(model).models.list();
    expect(page.data).toHaveLength(1);
    const card = page.data[0] as unknown as Record<string, unknown>;
    expect(card).toMatchObject({ id: MODEL, object: "model", owned_by: "vllm", root: MODEL, parent: null, max_model_len: 32_768 });
    expect(Array.isArray(card.permission)).toBe(true);
    expect(typeof card.created).toBe("number");
  });

  it("omits max_model_len when told to, like LM Studio and Ollama", async () => {
    const model = await fake({ reportMaxModelLen: false, contextTokens: 8192 });
    const response = await fetch(`${model.baseUrl}/models`);
    const body = (await response.json()) as { data: Array<Record<string, unknown>> };
    expect(body.data[0]).not.toHaveProperty("max_model_len");
  });

  it("answers /health and counts with /tokenize like vLLM", async () => {
    const model = await fake();
    expect((await fetch(`${model.rootUrl}/health`)).status).toBe(200);
    const messages = [{ role: "user" as const, content: "Review this.\n<|im_start|> stays one token" }];
    const chat = await fetch(`${model.rootUrl}/tokenize`, { method: "POST", body: JSON.stringify({ model: MODEL, messages }) });
    const chatBody = (await chat.json()) as { count: number; max_model_len: number; tokens: number[] };
    expect(chatBody.count).toBe(referenceChatCount(messages));
    expect(chatBody.count).toBe(loadQwenTokenizer().countChat(messages));
    expect(chatBody.max_model_len).toBe(32_768);
    expect(chatBody.tokens).toHaveLength(chatBody.count);
    const plain = await fetch(`${model.rootUrl}/tokenize`, { method: "POST", body: JSON.stringify({ model: MODEL, prompt: "Hello world" }) });
    expect(await plain.json()).toMatchObject({ count: 2, tokens: [9707, 1879] });
  });
});

describe("chat completions", () => {
  it("answers with vLLM's shape, the default review, and usage.prompt_tokens equal to the reference count", async () => {
    const model = await fake();
    const messages = [
      { role: "system" as const, content: "You review pull requests. Answer in JSON." },
      { role: "user" as const, content: "diff --git a/a.ts b/a.ts\n+export const a = 1;\n" },
    ];
    const completion = await client(model).chat.completions.create({ model: MODEL, messages, max_tokens: 512, temperature: 0 });
    expect(completion.object).toBe("chat.completion");
    expect(completion.id).toMatch(/^chatcmpl-/);
    expect(completion.model).toBe(MODEL);
    expect(completion.choices[0]?.message.content).toBe(DEFAULT_REPLY_CONTENT);
    expect(completion.choices[0]?.finish_reason).toBe("stop");
    expect(completion.usage?.prompt_tokens).toBe(referenceChatCount(messages));
    expect(completion.usage?.prompt_tokens).toBe(loadQwenTokenizer().countChat(messages)); // the app's count agrees
    expect(completion.usage?.total_tokens).toBe((completion.usage?.prompt_tokens ?? 0) + (completion.usage?.completion_tokens ?? 0));
    expect(model.requests).toHaveLength(1);
    expect(model.requests[0]).toMatchObject({ promptTokens: referenceChatCount(messages), maxTokens: 512, aborted: false, status: 200 });
  });

  it("records response_format as sent and serves scripted replies in order, then the reply function", async () => {
    const model = await fake({ reply: (request) => ({ content: `fallback #${request.index}` }) });
    model.enqueue({ content: "first" }, { content: "second" });
    const api = client(model);
    const responseFormat = { type: "json_schema" as const, json_schema: { name: "review", schema: { type: "object" } } };
    const ask = () => api.chat.completions.create({ model: MODEL, messages: [{ role: "user", content: "hi" }], response_format: responseFormat });
    const answers = [];
    for (let i = 0; i < 3; i++) answers.push((await ask()).choices[0]?.message.content);
    expect(answers).toEqual(["first", "second", "fallback #2"]);
    expect(model.requests[0]?.responseFormat).toEqual(responseFormat);
  });

  it("honours stop like vLLM: cut before the stop string, which is not included", async () => {
    const model = await fake();
    model.enqueue({ content: "<function=think>\n<parameter=thought>ok</parameter>\n</function>\nextra" });
    const completion = await client(model).chat.completions.create({ model: MODEL, messages: [{ role: "user", content: "go" }], stop: ["</function"] });
    expect(completion.choices[0]?.message.content).toBe("<function=think>\n<parameter=thought>ok</parameter>\n");
    expect(completion.choices[0]?.finish_reason).toBe("stop");
    expect((completion.choices[0] as unknown as { stop_reason: unknown }).stop_reason).toBe("</function");
  });

  it("cuts at max_tokens with finish_reason length", async () => {
    const model = await fake();
    model.enqueue({ content: "one two three four five six seven eight nine ten" });
    const completion = await client(model).chat.completions.create({ model: MODEL, messages: [{ role: "user", content: "count" }], max_tokens: 3 });
    expect(completion.choices[0]?.message.content).toBe("one two three");
    expect(completion.choices[0]?.finish_reason).toBe("length");
    expect(completion.usage?.completion_tokens).toBe(3);
  });

  it("returns tool calls as vLLM does", async () => {
    const model = await fake();
    model.enqueue({ toolCalls: [{ name: "finish", arguments: '{"message":"done"}' }] });
    const completion = await client(model).chat.completions.create({ model: MODEL, messages: [{ role: "user", content: "x" }] });
    const call = completion.choices[0]?.message.tool_calls?.[0];
    expect(completion.choices[0]?.finish_reason).toBe("tool_calls");
    expect(call?.type).toBe("function");
    expect(call && "function" in call ? call.function : undefined).toEqual({ name: "finish", arguments: '{"message":"done"}' });
  });

  it("streams with SSE and a final usage chunk", async () => {
    const model = await fake();
    const content = "Streaming answer with ünïcödé and 🚀 emoji.";
    model.enqueue({ content });
    const messages = [{ role: "user" as const, content: "stream please" }];
    const stream = await client(model).chat.completions.create({
      model: MODEL,
      messages,
      stream: true,
      stream_options: { include_usage: true },
    });
    let text = "";
    let finish: string | null | undefined;
    let usage: OpenAI.CompletionUsage | null | undefined;
    let chunks = 0;
    for await (const chunk of stream) {
      chunks++;
      text += chunk.choices[0]?.delta.content ?? "";
      finish = chunk.choices[0]?.finish_reason ?? finish;
      if (chunk.usage) usage = chunk.usage;
    }
    expect(chunks).toBeGreaterThan(3);
    expect(text).toBe(content);
    expect(finish).toBe("stop");
    expect(usage?.prompt_tokens).toBe(referenceChatCount(messages));
  });

  it("answers an unknown model with vLLM's 404", async () => {
    const model = await fake();
    const error = await caught(client(model).chat.completions.create({ model: "gpt-4o", messages: [{ role: "user", content: "x" }] }));
    expect(error.status).toBe(404);
    expect(error.message).toBe("404 The model `gpt-4o` does not exist.");
  });

  it("requires the API key when configured: 401 without it", async () => {
    const model = await fake({ apiKey: "s3cret" });
    const error = await caught(client(model, "wrong").models.list());
    expect(error.status).toBe(401);
    const ok = await client(model, "s3cret").chat.completions.create({ model: MODEL, messages: [{ role: "user", content: "x" }] });
    expect(ok.choices[0]?.message.content).toBe(DEFAULT_REPLY_CONTENT);
    expect(model.requests[0]?.headers.authorization).toBe("Bearer s3cret");
    expect((await fetch(`${model.rootUrl}/health`)).status).toBe(200);
  });

  it("fails the next requests on demand, then recovers", async () => {
    const model = await fake();
    model.failNext(503, 2);
    const api = client(model);
    const ask = () => api.chat.completions.create({ model: MODEL, messages: [{ role: "user", content: "x" }] });
    expect((await caught(ask())).status).toBe(503);
    expect((await caught(ask())).status).toBe(503);
    expect((await ask()).choices[0]?.message.content).toBe(DEFAULT_REPLY_CONTENT);
    expect(model.requests.map((request) => request.status)).toEqual([503, 503, 200]);
  });

  it("sends scripted raw answers: status, body and headers", async () => {
    const model = await fake();
    model.enqueue({ status: 429, body: { error: { message: "slow down", type: "RateLimitError", param: null, code: 429 } }, headers: { "retry-after": "7" } });
    const error = await caught(client(model).chat.completions.create({ model: MODEL, messages: [{ role: "user", content: "x" }] }));
    expect(error.status).toBe(429);
    expect(error.message).toBe("429 slow down");
    expect(error.headers?.get("retry-after")).toBe("7");
  });
});

describe("context overflow, per server style", () => {
  const messages = [{ role: "user" as const, content: codeOfTokens(1200) }];
  const ask = (model: FakeModel, maxTokens?: number) =>
    client(model).chat.completions.create({ model: MODEL, messages, ...(maxTokens !== undefined && { max_tokens: maxTokens }) });

  it.each(["vllm", "vllm-flat", "llamacpp"] as const)("%s: prompt larger than the window → 400", async (style: OverflowStyle) => {
    const model = await fake({ overflow: style, contextTokens: 1024 });
    const error = await caught(ask(model, 100));
    expect(error.status).toBe(400);
    if (style === "vllm-flat") {
      // The flat body has no "error" key: the SDK cannot read it. Only status 400 is left to match on.
      expect(error.message).toBe("400 status code (no body)");
    } else {
      expect(error.message).toMatch(/context (length|size)/i);
    }
    expect(model.requests[0]?.status).toBe(400);
  });

  it("vllm: prompt + max_tokens over the window → 400 with the numbers, prompt alone fits", async () => {
    const model = await fake({ contextTokens: 2048 });
    const prompt = referenceChatCount(messages);
    const error = await caught(ask(model, 4096));
    expect(error.status).toBe(400);
    expect(error.message).toMatch(/context length/i);
    expect(error.message).toContain(`your request has ${prompt} input tokens`);
    expect(error.message).toContain("'max_tokens' or 'max_completion_tokens' is too large: 4096.");
    // Without max_tokens vLLM only needs the prompt to fit, and generates into the rest.
    expect((await ask(model)).choices[0]?.finish_reason).toBe("stop");
    // At exactly the window it accepts; one more token is refused.
    expect((await ask(model, 2048 - prompt)).choices[0]?.finish_reason).toBe("stop");
    expect((await caught(ask(model, 2048 - prompt + 1))).status).toBe(400);
  });

  it("vllm: the body is vLLM's current nested error", async () => {
    const model = await fake({ contextTokens: 1024 });
    const response = await fetch(`${model.baseUrl}/chat/completions`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ model: MODEL, messages, max_tokens: 10 }),
    });
    expect(response.status).toBe(400);
    const body = (await response.json()) as { error: Record<string, unknown> };
    expect(body.error).toMatchObject({ type: "BadRequestError", param: null, code: 400 });
    expect(body.error.message).toMatch(/^This model's maximum context length is 1024 tokens\. However, your request has \d+ input tokens\./);
  });

  it("vllm-flat: the old flat body, with the old wording", async () => {
    const model = await fake({ overflow: "vllm-flat", contextTokens: 2048 });
    const response = await fetch(`${model.baseUrl}/chat/completions`, {
      method: "POST",
      body: JSON.stringify({ model: MODEL, messages, max_tokens: 4096 }),
    });
    const prompt = referenceChatCount(messages);
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({
      object: "error",
      message:
        `This model's maximum context length is 2048 tokens. However, you requested ${prompt + 4096} tokens ` +
        `(${prompt} in the messages, 4096 in the completion). Please reduce the length of the messages or completion.`,
      type: "BadRequestError",
      param: null,
      code: 400,
    });
  });

  it("llamacpp: exceed_context_size_error with n_prompt_tokens and n_ctx; a fitting prompt is cut short instead", async () => {
    const model = await fake({ overflow: "llamacpp", contextTokens: 1024 });
    const response = await fetch(`${model.baseUrl}/chat/completions`, { method: "POST", body: JSON.stringify({ model: MODEL, messages }) });
    const prompt = referenceChatCount(messages);
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({
      error: {
        code: 400,
        message: `request (${prompt} tokens) exceeds the available context size (1024 tokens), try increasing it`,
        type: "exceed_context_size_error",
        n_prompt_tokens: prompt,
        n_ctx: 1024,
      },
    });
    const roomy = await fake({ overflow: "llamacpp", contextTokens: prompt + 5 });
    roomy.enqueue({ content: "a long answer that will not fit in five tokens of room" });
    const cut = await ask(roomy, 100);
    expect(cut.choices[0]?.finish_reason).toBe("length");
    expect(cut.usage?.completion_tokens).toBe(5);
  });

  it("ollama: silently truncates the prompt and answers 200 with the truncated prompt_tokens", async () => {
    const model = await fake({ overflow: "ollama", contextTokens: 1024, reportMaxModelLen: false });
    const completion = await ask(model, 100);
    expect(completion.choices[0]?.message.content).toBe(DEFAULT_REPLY_CONTENT);
    expect(completion.usage?.prompt_tokens).toBe(1024);
    expect(model.requests[0]?.promptTokens).toBe(referenceChatCount(messages));
    expect(model.requests[0]?.promptTokens).toBeGreaterThan(1024);
  });
});

describe("concurrency, latency, aborts and shutdown", () => {
  it("counts requests in flight and the peak", async () => {
    const model = await fake({ latencyMs: 500 });
    const api = client(model);
    const all = Array.from({ length: 4 }, () => api.chat.completions.create({ model: MODEL, messages: [{ role: "user", content: "x" }] }));
    await expect.poll(() => model.inFlight).toBe(4);
    await Promise.all(all);
    expect(model.inFlight).toBe(0);
    expect(model.maxConcurrent).toBe(4);
    model.reset();
    expect(model.maxConcurrent).toBe(0);
    expect(model.requests).toHaveLength(0);
  });

  it("records a request the client aborted before the answer", async () => {
    const model = await fake();
    model.enqueue({ content: "late", delayMs: 5_000 });
    const controller = new AbortController();
    const pending = client(model).chat.completions.create({ model: MODEL, messages: [{ role: "user", content: "x" }] }, { signal: controller.signal });
    await expect.poll(() => model.inFlight).toBe(1);
    controller.abort();
    await expect(pending).rejects.toThrow();
    await expect.poll(() => model.requests[0]?.aborted).toBe(true);
    expect(model.inFlight).toBe(0);
    expect(model.requests[0]?.status).toBe(0);
  });

  it("setLatency and setReply change later answers", async () => {
    const model = await fake();
    model.setReply(() => ({ content: "from setReply" }));
    // A latency far beyond the test: the answer is held back, not sent.
    model.setLatency(600_000);
    const controller = new AbortController();
    const held = client(model).chat.completions.create({ model: MODEL, messages: [{ role: "user", content: "x" }] }, { signal: controller.signal });
    held.catch(() => undefined);
    await expect.poll(() => model.inFlight).toBe(1);
    expect(model.requests[0]?.status).toBe(0);
    controller.abort();
    model.setLatency(0);
    const completion = await client(model).chat.completions.create({ model: MODEL, messages: [{ role: "user", content: "x" }] });
    expect(completion.choices[0]?.message.content).toBe("from setReply");
  });

  it("closes without waiting for hung requests", async () => {
    const model = await startFakeModel({ latencyMs: 60_000 });
    const pending = client(model).chat.completions.create({ model: MODEL, messages: [{ role: "user", content: "x" }] });
    pending.catch(() => undefined);
    await expect.poll(() => model.inFlight).toBe(1);
    // Waiting for the hung request would outlast the test's timeout.
    await model.close();
    await expect(pending).rejects.toThrow();
  });
});

describe("server profiles, as the real servers answer", () => {
  const json = async (url: string, body?: unknown) => {
    const response = await fetch(
      url,
      body === undefined ? {} : { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) },
    );
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  };
  const chat = (model: FakeModel, content: string, maxTokens: number, name = MODEL) =>
    json(`${model.baseUrl}/chat/completions`, { model: name, messages: [{ role: "user", content }], max_tokens: maxTokens });

  it("llama.cpp: the window in meta.n_ctx and /props, its health and tokenize shapes, no NFC", async () => {
    const llama = await fake({ profile: "llamacpp", contextTokens: 8192, parallel: 4 });
    const models = (await json(`${llama.baseUrl}/models`)).body as { data: Array<Record<string, unknown>> };
    expect(models.data[0]).toMatchObject({ id: MODEL, object: "model", owned_by: "llamacpp", meta: { n_ctx: 8192, n_ctx_train: 32768 } });
    expect(models.data[0]).not.toHaveProperty("max_model_len");
    expect((await json(`${llama.rootUrl}/props`)).body).toMatchObject({ default_generation_settings: { n_ctx: 8192 }, total_slots: 4 });
    expect((await json(`${llama.rootUrl}/health`)).body).toEqual({ status: "ok" });
    const decomposed = "cafe\u0301 re\u0301sume\u0301";
    const tokens = ((await json(`${llama.rootUrl}/tokenize`, { content: decomposed })).body as { tokens: number[] }).tokens;
    expect(tokens.length).toBeGreaterThan(loadQwenTokenizer().count(decomposed));
  });

  it("llama.cpp: 400 exceed_context_size_error for a prompt that fills the window, an early length stop for one that nearly does", async () => {
    const llama = await fake({ profile: "llamacpp", contextTokens: 1024, reply: () => ({ content: "word ".repeat(2000) }) });
    const refused = await chat(llama, "word ".repeat(1100), 10);
    expect(refused).toMatchObject({ status: 400, body: { error: { code: 400, type: "exceed_context_size_error", n_ctx: 1024 } } });
    expect((refused.body.error as { message: string }).message).toMatch(
      /^request \(\d+ tokens\) exceeds the available context size \(1024 tokens\), try increasing it$/,
    );
    const early = (await chat(llama, "word ".repeat(900), 500, "any-name-at-all")).body as {
      choices: Array<{ finish_reason: string }>;
      usage: { prompt_tokens: number; completion_tokens: number };
    };
    expect(early.choices[0]!.finish_reason).toBe("length");
    expect(early.usage.completion_tokens).toBeLessThan(500);
    expect(early.usage.prompt_tokens + early.usage.completion_tokens).toBe(1024);
  });

  it("llama.cpp: concurrent requests that overfill the slots' shared KV cache get HTTP 500 'Context size has been exceeded.'", async () => {
    const llama = await fake({ profile: "llamacpp", contextTokens: 4096, latencyMs: 300 });
    const both = await Promise.all([chat(llama, "word ".repeat(2500), 100), chat(llama, "word ".repeat(2500), 100)]);
    expect(both.map((r) => r.status).sort()).toEqual([200, 500]);
    expect(both.find((r) => r.status === 500)!.body).toEqual({ error: { code: 500, message: "Context size has been exceeded.", type: "server_error" } });
    // Alone, the same request fits.
    expect((await chat(llama, "word ".repeat(2500), 100)).status).toBe(200);
  });

  it("Ollama: /api/version, /api/ps once loaded, /api/show num_ctx, owned_by the namespace, silent truncation", async () => {
    const name = "hf.co/bartowski/Skywork-SWE-32B-GGUF:Q4_K_M";
    const ollama = await fake({ profile: "ollama", modelId: name, contextTokens: 2048, numCtxInModelfile: true });
    expect((await json(`${ollama.baseUrl}/models`)).body).toMatchObject({ object: "list", data: [{ id: name, object: "model", owned_by: "bartowski" }] });
    expect((await json(`${ollama.rootUrl}/api/version`)).body).toEqual({ version: "0.12.6" });
    expect((await json(`${ollama.rootUrl}/api/ps`)).body).toEqual({ models: [] });
    expect(((await json(`${ollama.rootUrl}/api/show`, { model: name })).body.parameters as string).split("\n")[0]).toMatch(/^num_ctx\s+2048$/);
    expect(await json(`${ollama.rootUrl}/api/show`, { model: "nope" })).toEqual({ status: 404, body: { error: "model 'nope' not found" } });
    const cut = (await chat(ollama, "word ".repeat(3000), 50, name)) as { status: number; body: { usage: { prompt_tokens: number } } };
    expect(cut.status).toBe(200);
    expect(cut.body.usage.prompt_tokens).toBe(2048);
    expect((await json(`${ollama.rootUrl}/api/ps`)).body).toMatchObject({ models: [{ name, model: name, context_length: 2048 }] });
    expect(await chat(ollama, "hi", 5, "other")).toMatchObject({ status: 404, body: { error: { message: 'model "other" not found, try pulling it first' } } });
  });
});
