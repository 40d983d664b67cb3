// The model servers the README names, as each really behaves: how it lists its models, where it
// reports its window and which of its settings sets it, how it says a prompt did not fit or that it
// has no room right now, and what it supports. Detected from the server's own answers; the model
// client, `skywork review` and /readyz all use this one module, and no other keeps such knowledge.

export type ServerKind = "vllm" | "llamacpp" | "ollama" | "lmstudio" | "unknown";

export interface ServerProfile {
  kind: ServerKind;
  /** As people name it. */
  name: string;
  /** Where the server reports the window it runs with (documentation). */
  window: string;
  /** The server's own setting for its window, for messages that say how to fix it. */
  windowSetting: string;
  /** How it answers a prompt plus max_tokens beyond its window (documentation). */
  overflow: string;
  /** How it says it has no room for this request right now: not an outage, and not the request's fault. */
  capacity: string;
  /** Recognises that answer: the request is fine, the server's shared KV cache is full. */
  isCapacityError(status: number, text: string): boolean;
  /** Its tokenizer applies NFC first, as Hugging Face's and vLLM's do. */
  normalizesUnicode: boolean;
  /** It drops what does not fit its window and answers 200 (usage.prompt_tokens shows it). */
  truncatesSilently: boolean;
  /** It honours response_format json_schema with a grammar. */
  jsonSchema: boolean;
  /** Its exact-count endpoint, relative to the server root, if it has one. */
  tokenize: string | null;
}

/** llama.cpp's wording when its KV cache (shared by all slots) has no room left mid-request. */
const KV_FULL = /context size has been exceeded/i;

export const SERVER_PROFILES: Readonly<Record<ServerKind, ServerProfile>> = {
  vllm: {
    kind: "vllm",
    name: "vLLM",
    window: "`max_model_len` in `/v1/models`",
    windowSetting: "vLLM --max-model-len",
    overflow: "HTTP 400 naming the window (`maximum context length is N`); older versions a flat body the SDK reads as `400 status code (no body)`",
    capacity: "none: requests wait in its scheduler",
    isCapacityError: () => false,
    normalizesUnicode: true,
    truncatesSilently: false,
    jsonSchema: true,
    tokenize: "/tokenize",
  },
  llamacpp: {
    kind: "llamacpp",
    name: "llama.cpp server",
    window: "`data[].meta.n_ctx` in `/v1/models`, or `n_ctx` in `/props`",
    windowSetting: "llama-server --ctx-size",
    overflow:
      'HTTP 400 `exceed_context_size_error` when the prompt alone fills the window; a prompt that fits with too little room is answered and stopped early with `finish_reason: "length"`',
    capacity: "HTTP 500 `Context size has been exceeded.` when concurrent requests overfill the KV cache its slots share",
    isCapacityError: (status, text) => status === 500 && KV_FULL.test(text),
    normalizesUnicode: false,
    truncatesSilently: false,
    jsonSchema: true,
    tokenize: "/tokenize",
  },
  ollama: {
    kind: "ollama",
    name: "Ollama",
    window: "`context_length` in `/api/ps` once loaded, else `num_ctx` in `/api/show` parameters, else its default (4096)",
    windowSetting: "Ollama num_ctx or OLLAMA_CONTEXT_LENGTH",
    overflow: "none: it silently drops the start of the prompt and answers 200; `usage.prompt_tokens` shows what it kept",
    capacity: "none: requests queue (OLLAMA_NUM_PARALLEL)",
    isCapacityError: () => false,
    normalizesUnicode: false,
    truncatesSilently: true,
    jsonSchema: true,
    tokenize: null,
  },
  lmstudio: {
    kind: "lmstudio",
    name: "LM Studio",
    window: "`loaded_context_length` in `/api/v0/models/<id>`",
    windowSetting: "LM Studio's context length when loading the model",
    overflow: "an error naming the loaded context length (llama.cpp engine)",
    capacity: "HTTP 500 `Context size has been exceeded.` (llama.cpp engine)",
    isCapacityError: (status, text) => status === 500 && KV_FULL.test(text),
    normalizesUnicode: false,
    truncatesSilently: false,
    jsonSchema: true,
    tokenize: null,
  },
  unknown: {
    kind: "unknown",
    name: "an OpenAI-compatible server",
    window: "not reported: LLM_CONTEXT_TOKENS, else 32768",
    windowSetting: "its context length setting",
    overflow: "HTTP 400 with a context-length message, matched loosely",
    capacity: "HTTP 500 `Context size has been exceeded.` is recognised from any server",
    isCapacityError: (status, text) => status === 500 && KV_FULL.test(text),
    // Unknown: assume the tokenizer that under-counts least is not ours.
    normalizesUnicode: false,
    truncatesSilently: false,
    jsonSchema: true,
    tokenize: null,
  },
};

