// Model failures, classified by what the caller should do about them.

/** The server refused the request for exceeding its context window: re-pack smaller, do not retry as is. */
export class ContextOverflowError extends Error {
  constructor(
    message: string,
    readonly promptTokens: number,
    /** The window the server says it has, when its error states it (vLLM, llama.cpp do). */
    readonly serverWindow: number | null = null,
  ) {
    super(message);
    this.name = "ContextOverflowError";
  }
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

/**
 * The server has no room for this request right now (llama.cpp's slots share one KV cache): not an
 * outage and not the request's fault. The model client lowers its concurrency and waits; this only
 * travels between its own layers.
 */
export class ModelCapacityError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ModelCapacityError";
  }
}

/** Worth retrying later: the endpoint is down, overloaded, timing out or rate limiting. */
export class ModelUnavailableError extends Error {
  constructor(message: string, readonly retryAfterMs: number | null = null) {
    super(message);
    this.name = "ModelUnavailableError";
  }
}

/** Retrying cannot help (wrong model name, bad API key, request rejected): an operator must act. */
export class ModelConfigurationError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ModelConfigurationError";
  }
}
