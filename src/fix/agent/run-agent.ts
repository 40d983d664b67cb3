// The fix agent's loop: OpenHands 0.32 CodeAct in text function-call mode, one model turn and at
// most one tool call per step, the prompt kept inside the window with exact counts.
import { ContextOverflowError, WindowTooSmallError } from "../../errors.js";
import { neutralizeSpecialTokens, type ChatMessage } from "../../tokenizer/index.js";
import { ConversationWindow, type Step } from "./context-window.js";
import type { AgentEnvironment } from "./environment.js";
import { FileEditor, type EditorParams } from "./file-editor.js";
import { parseTurn, rawParam, stringParam, type ToolCall } from "./function-calls.js";
import {
  errorObservation,
  functionCallingSuffix,
  IN_CONTEXT_EXAMPLE_PREFIX,
  IN_CONTEXT_EXAMPLE_SUFFIX,
  noFunctionCallReply,
  STOP_WORDS,
  SYSTEM_PROMPT,
  taskInstruction,
  THINK_OBSERVATION,
} from "./prompts.js";
import { toolSpecs, type ToolSpec } from "./tool-specs.js";
import { truncateMiddleChars, truncateMiddleTokens } from "./truncate.js";
import type { AgentOutcome, AgentPhase, AgentResult, RunAgentOptions } from "./types.js";

/** OpenHands' default `max_message_chars`: longer observations are cut in the middle. */
const MAX_OBSERVATION_CHARS = 30_000;
/** One observation may take at most this share of the prompt budget. */
const MAX_OBSERVATION_SHARE = 0.3;
/** Tokens the history should at least have room for before the in-context example is dropped. */
const MIN_HISTORY_TOKENS = 2048;
/** OpenHands' StuckDetector gives up after the same action and observation four times in a row. */
const STUCK_REPEATS = 4;
const OVERFLOW_RETRIES = 3;

export async function runAgent(options: RunAgentOptions): Promise<AgentResult> {
  const budget = options.contextTokens - options.answerTokens;
  if (!Number.isInteger(options.maxSteps) || options.maxSteps < 1) throw new RangeError(`maxSteps must be a positive integer, got ${options.maxSteps}.`);
  if (options.answerTokens < 1 || budget < 1) {
    throw new RangeError(`answerTokens (${options.answerTokens}) must be positive and smaller than contextTokens (${options.contextTokens}).`);
  }
  return new AgentRun(options).run(budget);
}

class AgentRun {
  readonly #options: RunAgentOptions;
  readonly #environment: AgentEnvironment;
  readonly #tools: ToolSpec[];
  readonly #editor: FileEditor;
  readonly #window: ConversationWindow;
  #phase: AgentPhase = "exploring";
  #steps = 0;
  #edits = 0;
  #promptTokens = 0;
  #completionTokens = 0;
  #noCallReplies = 0;
  readonly #recent: string[] = [];
  /** The model's closing turn (the finish call), kept for the transcript. */
  #closing: string | null = null;
  #gaveUp = false;

  constructor(options: RunAgentOptions) {
    this.#options = options;
    this.#environment = options.environment;
    this.#tools = toolSpecs({ virtualRoot: options.environment.root, shellTimeoutSeconds: options.environment.shellTimeoutSeconds });
    this.#editor = new FileEditor(options.environment.files);
    this.#window = new ConversationWindow(options.tokenizer);
  }

