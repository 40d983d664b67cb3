// An in-process AgentModel that answers from a script and records every request.
import type { Completion, CompletionRequest } from "../../../src/model/client.js";
import type { AgentModel } from "../../../src/fix/agent/index.js";

export type ScriptStep = string | Error | ((request: CompletionRequest, index: number) => string | Error | Promise<string | Error>);

export class ScriptedModel implements AgentModel {
  readonly requests: CompletionRequest[] = [];
  readonly #script: ScriptStep[];
  readonly #fallback: ScriptStep | undefined;

  /** `fallback` answers once the script is used up (otherwise the model fails the test). */
  constructor(script: ScriptStep[], fallback?: ScriptStep) {
    this.#script = [...script];
    this.#fallback = fallback;
  }

  async complete(request: CompletionRequest): Promise<Completion> {
    const index = this.requests.length;
    this.requests.push(request);
    const step = this.#script.shift() ?? this.#fallback;
    if (step === undefined) throw new Error(`The scripted model has no answer for request #${index}.`);
    const answer = typeof step === "function" ? await step(request, index) : step;
    if (answer instanceof Error) throw answer;
    // A server stops at the stop word and leaves it out of the content.
    const stop = request.stop?.map((word) => answer.indexOf(word)).filter((at) => at >= 0) ?? [];
    const content = stop.length > 0 ? answer.slice(0, Math.min(...stop)) : answer;
    return { content, finishReason: "stop", promptTokens: request.promptTokens, completionTokens: Math.ceil(content.length / 4), toolCalls: [] };
  }
}

/** A text-format call, as the model writes it. */
export function call(name: string, params: Record<string, string>, thought = ""): string {
  const body = Object.entries(params)
    .map(([key, value]) => `<parameter=${key}>${value.includes("\n") ? `\n${value}\n` : value}</parameter>\n`)
    .join("");
  return `${thought ? `${thought}\n` : ""}<function=${name}>\n${body}</function>`;
}
