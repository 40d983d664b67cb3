// A fake OpenAI-compatible model server that behaves like vLLM serving Skywork-SWE-32B (or, by
// option, like llama.cpp or Ollama at the context limit). Prompt tokens are counted by the reference
// tokenizer, independently of src/tokenizer, so tests that compare the app's counts with
// `usage.prompt_tokens` prove something.
import { randomBytes } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { setTimeout as sleep } from "node:timers/promises";
import { completionBody, generate, newCompletionContext, streamEvents } from "./completion.js";
import { defaultFailureBody, kvCacheFullError, overflowError, unknownModelError, vllmError } from "./errors.js";
import { referenceEncode, referenceEncodeUnnormalized, renderReferenceChat, type ReferenceMessage } from "./reference-tokenizer.js";
import type { FakeModel, FakeModelOptions, OverflowStyle, RecordedRequest, Reply, ReplyFn, ServerProfileName } from "./types.js";

type Json = Record<string, unknown>;

const MAX_BODY_BYTES = 64 * 1024 * 1024;

class BadRequest extends Error {}

interface State {
  readonly modelId: string;
  readonly contextTokens: number;
  readonly options: FakeModelOptions;
  readonly profile: ServerProfileName;
  readonly style: OverflowStyle;
  /** llama.cpp: KV cells held by the requests being answered, out of `contextTokens`. */
  kvUsed: number;
  /** Ollama: the model has been loaded (by a request, or by /api/generate with an empty prompt). */
  loaded: boolean;
  readonly requests: RecordedRequest[];
  readonly queue: Reply[];
  readonly failures: Array<{ status: number; body: unknown }>;
  readonly created: number;
  latencyMs: number;
  modelsLatencyMs: number;
  modelListings: number;
  reply: ReplyFn | undefined;
  inFlight: number;
  maxConcurrent: number;
  /** Rendered prompt → token ids: a test that resends the same prompt does not pay twice. */
  readonly tokenCache: Map<string, number[]>;
  /** With `timing`: sequences free now, and the requests waiting for one in arrival order. */
  readonly gpu: { free: number; waiting: Array<() => void> };
}

/** Runs `fn` holding one of the GPU's sequences (timing.sequences at once, first come first served). */
async function onGpu<T>(state: State, fn: () => Promise<T>): Promise<T> {
  if (state.gpu.free > 0) state.gpu.free--;
  else await new Promise<void>((resolve) => state.gpu.waiting.push(resolve));
  try {
    return await fn();
  } finally {
    const next = state.gpu.waiting.shift();
    if (next) next();
    else state.gpu.free++;
  }
}

function tokenize(state: State, text: string): number[] {
  const cached = state.tokenCache.get(text);
  if (cached) return cached;
  // llama.cpp and Ollama tokenize without Hugging Face's NFC normalizer.
  const ids = state.profile === "vllm" ? referenceEncode(text) : referenceEncodeUnnormalized(text);
  if (state.tokenCache.size >= 64) state.tokenCache.clear();
  state.tokenCache.set(text, ids);
  return ids;
}

function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  if (res.destroyed) return;
  const text = typeof body === "string" ? body : JSON.stringify(body);
  res.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(text), ...headers });
  res.end(text);
}

async function readJson(req: IncomingMessage): Promise<Json> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) throw new BadRequest("Request body too large.");
    chunks.push(chunk);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.concat(chunks).toString("utf8"));
  } catch {
    throw new BadRequest("The request body is not valid JSON.");
  }
  if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) throw new BadRequest("The request body must be a JSON object.");
  return parsed as Json;
}

/**
 * Messages as vLLM hands them to the chat template: text parts joined with "\n" (its "string"
 * content format), tool-call arguments parsed from JSON into objects.
 */
