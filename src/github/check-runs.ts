// The "Skywork review" check run on the reviewed head: visible progress and the outcome.
// https://docs.github.com/rest/checks/runs
import type { Octokit } from "./app-client.js";
import { md, plainText, truncate, type Markup } from "./markup.js";

export const CHECK_NAME = "Skywork review";
/** GitHub limits check run summaries and texts to 65,535 characters. */
const MAX_OUTPUT = 60_000;

export type CheckConclusion = "neutral" | "failure" | "success" | "skipped" | "cancelled";

/** What a check run shows. The title is plain text (GitHub does not render it); summary and text are Markdown. */
export interface CheckOutput {
  title: string;
  summary: Markup;
  text?: Markup;
}

export interface RepoRef {
  owner: string;
  repo: string;
}

/**
 * Marks the check in progress, reusing the run already on this head (a retried job, a re-review)
 * instead of stacking a second one.
 */
export async function startCheckRun(octokit: Octokit, ref: RepoRef, headSha: string, output: CheckOutput): Promise<number> {
  const { data } = await octokit.rest.checks.listForRef({ owner: ref.owner, repo: ref.repo, ref: headSha, check_name: CHECK_NAME, filter: "latest" });
  const existing = data.check_runs.find((run) => run.head_sha === headSha && run.app?.id !== undefined);
  if (existing) {
    await octokit.rest.checks.update({
      owner: ref.owner,
      repo: ref.repo,
      check_run_id: existing.id,
      status: "in_progress",
      started_at: new Date().toISOString(),
      output: clip(output),
    });
    return existing.id;
  }
  const { data: created } = await octokit.rest.checks.create({
    owner: ref.owner,
    repo: ref.repo,
    name: CHECK_NAME,
    head_sha: headSha,
    status: "in_progress",
    started_at: new Date().toISOString(),
    output: clip(output),
  });
  return created.id;
}

export async function completeCheckRun(octokit: Octokit, ref: RepoRef, checkRunId: number, conclusion: CheckConclusion, output: CheckOutput): Promise<void> {
  await octokit.rest.checks.update({
    owner: ref.owner,
    repo: ref.repo,
    check_run_id: checkRunId,
    status: "completed",
    conclusion,
    completed_at: new Date().toISOString(),
    output: clip(output),
  });
}

/** Shows that an attempt failed and another follows: the run stays in progress. */
export async function showCheckRunRetrying(octokit: Octokit, ref: RepoRef, checkRunId: number, output: CheckOutput): Promise<void> {
  await octokit.rest.checks.update({ owner: ref.owner, repo: ref.repo, check_run_id: checkRunId, status: "in_progress", output: clip(output) });
}

/** A check created already completed, for a head that is skipped on purpose (draft, label…). */
export async function skipCheckRun(octokit: Octokit, ref: RepoRef, headSha: string, output: CheckOutput): Promise<void> {
  const { data } = await octokit.rest.checks.listForRef({ owner: ref.owner, repo: ref.repo, ref: headSha, check_name: CHECK_NAME, filter: "latest" });
  const existing = data.check_runs.find((run) => run.head_sha === headSha);
  if (existing) {
    await completeCheckRun(octokit, ref, existing.id, "skipped", output);
    return;
  }
  await octokit.rest.checks.create({
    owner: ref.owner,
    repo: ref.repo,
    name: CHECK_NAME,
    head_sha: headSha,
    status: "completed",
    conclusion: "skipped",
    completed_at: new Date().toISOString(),
    output: clip(output),
  });
}

/** The output as GitHub takes it: within its limits, every part composed through markup.ts. */
function clip(output: CheckOutput): { title: string; summary: string; text?: string } {
  const cut = (m: Markup) => truncate(m, MAX_OUTPUT, md`\n\n… (shortened)`).toString();
  return { title: plainText(output.title, 250), summary: cut(output.summary), ...(output.text ? { text: cut(output.text) } : {}) };
}

/**
 * Completes a check run left in progress on this head (a worker died after posting the review but
 * before completing its check), so the PR does not show a check that never ends.
 */
export async function completeLeftoverCheckRun(octokit: Octokit, ref: RepoRef, headSha: string, output: CheckOutput): Promise<boolean> {
  const { data } = await octokit.rest.checks.listForRef({ owner: ref.owner, repo: ref.repo, ref: headSha, check_name: CHECK_NAME, filter: "latest" });
  const open = data.check_runs.find((run) => run.head_sha === headSha && run.status !== "completed");
  if (!open) return false;
  await completeCheckRun(octokit, ref, open.id, "neutral", output);
  return true;
}
