// Keeps every request inside the model's window, counted exactly. The system prompt and the task
// stay; when the history outgrows the budget, the oldest observations give way first (replaced by a
// one-line note), then the oldest long arguments of the model's own calls, then every observation
// but the newest, then whole old steps, and last the newest observation itself is cut in the middle.
import { WindowTooSmallError } from "../../errors.js";
import { DEFAULT_SYSTEM_PROMPT_TOKENS, GENERATION_PROMPT_TOKENS, type ChatMessage, type QwenTokenizer } from "../../tokenizer/index.js";
import { renderCall, type ToolCall } from "./function-calls.js";
import { truncateMiddleTokens } from "./truncate.js";

/** Steps kept whole while older ones are condensed. */
const KEEP_RECENT = 2;
/** After condensing, aim this far below the budget so the next steps do not condense again at once. */
const HEADROOM = 0.75;
/** Arguments longer than this are shortened in old calls. */
const LONG_ARGUMENT_CHARS = 400;

export interface Step {
  /** The model's turn as the history shows it. */
  assistant: string;
  /** The call it made, when it made a valid one (lets us shorten its long arguments). */
  call: ToolCall | null;
  /** The user turn that answered it (an observation, an error or the automatic reply). */
  observation: string;
  /** Short description of the action, for the omission note: "execute_bash `ls -la`". */
  label: string;
  /** Tool name for "EXECUTION RESULT of [tool]:", null for plain user replies. */
  tool: string | null;
}

interface ShownStep extends Step {
  shownAssistant: string;
  shownObservation: string;
  assistantTokens: number;
  observationTokens: number;
}

export class ConversationWindow {
  readonly #tokenizer: QwenTokenizer;
  #pinned: ChatMessage[] = [];
  #pinnedTokens = 0;
  readonly #steps: ShownStep[] = [];
  /** Every step ever pushed, as it was, for the transcript. */
  readonly #all: Step[] = [];
  #dropped = 0;

  constructor(tokenizer: QwenTokenizer) {
    this.#tokenizer = tokenizer;
  }

  /** The system prompt and the task: always sent, never condensed. */
  setPinned(messages: ChatMessage[]): void {
    this.#pinned = messages;
    this.#pinnedTokens = messages.reduce((sum, m) => sum + this.#messageTokens(m), 0);
  }

  get pinnedTokens(): number {
    return this.#pinnedTokens + GENERATION_PROMPT_TOKENS;
  }

