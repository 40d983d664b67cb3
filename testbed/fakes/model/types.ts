/**
 * How the fake answers a request whose prompt does not fit the window, as the real servers do:
 * - `vllm`: HTTP 400, vLLM ≥ 0.10's nested body `{"error": {message, type, param, code}}` with its
 *   current wording ("'max_tokens' or 'max_completion_tokens' is too large: …").
 * - `vllm-flat`: HTTP 400, the flat body of older vLLM (`{"object": "error", message, …}`), which
 *   the openai SDK cannot read: it reports "400 status code (no body)".
 * - `llamacpp`: HTTP 400 `exceed_context_size_error` when the prompt alone fills the window; a
 *   prompt that fits but leaves too little room is answered and cut short (`finish_reason: "length"`).
 * - `ollama`: no error: the prompt is silently truncated to the window, HTTP 200, and
 *   `usage.prompt_tokens` reports the truncated size.
 */
export type OverflowStyle = "vllm" | "vllm-flat" | "llamacpp" | "ollama";

/**
 * Which server the fake is, as the app sees it from outside (see src/model/server-profiles.ts):
 * - `vllm`: `/v1/models` with `max_model_len` and `owned_by: "vllm"`, `/tokenize`, `/health`.
 * - `llamacpp` (llama-server): `/v1/models` with `owned_by: "llamacpp"` and the window as
 *   `meta.n_ctx`, `/props` (`default_generation_settings.n_ctx`, `total_slots`), `/tokenize`
 *   ({content} → {tokens}), `/health` ({"status":"ok"}); `parallel` slots share ONE KV cache of
 *   `contextTokens` cells while each reports the whole window, so concurrent requests that overfill
 *   it fail with HTTP 500 `Context size has been exceeded.`; a prompt that fills the window is
 *   refused (400 `exceed_context_size_error`), one that fits with too little room is answered and
 *   stopped early (`finish_reason: "length"`); model names are ignored; no NFC before tokenizing.
 * - `ollama`: `/v1/models` with `owned_by` the name's namespace and no window, `/api/version`,
 *   `/api/ps` (`context_length`, once the model is loaded), `/api/show` (`parameters` with
 *   `num_ctx` only when the Modelfile sets it), `/api/generate` (an empty prompt loads the model);
 *   a prompt longer than num_ctx is silently cut to it (HTTP 200, `usage.prompt_tokens` shows what
 *   was kept); no NFC before tokenizing.
 */
export type ServerProfileName = "vllm" | "llamacpp" | "ollama";

/** What the scripted model answers; an empty object is the default review reply. */
export interface Reply {
  /** Assistant text. Cut at `stop` strings and at `max_tokens` as a real server would. */
  content?: string;
  toolCalls?: Array<{ name: string; arguments: string }>;
  /** Overrides the finish reason the fake would compute ("stop", "length", "tool_calls"). */
  finishReason?: string;
  /** With `status` (or `body`), the fake sends exactly this instead of a completion. */
  status?: number;
  /** A raw body to send: objects as JSON, strings as they are. */
  body?: unknown;
  headers?: Record<string, string>;
  /** Extra wait before answering, on top of the server's latency. */
  delayMs?: number;
}

/** A chat completion request as the fake received it. */
export interface RecordedRequest {
  /** Position in `fake.requests`. */
  index: number;
  /** The JSON body exactly as sent. */
  body: Record<string, unknown>;
  /** Prompt tokens by the reference tokenizer (the full rendered prompt, before any truncation). */
  promptTokens: number;
  /** The `response_format` field as sent, if any. */
  responseFormat: unknown;
  /** `max_completion_tokens` or `max_tokens`, as vLLM reads them; undefined when neither was sent. */
  maxTokens: number | undefined;
  /** Request headers, lower-cased names. */
  headers: Record<string, string | string[] | undefined>;
  /** True when the client closed the connection before the answer was complete. */
  aborted: boolean;
  /** HTTP status of the answer (0 until it is decided). */
  status: number;
  /** What a 200 answer carried (before any streaming), once it was generated. */
  completion?: { content: string | null; finishReason: string; completionTokens: number; promptTokensSeen: number };
  /** With `timing`: the GPU time this request was charged (prefill plus decode), in ms. */
  chargedMs?: number;
}

