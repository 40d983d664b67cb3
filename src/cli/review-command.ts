// `skywork review`: reviews a local branch with the configured model before the App is installed —
// the app's prompt, packing, retries, answer parsing and placement (review/ask-model.ts and
// friends), with the findings printed instead of posted.
import { connect } from "node:net";
import { resolve } from "node:path";
import { pino, type Logger } from "pino";
import { ConfigError, loadModelSettings, redactUrl, type AppConfig } from "../config/env.js";
import { DEFAULT_MARGIN_TOKENS, packReview, planToJson, type PackInput, type PackPlan, type PathReason } from "../context/index.js";
import type { FileDiff } from "../diff/index.js";
import { ModelConfigurationError, ModelUnavailableError, PackLimitError } from "../errors.js";
import { DEFAULT_CONTEXT_TOKENS, ModelClient } from "../model/client.js";
import { LocalModelGate } from "../model/local-gate.js";
import { answerNotes, askAll, dedupeFindings, type ReviewCoverage } from "../review/ask-model.js";
import { SEVERITIES, SEVERITY_RANK, type Finding, type Severity } from "../review/findings.js";
import { placeFindings } from "../review/placement.js";
import { answerReserve, reviewPackInput } from "../review/review-input.js";
import { loadQwenTokenizer } from "../tokenizer/index.js";
import { CliError, colorEnabled, EXIT_FAILURE, EXIT_NOT_REVIEWED, EXIT_OK, type CliIo } from "./io.js";
import { loadLocalRepoConfig } from "./local-config.js";
import { LocalGitError, openLocalPullRequest, warnDiffProblems } from "./local-pull-request.js";
import { parseOptions, positiveInt } from "./options.js";
import { formatPlan, rethrowLimitError } from "./pack-command.js";

export const REVIEW_USAGE = `Usage:
  skywork review [--repo <path>] [--base <ref>] [--head <ref>] [options]

Reviews the commits base...head of a local repository with the model at LLM_BASE_URL, as the
GitHub App would review a pull request from head into base: the same prompt, packing and checks.
Uncommitted changes are not reviewed.

Options:
  --repo <path>          the repository (default: the current directory)
  --base <ref>           the branch the change goes into (default main)
  --head <ref>           the change (default HEAD)
  --fail-on <severity>   exit 1 when a finding is at least this severe: critical, major, minor or nit
  --json                 print one JSON object instead of text
  --dry-run              show how the diff would be packed into requests; no model, no network
  --context <n>          model window, prompt plus answer (default: LLM_CONTEXT_TOKENS, else the
                         window the server reports, else 32768)
  --answer-tokens <n>    tokens reserved for each answer (default: LLM_ANSWER_TOKENS, else 6144)
  --max-requests <n>     cap on model requests (default 8)
  -h, --help             show this help

Environment (as for the App):
  LLM_BASE_URL           the OpenAI-compatible endpoint (default http://127.0.0.1:8000/v1)
  LLM_API_KEY            its API key, if it needs one
  LLM_MODEL              the model (default: the first one the endpoint serves)
  LLM_CONTEXT_TOKENS, LLM_ANSWER_TOKENS, LLM_TIMEOUT_MS, REVIEW_REQUEST_CONCURRENCY,
  LLM_MAX_CONCURRENCY    requests in flight at once (default 1)
  NO_COLOR, FORCE_COLOR  colours off / on (default: on when stdout is a terminal)

Exit codes:
  0  reviewed, and no finding at or above --fail-on
  1  a finding at or above --fail-on
  2  usage: a bad option or LLM_* setting, not a git repository, an unknown ref, nothing to review
  3  not reviewed: the endpoint is unreachable or refused the key, wrong model or window, git failed
`;

const DEFAULT_MAX_REQUESTS = 8;
const SEVERITY_COLOR: Record<Severity, string> = { critical: "\u001b[1;31m", major: "\u001b[31m", minor: "\u001b[33m", nit: "\u001b[36m" };

interface Limits {
  /** null: the endpoint's window (max_model_len), or 32768 when it does not say. */
  contextTokens: number | null;
  answerTokens: number;
  maxRequests: number;
}

interface ReviewedFinding extends Finding {
  /** On a changed or context line of the diff, where the App would comment inline. */
  inDiff: boolean;
}

