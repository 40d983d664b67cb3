// The attempts of one fix, from a pristine checkout to the chosen change: the repository's setup,
// its tests on the base, N agent attempts each in its own sandbox over its own copy, what each
// changed (read from outside), its tests on base + change in a fresh sandbox, and the selection.
// Without a sandbox, one or N attempts with the file tools only, untested.
import { mkdir } from "node:fs/promises";
import path from "node:path";
import type { RepoConfig } from "../config/repo-config.js";
import { md, type Markup } from "../github/markup.js";
import { cloneSandboxDirs, copyTree, createSandboxDirs } from "../sandbox/dirs.js";
import type { SandboxDirs, SandboxSettings } from "../sandbox/types.js";
import {
  collectChanges,
  runAgent,
  selectCandidate,
  type AgentProgress,
  type AgentResult,
  type ChangeSet,
  type RunAgentOptions,
  type Selection,
} from "./agent/index.js";
import { hostEnvironment, sandboxEnvironment, type AgentEnvironment } from "./agent/environment.js";
import type { CandidateTests } from "./agent/select-candidate.js";
import { workspaceName } from "./agent/workspace.js";
import { runSetup, type SetupResult } from "./setup.js";
import { runTests, type TestRun } from "./test-run.js";

/** How this worker runs fixes. */
export interface FixRuntime {
  /** null: no sandbox on this worker, so the agent only reads and edits files. */
  sandbox: { settings: SandboxSettings; socat: boolean } | null;
  privateHosts: readonly string[];
  commandTimeoutMs: number;
  attemptTimeoutMs: number;
  setupTimeoutMs: number;
  testTimeoutMs: number;
}

/** What each attempt's agent run gets; the rest (environment, steps, test command) comes from here. */
type AgentInput = Pick<
  RunAgentOptions,
  "baseSha" | "task" | "instructions" | "model" | "tokenizer" | "contextTokens" | "answerTokens" | "temperature" | "signal"
>;

export interface AttemptsInput extends AgentInput {
  runtime: FixRuntime;
  fix: RepoConfig["fix"];
  /** The trusted checkout at `baseSha`; no sandbox ever sees it. */
  pristine: string;
  /** Parent of the attempts' folders. */
  workRoot: string;
  repoName: string;
  /** The first attempt's progress (the status comment speaks for all). */
  onProgress?: (progress: AgentProgress) => void;
  /** Setup and testing milestones, for the status comment. */
  onStep?: (step: "setting-up" | "testing", detail: Markup) => void;
}

export type AttemptsOutcome =
  | { kind: "setup-failed"; setup: Extract<SetupResult, { ok: false }> }
  | {
      kind: "done";
      results: AgentResult[];
      changeSets: ChangeSet[];
      selection: Selection;
      /** null: not tested (no `fix.test`, or no sandbox). */
      tests: CandidateTests | null;
      setUp: boolean;
    };