/** A GPU's speed, charged to every completion before it is answered (benchmarks). */
export interface ModelTiming {
  /** Prompt tokens processed per second (prefill). */
  prefillTokensPerSecond: number;
  /** Answer tokens generated per second, per sequence (decode). */
  decodeTokensPerSecond: number;
  /** Sequences the server runs at once; more requests wait their turn, first come first served. */
  sequences: number;
}

export type ReplyFn = (request: RecordedRequest) => Reply | Promise<Reply>;

export interface FakeModelOptions {
  /** @defaultValue "Skywork/Skywork-SWE-32B" */
  modelId?: string;
  /** The window for prompt + answer (vLLM's `--max-model-len`). @defaultValue 32768 */
  contextTokens?: number;
  /**
   * Whether the server reports its window: vLLM's `max_model_len`; llama.cpp's `meta.n_ctx` and
   * `/props` n_ctx (older builds report neither); Ollama's `/api/ps` context_length (older
   * versions lack it). @defaultValue true
   */
  reportMaxModelLen?: boolean;
  /** @defaultValue "vllm" */
  profile?: ServerProfileName;
  /** @defaultValue the profile's own ("vllm" for vLLM; "vllm-flat" plays an older vLLM) */
  overflow?: OverflowStyle;
  /** llama.cpp: slots (its `--parallel`), all sharing one KV cache of `contextTokens` cells. @defaultValue 4 */
  parallel?: number;
  /** Ollama: the Modelfile sets `PARAMETER num_ctx` (shown by `/api/show`). @defaultValue false */
  numCtxInModelfile?: boolean;
  /** When set, `/v1/*` requires `Authorization: Bearer <apiKey>` and answers 401 otherwise, as vLLM's `--api-key`. */
  apiKey?: string;
  /** Answers requests when nothing is enqueued. */
  reply?: ReplyFn;
  /** Wait before every chat answer. @defaultValue 0 */
  latencyMs?: number;
  /** Wait before answering `GET /v1/models` (a server busy loading, or overloaded). @defaultValue 0 */
  modelsLatencyMs?: number;
  /** Charge each completion the time a GPU of this speed would take. @defaultValue none */
  timing?: ModelTiming;
}

export interface FakeModel {
  /** Ends in `/v1`: what LLM_BASE_URL (and the openai SDK's `baseURL`) takes. */
  readonly baseUrl: string;
  /** The server root, for vLLM's `/health` and `/tokenize`. */
  readonly rootUrl: string;
  readonly modelId: string;
  readonly contextTokens: number;
  /** Every chat completion request, in arrival order (live array). */
  readonly requests: RecordedRequest[];
  /** Chat completion requests being answered right now. */
  readonly inFlight: number;
  /** The most chat completion requests ever in flight at once. */
  readonly maxConcurrent: number;
  /** Replies used in order, before `reply`. */
  enqueue(...replies: Reply[]): void;
  /** The next `times` chat requests fail with `status` (and `body`, else a vLLM-style error body). */
  failNext(status: number, times?: number, body?: unknown): void;
  setLatency(ms: number): void;
  /** How long `GET /v1/models` waits from now on. */
  setModelsLatency(ms: number): void;
  /** `GET /v1/models` requests answered or cut so far. */
  readonly modelListings: number;
  setReply(fn: ReplyFn | undefined): void;
  /** Forgets recorded requests, the peak concurrency, queued replies and failures. */
  reset(): void;
  /** Stops at once: open connections (hung requests included) are destroyed, not awaited. */
  close(): Promise<void>;
}
