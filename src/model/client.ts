// The one place that talks to the OpenAI-compatible endpoint (vLLM, llama.cpp, LM Studio, Ollama).
import OpenAI, { APIConnectionError, APIConnectionTimeoutError, APIError, APIUserAbortError } from "openai";
import type { Logger } from "probot";
import { modelOutcome } from "../ops/failure-labels.js";
import type { ModelRequestSample } from "../ops/metrics.js";
import type { ModelGate } from "./model-slots.js";
import type { ChatMessage } from "../tokenizer/index.js";
import { ContextOverflowError, ModelConfigurationError, ModelUnavailableError, windowFromOverflowText } from "./errors.js";

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

export interface ModelClientOptions {
  /** The global cap on model requests across processes (model-slots.ts); each HTTP call holds a slot. */
  gate?: ModelGate | null;
  /** Told about every completion request, for metrics. */
  onRequest?: (sample: ModelRequestSample) => void;
}

export class ModelClient {
  readonly #client: OpenAI;
  readonly #settings: ModelSettings;
  readonly #log: Logger;
  readonly #options: ModelClientOptions;
  #resolved: Promise<ResolvedModel> | null = null;
  /** Set once the server has rejected `response_format: json_schema`. */
  #noJsonSchema = false;

  constructor(settings: ModelSettings, log: Logger, options: ModelClientOptions = {}) {
    this.#settings = settings;
    this.#log = log;
    this.#options = options;
    this.#client = new OpenAI({
      baseURL: settings.baseUrl,
      // The SDK insists on a key; local servers ignore it. It is never logged.
      apiKey: settings.apiKey ?? "not-needed",
      timeout: settings.timeoutMs,
      maxRetries: 2,
    });
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
    let listed: Array<{ id: string; max_model_len?: unknown }>;
    try {
      listed = [];
      const page = this.#client.models.list({ timeout: Math.min(LIST_TIMEOUT_MS, this.#settings.timeoutMs), maxRetries: 1 });
      for await (const entry of page) listed.push(entry as { id: string; max_model_len?: unknown });
    } catch (error) {
      const classified =
        error instanceof APIConnectionTimeoutError
          ? new ModelUnavailableError(`The model endpoint ${this.#settings.baseUrl} did not list its models within ${Math.min(LIST_TIMEOUT_MS, this.#settings.timeoutMs) / 1000} s.`)
          : this.#classify(error, 0, "listing models");
      if (model && contextTokens) return { model: { id: model, contextTokens }, settled: true };
      if (model && classified instanceof ModelUnavailableError) {
        this.#log.warn({ err: classified.message }, `the model list did not come; asking for LLM_MODEL=${model} by name with a ${DEFAULT_CONTEXT_TOKENS}-token window until it does`);
        return { model: { id: model, contextTokens: DEFAULT_CONTEXT_TOKENS }, settled: false };
      }
      throw classified;
    }
    const chosen = model ? listed.find((m) => m.id === model) : listed[0];
    if (!chosen) {
      if (model && listed.length > 0) {
        throw new ModelConfigurationError(
          `LLM_MODEL=${model} is not served by ${this.#settings.baseUrl}; it serves: ${listed.map((m) => m.id).join(", ")}.`,
        );
      }
      if (!model) throw new ModelConfigurationError(`${this.#settings.baseUrl} lists no models; load one or set LLM_MODEL.`);
    }
    const reported = typeof chosen?.max_model_len === "number" ? chosen.max_model_len : null;
    if (contextTokens && reported && contextTokens > reported) {
      throw new ModelConfigurationError(
        `LLM_CONTEXT_TOKENS=${contextTokens} is larger than the ${reported}-token window the endpoint reports; lower it or start the server with a larger --max-model-len.`,
      );
    }
    return { model: { id: chosen?.id ?? (model as string), contextTokens: contextTokens ?? reported ?? DEFAULT_CONTEXT_TOKENS }, settled: true };
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
      response = await this.#send(body, request.signal);
      this.#report({ latencyMs: Date.now() - started, promptTokens: response.usage?.prompt_tokens ?? request.promptTokens, completionTokens: response.usage?.completion_tokens ?? 0, outcome: "ok" });
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
    if (response.usage && response.usage.prompt_tokens < request.promptTokens) {
      // Ollama truncates an over-long prompt silently and still answers 200.
      log.warn(
        { sent: request.promptTokens, seen: response.usage.prompt_tokens },
        "the model server saw fewer prompt tokens than were sent: it may have truncated the prompt (raise its context size, e.g. Ollama's num_ctx)",
      );
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

  /** One HTTP call, holding a global model slot for exactly its duration. */
  async #send(body: OpenAI.Chat.ChatCompletionCreateParamsNonStreaming, signal: AbortSignal | undefined): Promise<OpenAI.Chat.ChatCompletion> {
    const gate = this.#options.gate;
    if (!gate) return this.#client.chat.completions.create(body, signal ? { signal } : {});
    return gate.withSlot(
      async (slotSignal, slot) => {
        try {
          return await this.#client.chat.completions.create(body, { signal: slotSignal });
        } catch (error) {
          // The lease expired under us (a stalled event loop): the request was cut, not refused.
          if (slot.signal.aborted && !signal?.aborted) throw new ModelUnavailableError(`lost the model slot: ${String(slot.signal.reason)}`);
          throw error;
        }
      },
      signal ? { signal } : {},
    );
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
    if (error instanceof ModelUnavailableError) return error;
    if (error instanceof APIConnectionError) {
      // The SDK says only "Connection error."; the reason (ECONNREFUSED, a DNS failure…) is its cause.
      return new ModelUnavailableError(`The model endpoint ${where} is unreachable while ${doing}: ${rootCause(error)}`);
    }
    if (error instanceof APIError) {
      const status = error.status ?? 0;
      const text = `${error.message} ${JSON.stringify(error.error ?? "")}`;
      // Servers word this differently and change it between versions: match loosely. Older vLLM
      // sends a flat error body the SDK reports as "400 status code (no body)"; our requests are
      // otherwise well-formed, so a bare 400 is read as an overflow too.
      const bare = status === 400 && (error.error === undefined || error.error === null);
      if (bare || (status === 400 && /context.?(length|size|window)|exceed_context_size|maximum context|too many tokens|prompt is too long/i.test(text))) {
        return new ContextOverflowError(`The model server rejected ${promptTokens} prompt tokens as too long: ${error.message}`, promptTokens, windowFromOverflowText(text));
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
        return new ModelConfigurationError(`The model endpoint ${where} does not know this model or path (404): ${error.message}; check LLM_MODEL and LLM_BASE_URL (it usually ends in /v1).`);
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