  push(step: Step): void {
    this.#all.push(step);
    this.#steps.push({
      ...step,
      shownAssistant: step.assistant,
      shownObservation: step.observation,
      assistantTokens: this.#messageTokens({ role: "assistant", content: step.assistant }),
      observationTokens: this.#messageTokens({ role: "user", content: step.observation }),
    });
  }

  /** The whole conversation, uncondensed (for the transcript). */
  fullMessages(): ChatMessage[] {
    return [
      ...this.#pinned,
      ...this.#all.flatMap((s): ChatMessage[] => [
        { role: "assistant", content: s.assistant },
        { role: "user", content: s.observation },
      ]),
    ];
  }

  messages(): ChatMessage[] {
    const out = [...this.#pinned];
    if (this.#dropped > 0) out.push({ role: "user", content: this.#droppedNote() });
    for (const step of this.#steps) {
      out.push({ role: "assistant", content: step.shownAssistant }, { role: "user", content: step.shownObservation });
    }
    return out;
  }

  /** Prompt tokens of `messages()`, summed per message (exact: added tokens separate messages). */
  tokens(): number {
    let total = this.pinnedTokens;
    if (this.#dropped > 0) total += this.#messageTokens({ role: "user", content: this.#droppedNote() });
    for (const step of this.#steps) total += step.assistantTokens + step.observationTokens;
    return total;
  }

  /**
   * Condenses until the prompt fits `budget` tokens, and returns the messages with their exact
   * count (checked against a full `countChat`). Throws WindowTooSmallError when even the pinned
   * messages and the newest step cannot fit.
   */
  fit(budget: number): { messages: ChatMessage[]; promptTokens: number } {
    if (this.tokens() > budget) this.#condense(budget);
    const messages = this.messages();
    const promptTokens = this.#tokenizer.countChat(messages);
    if (promptTokens > budget) {
      throw new WindowTooSmallError(`The prompt needs ${promptTokens} tokens but only ${budget} are available for it, even after condensing the history.`);
    }
    return { messages, promptTokens };
  }

  #condense(budget: number): void {
    const target = Math.floor(budget * HEADROOM);
    const older = (): ShownStep[] => this.#steps.slice(0, Math.max(0, this.#steps.length - KEEP_RECENT));
    for (const step of older()) {
      if (this.tokens() <= target) return;
      this.#omitObservation(step);
    }
    for (const step of older()) {
      if (this.tokens() <= target) return;
      this.#shortenAssistant(step);
    }
    // Still too long: only the newest observation stays whole, then the oldest steps go.
    for (const step of this.#steps.slice(0, -1)) {
      if (this.tokens() <= budget) return;
      this.#omitObservation(step);
    }
    while (this.tokens() > budget && this.#steps.length > 1) {
      this.#steps.shift();
      this.#dropped += 1;
    }
    const last = this.#steps[this.#steps.length - 1];
    if (last && this.tokens() > budget) this.#omitObservation(last, budget);
    if (last && this.tokens() > budget) this.#shortenAssistant(last);
  }

  /** Replaces an observation by a note; the newest one is cut to fit instead (when `budget` is given). */
  #omitObservation(step: ShownStep, budget?: number): void {
    const head = step.tool ? `EXECUTION RESULT of [${step.tool}]:\n` : "";
    if (budget !== undefined) {
      const over = this.tokens() - budget;
      const allowed = Math.max(0, step.observationTokens - over - 8);
      this.#setObservation(step, truncateMiddleTokens(step.shownObservation, allowed, this.#tokenizer));
      return;
    }
    const note = `${head}[Output of ${step.label} omitted to save space; run it again if you need it.]`;
    if (step.shownObservation.length > note.length) this.#setObservation(step, note);
  }

  #shortenAssistant(step: ShownStep): void {
    let shortened: string;
    if (step.call) {
      const params = step.call.params.map(([name, value]): [string, typeof value] => {
        if (typeof value !== "string" || value.length <= LONG_ARGUMENT_CHARS) return [name, value];
        return [name, `${value.slice(0, LONG_ARGUMENT_CHARS / 2)}\n[... ${value.length - LONG_ARGUMENT_CHARS / 2} characters omitted to save space ...]`];
      });
      const thought = step.shownAssistant
        .slice(0, step.shownAssistant.indexOf("<function=") >= 0 ? step.shownAssistant.indexOf("<function=") : undefined)
        .trim();
      const shortThought = thought.length > LONG_ARGUMENT_CHARS ? `${thought.slice(0, LONG_ARGUMENT_CHARS / 2)} [...]` : thought;
      shortened = `${shortThought}\n\n${renderCall({ name: step.call.name, params })}`.trimStart();
    } else {
      const text = step.shownAssistant;
      shortened = text.length > LONG_ARGUMENT_CHARS ? `${text.slice(0, LONG_ARGUMENT_CHARS / 2)}\n[... omitted to save space ...]` : text;
    }
    if (shortened.length < step.shownAssistant.length) {
      step.shownAssistant = shortened;
      step.assistantTokens = this.#messageTokens({ role: "assistant", content: shortened });
    }
  }

  #setObservation(step: ShownStep, text: string): void {
    step.shownObservation = text;
    step.observationTokens = this.#messageTokens({ role: "user", content: text });
  }

  #droppedNote(): string {
    return `[${this.#dropped} earlier step${this.#dropped === 1 ? " was" : "s were"} removed from this conversation to save space. Files you edited keep their changes; view them again if you need their current content.]`;
  }

  /** Tokens one message adds to a chat whose first message is a system message. */
  #messageTokens(message: ChatMessage): number {
    const alone = this.#tokenizer.countChat([message]);
    return alone - GENERATION_PROMPT_TOKENS - (message.role === "system" ? 0 : DEFAULT_SYSTEM_PROMPT_TOKENS);
  }
}
