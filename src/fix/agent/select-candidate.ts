// Best-of-N without a critic, as the field does it: drop candidates that changed nothing, broke the
// syntax of a file they touched, or fail the repository's tests, then take the patch most of the
// rest agree on (after normalising line endings and trailing whitespace; comparing final file
// contents makes hunk order irrelevant).
import { createHash } from "node:crypto";
import { describeCounts } from "../test-counts.js";
import type { TestRun } from "../test-run.js";
import { parsesCleanly } from "./syntax-check.js";
import type { ChangeSet, FileChange, Selection } from "./types.js";

/** The repository's tests on the base and on each candidate (null: not run for that one). */
export interface CandidateTests {
  base: TestRun | null;
  runs: ReadonlyArray<TestRun | null>;
}

export async function selectCandidate(candidates: readonly ChangeSet[], tests?: CandidateTests): Promise<Selection> {
  const dropped: Selection["dropped"] = [];
  let survivors: number[] = [];
  for (const [index, candidate] of candidates.entries()) {
    if (candidate.refused) {
      dropped.push({ index, reason: candidate.refused });
      continue;
    }
    if (candidate.files.length === 0) {
      dropped.push({ index, reason: "it changed nothing" });
      continue;
    }
    const broken = await brokenFile(candidate.files);
    if (broken) {
      dropped.push({ index, reason: `it breaks the syntax of ${broken} (the file parsed cleanly before)` });
      continue;
    }
    survivors.push(index);
  }
  if (tests) survivors = judgeByTests(survivors, tests, dropped);
  const groups = new Map<string, number[]>();
  for (const index of survivors) {
    const key = patchKey((candidates[index] as ChangeSet).files);
    groups.set(key, [...(groups.get(key) ?? []), index]);
  }

  const diffChars = (index: number): number => candidates[index]?.diff.length ?? 0;
  const ranked = [...groups.values()]
    .map((members) => {
      // Within a group the patches differ at most in whitespace: prefer the smallest, then the first.
      const sorted = [...members].sort((a, b) => diffChars(a) - diffChars(b) || a - b);
      return { members: [...members].sort((a, b) => a - b), best: sorted[0] as number, patchChars: diffChars(sorted[0] as number) };
    })
    // Largest group first; ties go to the smaller patch, then to the earlier candidate.
    .sort((a, b) => b.members.length - a.members.length || a.patchChars - b.patchChars || a.best - b.best);

  const winner = ranked[0];
  return {
    chosen: winner ? winner.best : null,
    changes: winner ? (candidates[winner.best] ?? null) : null,
    agreeing: winner ? winner.members.length : 0,
    groups: ranked.map(({ members, patchChars }) => ({ members, patchChars })),
    dropped,
  };
}

/**
 * Candidates whose tests pass win over those whose tests fail. When none pass: if the base passes,
 * every candidate broke something and all are dropped; if the base fails too, those no worse than
 * the base (no more failed tests, where both runs report counts) stay.
 */
function judgeByTests(survivors: readonly number[], tests: CandidateTests, dropped: Selection["dropped"]): number[] {
  const run = (index: number): TestRun | null => tests.runs[index] ?? null;
  const failing = (index: number): string => {
    const r = run(index) as TestRun;
    return r.timedOut ? "its tests did not finish in time" : `its tests fail (exit ${r.exitCode}; ${describeCounts(r.counts)})`;
  };
  const tested = survivors.filter((i) => run(i) !== null);
  const passing = tested.filter((i) => run(i)?.passed);
  if (passing.length > 0) {
    for (const i of tested) if (!run(i)?.passed) dropped.push({ index: i, reason: `${failing(i)} while another candidate's pass` });
    return survivors.filter((i) => run(i) === null || run(i)?.passed);
  }
  if (tests.base?.passed) {
    for (const i of tested) dropped.push({ index: i, reason: `${failing(i)} where the base commit's pass` });
    return survivors.filter((i) => run(i) === null);
  }
  const baseFailed = tests.base?.counts?.failed;
  return survivors.filter((i) => {
    const failed = run(i)?.counts?.failed;
    if (baseFailed === undefined || failed === undefined || failed <= baseFailed) return true;
    dropped.push({ index: i, reason: `${failing(i)}: more tests fail than on the base commit (${baseFailed})` });
    return false;
  });
}

/** The first file whose new content has syntax errors while its old content (if any) had none. */
async function brokenFile(files: readonly FileChange[]): Promise<string | null> {
  for (const file of files) {
    if (file.content === null || file.mode === "120000") continue;
    const after = await parsesCleanly(file.path, file.content);
    if (after !== false) continue;
    const before = file.baseContent === null ? true : await parsesCleanly(file.path, file.baseContent);
    if (before !== false) return file.path;
  }
  return null;
}

/** Identical for patches that differ only in line endings, trailing whitespace or hunk order. */
function patchKey(files: readonly FileChange[]): string {
  const hash = createHash("sha256");
  const sorted = [...files].sort((a, b) => Buffer.compare(Buffer.from(a.path), Buffer.from(b.path)));
  for (const file of sorted) {
    hash.update(`${file.status}\0${file.mode}\0${file.path}\0`);
    hash.update(file.content === null ? "\u0001deleted" : normalise(file.content));
    hash.update("\0\0");
  }
  return hash.digest("hex");
}

function normalise(content: Buffer): string {
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true }).decode(content);
  } catch {
    return `\u0001binary:${content.toString("base64")}`;
  }
  return `${text
    .replace(/\r\n?/g, "\n")
    .replace(/[ \t]+$/gm, "")
    .replace(/\n+$/, "")}\n`;
}