function toReferenceMessages(raw: unknown): ReferenceMessage[] {
  if (!Array.isArray(raw) || raw.length === 0) throw new BadRequest("messages must be a non-empty array.");
  return raw.map((item: unknown): ReferenceMessage => {
    if (item === null || typeof item !== "object") throw new BadRequest("Every message must be an object.");
    const message = item as Json;
    if (typeof message.role !== "string") throw new BadRequest("Every message needs a role.");
    let content: string | null;
    if (typeof message.content === "string") content = message.content;
    else if (message.content === undefined || message.content === null) content = null;
    else if (Array.isArray(message.content)) {
      content = message.content
        .map((part: unknown) => (part !== null && typeof part === "object" && (part as Json).type === "text" ? String((part as Json).text ?? "") : ""))
        .join("\n");
    } else throw new BadRequest("Message content must be a string, null, or an array of parts.");
    const out: ReferenceMessage = { role: message.role, content };
    if (Array.isArray(message.tool_calls)) {
      out.tool_calls = message.tool_calls.map((call: unknown) => {
        const fn = ((call as Json | null)?.function ?? {}) as Json;
        let args: unknown = fn.arguments;
        if (typeof args === "string") {
          try {
            args = JSON.parse(args);
          } catch {
            // vLLM passes arguments that are not JSON through as text.
          }
        }
        return { function: { name: String(fn.name ?? ""), arguments: args } };
      });
    }
    return out;
  });
}

function renderPrompt(messages: ReferenceMessage[], tools: unknown, addGenerationPrompt = true): string {
  try {
    return renderReferenceChat(messages, Array.isArray(tools) ? tools : undefined, addGenerationPrompt);
  } catch (error) {
    throw new BadRequest(`The chat template could not render these messages: ${(error as Error).message}`);
  }
}

function maxTokensOf(body: Json): number | undefined {
  // vLLM: `request.max_completion_tokens or request.max_tokens`.
  for (const key of ["max_completion_tokens", "max_tokens"] as const) {
    const value = body[key];
    if (typeof value === "number" && value > 0) return value;
  }
  return undefined;
}

function stopWordsOf(body: Json): string[] {
  if (typeof body.stop === "string") return [body.stop];
  if (Array.isArray(body.stop)) return body.stop.filter((word): word is string => typeof word === "string");
  return [];
}

function lowerCaseHeaders(req: IncomingMessage): Record<string, string | string[] | undefined> {
  return { ...req.headers };
}

/** Ollama's `owned_by`: the namespace of the model's name (`library` for plain names). */
function ollamaNamespace(name: string): string {
  const parts = name.split(":")[0]!.split("/");
  return parts.length >= 2 ? parts[parts.length - 2]! : "library";
}

function modelsBody(state: State): Json {
  if (state.profile === "llamacpp") {
    return {
      object: "list",
      data: [
        {
          id: state.modelId,
          object: "model",
          created: state.created,
          owned_by: "llamacpp",
          meta: {
            vocab_type: 2,
            n_vocab: 152064,
            n_ctx_train: 32768,
            ...(state.options.reportMaxModelLen !== false && { n_ctx: state.contextTokens }),
            n_embd: 5120,
            n_params: 32763876352,
            size: 19851336256,
          },
        },
      ],
    };
  }
  if (state.profile === "ollama") {
    return { object: "list", data: [{ id: state.modelId, object: "model", created: state.created, owned_by: ollamaNamespace(state.modelId) }] };
  }
  const permission = {
    id: `modelperm-${randomBytes(16).toString("hex")}`,
    object: "model_permission",
    created: state.created,
    allow_create_engine: false,
    allow_sampling: true,
    allow_logprobs: true,
    allow_search_indices: false,
    allow_view: true,
    allow_fine_tuning: false,
    organization: "*",
    group: null,
    is_blocking: false,
  };
  return {
    object: "list",
    data: [
      {
        id: state.modelId,
        object: "model",
        created: state.created,
        owned_by: "vllm",
        root: state.modelId,
        parent: null,
        ...(state.options.reportMaxModelLen !== false && { max_model_len: state.contextTokens }),
        permission: [permission],
      },
    ],
  };
}

async function handleTokenize(state: State, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const body = await readJson(req);
  if (state.profile === "llamacpp") {
    // llama-server: {content, add_special} → {tokens}.
    if (typeof body.content !== "string") throw new BadRequest('"content" must be provided');
    return sendJson(res, 200, { tokens: tokenize(state, body.content) });
  }
  const style = state.style;
  if (typeof body.model === "string" && body.model !== state.modelId) {
    const error = unknownModelError(style === "llamacpp" || style === "ollama" ? "vllm" : style, body.model);
    if (error) return sendJson(res, error.status, error.body);
  }
  let text: string;
  if (body.messages !== undefined) text = renderPrompt(toReferenceMessages(body.messages), body.tools, body.add_generation_prompt !== false);
  else if (typeof body.prompt === "string") text = body.prompt;
  else throw new BadRequest("Send either prompt or messages.");
  const tokens = tokenize(state, text);
  sendJson(res, 200, { count: tokens.length, max_model_len: state.contextTokens, tokens, token_strs: null });
}

