// The one place that talks to the OpenAI-compatible endpoint (vLLM, llama.cpp, LM Studio, Ollama).
import OpenAI, { APIConnectionError, APIConnectionTimeoutError, APIError, APIUserAbortError } from "openai";
import type { Logger } from "probot";
import { ContextOverflowError, ModelCapacityError, ModelConfigurationError, ModelUnavailableError } from "../errors.js";
import { modelOutcome } from "../ops/failure-labels.js";
import type { ModelRequestSample } from "../ops/metrics.js";
import type { ChatMessage } from "../tokenizer/index.js";
import { LocalModelGate } from "./local-gate.js";
import type { ModelGate } from "./model-slots.js";
import {
  chooseModel,
  discoverServer,
  httpProbe,
  isOverflowAnswer,
  listedModels,
  SERVER_PROFILES,
  windowFromOverflowText,
  type ListedModel,
  type ServerProfile,
} from "./server-profiles.js";

export interface ModelSettings {
  baseUrl: string;
  apiKey: string | null;
  model: string | null;
  contextTokens: number | null;
  timeoutMs: number;
}

export interface ResolvedModel {
  id: string;
  contextTokens: number;
  /** Where `contextTokens` came from: the server's own report (which field), LLM_CONTEXT_TOKENS, or the default. */
  windowSource: string;
  /** Which server this is and how it behaves (server-profiles.ts). */
  server: ServerProfile;
}

export interface CompletionRequest {
  messages: readonly ChatMessage[];
  maxTokens: number;
  /** Our exact count of the prompt, to detect servers that silently truncate (Ollama). */
  promptTokens: number;
  temperature?: number;
  stop?: string[];
  /** JSON schema for guided decoding; servers that reject it are asked again without it. */
  jsonSchema?: { name: string; schema: Record<string, unknown> };
  signal?: AbortSignal;
  /**
   * The job's logger, so the client's lines about this request carry the job's delivery, job,
   * installation, repository and PR; default: the process-wide logger the client was made with.
   */
  log?: Logger;
}

export interface Completion {
  content: string;
  finishReason: string | null;
  promptTokens: number;
  completionTokens: number;
  toolCalls: Array<{ name: string; arguments: string }>;
}

/** Skywork-SWE-32B's window, used when the endpoint does not report one. */
export const DEFAULT_CONTEXT_TOKENS = 32_768;

/** How long the model listing may take (bounded by LLM_TIMEOUT_MS too): it is small, but a loading server can be slow. */
const LIST_TIMEOUT_MS = 60_000;
/** How often one request is put back in line after the server said it had no room for it. */
const CAPACITY_RETRIES = 6;
/** The server saw this many fewer prompt tokens than were sent (and a share of them): it cut the prompt. */
const TRUNCATION_TOKENS = 32;

export interface ModelClientOptions {
  /**
   * The cap on model requests in flight (model-slots.ts across processes, local-gate.ts within one);
   * each HTTP call holds a slot. Default: no cap but what the server shows it can hold.
   */
  gate?: ModelGate | null;
  /** Told about every completion request, for metrics. */
  onRequest?: (sample: ModelRequestSample) => void;
}

export class ModelClient {
  readonly #client: OpenAI;
  readonly #settings: ModelSettings;
  readonly #log: Logger;
  readonly #options: ModelClientOptions;
  readonly #gate: ModelGate;
  #resolved: Promise<ResolvedModel> | null = null;
  /** The server's profile once discovered; until then every server's capacity wording is recognised. */
  #server: ServerProfile = SERVER_PROFILES.unknown;
  /** Set once the server has rejected `response_format: json_schema`. */
  #noJsonSchema = false;