interface ReviewResult {
  findings: ReviewedFinding[];
  summary: string;
  plan: PackPlan;
  coverage: ReviewCoverage;
  /** Files (or line ranges) not reviewed, and why: over the request cap, or their answer was lost. */
  unreviewed: PathReason[];
  complete: boolean;
  notes: string[];
  tokens: { prompt: number; answer: number; requests: number };
  model: { id: string; contextTokens: number; answerTokens: number; server: string; windowSource: string };
}

export async function reviewCommand(argv: readonly string[], io: CliIo): Promise<number> {
  const values = parseOptions("review", argv, {
    repo: { type: "string" },
    base: { type: "string" },
    head: { type: "string" },
    json: { type: "boolean" },
    "dry-run": { type: "boolean" },
    "fail-on": { type: "string" },
    context: { type: "string" },
    "answer-tokens": { type: "string" },
    "max-requests": { type: "string" },
    help: { type: "boolean", short: "h" },
  });
  if (values.help) {
    io.stdout(REVIEW_USAGE);
    return EXIT_OK;
  }
  const failOn = values["fail-on"];
  if (failOn !== undefined && !(SEVERITIES as readonly string[]).includes(failOn)) {
    throw new CliError(`--fail-on must be one of ${SEVERITIES.join(", ")}; got ${JSON.stringify(failOn)}.`);
  }
  const context = positiveInt(values.context, "--context");
  const answerTokens = positiveInt(values["answer-tokens"], "--answer-tokens");
  const settings = modelSettings(io.env, { context, answerTokens });
  const maxRequests = positiveInt(values["max-requests"], "--max-requests");

  const base = values.base ?? "main";
  const head = values.head ?? "HEAD";
  const repoDir = resolve(io.cwd, values.repo ?? ".");
  const pr = await openLocalPullRequest(repoDir, base, head).catch(explainFailure);
  try {
    warnDiffProblems(io, "review", pr.problems);
    if (pr.files.length === 0) throw new CliError(`Nothing to review between ${base} and ${head}.`);
    // As the app does: the repository's .github/skywork.yml, then flags on top.
    const repoConfig = await loadLocalRepoConfig(repoDir, base, io, "review");
    const limits: Limits = {
      contextTokens: context ?? settings.contextTokens,
      answerTokens: answerTokens ?? repoConfig.review.answer_tokens ?? settings.answerTokens,
      maxRequests: maxRequests ?? repoConfig.review.max_requests ?? DEFAULT_MAX_REQUESTS,
    };
    const input = reviewPackInput({ config: repoConfig, header: pr.header, files: pr.files, source: pr.source });

    if (values["dry-run"]) {
      const window = limits.contextTokens ?? DEFAULT_CONTEXT_TOKENS;
      const packLimits = {
        contextTokens: window,
        answerTokens: answerReserve(limits.answerTokens, window),
        marginTokens: DEFAULT_MARGIN_TOKENS,
        maxRequests: limits.maxRequests,
      };
      const plan = await packReview(input, packLimits, loadQwenTokenizer()).catch(rethrowLimitError);
      io.stdout(values.json ? `${JSON.stringify(planToJson(plan, packLimits), null, 2)}\n` : formatPlan(plan, packLimits));
      return EXIT_OK;
    }

    const result = await reviewLocally(input, pr.files, { ...settings, contextTokens: limits.contextTokens }, limits, warningLogger(io)).catch(
      (error: unknown) => explainFailure(error, settings.baseUrl, context),
    );
    io.stdout(values.json ? `${JSON.stringify(toJson(result), null, 2)}\n` : formatReview(result, colorEnabled(io)));
    if (!result.complete) {
      const missing = new Set(result.unreviewed.map((u) => u.path)).size;
      io.stderr(`skywork review: warning: incomplete review, ${missing} file${missing === 1 ? "" : "s"} not reviewed (see "unreviewed").\n`);
    }
    if (failOn === undefined) return EXIT_OK;
    const failing = result.findings.filter((f) => SEVERITY_RANK[f.severity] <= SEVERITY_RANK[failOn as Severity]).length;
    if (failing === 0) return EXIT_OK;
    io.stderr(`skywork review: ${failing} finding${failing === 1 ? "" : "s"} at or above ${failOn} (--fail-on ${failOn}).\n`);
    return EXIT_FAILURE;
  } finally {
    pr.close();
  }
}