/**
 * Whether an error answer says the prompt did not fit the window. Servers word this differently and
 * change it between versions, so it is matched loosely, for every server alike (the answer may come
 * before the server is known). Older vLLM sends a flat error body the SDK reports as "400 status
 * code (no body)"; our requests are otherwise well-formed, so a bare 400 is read as an overflow too.
 */
export function isOverflowAnswer(status: number, text: string, bare: boolean): boolean {
  if (status !== 400) return false;
  return bare || /context.?(length|size|window)|exceed_context_size|maximum context|too many tokens|prompt is too long/i.test(text);
}

/** Reads the server's real window out of a context-length error, in the wordings servers use. */
export function windowFromOverflowText(text: string): number | null {
  const patterns = [
    /maximum context length is (\d+)/i, // vLLM
    /context length is only (\d+)/i, // newer vLLM
    /available context size \((\d+) tokens\)/i, // llama.cpp
    /"n_ctx"\s*:\s*(\d+)/, // llama.cpp JSON body
  ];
  for (const pattern of patterns) {
    const match = pattern.exec(text);
    const value = match ? Number(match[1]) : Number.NaN;
    if (Number.isInteger(value) && value > 0) return value;
  }
  return null;
}

/** Ollama's num_ctx when neither the model nor the server sets one. */
export const OLLAMA_DEFAULT_CONTEXT = 4096;

/** One entry of `/v1/models` as the server sent it. */
export type ListedModel = { id: string } & Record<string, unknown>;

/** The entries of a `/v1/models` listing that name a model (the `data` array, or the SDK's pages). */
export function listedModels(entries: readonly unknown[]): ListedModel[] {
  return entries.flatMap((entry) => (isRecord(entry) && typeof entry.id === "string" ? [entry as ListedModel] : []));
}

/** The model used: LLM_MODEL when set (undefined when the server does not list it), else the first listed. */
export function chooseModel(listed: readonly ListedModel[], configured: string | null): ListedModel | undefined {
  return configured ? listed.find((entry) => entry.id === configured) : listed[0];
}

/** GETs (or POSTs `body` to) a path under the server root; the parsed JSON, or null on any failure or after `timeoutMs`. */
export type ServerProbe = (path: string, body?: unknown, timeoutMs?: number) => Promise<unknown>;

export interface ServerFacts {
  profile: ServerProfile;
  /**
   * The window the server runs this model with, and where it said so; null when it does not say.
   * `assumed`: not reported, only the server's documented default (a configured window wins).
   */
  window: { tokens: number; source: string; assumed?: boolean } | null;
}

/** Loading a model into memory (Ollama) can take a while on a cold GPU. */
const MODEL_LOAD_TIMEOUT_MS = 120_000;

/**
 * Which server this is and the window it reports, from `/v1/models` and the server's own endpoints.
 * `loadModel: false` (readiness probes, which must answer in a second) never asks Ollama to load a
 * model to learn its window.
 */