  async run(initialBudget: number): Promise<AgentResult> {
    const options = this.#options;
    let budget = initialBudget;
    try {
      this.#pin(budget);
    } catch (error) {
      if (error instanceof WindowTooSmallError) return this.#end("error", error.message, error);
      throw error;
    }
    const maxObservationTokens = Math.max(256, Math.floor(budget * MAX_OBSERVATION_SHARE));
    this.#progress("exploring");

    for (let step = 1; step <= options.maxSteps; step++) {
      if (options.signal?.aborted) return this.#end("aborted", "The run was cancelled.");
      let completion;
      for (let overflow = 0; ; overflow++) {
        let fitted;
        try {
          fitted = this.#window.fit(budget);
        } catch (error) {
          if (error instanceof WindowTooSmallError) return this.#end("error", error.message, error);
          throw error;
        }
        try {
          completion = await options.model.complete({
            messages: fitted.messages,
            maxTokens: options.answerTokens,
            promptTokens: fitted.promptTokens,
            temperature: options.temperature ?? 0,
            stop: [...STOP_WORDS],
            ...(options.signal ? { signal: options.signal } : {}),
          });
          break;
        } catch (error) {
          if (options.signal?.aborted) return this.#end("aborted", "The run was cancelled.");
          // The server's window is smaller than we were told, or it counts differently: shrink the
          // budget (to the window it names, when it names one), condense harder and retry.
          if (error instanceof ContextOverflowError && overflow < OVERFLOW_RETRIES) {
            const serverBudget = error.serverWindow === null ? Number.POSITIVE_INFINITY : error.serverWindow - options.answerTokens;
            budget = Math.min(Math.floor(budget * 0.85), fitted.promptTokens - 1, serverBudget);
            try {
              this.#pin(budget);
            } catch (pinError) {
              if (pinError instanceof WindowTooSmallError) return this.#end("error", pinError.message, pinError);
              throw pinError;
            }
            continue;
          }
          const cause = error instanceof Error ? error : new Error(String(error));
          return this.#end("error", `The model request failed: ${cause.message}`, cause);
        }
      }
      this.#steps = step;
      this.#promptTokens += completion.promptTokens;
      this.#completionTokens += completion.completionTokens;

      const parsed = parseTurn(completion, this.#tools);
      let stepRecord: Step;
      if (parsed.kind === "none") {
        stepRecord = {
          assistant: neutralizeSpecialTokens(parsed.assistant),
          call: null,
          observation: noFunctionCallReply(this.#noCallReplies),
          label: "a message",
          tool: null,
        };
        this.#noCallReplies += 1;
      } else if (parsed.kind === "invalid") {
        stepRecord = {
          assistant: neutralizeSpecialTokens(parsed.assistant),
          call: null,
          observation: errorObservation(neutralizeSpecialTokens(parsed.error)),
          label: "an invalid call",
          tool: null,
        };
      } else {
        const { call } = parsed;
        if (call.name === "finish") {
          this.#closing = neutralizeSpecialTokens(parsed.assistant);
          const message = stringParam(call, "message") ?? parsed.thought;
          this.#gaveUp = stringParam(call, "task_completed")?.trim().toLowerCase() === "false";
          return this.#end("finished", message);
        }
        let text = this.#environment.virtualize(await this.#execute(call));
        text = truncateMiddleTokens(truncateMiddleChars(text, MAX_OBSERVATION_CHARS), maxObservationTokens, options.tokenizer);
        if (parsed.extraCalls > 0) {
          text +=
            "\n\nNOTE: Your message contained more than one function call; only the first one was executed. PLEASE EMIT ONE AND ONLY ONE FUNCTION CALL PER MESSAGE.";
        }
        stepRecord = {
          assistant: neutralizeSpecialTokens(parsed.assistant),
          call,
          observation: `EXECUTION RESULT of [${call.name}]:\n${neutralizeSpecialTokens(text)}`,
          label: describeCall(call),
          tool: call.name,
        };
      }
      this.#window.push(stepRecord);
      if (this.#isStuck(stepRecord)) {
        return this.#end("error", `The agent repeated the same action ${STUCK_REPEATS} times with the same result and was stopped.`);
      }
    }
    return this.#end("step-limit", `The agent used all ${options.maxSteps} steps without finishing.`);
  }

  /** System prompt and task; the in-context example, then the task's length, give way to a small window. */
  #pin(budget: number): void {
    const options = this.#options;
    const system: ChatMessage = { role: "system", content: SYSTEM_PROMPT + functionCallingSuffix(this.#tools) };
    const build = (withExample: boolean, task: string, instructions: string | undefined): ChatMessage[] => {
      const instruction = taskInstruction({
        virtualRoot: this.#environment.root,
        baseSha: options.baseSha,
        task,
        canRunCommands: this.#environment.shell !== null,
        setUp: options.setUp ?? false,
        ...(options.testCommand ? { testCommand: options.testCommand } : {}),
        ...(instructions ? { instructions } : {}),
      });
      return [system, { role: "user", content: withExample ? IN_CONTEXT_EXAMPLE_PREFIX + instruction + IN_CONTEXT_EXAMPLE_SUFFIX : instruction }];
    };
    const reserve = Math.min(MIN_HISTORY_TOKENS, Math.floor(budget * 0.25));
    const fits = (messages: ChatMessage[]): number => budget - reserve - options.tokenizer.countChat(messages);
    let task = options.task;
    let instructions = options.instructions;
    let pinned = build(true, task, instructions);
    if (fits(pinned) < 0) pinned = build(false, task, instructions);
    for (const part of ["task", "instructions"] as const) {
      const over = -fits(pinned);
      if (over <= 0) break;
      const text = part === "task" ? task : (instructions ?? "");
      const tokens = options.tokenizer.count(text);
      const keep = Math.max(0, tokens - over - 16);
      const cut = truncateMiddleTokens(text, keep, options.tokenizer);
      if (part === "task") task = cut;
      else instructions = cut;
      pinned = build(false, task, instructions);
    }
    if (fits(pinned) < 0) {
      throw new WindowTooSmallError(
        `The model's window (${options.contextTokens} tokens, ${options.answerTokens} of them for the answer) is too small for the agent's system prompt and tools; the agent needs at least ${options.tokenizer.countChat(pinned) + reserve + options.answerTokens}.`,
      );
    }
    this.#window.setPinned(pinned);
  }

  async #execute(call: ToolCall): Promise<string> {
    switch (call.name) {
      case "think":
        return THINK_OBSERVATION;
      case "execute_bash": {
        const shell = this.#environment.shell;
        if (shell === null) return `ERROR:\nThe function ${call.name} is not available.`;
        this.#afterInspection();
        return (await shell.execute(stringParam(call, "command") ?? "", stringParam(call, "is_input")?.toLowerCase() === "true")).text;
      }
      case "str_replace_editor": {
        const params: EditorParams = { command: stringParam(call, "command") ?? "", path: stringParam(call, "path") ?? "" };
        for (const key of ["file_text", "old_str", "new_str"] as const) {
          const value = stringParam(call, key);
          if (value !== undefined) params[key] = value;
        }
        const line = rawParam(call, "insert_line");
        if (typeof line === "number") params.insert_line = line;
        const range = rawParam(call, "view_range");
        if (range !== undefined) params.view_range = range;
        const result = await this.#editor.run(params);
        if (result.edited) {
          this.#edits += 1;
          if (this.#phase !== "editing") this.#progress("editing", `edited ${result.edited}`);
        } else if (params.command === "view") {
          this.#afterInspection();
        }
        return result.text;
      }
      default:
        return `ERROR:\nThe function ${call.name} is not available.`;
    }
  }

  /** Looking around after an edit is checking it. */
  #afterInspection(): void {
    if (this.#phase === "editing") this.#progress("validating");
  }

  #isStuck(step: Step): boolean {
    this.#recent.push(`${step.assistant}\u0000${step.observation}`);
    if (this.#recent.length > STUCK_REPEATS) this.#recent.shift();
    return this.#recent.length === STUCK_REPEATS && this.#recent.every((entry) => entry === this.#recent[0]);
  }

  #progress(phase: AgentPhase, note?: string): void {
    this.#phase = phase;
    try {
      this.#options.onProgress?.({ phase, step: this.#steps, ...(note ? { note } : {}) });
    } catch {
      // A failing status update must not stop the agent.
    }
  }

  #end(outcome: AgentOutcome, message: string, error?: Error): AgentResult {
    this.#progress(outcome === "finished" ? "done" : "failed", outcome === "finished" ? undefined : message);
    return {
      outcome,
      message,
      steps: this.#steps,
      edits: this.#edits,
      promptTokens: this.#promptTokens,
      completionTokens: this.#completionTokens,
      gaveUp: this.#gaveUp,
      ...(error ? { error } : {}),
      transcript: this.#closing === null ? this.#window.fullMessages() : [...this.#window.fullMessages(), { role: "assistant", content: this.#closing }],
    };
  }
}

/** "execute_bash `grep -rn foo src`", "str_replace_editor view /workspace/r/a.py". */
function describeCall(call: ToolCall): string {
  const clip = (text: string): string => (text.length > 100 ? `${text.slice(0, 97)}...` : text);
  if (call.name === "execute_bash") return `execute_bash \`${clip((stringParam(call, "command") ?? "").replace(/\s+/g, " "))}\``;
  if (call.name === "str_replace_editor") return `str_replace_editor ${stringParam(call, "command") ?? ""} ${clip(stringParam(call, "path") ?? "")}`;
  return call.name;
}