/** The LLM_* settings as the App parses them; a flag replaces its variable, even an invalid one. */
function modelSettings(env: CliIo["env"], flags: { context: number | undefined; answerTokens: number | undefined }): AppConfig["llm"] {
  const overridden = new Set([
    ...(flags.context !== undefined ? ["LLM_CONTEXT_TOKENS"] : []),
    ...(flags.answerTokens !== undefined ? ["LLM_ANSWER_TOKENS"] : []),
  ]);
  try {
    return loadModelSettings(Object.fromEntries(Object.entries(env).filter(([name]) => !overridden.has(name))));
  } catch (error) {
    if (error instanceof ConfigError) throw new CliError(error.problems.join(" "));
    throw error;
  }
}

async function reviewLocally(input: PackInput, files: readonly FileDiff[], settings: AppConfig["llm"], limits: Limits, log: Logger): Promise<ReviewResult> {
  // LLM_MAX_CONCURRENCY caps this process's requests as it caps the App's across its workers.
  const model = new ModelClient(settings, log, { gate: new LocalModelGate(settings.maxConcurrency) });
  const resolved = await model.resolve();
  const answerTokens = answerReserve(limits.answerTokens, resolved.contextTokens);
  const { plan, answers, coverage, unreviewed, complete } = await askAll(
    { model, tokenizer: loadQwenTokenizer({ largerOfRawAndNfc: !resolved.server.normalizesUnicode }), requestConcurrency: settings.requestConcurrency, log },
    input,
    { contextTokens: resolved.contextTokens, answerTokens, maxRequests: limits.maxRequests },
    undefined,
    log,
  );
  // The window the server turned out to have, if an overflow answer taught us a smaller one.
  const window = (await model.resolve()).contextTokens;
  const reported = dedupeFindings(answers.flatMap((a) => a.findings));
  const outside = new Set(placeFindings(reported, new Map(files.map((f) => [f.path, f]))).unplaced.map((u) => u.finding));
  const findings = reported
    .map((f) => ({ ...f, inDiff: !outside.has(f) }))
    .sort(
      (a, b) =>
        (a.path < b.path ? -1 : a.path > b.path ? 1 : 0) ||
        (a.startLine ?? a.line) - (b.startLine ?? b.line) ||
        a.line - b.line ||
        SEVERITY_RANK[a.severity] - SEVERITY_RANK[b.severity],
    );
  return {
    findings,
    summary: answers
      .map((a) => a.summary)
      .filter(Boolean)
      .join("\n\n"),
    plan,
    coverage,
    unreviewed,
    complete,
    notes: [...plan.notes, ...answerNotes(answers)],
    tokens: {
      prompt: answers.reduce((n, a) => n + a.promptTokens, 0),
      answer: answers.reduce((n, a) => n + a.completionTokens, 0),
      requests: answers.length,
    },
    model: {
      id: resolved.id,
      contextTokens: window,
      answerTokens: answerReserve(answerTokens, window),
      server: resolved.server.name,
      windowSource: resolved.windowSource,
    },
  };
}

/** Turns what went wrong into one line that says how to fix it, with the right exit code. */
async function explainFailure(error: unknown, baseUrl?: string, contextFlag?: number): Promise<never> {
  const endpoint = baseUrl === undefined ? "" : redactUrl(baseUrl);
  if (error instanceof ModelUnavailableError && baseUrl !== undefined) {
    const refused = await connectFailure(baseUrl);
    if (refused !== null) {
      throw new CliError(`Cannot reach the model endpoint ${endpoint} (${refused}). Start your vLLM/llama.cpp server or set LLM_BASE_URL.`, EXIT_NOT_REVIEWED);
    }
    throw new CliError(error.message, EXIT_NOT_REVIEWED);
  }
  if (error instanceof ModelConfigurationError) {
    // The client names the variable; here the window may have come from the flag.
    const message = contextFlag === undefined ? error.message : error.message.replace(`LLM_CONTEXT_TOKENS=${contextFlag} `, `--context ${contextFlag} `);
    throw new CliError(message, EXIT_NOT_REVIEWED);
  }
  if (error instanceof LocalGitError) throw new CliError(error.message, EXIT_NOT_REVIEWED);
  if (error instanceof PackLimitError) rethrowLimitError(error);
  throw error;
}

/**
 * Why nothing answers at the endpoint's host and port, in the system's words ("connect
 * ECONNREFUSED 127.0.0.1:8000"), or null when something does. The model client's error says only
 * "Connection error.", so the CLI asks the network itself.
 */
