// Reading the model's function calls: OpenHands' text format (`<function=…>` with `<parameter=…>`
// blocks, the closing tag possibly eaten by the `</function` stop word), or native `tool_calls` when
// a server converts them. Validation and its error sentences follow OpenHands' fn_call_converter.py,
// so a malformed call gets the corrective message the model was trained to react to.
import type { Completion } from "../../model/client.js";
import type { ParamSpec, ToolSpec } from "./tool-specs.js";

export type ParamValue = string | number | unknown[];

export interface ToolCall {
  name: string;
  /** In the order the model wrote them. */
  params: Array<[string, ParamValue]>;
}

export type ParsedTurn =
  /** `assistant` is what goes back into the history: the reasoning plus the call, re-rendered. */
  | { kind: "call"; call: ToolCall; thought: string; assistant: string; extraCalls: number }
  | { kind: "invalid"; error: string; assistant: string }
  | { kind: "none"; assistant: string };

class ValidationError extends Error {}

const FUNCTION_OPEN = /<function=([^>\n]*)>/g;
const PARAMETER = /<parameter=([^>\n]+)>([\s\S]*?)<\/parameter>/g;

/** Interprets one completion against the tools. */
export function parseTurn(completion: Pick<Completion, "content" | "toolCalls"> & { finishReason?: string | null }, tools: readonly ToolSpec[]): ParsedTurn {
  const content = completion.content ?? "";
  const native = completion.toolCalls[0];
  if (native) return fromNative(content, native, completion.toolCalls.length - 1, tools);
  const parsed = fromText(content, tools);
  // Cut at max_tokens, the call may lack the end of an argument (half a file): never run it.
  if (parsed.kind === "call" && completion.finishReason === "length" && !/<\/function>/.test(content)) {
    return {
      kind: "invalid",
      error:
        "Your last message reached the output limit before the function call was complete, so nothing was executed. Make a smaller call (for example, edit a smaller part of the file at a time).",
      assistant: content.trim(),
    };
  }
  return parsed;
}

function fromText(content: string, tools: readonly ToolSpec[]): ParsedTurn {
  const opens = [...content.matchAll(FUNCTION_OPEN)];
  const first = opens[0];
  if (!first || first.index === undefined) return { kind: "none", assistant: content.trim() };
  const thought = content.slice(0, first.index).trim();
  const bodyStart = first.index + first[0].length;
  const close = content.indexOf("</function", bodyStart);
  const nextOpen = opens[1]?.index ?? content.length;
  const body = content.slice(bodyStart, close >= 0 && close < nextOpen ? close : nextOpen);
  const name = (first[1] ?? "").trim();
  try {
    const call = validate(name, readParams(body), tools);
    return { kind: "call", call, thought, assistant: renderAssistant(thought, call), extraCalls: opens.length - 1 };
  } catch (error) {
    if (!(error instanceof ValidationError)) throw error;
    return { kind: "invalid", error: error.message, assistant: content.trim() };
  }
}

function readParams(body: string): Array<[string, string]> {
  const params: Array<[string, string]> = [];
  let end = 0;
  for (const match of body.matchAll(PARAMETER)) {
    // OpenHands strips every value (fn_call_converter.py: `param_match.group(2).strip()`).
    params.push([(match[1] ?? "").trim(), (match[2] ?? "").trim()]);
    end = (match.index ?? 0) + match[0].length;
  }
  // A last parameter left open (the answer was cut short) still counts, to its end.
  const open = /<parameter=([^>\n]+)>([\s\S]*)$/.exec(body.slice(end));
  if (open) params.push([(open[1] ?? "").trim(), (open[2] ?? "").trim()]);
  return params;
}

function fromNative(content: string, native: { name: string; arguments: string }, extraCalls: number, tools: readonly ToolSpec[]): ParsedTurn {
  const thought = content.trim();
  try {
    let parsed: unknown;
    try {
      parsed = native.arguments.trim() === "" ? {} : JSON.parse(native.arguments);
    } catch {
      throw new ValidationError(`Failed to parse tool call arguments as JSON for function '${native.name}'. Arguments: ${native.arguments}`);
    }
    if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) {
      throw new ValidationError(`Tool call arguments for function '${native.name}' must be a JSON object. Arguments: ${native.arguments}`);
    }
    const params = Object.entries(parsed as Record<string, unknown>).map(([key, value]): [string, string | number | unknown[]] => [
      key,
      typeof value === "string" || typeof value === "number" || Array.isArray(value) ? value : JSON.stringify(value),
    ]);
    const call = validate(native.name, params, tools);
    return { kind: "call", call, thought, assistant: renderAssistant(thought, call), extraCalls };
  } catch (error) {
    if (!(error instanceof ValidationError)) throw error;
    return { kind: "invalid", error: error.message, assistant: thought };
  }
}