export async function discoverServer(entry: ListedModel | undefined, probe: ServerProbe, options: { loadModel?: boolean } = {}): Promise<ServerFacts> {
  const owner = typeof entry?.owned_by === "string" ? entry.owned_by : "";
  if (entry && (owner === "vllm" || typeof entry.max_model_len === "number")) {
    const tokens = positive(entry.max_model_len);
    return { profile: SERVER_PROFILES.vllm, window: tokens ? { tokens, source: "max_model_len" } : null };
  }
  if (owner === "llamacpp" || isRecord(entry?.meta)) {
    const fromMeta = positive(isRecord(entry?.meta) ? entry.meta.n_ctx : undefined);
    if (fromMeta) return { profile: SERVER_PROFILES.llamacpp, window: { tokens: fromMeta, source: "meta.n_ctx" } };
    const props = await probe("/props");
    const settings = isRecord(props) && isRecord(props.default_generation_settings) ? props.default_generation_settings : {};
    const fromProps = positive(isRecord(props) ? (props.n_ctx ?? settings.n_ctx) : undefined);
    return { profile: SERVER_PROFILES.llamacpp, window: fromProps ? { tokens: fromProps, source: "/props n_ctx" } : null };
  }
  const version = await probe("/api/version");
  if (isRecord(version) && typeof version.version === "string")
    return { profile: SERVER_PROFILES.ollama, window: await ollamaWindow(entry?.id, probe, options.loadModel ?? true) };
  if (entry) {
    const lmstudio = await probe(`/api/v0/models/${encodeURIComponent(entry.id)}`);
    if (isRecord(lmstudio) && (lmstudio.object === "model" || "max_context_length" in lmstudio)) {
      const loaded = positive(lmstudio.loaded_context_length);
      const max = positive(lmstudio.max_context_length);
      return {
        profile: SERVER_PROFILES.lmstudio,
        window: loaded ? { tokens: loaded, source: "loaded_context_length" } : max ? { tokens: max, source: "max_context_length" } : null,
      };
    }
  }
  return { profile: SERVER_PROFILES.unknown, window: null };
}

/** The window Ollama runs `model` with: as loaded (exact), else as its Modelfile sets it, else once loaded. */
async function ollamaWindow(model: string | undefined, probe: ServerProbe, loadModel: boolean): Promise<ServerFacts["window"]> {
  const running = async () => {
    const ps = await probe("/api/ps");
    const loaded = isRecord(ps) && Array.isArray(ps.models) ? ps.models.find((m) => isRecord(m) && (m.name === model || m.model === model)) : undefined;
    return positive(isRecord(loaded) ? loaded.context_length : undefined);
  };
  const now = await running();
  if (now) return { tokens: now, source: "/api/ps context_length" };
  if (!model) return { tokens: OLLAMA_DEFAULT_CONTEXT, source: "Ollama's default num_ctx", assumed: true };
  const show = await probe("/api/show", { model });
  const parameters = isRecord(show) && typeof show.parameters === "string" ? show.parameters : "";
  const numCtx = positive(Number(/^num_ctx\s+(\d+)\s*$/m.exec(parameters)?.[1]));
  if (numCtx) return { tokens: numCtx, source: "/api/show num_ctx" };
  if (!loadModel) return { tokens: OLLAMA_DEFAULT_CONTEXT, source: "Ollama's default num_ctx", assumed: true };
  // Neither loaded nor set in the Modelfile: the server's OLLAMA_CONTEXT_LENGTH decides, and only a
  // loaded model shows it. An empty prompt loads a model without generating (Ollama's API docs).
  await probe("/api/generate", { model, prompt: "" }, MODEL_LOAD_TIMEOUT_MS);
  const loaded = await running();
  if (loaded) return { tokens: loaded, source: "/api/ps context_length" };
  return { tokens: OLLAMA_DEFAULT_CONTEXT, source: "Ollama's default num_ctx", assumed: true };
}

/** A ServerProbe over HTTP: `rootUrl` is LLM_BASE_URL without its `/v1`; the API key goes as a Bearer token. */
export function httpProbe(options: { baseUrl: string; apiKey: string | null; timeoutMs: number; fetch?: typeof fetch }): ServerProbe {
  const root = options.baseUrl.replace(/\/+$/, "").replace(/\/v1$/, "");
  const doFetch = options.fetch ?? fetch;
  return async (path, body, timeoutMs = options.timeoutMs) => {
    try {
      const response = await doFetch(`${root}${path}`, {
        method: body === undefined ? "GET" : "POST",
        headers: {
          accept: "application/json",
          ...(body === undefined ? {} : { "content-type": "application/json" }),
          ...(options.apiKey ? { authorization: `Bearer ${options.apiKey}` } : {}),
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        signal: AbortSignal.timeout(timeoutMs),
      });
      if (!response.ok) {
        await response.body?.cancel();
        return null;
      }
      return await response.json();
    } catch {
      return null;
    }
  };
}

function positive(value: unknown): number | null {
  return typeof value === "number" && Number.isInteger(value) && value > 0 ? value : null;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
