// execute_bash, read-only: a persistent virtual working directory (as OpenHands' bash session has)
// and commands parsed, checked and run by us without a shell. Nothing the model writes is executed
// as code; the observation text mimics what OpenHands 0.32 shows after a command.
import { stat } from "node:fs/promises";
import { ALLOWED_COMMANDS_TEXT, planCommand, type Plan } from "./command-policy.js";
import { expandGlob } from "./glob-expand.js";
import { runPipeline, type Stage } from "./process-runner.js";
import { parseShell, type ChainItem, type SimpleCommand } from "./shell-parse.js";
import type { Workspace } from "./workspace.js";

export interface ShellLimits {
  /** Wall-clock limit for one call (all of its chain). */
  timeoutMs: number;
  /** Output bytes kept per call. */
  maxOutputBytes: number;
}

export const DEFAULT_SHELL_LIMITS: ShellLimits = { timeoutMs: 15_000, maxOutputBytes: 512 * 1024 };

export interface ShellResult {
  /** The observation text for the model (paths shown as /workspace/…). */
  text: string;
  exitCode: number;
  refused: boolean;
}

type PlannedPipeline = { builtin: Plan } | { stages: Stage[] };

export class InspectionShell {
  readonly #workspace: Workspace;
  readonly #env: Readonly<Record<string, string>>;
  readonly #limits: ShellLimits;
  #cwd: string;

  constructor(workspace: Workspace, env: Readonly<Record<string, string>>, limits: ShellLimits = DEFAULT_SHELL_LIMITS) {
    this.#workspace = workspace;
    this.#env = env;
    this.#limits = limits;
    this.#cwd = workspace.virtualRoot;
  }

  /** The virtual working directory (persists between calls, like OpenHands' bash session). */
  get cwd(): string {
    return this.#cwd;
  }

  async run(command: string, signal?: AbortSignal): Promise<ShellResult> {
    const trimmed = command.trim();
    if (trimmed === "" || /^C-[a-z]$/i.test(trimmed)) {
      // OpenHands' answer to an empty command (or a key press) when nothing runs in the background.
      return { text: "ERROR: No previous running command to retrieve logs from.", exitCode: 1, refused: true };
    }
    const parsed = parseShell(trimmed);
    if (!parsed.ok) return this.#refusal(parsed.reason);
    const planned = await this.#plan(parsed.chain);
    if ("reason" in planned) return this.#refusal(planned.reason);

    const deadline = Date.now() + this.#limits.timeoutMs;
    let output = "";
    let status = 0;
    let note = "";
    for (const [index, item] of parsed.chain.entries()) {
      if ((item.op === "&&" && status !== 0) || (item.op === "||" && status === 0)) continue;
      const step = planned.pipelines[index] as PlannedPipeline;
      if ("builtin" in step) {
        const result = await this.#builtin(step.builtin);
        output += result.output;
        status = result.status;
        continue;
      }
      const cwdReal = await this.#workspace.resolve(this.#cwd, "read");
      if (!cwdReal.ok) return this.#refusal(cwdReal.reason);
      const run = await runPipeline(step.stages, {
        cwd: cwdReal.real,
        env: this.#env,
        deadline,
        maxOutputBytes: Math.max(0, this.#limits.maxOutputBytes - Buffer.byteLength(output)),
        ...(signal ? { signal } : {}),
      });
      output += this.#workspace.virtualizeText(run.output.toString("utf8"));
      status = run.exitCode;
      if (run.aborted) return { text: `${output}\n[The command was interrupted.]`, exitCode: 130, refused: false };
      if (run.timedOut) {
        note = `\n[The command timed out after ${Math.round(this.#limits.timeoutMs / 1000)} seconds and was stopped. Narrow it down (a more specific path or pattern) and try again.]`;
        status = -1;
        break;
      }
      if (run.truncated) {
        note = `\n[The output was cut after ${this.#limits.maxOutputBytes} bytes; narrow the command down (e.g. pipe it to head) to see less.]`;
        break;
      }
    }
    const body = output.endsWith("\n") ? output.slice(0, -1) : output;
    const finished = status === -1 ? "" : `\n[The command completed with exit code ${status}.]`;
    const exitLine = status === -1 ? "" : `\n[Command finished with exit code ${status}]`;
    return { text: `${body}${finished}${note}\n[Current working directory: ${this.#cwd}]${exitLine}`, exitCode: status, refused: false };
  }

  #refusal(reason: string): ShellResult {
    return {
      text: `ERROR: Only read-only inspection commands are available here: ${ALLOWED_COMMANDS_TEXT}. ${reason}\n[Current working directory: ${this.#cwd}]`,
      exitCode: 1,
      refused: true,
    };
  }

  /** Checks the whole chain before anything runs: one refused part refuses the call. */
  async #plan(chain: readonly ChainItem[]): Promise<{ pipelines: PlannedPipeline[] } | { reason: string }> {
    let cwd = this.#cwd;
    const pipelines: PlannedPipeline[] = [];
    for (const item of chain) {
      const stages: Stage[] = [];
      for (const command of item.pipeline) {
        const words = await this.#expand(command, cwd);
        const result = await planCommand(words, { workspace: this.#workspace, cwd });
        if (!result.ok) return { reason: result.reason };
        const plan = result.plan;
        if (plan.kind !== "run") {
          if (item.pipeline.length > 1) return { reason: `\`${words[0] ?? ""}\` cannot be part of a pipeline here.` };
          if (plan.kind === "cd") cwd = plan.target;
          pipelines.push({ builtin: plan });
          continue;
        }
        stages.push({ program: plan.program, args: plan.args, stdout: command.stdout, stderr: command.stderr });
      }
      if (stages.length > 0) pipelines.push({ stages });
    }
    return { pipelines };
  }

  async #expand(command: SimpleCommand, cwd: string): Promise<string[]> {
    const words: string[] = [];
    for (const word of command.words) {
      const expanded = word.glob === null ? null : await expandGlob(word.glob, this.#workspace, cwd);
      if (expanded) words.push(...expanded);
      else words.push(word.value);
    }
    return words;
  }

  async #builtin(plan: Plan): Promise<{ output: string; status: number }> {
    switch (plan.kind) {
      case "pwd":
        return { output: `${this.#cwd}\n`, status: 0 };
      case "echo":
        return { output: plan.text, status: 0 };
      case "cd": {
        const resolved = await this.#workspace.resolve(plan.target, "read");
        const shown = plan.target;
        if (!resolved.ok) return { output: `bash: cd: ${shown}: ${resolved.reason}\n`, status: 1 };
        try {
          const info = await stat(resolved.real);
          if (!info.isDirectory()) return { output: `bash: cd: ${shown}: Not a directory\n`, status: 1 };
        } catch {
          return { output: `bash: cd: ${shown}: No such file or directory\n`, status: 1 };
        }
        this.#cwd = plan.target;
        return { output: "", status: 0 };
      }
      case "run":
        return { output: "", status: 0 };
    }
  }
}