function connectFailure(baseUrl: string): Promise<string | null> {
  const url = new URL(baseUrl);
  const port = Number(url.port) || (url.protocol === "https:" ? 443 : 80);
  return new Promise((done) => {
    const socket = connect({ host: url.hostname.replace(/^\[|\]$/g, ""), port, timeout: 5_000 });
    socket.once("connect", () => {
      socket.destroy();
      done(null);
    });
    socket.once("timeout", () => {
      socket.destroy();
      done(`connect ETIMEDOUT ${url.host}`);
    });
    socket.once("error", (error) => done(error.message));
  });
}

/** The model client's and askAll's warnings (a smaller window learned, an unreadable answer), one line each. */
function warningLogger(io: CliIo): Logger {
  return pino(
    { level: "warn", base: null, timestamp: false },
    {
      write(line: string) {
        const record = JSON.parse(line) as { msg?: string; error?: unknown };
        const detail = typeof record.error === "string" ? ` (${record.error})` : "";
        io.stderr(`skywork review: warning: ${record.msg ?? line.trim()}${detail}\n`);
      },
    },
  );
}

const number = (n: number): string => n.toLocaleString("en-US");
const plural = (n: number, word: string): string => `${number(n)} ${word}${n === 1 ? "" : "s"}`;

/** `path:line severity title — comment`, one line per finding, then the summary, coverage and cost. */
function formatReview(result: ReviewResult, color: boolean): string {
  const out: string[] = [];
  for (const f of result.findings) {
    const lines = f.startLine !== null ? `${f.startLine}-${f.line}` : `${f.line}`;
    const severity = color ? `${SEVERITY_COLOR[f.severity]}${f.severity}\u001b[0m` : f.severity;
    const text = oneLine(f.body === f.title ? f.title : `${f.title} — ${f.body}`);
    out.push(`${f.path}:${lines} ${severity} ${f.inDiff ? "" : "(outside the diff) "}${text}`);
  }
  const { plan } = result;
  const missing = new Set(result.unreviewed.map((u) => u.path)).size;
  if (plan.requests.length === 0) out.push(`Nothing reviewable: ${plural(plan.skipped.length, "changed file")}, all skipped.`);
  else if (result.findings.length === 0)
    out.push(result.complete ? "No findings." : `Incomplete review: ${plural(missing, "file")} not reviewed (listed below); no findings in the rest.`);
  if (result.summary) out.push("", result.summary);
  const c = result.coverage;
  out.push(
    "",
    `Coverage: ${number(c.reviewedFiles)} of ${number(c.reviewableFiles)} files, ${number(c.reviewedChangedLines)} of ${number(c.reviewableChangedLines)} changed lines reviewed.`,
  );
  for (const note of result.notes) out.push(`Note: ${note}`);
  if (plan.skipped.length > 0) out.push(`Skipped (${plan.skipped.length}):`, ...plan.skipped.map((s) => `  ${s.path}: ${s.reason}`));
  if (result.unreviewed.length > 0) {
    const overCap = plan.unreviewed.length > 0 ? ", raise --max-requests to include those over the limit" : "";
    out.push(`Not reviewed (${result.unreviewed.length})${overCap}:`, ...result.unreviewed.map((u) => `  ${u.path}: ${u.reason}`));
  }
  const { tokens, model } = result;
  out.push(
    `Tokens: ${number(tokens.prompt)} prompt + ${number(tokens.answer)} answer in ${plural(tokens.requests, "request")} to ${model.id} (${number(model.contextTokens)}-token window).`,
  );
  return `${out.join("\n")}\n`;
}

function oneLine(text: string): string {
  return text.replace(/\s+/g, " ").trim();
}

function toJson(result: ReviewResult) {
  return {
    findings: result.findings.map((f) => ({
      path: f.path,
      line: f.line,
      startLine: f.startLine,
      severity: f.severity,
      title: f.title,
      body: f.body,
      suggestion: f.suggestion,
      inDiff: f.inDiff,
    })),
    summary: result.summary,
    coverage: { ...result.coverage, complete: result.complete },
    skipped: result.plan.skipped.map((s) => ({ path: s.path, reason: s.reason })),
    unreviewed: result.unreviewed.map((u) => ({ path: u.path, reason: u.reason })),
    notes: result.notes,
    tokens: result.tokens,
    model: result.model,
  };
}