async function handleChat(state: State, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const record: RecordedRequest = {
    index: state.requests.length,
    body: {},
    promptTokens: 0,
    responseFormat: undefined,
    maxTokens: undefined,
    headers: lowerCaseHeaders(req),
    aborted: false,
    status: 0,
  };
  state.requests.push(record);
  state.inFlight++;
  state.maxConcurrent = Math.max(state.maxConcurrent, state.inFlight);
  const abort = new AbortController();
  let settled = false;
  res.on("close", () => {
    if (!res.writableFinished) {
      record.aborted = true;
      abort.abort();
    }
    if (!settled) {
      settled = true;
      state.inFlight--;
    }
  });
  const wait = async (ms: number): Promise<boolean> => {
    if (ms > 0) await sleep(ms, undefined, { signal: abort.signal }).catch(() => undefined);
    return !abort.signal.aborted && !res.destroyed;
  };
  const answer = (status: number, body: unknown, headers?: Record<string, string>): void => {
    record.status = status;
    sendJson(res, status, body, headers);
  };

  const style = state.style;
  let body: Json;
  let messages: ReferenceMessage[];
  try {
    body = await readJson(req);
    record.body = body;
    record.responseFormat = body.response_format;
    record.maxTokens = maxTokensOf(body);
    messages = toReferenceMessages(body.messages);
    record.promptTokens = tokenize(state, renderPrompt(messages, body.tools)).length;
  } catch (error) {
    if (!(error instanceof BadRequest)) throw error;
    return answer(400, vllmError(style, 400, "BadRequestError", error.message).body);
  }

  const failure = state.failures.shift();
  if (failure) {
    if (await wait(state.latencyMs)) answer(failure.status, failure.body);
    return;
  }
  const model = typeof body.model === "string" ? body.model : "";
  if (model !== state.modelId) {
    const error = unknownModelError(style, model);
    if (error) return answer(error.status, error.body);
  }
  const overflow = overflowError(style, state.contextTokens, record.promptTokens, record.maxTokens);
  if (overflow) return answer(overflow.status, overflow.body);

  // Ollama drops the start of a prompt that does not fit and says nothing (but usage shows it).
  const promptSeen = style === "ollama" ? Math.min(record.promptTokens, state.contextTokens) : record.promptTokens;
  const room = Math.max(0, state.contextTokens - promptSeen);
  const maxNewTokens =
    style === "ollama"
      ? (record.maxTokens ?? Number.MAX_SAFE_INTEGER)
      : style === "llamacpp"
        ? Math.min(record.maxTokens ?? room, room)
        : (record.maxTokens ?? room);

  state.loaded = true;
  const reply: Reply = state.queue.shift() ?? (state.reply ? await state.reply(record) : {});
  if (reply.status !== undefined || reply.body !== undefined) {
    if (!(await wait(state.latencyMs + (reply.delayMs ?? 0)))) return;
    const status = reply.status ?? 200;
    return answer(status, reply.body ?? defaultFailureBody(style, status), reply.headers);
  }
  const generated = generate(reply, stopWordsOf(body), maxNewTokens);
  // llama.cpp: the request's prompt and answer live in the KV cache all slots share until it is
  // answered; when the others already fill it, this one fails mid-way with a 500.
  const cells = state.profile === "llamacpp" ? promptSeen + generated.completionTokens : 0;
  if (cells > 0 && state.kvUsed + cells > state.contextTokens) {
    if (!(await wait(state.latencyMs))) return;
    const full = kvCacheFullError();
    return answer(full.status, full.body);
  }
  state.kvUsed += cells;
  try {
    if (!(await wait(state.latencyMs + (reply.delayMs ?? 0)))) return;
    record.completion = {
      content: generated.content,
      finishReason: generated.finishReason,
      completionTokens: generated.completionTokens,
      promptTokensSeen: promptSeen,
    };
    const timing = state.options.timing;
    if (timing) {
      const ms = (1000 * promptSeen) / timing.prefillTokensPerSecond + (1000 * generated.completionTokens) / timing.decodeTokensPerSecond;
      record.chargedMs = ms;
      if (!(await onGpu(state, () => wait(ms)))) return;
    }
  } finally {
    state.kvUsed -= cells;
  }
  const context = newCompletionContext(model || state.modelId, promptSeen);
  if (body.stream !== true) return answer(200, completionBody(context, generated), reply.headers);

  const options = (body.stream_options ?? {}) as Json;
  record.status = 200;
  res.writeHead(200, { "content-type": "text/event-stream; charset=utf-8", "cache-control": "no-cache", ...reply.headers });
  for (const event of streamEvents(context, generated, options.include_usage === true)) {
    if (res.destroyed) return;
    res.write(`data: ${event}\n\n`);
  }
  res.end();
}