export async function runAttempts(input: AttemptsInput): Promise<AttemptsOutcome> {
  const { runtime, fix } = input;
  const candidates = fix.candidates;
  const sandbox = runtime.sandbox;
  const name = workspaceName(input.repoName);

  let prepared: SandboxDirs | null = null;
  if (sandbox) {
    prepared = await createSandboxDirs(sandbox.settings, path.join(input.workRoot, "prepared"), name, input.pristine);
    if (fix.setup.length > 0) {
      input.onStep?.("setting-up", md`Running \`fix.setup\` (${fix.setup.length} command${fix.setup.length === 1 ? "" : "s"})…`);
      const setup = await runSetup({
        settings: sandbox.settings,
        dirs: prepared,
        commands: fix.setup,
        allow: fix.network.allow,
        privateHosts: runtime.privateHosts,
        socat: sandbox.socat,
        timeoutMs: runtime.setupTimeoutMs,
        socketDir: input.workRoot,
        ...(input.signal ? { signal: input.signal } : {}),
      });
      if (!setup.ok) return { kind: "setup-failed", setup };
    }
  }
  const testCommand = sandbox && fix.test.trim() ? fix.test.trim() : null;
  const testIn = async (label: string, changes: ChangeSet | null): Promise<TestRun> => {
    const dirs = await cloneSandboxDirs((sandbox as NonNullable<typeof sandbox>).settings, prepared as SandboxDirs, path.join(input.workRoot, label));
    return runTests((sandbox as NonNullable<typeof sandbox>).settings, dirs, testCommand as string, changes?.files ?? null, {
      timeoutMs: runtime.testTimeoutMs,
      ...(input.signal ? { signal: input.signal } : {}),
    });
  };
  // The base's result decides how failing candidates are judged; it runs while the agents work.
  const baseTest = testCommand ? testIn("test-base", null) : null;
  baseTest?.catch(() => undefined);

  const attempt = async (index: number): Promise<{ result: AgentResult; changes: ChangeSet; test: TestRun | null }> => {
    const root = path.join(input.workRoot, `candidate-${index}`);
    let environment: AgentEnvironment;
    let workTree: string;
    if (sandbox && prepared) {
      const dirs = await cloneSandboxDirs(sandbox.settings, prepared, root);
      environment = sandboxEnvironment(sandbox.settings, dirs, { softTimeoutMs: runtime.commandTimeoutMs });
      workTree = dirs.repo;
    } else {
      workTree = path.join(root, "repo");
      await mkdir(root, { recursive: true });
      await copyTree(input.pristine, workTree);
      environment = await hostEnvironment(workTree, input.repoName);
    }
    // The attempt's own time limit; ending the environment also ends a command the agent waits on.
    const limit = new AbortController();
    const timer = setTimeout(
      () => limit.abort(new Error(`The attempt reached its time limit of ${Math.round(runtime.attemptTimeoutMs / 60_000)} minutes.`)),
      runtime.attemptTimeoutMs,
    );
    const stop = (): void => void environment.close();
    limit.signal.addEventListener("abort", stop, { once: true });
    input.signal?.addEventListener("abort", stop, { once: true });
    let result: AgentResult;
    try {
      result = await runAgent({
        environment,
        baseSha: input.baseSha,
        task: input.task,
        ...(input.instructions ? { instructions: input.instructions } : {}),
        model: input.model,
        tokenizer: input.tokenizer,
        contextTokens: input.contextTokens,
        answerTokens: input.answerTokens,
        maxSteps: fix.max_steps,
        temperature: input.temperature ?? 0,
        signal: input.signal ? AbortSignal.any([input.signal, limit.signal]) : limit.signal,
        setUp: fix.setup.length > 0 && sandbox !== null,
        ...(testCommand ? { testCommand } : {}),
        ...(index === 0 && input.onProgress ? { onProgress: input.onProgress } : {}),
      });
    } finally {
      clearTimeout(timer);
      limit.signal.removeEventListener("abort", stop);
      input.signal?.removeEventListener("abort", stop);
      await environment.close();
    }
    if (limit.signal.aborted && !input.signal?.aborted) result = { ...result, outcome: "error", message: String((limit.signal.reason as Error).message) };
    const changes = await collectChanges({ pristine: input.pristine, baseSha: input.baseSha, workTree, ...(prepared ? { setupTree: prepared.repo } : {}) });
    const finished = result.outcome === "finished" && !result.gaveUp && changes.files.length > 0;
    if (testCommand && finished) input.onStep?.("testing", md`Running \`fix.test\` on ${candidates > 1 ? `candidate ${index + 1}` : "the change"}…`);
    const test = testCommand && finished ? await testIn(`test-${index}`, changes) : null;
    return { result, changes, test };
  };

  const outcomes = await Promise.all(Array.from({ length: candidates }, (_, i) => attempt(i)));
  const results = outcomes.map((o) => o.result);
  // Only attempts that finished and did not give up are candidates; one stopped halfway proposes nothing.
  const changeSets = outcomes.map((o) => (o.result.outcome === "finished" && !o.result.gaveUp ? o.changes : { ...o.changes, files: [] }));
  const tests: CandidateTests | null = baseTest ? { base: await baseTest, runs: outcomes.map((o) => o.test) } : null;
  const selection = await selectCandidate(changeSets, tests ?? undefined);
  return { kind: "done", results, changeSets, selection, tests, setUp: fix.setup.length > 0 && sandbox !== null };
}
