// What a fix's pull request and status comment say about how the change was checked: the test
// command, its counts with the change and on the base, how many candidates agreed — or plainly that
// it was not tested, and why. Repository text (the command, test output) is only ever shown inside
// code blocks, which GitHub renders literally.
import { codeBlock, join, md, type Markup } from "../github/markup.js";
import type { FixRuntime } from "./attempts.js";
import type { CandidateTests } from "./agent/select-candidate.js";
import type { SetupResult } from "./setup.js";
import { describeCounts } from "./test-counts.js";
import type { TestRun } from "./test-run.js";

export interface VerificationInput {
  runtime: FixRuntime;
  testCommand: string;
  setUp: boolean;
  tests: CandidateTests | null;
  chosen: number;
  agreeing: number;
  candidates: number;
  baseSha: string;
  /** Candidates left out of the vote, and why. */
  dropped: ReadonlyArray<{ index: number; reason: string }>;
}

function outcome(run: TestRun): string {
  if (run.timedOut) return "⏱️ did not finish in time";
  return `${run.passed ? "✅ passed" : `❌ failed (exit ${run.exitCode})`} — ${describeCounts(run.counts)}`;
}

export function verificationText(input: VerificationInput): { body: Markup; status: Markup } {
  const agreement = input.candidates > 1 ? md`${input.agreeing} of ${input.candidates} candidate fixes agreed on this change.` : null;
  const untested = (line: Markup): { body: Markup; status: Markup } => ({
    body: agreement ? md`**Tests:** ${line}\n\n${agreement}` : md`**Tests:** ${line}`,
    status: agreement ? md`${line} ${agreement}` : line,
  });
  if (!input.runtime.sandbox) return untested(md`Not tested: this worker cannot run code (no sandbox), so the agent only read and edited files.`);
  const run = input.tests?.runs[input.chosen] ?? null;
  if (!input.testCommand.trim() || !input.tests || !run) return untested(md`Not tested: this repository declares no \`fix.test\` in \`.github/skywork.yml\`.`);
  const base = input.tests.base;
  const lines: Markup[] = [
    input.setUp ? md`**Tests**, run in a sandbox after \`fix.setup\`, without network:` : md`**Tests**, run in a sandbox, without network:`,
    codeBlock(input.testCommand.trim()),
    md`- with this change: ${outcome(run)}`,
  ];
  if (base) lines.push(md`- on the base commit ${input.baseSha.slice(0, 7)}: ${outcome(base)}`);
  if (agreement) lines.push(md`- ${agreement}`);
  if (input.dropped.length > 0) {
    const reasons = [...new Set(input.dropped.map((d) => d.reason))].join("; ");
    lines.push(
      input.dropped.length === 1
        ? md`- 1 other candidate was left out: ${reasons}.`
        : md`- ${input.dropped.length} other candidates were left out: ${reasons}.`,
    );
  }
  const tested = md`Tests with this change: ${outcome(run)}${base ? `; on the base: ${outcome(base)}` : ""}.`;
  return { body: join(lines), status: agreement ? md`${tested} ${agreement}` : tested };
}

export function setupFailureText(setup: Extract<SetupResult, { ok: false }>): Markup {
  const why = setup.timedOut ? "did not finish within the time limit" : setup.exitCode === null ? "could not run" : `exited with ${setup.exitCode}`;
  const refused = setup.refused.length
    ? md`\n\nThe sandbox's proxy refused: ${setup.refused.map((r) => `${r.host}:${r.port} (${r.reason})`).join(", ")}. Add the hosts setup needs to \`fix.network.allow\` in \`.github/skywork.yml\`.`
    : md``;
  return md`The repository's \`fix.setup\` failed, so no attempt was made. This command ${why}:\n\n${codeBlock(setup.command)}\n\nThe end of its output:\n\n${codeBlock(setup.tail || "(no output)")}${refused}`;
}