/** llama-server's `/props`: every slot reports the whole window, though they share one KV cache. */
function llamaProps(state: State): Json {
  const nCtx = state.options.reportMaxModelLen !== false ? { n_ctx: state.contextTokens } : {};
  return {
    default_generation_settings: {
      id: 0,
      id_task: -1,
      ...nCtx,
      speculative: false,
      is_processing: false,
      params: { n_predict: -1, temperature: 0.8, top_k: 40, top_p: 0.95 },
    },
    total_slots: state.options.parallel ?? 4,
    model_path: "/models/Skywork-SWE-32B-Q4_K_M.gguf",
    chat_template: "{%- for message in messages %}…",
    modalities: { vision: false, audio: false },
    build_info: "b6500-fake",
  };
}

/** Ollama's own API, beside its OpenAI-compatible /v1: what tells it apart and where it keeps num_ctx. */
async function ollamaRoute(state: State, path: string, req: IncomingMessage, res: ServerResponse): Promise<boolean> {
  const details = { parent_model: "", format: "gguf", family: "qwen2", families: ["qwen2"], parameter_size: "32.8B", quantization_level: "Q4_K_M" };
  if (path === "/" && req.method === "GET") {
    res.writeHead(200, { "content-type": "text/plain; charset=utf-8" });
    res.end("Ollama is running");
    return true;
  }
  if (path === "/api/version" && req.method === "GET") {
    sendJson(res, 200, { version: "0.12.6" });
    return true;
  }
  if (path === "/api/ps" && req.method === "GET") {
    const models = state.loaded
      ? [
          {
            name: state.modelId,
            model: state.modelId,
            size: 21_474_836_480,
            digest: "a".repeat(64),
            details,
            expires_at: new Date(Date.now() + 300_000).toISOString(),
            size_vram: 21_474_836_480,
            ...(state.options.reportMaxModelLen !== false && { context_length: state.contextTokens }),
          },
        ]
      : [];
    sendJson(res, 200, { models });
    return true;
  }
  if ((path === "/api/show" || path === "/api/generate") && req.method === "POST") {
    const body = await readJson(req);
    const name = typeof body.model === "string" ? body.model : "";
    if (name !== state.modelId) {
      sendJson(res, 404, { error: `model '${name}' not found` });
      return true;
    }
    if (path === "/api/generate") {
      // An empty prompt only loads the model.
      state.loaded = true;
      sendJson(res, 200, { model: name, created_at: new Date().toISOString(), response: "", done: true, done_reason: "load" });
      return true;
    }
    const parameters = [
      ...(state.options.numCtxInModelfile ? [`num_ctx                        ${state.contextTokens}`] : []),
      'stop                           "<|im_start|>"',
      'stop                           "<|im_end|>"',
    ].join("\n");
    sendJson(res, 200, {
      modelfile: `FROM /models/${name}\n`,
      parameters,
      template: "{{- if .Messages }}…",
      details,
      model_info: { "general.architecture": "qwen2", "qwen2.context_length": 32768, "qwen2.embedding_length": 5120 },
      capabilities: ["completion", "tools"],
      modified_at: new Date(state.created * 1000).toISOString(),
    });
    return true;
  }
  return false;
}

