// The fix agent's public types: what the orchestration passes in and gets back.
import type { Completion, CompletionRequest } from "../../model/client.js";
import type { QwenTokenizer } from "../../tokenizer/index.js";
import type { AgentEnvironment } from "./environment.js";

/** The one model call the agent makes; `ModelClient` satisfies it, tests script it. */
export interface AgentModel {
  complete(request: CompletionRequest): Promise<Completion>;
}

export type AgentPhase = "exploring" | "editing" | "validating" | "done" | "failed";

export interface AgentProgress {
  phase: AgentPhase;
  /** Model turns made so far. */
  step: number;
  note?: string;
}

export interface RunAgentOptions {
  /** Where the tools act: a sandbox over a copy of the checkout, or the checkout itself (files only). */
  environment: AgentEnvironment;
  /** The commit the checkout starts from; the model is told to compare against it. */
  baseSha: string;
  /** The problem statement (issue text, review comment…). Untrusted: special tokens are neutralised. */
  task: string;
  /** The maintainer's free-text instructions and the repository's fix.instructions. */
  instructions?: string;
  model: AgentModel;
  tokenizer: QwenTokenizer;
  /** The model's window for prompt + answer. */
  contextTokens: number;
  /** `max_tokens` sent with every request; the prompt is kept within `contextTokens - answerTokens`. */
  answerTokens: number;
  /** Most model turns before giving up with outcome "step-limit". */
  maxSteps: number;
  /** @defaultValue 0 (use > 0 for best-of-N sampling) */
  temperature?: number;
  signal?: AbortSignal;
  /** Called on every phase change and at the end; errors it throws are ignored. */
  onProgress?: (progress: AgentProgress) => void;
  /** The repository's `fix.test` command, named in the task. */
  testCommand?: string;
  /** Whether the repository's `fix.setup` ran before the agent. */
  setUp?: boolean;
}

export type AgentOutcome = "finished" | "step-limit" | "aborted" | "error";

export interface AgentResult {
  outcome: AgentOutcome;
  /** The model's finish message, or why the run stopped. */
  message: string;
  /** Model turns made. */
  steps: number;
  /** Successful edits (create, str_replace, insert, undo_edit). */
  edits: number;
  /** Prompt tokens over all requests, as the server reported them. */
  promptTokens: number;
  completionTokens: number;
  /** The agent finished saying it did not complete the task (`task_completed: false`). */
  gaveUp: boolean;
  /** The cause when outcome is "error" (e.g. a ModelUnavailableError the queue may retry). */
  error?: Error;
  /** The whole conversation as it stood before any condensation, for logs and debugging. */
  transcript: ReadonlyArray<{ role: "system" | "user" | "assistant"; content: string }>;
}

export type FileMode = "100644" | "100755" | "120000";

export interface FileChange {
  /** Repository-relative, "/"-separated. */
  path: string;
  status: "added" | "modified" | "deleted";
  /** New bytes (a symlink's target for mode 120000); null when deleted. */
  content: Buffer | null;
  mode: FileMode;
  /** The bytes at the base commit; null when added. Lets selection judge syntax without a checkout. */
  baseContent: Buffer | null;
}

export interface ChangeSet {
  baseSha: string;
  files: FileChange[];
  /** Unified diff (git's, with `--binary`) of every file in `files`, against `baseSha`. */
  diff: string;
  /** Changes found but not taken, and why (e.g. under .github/workflows/). */
  skipped: Array<{ path: string; reason: string }>;
  /** Set when the whole change is refused (e.g. far too many files): the candidate is dropped. */
  refused?: string;
}

export interface Selection {
  /** Index into the candidates of the chosen one; null when none survived. */
  chosen: number | null;
  changes: ChangeSet | null;
  /** How many candidates produced the chosen (normalised) patch. */
  agreeing: number;
  /** Surviving candidates grouped by identical normalised patch, largest group first. */
  groups: Array<{ members: number[]; patchChars: number }>;
  dropped: Array<{ index: number; reason: string }>;
}
