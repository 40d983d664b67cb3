// Error bodies, word for word as each server sends them. Sources:
// - vLLM ≥ 0.10: vllm/entrypoints/openai/protocol.py (`ErrorResponse {error: ErrorInfo}`) and
//   serving_engine.py `_validate_input`; the message is also seen through the openai SDK in the wild as
//   "400 'max_tokens' or 'max_completion_tokens' is too large: 16384. This model's maximum context
//   length is 65536 tokens and your request has 52189 input tokens (16384 > 65536 - 52189).
//   (parameter=max_tokens, value=16384)".
// - vLLM ≤ 0.9: flat `ErrorResponse {object: "error", message, type, param, code}` and the
//   "However, you requested N tokens (P in the messages, M in the completion)" wording.
// - llama.cpp: tools/server/server-context.cpp, `send_error(... ERROR_TYPE_EXCEED_CONTEXT_SIZE)`;
//   `server_task_result_error::to_json` adds n_prompt_tokens and n_ctx.
import type { OverflowStyle } from "./types.js";

export interface ErrorAnswer {
  status: number;
  body: unknown;
}

/** vLLM's error envelope in the given style. */
export function vllmError(style: OverflowStyle, status: number, type: string, message: string, param: string | null = null): ErrorAnswer {
  if (style === "vllm-flat") return { status, body: { object: "error", message, type, param, code: status } };
  return { status, body: { error: { message, type, param, code: status } } };
}

/**
 * The answer of a server that cannot fit `promptTokens` plus `maxTokens` into `contextTokens`,
 * or undefined when it accepts the request (Ollama always does; llama.cpp when the prompt fits).
 */
export function overflowError(style: OverflowStyle, contextTokens: number, promptTokens: number, maxTokens: number | undefined): ErrorAnswer | undefined {
  switch (style) {
    case "vllm": {
      // vLLM checks the prompt alone first; with no max_tokens it then generates up to the window.
      if (promptTokens >= contextTokens) {
        return vllmError(
          style,
          400,
          "BadRequestError",
          `This model's maximum context length is ${contextTokens} tokens. However, your request has ${promptTokens} input tokens. ` +
            "Please reduce the length of the input messages.",
        );
      }
      if (maxTokens !== undefined && promptTokens + maxTokens > contextTokens) {
        return vllmError(
          style,
          400,
          "BadRequestError",
          `'max_tokens' or 'max_completion_tokens' is too large: ${maxTokens}. This model's maximum context length is ` +
            `${contextTokens} tokens and your request has ${promptTokens} input tokens ` +
            `(${maxTokens} > ${contextTokens} - ${promptTokens}). (parameter=max_tokens, value=${maxTokens})`,
        );
      }
      return undefined;
    }
    case "vllm-flat": {
      if (maxTokens === undefined) {
        if (promptTokens < contextTokens) return undefined;
        return vllmError(
          style,
          400,
          "BadRequestError",
          `This model's maximum context length is ${contextTokens} tokens. However, you requested ${promptTokens} tokens in the messages, ` +
            "Please reduce the length of the messages.",
        );
      }
      if (promptTokens + maxTokens <= contextTokens) return undefined;
      return vllmError(
        style,
        400,
        "BadRequestError",
        `This model's maximum context length is ${contextTokens} tokens. However, you requested ${promptTokens + maxTokens} tokens ` +
          `(${promptTokens} in the messages, ${maxTokens} in the completion). Please reduce the length of the messages or completion.`,
      );
    }
    case "llamacpp": {
      // llama.cpp needs one free cell to decode anything: a prompt of exactly n_ctx tokens is refused.
      if (promptTokens < contextTokens) return undefined;
      return {
        status: 400,
        body: {
          error: {
            code: 400,
            message: `request (${promptTokens} tokens) exceeds the available context size (${contextTokens} tokens), try increasing it`,
            type: "exceed_context_size_error",
            n_prompt_tokens: promptTokens,
            n_ctx: contextTokens,
          },
        },
      };
    }
    case "ollama":
      return undefined;
  }
}

/** llama.cpp's answer when its slots' shared KV cache has no room left: a 500, though nothing is broken. */
export function kvCacheFullError(): ErrorAnswer {
  return { status: 500, body: { error: { code: 500, message: "Context size has been exceeded.", type: "server_error" } } };
}

/** What each server answers for a model name it does not serve; llama.cpp ignores the name. */
export function unknownModelError(style: OverflowStyle, model: string): ErrorAnswer | undefined {
  switch (style) {
    case "vllm":
    case "vllm-flat":
      return vllmError(style, 404, "NotFoundError", `The model \`${model}\` does not exist.`);
    case "ollama":
      return { status: 404, body: { error: { message: `model "${model}" not found, try pulling it first`, type: "api_error", param: null, code: null } } };
    case "llamacpp":
      return undefined;
  }
}

/** A plausible body for a scripted failure with this status. */
export function defaultFailureBody(style: OverflowStyle, status: number): unknown {
  const type =
    status === 400
      ? "BadRequestError"
      : status === 401
        ? "UnauthorizedError"
        : status === 404
          ? "NotFoundError"
          : status === 429
            ? "RateLimitError"
            : status === 503
              ? "ServiceUnavailableError"
              : "InternalServerError";
  return vllmError(style === "vllm-flat" ? "vllm-flat" : "vllm", status, type, `Scripted failure (HTTP ${status}).`).body;
}