/** Starts the fake on 127.0.0.1 at a free port. */
export async function startFakeModel(options: FakeModelOptions = {}): Promise<FakeModel> {
  const profile = options.profile ?? "vllm";
  const state: State = {
    modelId: options.modelId ?? "Skywork/Skywork-SWE-32B",
    contextTokens: options.contextTokens ?? 32_768,
    options,
    profile,
    style: options.overflow ?? (profile === "vllm" ? "vllm" : profile),
    kvUsed: 0,
    loaded: false,
    requests: [],
    queue: [],
    failures: [],
    created: Math.floor(Date.now() / 1000),
    latencyMs: options.latencyMs ?? 0,
    modelsLatencyMs: options.modelsLatencyMs ?? 0,
    modelListings: 0,
    reply: options.reply,
    inFlight: 0,
    maxConcurrent: 0,
    tokenCache: new Map(),
    gpu: { free: options.timing?.sequences ?? 1, waiting: [] },
  };

  const server = createServer((req, res) => {
    const path = new URL(req.url ?? "/", "http://fake").pathname;
    const route = async (): Promise<void> => {
      // vLLM's --api-key guards the /v1 routes only; /health and /tokenize stay open.
      if (options.apiKey !== undefined && path.startsWith("/v1/") && req.headers.authorization !== `Bearer ${options.apiKey}`) {
        return sendJson(res, 401, { error: "Unauthorized" });
      }
      if (path === "/health" && req.method === "GET") {
        if (profile === "llamacpp") return sendJson(res, 200, { status: "ok" });
        res.writeHead(200, { "content-length": 0 });
        res.end();
        return;
      }
      if (path === "/v1/models" && req.method === "GET") {
        state.modelListings++;
        if (state.modelsLatencyMs > 0) {
          const gone = new AbortController();
          res.once("close", () => gone.abort());
          await sleep(state.modelsLatencyMs, undefined, { signal: gone.signal }).catch(() => undefined);
          if (res.destroyed || gone.signal.aborted) return;
        }
        return sendJson(res, 200, modelsBody(state));
      }
      if (profile === "llamacpp" && path === "/props" && req.method === "GET") return sendJson(res, 200, llamaProps(state));
      if (profile === "ollama") {
        const answered = await ollamaRoute(state, path, req, res);
        if (answered) return;
      }
      if (path === "/tokenize" && req.method === "POST" && profile !== "ollama") return handleTokenize(state, req, res);
      if (path === "/v1/chat/completions" && req.method === "POST") return handleChat(state, req, res);
      if (["/health", "/v1/models", "/tokenize", "/v1/chat/completions"].includes(path)) return sendJson(res, 405, { detail: "Method Not Allowed" });
      return sendJson(res, 404, { detail: "Not Found" });
    };
    route().catch((error: unknown) => {
      if (error instanceof BadRequest) return sendJson(res, 400, vllmError(state.style, 400, "BadRequestError", error.message).body);
      if (!res.headersSent) sendJson(res, 500, vllmError("vllm", 500, "InternalServerError", String(error)).body);
      else res.destroy();
    });
  });

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const rootUrl = `http://127.0.0.1:${port}`;

  return {
    baseUrl: `${rootUrl}/v1`,
    rootUrl,
    modelId: state.modelId,
    contextTokens: state.contextTokens,
    requests: state.requests,
    get inFlight() {
      return state.inFlight;
    },
    get maxConcurrent() {
      return state.maxConcurrent;
    },
    enqueue(...replies) {
      state.queue.push(...replies);
    },
    failNext(status, times = 1, body) {
      for (let i = 0; i < times; i++) state.failures.push({ status, body: body ?? defaultFailureBody(state.style, status) });
    },
    setLatency(ms) {
      state.latencyMs = ms;
    },
    setModelsLatency(ms) {
      state.modelsLatencyMs = ms;
    },
    get modelListings() {
      return state.modelListings;
    },
    setReply(fn) {
      state.reply = fn;
    },
    reset() {
      state.requests.length = 0;
      state.queue.length = 0;
      state.failures.length = 0;
      state.maxConcurrent = state.inFlight;
    },
    async close() {
      // Hung requests must not hold the test up: drop every connection, then stop listening.
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
