// What a fix's pull request and status comment say about how the change was checked: the test
// command, its counts with the change and on the base, how many candidates agreed — or plainly that
// it was not tested, and why. Repository text (the command, test output) is only ever shown inside
// code fences, which GitHub renders literally.
import { breakMarkers, fenceFor } from "../github/markdown.js";
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

/** A fenced block GitHub shows literally (and that never carries an HTML comment into the body). */
export function fenced(text: string, info = ""): string {
  const fence = fenceFor(text);
  return `${fence}${info}\n${breakMarkers(text)}\n${fence}`;
}

function outcome(run: TestRun): string {
  if (run.timedOut) return "⏱️ did not finish in time";
  return `${run.passed ? "✅ passed" : `❌ failed (exit ${run.exitCode})`} — ${describeCounts(run.counts)}`;
}

export function verificationText(input: VerificationInput): { body: string; status: string } {
  const agreement = input.candidates > 1 ? `${input.agreeing} of ${input.candidates} candidate fixes agreed on this change.` : "";
  if (!input.runtime.sandbox) {
    const line = "Not tested: this worker cannot run code (no sandbox), so the agent only read and edited files.";
    return { body: [`**Tests:** ${line}`, agreement].filter(Boolean).join("\n\n"), status: [line, agreement].filter(Boolean).join(" ") };
  }
  const run = input.tests?.runs[input.chosen] ?? null;
  if (!input.testCommand.trim() || !input.tests || !run) {
    const line = "Not tested: this repository declares no `fix.test` in `.github/skywork.yml`.";
    return { body: [`**Tests:** ${line}`, agreement].filter(Boolean).join("\n\n"), status: [line, agreement].filter(Boolean).join(" ") };
  }
  const base = input.tests.base;
  const dropped = input.dropped.length
    ? `- ${input.dropped.length} other candidate${input.dropped.length === 1 ? " was" : "s were"} left out: ${[...new Set(input.dropped.map((d) => d.reason))].join("; ")}.`
    : "";
  const lines = [
    `**Tests**, run in a sandbox${input.setUp ? " after `fix.setup`" : ""}, without network:`,
    fenced(input.testCommand.trim(), "sh"),
    `- with this change: ${outcome(run)}`,
    base ? `- on the base commit ${input.baseSha.slice(0, 7)}: ${outcome(base)}` : "",
    agreement ? `- ${agreement}` : "",
    dropped,
  ].filter(Boolean);
  const status = `Tests with this change: ${outcome(run)}${base ? `; on the base: ${outcome(base)}` : ""}.${agreement ? ` ${agreement}` : ""}`;
  return { body: lines.join("\n"), status };
}

export function setupFailureText(setup: Extract<SetupResult, { ok: false }>): string {
  const why = setup.timedOut ? "did not finish within the time limit" : setup.exitCode === null ? "could not run" : `exited with ${setup.exitCode}`;
  const refused = setup.refused.length
    ? `\n\nThe sandbox's proxy refused: ${setup.refused.map((r) => `${r.host}:${r.port} (${r.reason})`).join(", ")}. Add the hosts setup needs to \`fix.network.allow\` in \`.github/skywork.yml\`.`
    : "";
  return `The repository's \`fix.setup\` failed, so no attempt was made. This command ${why}:\n\n${fenced(setup.command, "sh")}\n\nThe end of its output:\n\n${fenced(setup.tail || "(no output)")}${refused}`;
}
