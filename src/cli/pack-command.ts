// `skywork pack`: shows how a diff would be packed into model requests, with the exact prompt the
// app sends (REVIEW_SYSTEM_PROMPT and reviewPreamble), so its token counts are the app's.
import { readFile } from "node:fs/promises";
import { basename, resolve } from "node:path";
import { DEFAULT_REPO_CONFIG } from "../config/repo-config.js";
import { DEFAULT_MARGIN_TOKENS, packReview, promptBudget, type FileSource, type PackLimits, type PackPlan } from "../context/index.js";
import { planToJson } from "../context/plan-json.js";
import { parseGitDiff, type DiffProblem, type FileDiff } from "../diff/index.js";
import { PackLimitError } from "../errors.js";
import type { PullRequestHeader } from "../review/prompt.js";
import { reviewPackInput } from "../review/review-input.js";
import { loadQwenTokenizer } from "../tokenizer/index.js";
import { CliError, EXIT_OK, type CliIo } from "./io.js";
import { loadLocalRepoConfig } from "./local-config.js";
import { openLocalPullRequest, warnDiffProblems } from "./local-pull-request.js";
import { parseOptions, positiveInt } from "./options.js";

export const PACK_USAGE = `Usage:
  skywork pack --diff <file.patch> [options]
  skywork pack --repo <path> --base <ref> [--head <ref>] [options]

Shows how a diff is split into model requests, counted with Skywork's own tokenizer.

Options:
  --diff <file>          a git diff / format-patch file (no file contents: no context lines)
  --repo <path>          a local git repository; the diff is base...head, contents from head
  --base <ref>           the pull request's base (with --repo)
  --head <ref>           the pull request's head (default HEAD)
  --context <n>          model window, prompt plus answer (default 32768)
  --answer-tokens <n>    tokens reserved for the answer (default 6144)
  --max-requests <n>     cap on requests per review (default 8)
  --ignore <glob>        skip matching paths, as .github/skywork.yml does (repeatable)
  --title <text>         pull request title in the prompt (default: head commit subject or file name)
  --description <text>   pull request description in the prompt (default: head commit body)
  --json                 print one JSON object instead of a table
  -h, --help             show this help
`;

const DEFAULTS = { context: 32_768, answerTokens: 6_144, maxRequests: 8 };

export async function packCommand(argv: readonly string[], io: CliIo): Promise<number> {
  const values = parseOptions("pack", argv, {
    diff: { type: "string" },
    repo: { type: "string" },
    base: { type: "string" },
    head: { type: "string" },
    context: { type: "string" },
    "answer-tokens": { type: "string" },
    "max-requests": { type: "string" },
    ignore: { type: "string", multiple: true },
    title: { type: "string" },
    description: { type: "string" },
    json: { type: "boolean" },
    help: { type: "boolean", short: "h" },
  });
  if (values.help) {
    io.stdout(PACK_USAGE);
    return EXIT_OK;
  }
  const limits: PackLimits = {
    contextTokens: positiveInt(values.context, "--context", DEFAULTS.context),
    answerTokens: positiveInt(values["answer-tokens"], "--answer-tokens", DEFAULTS.answerTokens),
    marginTokens: DEFAULT_MARGIN_TOKENS,
    maxRequests: positiveInt(values["max-requests"], "--max-requests", DEFAULTS.maxRequests),
  };
  if (limits.answerTokens + limits.marginTokens >= limits.contextTokens) {
    throw new CliError(
      `--answer-tokens ${limits.answerTokens} leaves no room for a prompt in a ${limits.contextTokens}-token window; lower it or raise --context.`,
    );
  }
  if (values.diff !== undefined && values.repo !== undefined) throw new CliError("give either --diff or --repo, not both.");
  if (values.diff === undefined && values.repo === undefined) throw new CliError("nothing to pack: give --diff <file.patch>, or --repo <path> --base <ref>.");
  if (values.repo === undefined && (values.base !== undefined || values.head !== undefined)) throw new CliError("--base and --head go with --repo.");

  const loaded =
    values.diff !== undefined
      ? await loadPatch(resolve(io.cwd, values.diff))
      : await loadRepo(resolve(io.cwd, values.repo as string), values.base, values.head);
  try {
    warnDiffProblems(io, "pack", loaded.problems);
    // A local repository's own .github/skywork.yml counts, as in the app (a .patch file has none).
    const repoConfig =
      values.repo !== undefined ? await loadLocalRepoConfig(resolve(io.cwd, values.repo), values.base as string, io, "pack") : DEFAULT_REPO_CONFIG;
    const header: PullRequestHeader = {
      ...loaded.header,
      ...(values.title !== undefined ? { title: values.title } : {}),
      ...(values.description !== undefined ? { body: values.description } : {}),
    };
    const input = reviewPackInput({
      config: repoConfig,
      header,
      files: loaded.files,
      extraIgnore: values.ignore ?? [],
      ...(loaded.source ? { source: loaded.source } : {}),
    });
    const plan = await packReview(input, limits, loadQwenTokenizer()).catch(rethrowLimitError);
    io.stdout(values.json ? `${JSON.stringify(planToJson(plan, limits), null, 2)}\n` : formatPlan(plan, limits));
    return EXIT_OK;
  } finally {
    loaded.close();
  }
}

