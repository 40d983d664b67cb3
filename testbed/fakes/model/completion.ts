// What the scripted "model" generates, cut the way vLLM cuts it, and the JSON and SSE shapes vLLM
// sends (vllm/entrypoints/openai/protocol.py: ChatCompletionResponse, ChatCompletionStreamResponse).
import { randomBytes } from "node:crypto";
import { referenceCount, referenceDecode, referenceEncode } from "./reference-tokenizer.js";
import type { Reply } from "./types.js";

/** What the fake answers when no test scripted anything: a clean review in the app's JSON format. */
export const DEFAULT_REPLY_CONTENT = '{"summary":"No issues found.","findings":[]}';

export interface Generated {
  content: string | null;
  toolCalls: Array<{ id: string; type: "function"; function: { name: string; arguments: string } }>;
  finishReason: string;
  /** vLLM's `stop_reason`: the stop string that ended the output, else null. */
  stopReason: string | null;
  completionTokens: number;
}

/**
 * The output a real server would return for `reply`: cut before the first stop string (which is
 * not included, finish "stop"), or after `maxNewTokens` tokens (finish "length"). A natural end
 * counts one more token, `<|im_end|>`, as vLLM's completion_tokens do.
 */
export function generate(reply: Reply, stop: readonly string[], maxNewTokens: number): Generated {
  const toolCalls = (reply.toolCalls ?? []).map((call) => ({
    id: `chatcmpl-tool-${randomBytes(16).toString("hex")}`,
    type: "function" as const,
    function: { name: call.name, arguments: call.arguments },
  }));
  if (toolCalls.length > 0) {
    const content = reply.content ?? null;
    const spoken =
      (content ?? "") +
      toolCalls.map((call) => `<tool_call>\n{"name": "${call.function.name}", "arguments": ${call.function.arguments}}\n</tool_call>`).join("\n");
    return { content, toolCalls, finishReason: reply.finishReason ?? "tool_calls", stopReason: null, completionTokens: referenceCount(spoken) + 1 };
  }

  const text = reply.content ?? DEFAULT_REPLY_CONTENT;
  let cut: { at: number; stop: string } | undefined;
  for (const word of stop) {
    if (word.length === 0) continue;
    const at = text.indexOf(word);
    if (at >= 0 && (cut === undefined || at < cut.at)) cut = { at, stop: word };
  }
  if (cut) {
    const generatedTokens = referenceCount(text.slice(0, cut.at + cut.stop.length));
    if (generatedTokens <= maxNewTokens) {
      return { content: text.slice(0, cut.at), toolCalls, finishReason: reply.finishReason ?? "stop", stopReason: cut.stop, completionTokens: generatedTokens };
    }
  }
  const ids = referenceEncode(text);
  if (ids.length + 1 <= maxNewTokens) {
    return { content: text, toolCalls, finishReason: reply.finishReason ?? "stop", stopReason: null, completionTokens: ids.length + 1 };
  }
  const kept = Math.max(0, maxNewTokens);
  return {
    content: ids.length <= kept ? text : referenceDecode(ids.slice(0, kept)),
    toolCalls,
    finishReason: reply.finishReason ?? "length",
    stopReason: null,
    completionTokens: Math.min(ids.length, kept),
  };
}

export interface CompletionContext {
  id: string;
  created: number;
  model: string;
  promptTokens: number;
}

export function newCompletionContext(model: string, promptTokens: number): CompletionContext {
  return { id: `chatcmpl-${randomBytes(16).toString("hex")}`, created: Math.floor(Date.now() / 1000), model, promptTokens };
}

function usage(context: CompletionContext, generated: Generated): Record<string, unknown> {
  return {
    prompt_tokens: context.promptTokens,
    total_tokens: context.promptTokens + generated.completionTokens,
    completion_tokens: generated.completionTokens,
    prompt_tokens_details: null,
  };
}

export function completionBody(context: CompletionContext, generated: Generated): Record<string, unknown> {
  return {
    id: context.id,
    object: "chat.completion",
    created: context.created,
    model: context.model,
    choices: [
      {
        index: 0,
        message: { role: "assistant", reasoning_content: null, content: generated.content, tool_calls: generated.toolCalls },
        logprobs: null,
        finish_reason: generated.finishReason,
        stop_reason: generated.stopReason,
      },
    ],
    usage: usage(context, generated),
    prompt_logprobs: null,
  };
}

/** Splits text into pieces of a few characters, never inside a surrogate pair. */
function pieces(text: string, size = 6): string[] {
  const chars = Array.from(text);
  const out: string[] = [];
  for (let i = 0; i < chars.length; i += size) out.push(chars.slice(i, i + size).join(""));
  return out;
}

/** The `data:` payloads of a streamed answer, `[DONE]` last. */
export function streamEvents(context: CompletionContext, generated: Generated, includeUsage: boolean): string[] {
  const chunk = (choices: unknown[], extra: Record<string, unknown> = {}): string =>
    JSON.stringify({ id: context.id, object: "chat.completion.chunk", created: context.created, model: context.model, choices, ...extra });
  const choice = (delta: Record<string, unknown>, finishReason: string | null = null): Record<string, unknown> => ({
    index: 0,
    delta,
    logprobs: null,
    finish_reason: finishReason,
    ...(finishReason !== null && { stop_reason: generated.stopReason }),
  });

  const events = [chunk([choice({ role: "assistant", content: "" })])];
  for (const piece of pieces(generated.content ?? "")) events.push(chunk([choice({ content: piece })]));
  generated.toolCalls.forEach((call, index) => {
    events.push(chunk([choice({ tool_calls: [{ index, id: call.id, type: "function", function: { name: call.function.name, arguments: "" } }] })]));
    events.push(chunk([choice({ tool_calls: [{ index, function: { arguments: call.function.arguments } }] })]));
  });
  events.push(chunk([choice({}, generated.finishReason)]));
  if (includeUsage) events.push(chunk([], { usage: usage(context, generated) }));
  events.push("[DONE]");
  return events;
}