  constructor(settings: ModelSettings, log: Logger, options: ModelClientOptions = {}) {
    this.#settings = settings;
    this.#log = log;
    this.#options = options;
    this.#gate = options.gate ?? new LocalModelGate(Number.POSITIVE_INFINITY);
    this.#client = new OpenAI({
      baseURL: settings.baseUrl,
      // The SDK insists on a key; local servers ignore it. It is never logged.
      apiKey: settings.apiKey ?? "not-needed",
      timeout: settings.timeoutMs,
      maxRetries: 2,
      fetch: (url, init) => this.#fetchMarkingCapacity(url, init),
    });
  }

  /**
   * The SDK retries every 5xx at once, but a full KV cache (llama.cpp's 500 "Context size has been
   * exceeded.") only frees up when requests in flight finish: the SDK is told not to retry it
   * (its `x-should-retry` header), and #send waits for room instead.
   */
  async #fetchMarkingCapacity(url: string | URL | Request, init?: RequestInit): Promise<Response> {
    const response = await fetch(url, init);
    if (response.status < 500) return response;
    const text = await response.clone().text();
    if (!this.#server.isCapacityError(response.status, text)) return response;
    const headers = new Headers(response.headers);
    headers.set("x-should-retry", "false");
    return new Response(text, { status: response.status, statusText: response.statusText, headers });
  }

  /**
   * Model id and window: configured values win, else what the endpoint reports. Cached once the
   * endpoint answered. A definite answer ("LLM_MODEL is not served", refused credentials) is a
   * ModelConfigurationError; a listing that did not answer in time is a ModelUnavailableError,
   * except with LLM_MODEL set: then the model is asked for by name, and the server's answer to
   * that request is the definite one (a slow listing must not make a missing model look transient).
   */
  resolve(signal?: AbortSignal): Promise<ResolvedModel> {
    if (!this.#resolved) {
      const discovery = this.#discover();
      const resolved = discovery.then((d) => d.model);
      this.#resolved = resolved;
      const forget = () => {
        if (this.#resolved === resolved) this.#resolved = null;
      };
      discovery.then((d) => (d.settled ? undefined : forget()), forget);
    }
    return signal ? abortable(this.#resolved, signal) : this.#resolved;
  }

  async #discover(): Promise<{ model: ResolvedModel; settled: boolean }> {
    const { model, contextTokens } = this.#settings;
    let listed: ListedModel[];
    try {
      const entries: unknown[] = [];
      const page = this.#client.models.list({ timeout: Math.min(LIST_TIMEOUT_MS, this.#settings.timeoutMs), maxRetries: 1 });
      for await (const entry of page) entries.push(entry);
      listed = listedModels(entries);
    } catch (error) {
      const classified =
        error instanceof APIConnectionTimeoutError
          ? new ModelUnavailableError(
              `The model endpoint ${this.#settings.baseUrl} did not list its models within ${Math.min(LIST_TIMEOUT_MS, this.#settings.timeoutMs) / 1000} s.`,
            )
          : this.#classify(error, 0, "listing models");
      if (model && contextTokens) return { model: { id: model, contextTokens, windowSource: "LLM_CONTEXT_TOKENS", server: this.#server }, settled: true };
      if (model && classified instanceof ModelUnavailableError) {
        this.#log.warn(
          { err: classified.message },
          `the model list did not come; asking for LLM_MODEL=${model} by name with a ${DEFAULT_CONTEXT_TOKENS}-token window until it does`,
        );
        return {
          model: {
            id: model,
            contextTokens: DEFAULT_CONTEXT_TOKENS,
            windowSource: "the default (the server did not list its models in time)",
            server: this.#server,
          },
          settled: false,
        };
      }
      throw classified;
    }
    const chosen = chooseModel(listed, model);
    if (!chosen) {
      if (model && listed.length > 0) {
        throw new ModelConfigurationError(`LLM_MODEL=${model} is not served by ${this.#settings.baseUrl}; it serves: ${listed.map((m) => m.id).join(", ")}.`);
      }
      if (!model) throw new ModelConfigurationError(`${this.#settings.baseUrl} lists no models; load one or set LLM_MODEL.`);
    }
    const facts = await discoverServer(
      chosen ?? { id: model as string },
      httpProbe({ baseUrl: this.#settings.baseUrl, apiKey: this.#settings.apiKey, timeoutMs: 3_000 }),
    );
    this.#server = facts.profile;
    const reported = facts.window && !facts.window.assumed ? facts.window : null;
    if (contextTokens && reported && contextTokens > reported.tokens) {
      throw new ModelConfigurationError(
        `LLM_CONTEXT_TOKENS=${contextTokens} is larger than the ${reported.tokens}-token window the endpoint reports (${facts.profile.name}, ${reported.source}); lower it or start the server with a larger window (${facts.profile.windowSetting}).`,
      );
    }
    const window = contextTokens
      ? { tokens: contextTokens, source: "LLM_CONTEXT_TOKENS" }
      : (facts.window ?? { tokens: DEFAULT_CONTEXT_TOKENS, source: "the default (the server does not report its window)" });
    if (facts.window?.assumed && !contextTokens) {
      this.#log.warn(
        { server: facts.profile.name, window: window.tokens },
        `the model server does not report its window; assuming ${facts.window.source}, ${window.tokens} tokens (set LLM_CONTEXT_TOKENS to its real window)`,
      );
    }
    return { model: { id: chosen?.id ?? (model as string), contextTokens: window.tokens, windowSource: window.source, server: facts.profile }, settled: true };
  }

  /**
   * The server refused a request for its length and named its real window, smaller than the one
   * in use: use that from now on, and tell the operator to configure it.
   */
  learnWindow(serverWindow: number, log: Logger = this.#log): void {
    const current = this.#resolved;
    if (!current) return;
    this.#resolved = current.then((model) => {
      if (serverWindow >= model.contextTokens) return model;
      log.warn(
        { configured: model.contextTokens, server: serverWindow },
        `the model server's window is ${serverWindow} tokens, smaller than ${model.contextTokens}; using ${serverWindow} (set LLM_CONTEXT_TOKENS=${serverWindow} to match it)`,
      );
      return { ...model, contextTokens: serverWindow };
    });
  }

  async complete(request: CompletionRequest): Promise<Completion> {
    const log = request.log ?? this.#log;
    const { id } = await this.resolve(request.signal);
    const useSchema = request.jsonSchema !== undefined && !this.#noJsonSchema;
    const body: OpenAI.Chat.ChatCompletionCreateParamsNonStreaming = {
      model: id,
      messages: request.messages.map((m) => ({ role: m.role, content: m.content })),
      max_tokens: request.maxTokens,
      temperature: request.temperature ?? 0,
      ...(request.stop ? { stop: request.stop } : {}),
      ...(useSchema && request.jsonSchema
        ? { response_format: { type: "json_schema", json_schema: { name: request.jsonSchema.name, schema: request.jsonSchema.schema, strict: true } } }
        : {}),
    };
    let response: OpenAI.Chat.ChatCompletion;
    const started = Date.now();
    try {
      response = await this.#send(body, request.signal, log);
      this.#report({
        latencyMs: Date.now() - started,
        promptTokens: response.usage?.prompt_tokens ?? request.promptTokens,
        completionTokens: response.usage?.completion_tokens ?? 0,
        outcome: "ok",
      });
    } catch (error) {
      const classified = this.#classify(error, request.promptTokens, "completing");
      this.#report({ latencyMs: Date.now() - started, promptTokens: request.promptTokens, completionTokens: 0, outcome: modelOutcome(classified) });
      // Some servers reject guided decoding outright; ask again without it (we parse JSON leniently).
      if (useSchema && classified instanceof ModelConfigurationError && error instanceof APIError && error.status === 400) {
        log.warn({ error: classified.message }, "endpoint rejected response_format json_schema; continuing without it");
        this.#noJsonSchema = true;
        return this.complete(request);
      }
      throw classified;
    }
    const choice = response.choices[0];
    const promptTokens = response.usage?.prompt_tokens ?? request.promptTokens;
    const usage = response.usage;
    if (choice?.finish_reason === "length" && usage && usage.completion_tokens < request.maxTokens) {
      // Stopped short of max_tokens: the window ran out. llama.cpp accepts a prompt plus max_tokens
      // beyond its window and stops early; this is a window problem, never an answer.
      const window = usage.prompt_tokens + usage.completion_tokens;
      throw new ContextOverflowError(
        `The model server stopped the answer after ${usage.completion_tokens} of ${request.maxTokens} tokens: its window is about ${window} tokens, smaller than assumed.`,
        request.promptTokens,
        window,
      );
    }
    if (usage && usage.prompt_tokens < request.promptTokens - Math.max(TRUNCATION_TOKENS, request.promptTokens * 0.02)) {
      // Ollama drops what does not fit its num_ctx and answers 200: the answer is about a prompt
      // we did not send. The tokens it kept are its window.
      throw new ContextOverflowError(
        `The model server saw ${usage.prompt_tokens} of the ${request.promptTokens} prompt tokens sent: it cut the prompt to its window (raise its context size, e.g. Ollama's num_ctx).`,
        request.promptTokens,
        usage.prompt_tokens,
      );
    }
    if (usage && usage.prompt_tokens < request.promptTokens) {
      log.warn({ sent: request.promptTokens, seen: usage.prompt_tokens }, "the model server counted a few fewer prompt tokens than were sent");
    }
    return {
      content: choice?.message?.content ?? "",
      finishReason: choice?.finish_reason ?? null,
      promptTokens,
      completionTokens: response.usage?.completion_tokens ?? 0,
      toolCalls: (choice?.message?.tool_calls ?? []).flatMap((call) =>
        call.type === "function" ? [{ name: call.function.name, arguments: call.function.arguments }] : [],
      ),
    };
  }

  /**
   * One HTTP call, holding a model slot for exactly its duration. When the server has no room for
   * it (a capacity error), the cap is lowered to what the server held, for everyone sharing it and
   * for later requests, and the request waits in line for the ones in flight, then goes again.
   */
  async #send(body: OpenAI.Chat.ChatCompletionCreateParamsNonStreaming, signal: AbortSignal | undefined, log: Logger): Promise<OpenAI.Chat.ChatCompletion> {
    const gate = this.#gate;
    for (let attempt = 0; ; attempt++) {
      let held = 0;
      try {
        return await gate.withSlot(
          async (slotSignal, slot) => {
            // What the server is holding of ours: counted as this request starts and as it fails
            // (the others may finish while the refusal travels back).
            const atStart = await gate.inFlight().catch(() => 0);
            try {
              return await this.#client.chat.completions.create(body, { signal: slotSignal });
            } catch (error) {
              // The lease expired under us (a stalled event loop): the request was cut, not refused.
              if (slot.signal.aborted && !signal?.aborted) throw new ModelUnavailableError(`lost the model slot: ${String(slot.signal.reason)}`);
              if (error instanceof APIError && this.#server.isCapacityError(error.status ?? 0, `${error.message} ${JSON.stringify(error.error ?? "")}`)) {
                // Counted while this request still holds its slot: what the server was holding.
                held = Math.max(atStart, await gate.inFlight().catch(() => 0));
                throw new ModelCapacityError(error.message);
              }
              throw error;
            }
          },
          signal ? { signal } : {},
        );
      } catch (error) {
        if (!(error instanceof ModelCapacityError)) throw error;
        if (held <= 1 || attempt >= CAPACITY_RETRIES) {
          // Alone on the server and still no room: the request is larger than the server's window.
          throw new ContextOverflowError(`The model server had no room for this request even alone (${error.message}): its window is smaller than assumed.`, 0);
        }
        await gate.lowerLimit(held - 1);
        log.warn(
          { inFlight: held, limit: held - 1 },
          `the model server ran out of room with ${held} requests in flight (${this.#server.name}: ${error.message}); sending at most ${held - 1} at once from now on, and this request again when there is room`,
        );
      }
    }
  }

  #report(sample: ModelRequestSample): void {
    try {
      this.#options.onRequest?.(sample);
    } catch {
      // Metrics never break a request.
    }
  }

  #classify(error: unknown, promptTokens: number, doing: string): Error {
    const where = this.#settings.baseUrl;
    if (error instanceof Error && error.name === "AbortError") return error;
    // A request we cancelled (a newer head, a shutdown) is neither the server's fault nor ours.
    if (error instanceof APIUserAbortError) return error;
    if (error instanceof ModelUnavailableError || error instanceof ContextOverflowError) return error;
    if (error instanceof APIConnectionError) {
      // The SDK says only "Connection error."; the reason (ECONNREFUSED, a DNS failure…) is its cause.
      return new ModelUnavailableError(`The model endpoint ${where} is unreachable while ${doing}: ${rootCause(error)}`);
    }
    if (error instanceof APIError) {
      const status = error.status ?? 0;
      const text = `${error.message} ${JSON.stringify(error.error ?? "")}`;
      const bare = error.error === undefined || error.error === null;
      if (isOverflowAnswer(status, text, bare)) {
        return new ContextOverflowError(
          `The model server rejected ${promptTokens} prompt tokens as too long: ${error.message}`,
          promptTokens,
          windowFromOverflowText(text),
        );
      }
      if (status === 408 || status === 409 || status === 429 || status >= 500) {
        const retryAfter = Number(error.headers?.get?.("retry-after"));
        return new ModelUnavailableError(
          `The model endpoint ${where} answered ${status} while ${doing}: ${error.message}`,
          Number.isFinite(retryAfter) && retryAfter > 0 ? retryAfter * 1000 : null,
        );
      }
      if (status === 401 || status === 403) {
        return new ModelConfigurationError(`The model endpoint ${where} refused the credentials (${status}); check LLM_API_KEY.`);
      }
      if (status === 404) {
        return new ModelConfigurationError(
          `The model endpoint ${where} does not know this model or path (404): ${error.message}; check LLM_MODEL and LLM_BASE_URL (it usually ends in /v1).`,
        );
      }
      return new ModelConfigurationError(`The model endpoint ${where} rejected the request (${status}) while ${doing}: ${error.message}`);
    }
    return error instanceof Error ? error : new Error(String(error));
  }
}

/** `promise`, or the signal's reason as soon as it aborts (the work behind the promise goes on for others). */
function abortable<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason instanceof Error ? signal.reason : new APIUserAbortError());
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason instanceof Error ? signal.reason : new APIUserAbortError());
    signal.addEventListener("abort", onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener("abort", onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener("abort", onAbort);
        reject(error);
      },
    );
  });
}

/** The innermost cause's message: fetch wraps socket errors in "fetch failed". */
function rootCause(error: Error): string {
  let current: unknown = error;
  for (let depth = 0; depth < 5; depth++) {
    const cause: unknown = (current as { cause?: unknown }).cause;
    if (!(cause instanceof Error)) break;
    current = cause;
  }
  return current instanceof Error && current !== error ? `${error.message} (${current.message})` : error.message;
}