interface Loaded {
  files: FileDiff[];
  source: FileSource | null;
  header: PullRequestHeader;
  problems: DiffProblem[];
  close(): void;
}

async function loadPatch(path: string): Promise<Loaded> {
  let bytes: Buffer;
  try {
    bytes = await readFile(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new CliError(
      `cannot read ${path}: ${code === "ENOENT" ? "no such file" : code === "EISDIR" ? "it is a directory" : ((error as Error).message ?? String(error))}.`,
    );
  }
  const problems: DiffProblem[] = [];
  const files = parseGitDiff(bytes, { onProblem: (p) => problems.push(p) });
  if (files.length === 0 && bytes.length > 0 && problems.length > 0) throw new CliError(`${path}: ${problems[0]?.message ?? "not a diff"}`);
  return {
    files,
    source: null,
    header: { owner: "local", repo: "patch", number: 0, title: basename(path), body: null, baseRef: "base", headRef: "head" },
    problems,
    close: () => undefined,
  };
}

async function loadRepo(repo: string, base: string | undefined, head: string | undefined): Promise<Loaded> {
  if (base === undefined) throw new CliError("--repo needs --base <ref> (the branch the pull request goes into).");
  return openLocalPullRequest(repo, base, head ?? "HEAD");
}

/** The packer refuses limits that leave no room for a diff; that is the caller's to fix. */
export function rethrowLimitError(error: unknown): never {
  if (error instanceof PackLimitError) throw new CliError(error.message);
  throw error;
}

const number = (n: number): string => n.toLocaleString("en-US");

/** The table for people: one block per request, then coverage, skipped and unreviewed files. */
export function formatPlan(plan: PackPlan, limits: PackLimits): string {
  const out: string[] = [];
  const budget = promptBudget(limits);
  const total = plan.requests.length;
  out.push(
    `${total} request${total === 1 ? "" : "s"} for a ${number(limits.contextTokens)}-token window ` +
      `(answer ${number(limits.answerTokens)}, margin ${number(limits.marginTokens)}, prompt budget ${number(budget)}, cap ${limits.maxRequests})`,
  );
  plan.requests.forEach((request, i) => {
    out.push(
      "",
      `Request ${i + 1}/${total}: ${number(request.promptTokens)} prompt tokens (${percent(request.promptTokens, budget)} of budget), ${number(request.changedLines)} changed lines`,
    );
    const width = Math.max(...request.parts.map((p) => p.path.length), 4);
    for (const part of request.parts) {
      const notes = [
        part.wholeFile ? "whole file" : null,
        part.split ? `part ${part.split.index}/${part.split.of}` : null,
        part.newLines ? `lines ${part.newLines.start}-${part.newLines.end}` : null,
        part.context === "none" ? null : `context: ${part.context}`,
      ]
        .filter(Boolean)
        .join(", ");
      out.push(
        `  ${part.path.padEnd(width)}  ${number(part.tokens).padStart(7)} tokens  ${number(part.changedLines).padStart(6)} changed${notes ? `  (${notes})` : ""}`,
      );
    }
  });
  const { coverage } = plan;
  out.push(
    "",
    `Coverage: ${number(coverage.sentChangedLines)} of ${number(coverage.reviewableChangedLines)} changed lines (${percent(coverage.sentChangedLines, coverage.reviewableChangedLines)}), ` +
      `${number(coverage.reviewedFiles)} of ${number(coverage.reviewableFiles)} reviewable files`,
  );
  for (const note of plan.notes) out.push(`Note: ${note}`);
  if (plan.skipped.length > 0) {
    out.push("", `Skipped (${plan.skipped.length}):`);
    for (const s of plan.skipped) out.push(`  ${s.path}: ${s.reason}`);
  }
  if (plan.unreviewed.length > 0) {
    out.push("", `Not reviewed (${plan.unreviewed.length}), raise --max-requests to include:`);
    for (const u of plan.unreviewed) out.push(`  ${u.path}: ${u.reason}`);
  }
  return `${out.join("\n")}\n`;
}

function percent(part: number, whole: number): string {
  return whole === 0 ? "100%" : `${((100 * part) / whole).toFixed(1)}%`;
}
