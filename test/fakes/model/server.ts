// A fake OpenAI-compatible model server that behaves like vLLM serving Skywork-SWE-32B (or, by
// option, like llama.cpp or Ollama at the context limit). Prompt tokens are counted by the reference
// tokenizer, independently of src/tokenizer, so tests that compare the app's counts with
// `usage.prompt_tokens` prove something.
import { randomBytes } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { setTimeout as sleep } from "node:timers/promises";
import { completionBody, generate, newCompletionContext, streamEvents } from "./completion.js";
import { defaultFailureBody, overflowError, unknownModelError, vllmError } from "./errors.js";
import { referenceEncode, renderReferenceChat, type ReferenceMessage } from "./reference-tokenizer.js";
import type { FakeModel, FakeModelOptions, RecordedRequest, Reply, ReplyFn } from "./types.js";

type Json = Record<string, unknown>;

const MAX_BODY_BYTES = 64 * 1024 * 1024;

class BadRequest extends Error {}

interface State {
  readonly modelId: string;
  readonly contextTokens: number;
  readonly options: FakeModelOptions;
  readonly requests: RecordedRequest[];
  readonly queue: Reply[];
  readonly failures: Array<{ status: number; body: unknown }>;
  readonly created: number;
  latencyMs: number;
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
  const ids = referenceEncode(text);
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

function modelsBody(state: State): Json {
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
  const style = state.options.overflow ?? "vllm";
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

  const style = state.options.overflow ?? "vllm";
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
    style === "ollama" ? (record.maxTokens ?? Number.MAX_SAFE_INTEGER)
    : style === "llamacpp" ? Math.min(record.maxTokens ?? room, room)
    : (record.maxTokens ?? room);

  const reply: Reply = state.queue.shift() ?? (state.reply ? await state.reply(record) : {});
  if (!(await wait(state.latencyMs + (reply.delayMs ?? 0)))) return;

  if (reply.status !== undefined || reply.body !== undefined) {
    const status = reply.status ?? 200;
    return answer(status, reply.body ?? defaultFailureBody(style, status), reply.headers);
  }
  const generated = generate(reply, stopWordsOf(body), maxNewTokens);
  record.completion = { content: generated.content, finishReason: generated.finishReason, completionTokens: generated.completionTokens, promptTokensSeen: promptSeen };
  const timing = state.options.timing;
  if (timing) {
    const ms = (1000 * promptSeen) / timing.prefillTokensPerSecond + (1000 * generated.completionTokens) / timing.decodeTokensPerSecond;
    record.chargedMs = ms;
    if (!(await onGpu(state, () => wait(ms)))) return;
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

/** Starts the fake on 127.0.0.1 at a free port. */
export async function startFakeModel(options: FakeModelOptions = {}): Promise<FakeModel> {
  const state: State = {
    modelId: options.modelId ?? "Skywork/Skywork-SWE-32B",
    contextTokens: options.contextTokens ?? 32_768,
    options,
    requests: [],
    queue: [],
    failures: [],
    created: Math.floor(Date.now() / 1000),
    latencyMs: options.latencyMs ?? 0,
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
        res.writeHead(200, { "content-length": 0 });
        res.end();
        return;
      }
      if (path === "/v1/models" && req.method === "GET") return sendJson(res, 200, modelsBody(state));
      if (path === "/tokenize" && req.method === "POST") return handleTokenize(state, req, res);
      if (path === "/v1/chat/completions" && req.method === "POST") return handleChat(state, req, res);
      if (["/health", "/v1/models", "/tokenize", "/v1/chat/completions"].includes(path)) return sendJson(res, 405, { detail: "Method Not Allowed" });
      return sendJson(res, 404, { detail: "Not Found" });
    };
    route().catch((error: unknown) => {
      if (error instanceof BadRequest) return sendJson(res, 400, vllmError(options.overflow ?? "vllm", 400, "BadRequestError", error.message).body);
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
      for (let i = 0; i < times; i++) state.failures.push({ status, body: body ?? defaultFailureBody(options.overflow ?? "vllm", status) });
    },
    setLatency(ms) {
      state.latencyMs = ms;
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