/** OpenHands' `_extract_and_validate_params`, with its messages. */
function validate(name: string, raw: ReadonlyArray<[string, string | number | unknown[]]>, tools: readonly ToolSpec[]): ToolCall {
  const tool = tools.find((t) => t.name === name);
  if (!tool) throw new ValidationError(`Function '${name}' not found in available tools: ${pyList(tools.map((t) => t.name))}`);
  const byName = new Map(tool.parameters.map((p) => [p.name, p]));
  const params = new Map<string, ParamValue>();
  for (const [key, value] of raw) {
    const spec = byName.get(key);
    if (!spec) {
      throw new ValidationError(
        `Parameter '${key}' is not allowed for function '${name}'. Allowed parameters: ${pySet(tool.parameters.filter((p) => !p.hidden).map((p) => p.name))}`,
      );
    }
    params.set(key, convert(spec, value));
  }
  // finish is accepted without its parameters: OpenHands' own in-context example calls it bare.
  const required = name === "finish" ? [] : tool.parameters.filter((p) => p.required && !params.has(p.name)).map((p) => p.name);
  if (required.length > 0) throw new ValidationError(`Missing required parameters for function '${name}': ${pySet(required)}`);
  return { name, params: [...params.entries()] };
}

function convert(spec: ParamSpec, value: string | number | unknown[]): ParamValue {
  let converted: ParamValue = value;
  if (spec.type === "integer") {
    const text = String(value).trim();
    if (!/^[+-]?\d+$/.test(text)) throw new ValidationError(`Parameter '${spec.name}' is expected to be an integer.`);
    converted = Number.parseInt(text, 10);
  } else if (spec.type === "array") {
    if (!Array.isArray(value)) {
      try {
        converted = JSON.parse(String(value)) as ParamValue;
      } catch {
        throw new ValidationError(`Parameter '${spec.name}' is expected to be an array.`);
      }
    }
  } else if (typeof value !== "string") {
    converted = Array.isArray(value) ? JSON.stringify(value) : String(value);
  }
  if (spec.enum && !spec.enum.includes(String(converted))) {
    throw new ValidationError(`Parameter '${spec.name}' is expected to be one of ${pyList(spec.enum)}.`);
  }
  return converted;
}

/** `convert_tool_call_to_string`: the call as the history shows it. */
export function renderCall(call: ToolCall): string {
  let out = `<function=${call.name}>\n`;
  for (const [name, value] of call.params) {
    const text = Array.isArray(value) ? `[${value.map((v) => (typeof v === "string" ? `'${v}'` : String(v))).join(", ")}]` : String(value);
    const multiline = typeof value === "string" && value.includes("\n");
    out += `<parameter=${name}>${multiline ? "\n" : ""}${text}${multiline ? "\n" : ""}</parameter>\n`;
  }
  return `${out}</function>`;
}

/** The assistant turn OpenHands keeps: reasoning, a blank line, the call (leading space dropped). */
export function renderAssistant(thought: string, call: ToolCall): string {
  return `${thought}\n\n${renderCall(call)}`.trimStart();
}

export function stringParam(call: ToolCall, name: string): string | undefined {
  const value = call.params.find(([key]) => key === name)?.[1];
  return value === undefined ? undefined : typeof value === "string" ? value : Array.isArray(value) ? JSON.stringify(value) : String(value);
}

export function rawParam(call: ToolCall, name: string): ParamValue | undefined {
  return call.params.find(([key]) => key === name)?.[1];
}

function pyList(items: readonly string[]): string {
  return `[${items.map((i) => `'${i}'`).join(", ")}]`;
}

function pySet(items: readonly string[]): string {
  return `{${items.map((i) => `'${i}'`).join(", ")}}`;
}
