// Per-repository configuration: `.github/skywork.yml`, read from the default branch (or, when the
// repository has none, from the owner's `.github` repository), following `_extends` for
// organisation defaults, and validated against one schema. An invalid key is reported with its
// path and problem, and its default applies; the rest of the file still counts.
//
// The file is the repository's to write, so what it can make the app do is bounded: `_extends`
// reaches only repositories of the same owner, at most MAX_EXTENDS files deep; a file is at most
// MAX_FILE_BYTES and MAX_KEYS keys; `__proto__`, `constructor` and `prototype` keys are dropped;
// an ignore pattern that is not valid is dropped; and the whole read ends within a time bound.
// Probot's config plugin (context.config) follows `_extends` to any owner, any number of times,
// with no size or time bound, so the files are read here instead, with the same `_extends` syntax.
import { isMap, isScalar, isSeq, parseDocument, visit } from "yaml";
import { z } from "zod";
import { ignorePatternProblem } from "../context/glob.js";
import type { Octokit } from "../github/app-client.js";
import { httpStatus } from "../github/errors.js";
import { withTimeout } from "../ops/with-timeout.js";
import { SEVERITIES } from "../review/findings.js";

export const CONFIG_PATH = ".github/skywork.yml";

const severity = z.enum(SEVERITIES);

/** A relative path without ".." or empty segments: guidance is read from the repository, nowhere else. */
const GUIDANCE_PATH = /^(?!\/)(?!.*(?:^|\/)\.\.?(?:\/|$))(?!.*\/\/)[^\u0000-\u001f]{1,300}$/;

/** "pypi.org", "*.pythonhosted.org" (its subdomains) or "mirror.internal:8080" (that port only). */
const HOST_PATTERN = /^(\*\.)?[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*(:\d{1,5})?$/i;

export const RepoConfigSchema = z
  .object({
    review: z
      .object({
        auto: z
          .boolean()
          .default(true)
          .describe("Review pull requests automatically when they open, leave draft or get new commits. When false, only `/skywork review` starts a review."),
        drafts: z.boolean().default(false).describe("Also review draft pull requests."),
        ignore: z
          .array(z.string().min(1).max(500))
          .max(200)
          .default([])
          .describe(
            'Glob patterns of files never sent to the model, e.g. ["docs/**", "**/*.snap"]. Lockfiles, generated, minified, vendored and binary files are always skipped.',
          ),
        instructions: z.string().max(4000).default("").describe("Extra review instructions for this repository, e.g. conventions to enforce."),
        guidance_files: z
          .array(z.string().regex(GUIDANCE_PATH, "must be a file path inside the repository, like AGENTS.md or docs/review.md"))
          .max(10)
          .default(["AGENTS.md", ".github/copilot-instructions.md", "CONTRIBUTING.md"])
          .describe(
            "Files of the repository given to the model as the maintainers' review guidance, in this order, read at the pull request's base (never its head, so a pull request cannot rewrite them). Files that do not exist are skipped.",
          ),
        guidance_tokens: z
          .number()
          .int()
          .min(0)
          .max(8192)
          .default(2048)
          .describe(
            "Token budget of the guidance (review.instructions, learnings from dismissed findings, then review.guidance_files), counted exactly; what does not fit is cut. At most a quarter of the prompt's room in the model's window; 0 sends no guidance.",
          ),
        inline_severity: severity
          .default("minor")
          .describe("Lowest severity posted as an inline comment; less severe findings are listed in the summary only."),
        max_inline_comments: z
          .number()
          .int()
          .min(0)
          .max(100)
          .default(25)
          .describe("At most this many inline comments per review, most severe first; the rest are listed in the summary."),
        max_findings: z
          .number()
          .int()
          .min(1)
          .max(100)
          .default(20)
          .describe(
            "At most this many findings posted per review (inline or listed), most severe first; the rest are only counted by severity in the summary.",
          ),
        answer_tokens: z
          .number()
          .int()
          .min(1024)
          .max(16384)
          .optional()
          .describe("Tokens reserved for the model's answer in each request. Default: the server's LLM_ANSWER_TOKENS (6144)."),
        max_requests: z
          .number()
          .int()
          .min(1)
          .max(64)
          .default(8)
          .describe(
            "At most this many model requests per review (bounds GPU time); files past it are named in the summary. Asking again for files an answer cut at the token limit did not reach may use as many again.",
          ),
        fail_on: z
          .enum(["never", ...SEVERITIES])
          .default("never")
          .describe('The "Skywork review" check fails when a finding of at least this severity exists; "never" keeps it neutral.'),
      })
      .strict()
      .prefault({}),
    fix: z
      .object({
        push: z
          .boolean()
          .default(false)
          .describe("Let `/skywork fix` on a pull request of this repository push commits to its branch; otherwise it opens a pull request into that branch."),
        candidates: z.number().int().min(1).max(8).default(1).describe("Fix attempts run in parallel; the patch most candidates agree on wins."),
        max_steps: z.number().int().min(5).max(100).default(40).describe("Step limit of one fix attempt (model turns)."),
        instructions: z.string().max(4000).default("").describe("Extra instructions for fixes, e.g. how tests are written here."),
        setup: z
          .array(z.string().min(1).max(4000))
          .max(20)
          .default([])
          .describe(
            'Commands run in the sandbox before the agent starts, in order, from the checkout (e.g. ["python -m venv .venv", ".venv/bin/pip install -e .[test]"]). Only this phase may use the network, and only to fix.network.allow.',
          ),
        test: z
          .string()
          .max(2000)
          .default("")
          .describe(
            'The command that runs this repository\'s tests (e.g. "pytest -q"), from the checkout. Each candidate fix is tested on base + change in a fresh sandbox; candidates whose tests fail are dropped. Empty: fixes are not tested.',
          ),
        network: z
          .object({
            allow: z
              .array(z.string().regex(HOST_PATTERN, 'must be a host name, "*.domain" or "host:port"'))
              .max(50)
              .default([])
              .describe(
                'Hosts fix.setup may reach through the sandbox\'s proxy (ports 80 and 443 unless "host:port"), e.g. ["pypi.org", "files.pythonhosted.org"]. The agent itself never has network.',
              ),
          })
          .strict()
          .prefault({}),
      })
      .strict()
      .prefault({}),
  })
  .strict();

export type RepoConfig = z.infer<typeof RepoConfigSchema>;

export const DEFAULT_REPO_CONFIG: RepoConfig = RepoConfigSchema.parse({});

/** Bounds on what one configuration file can make the app read and hold. */
const MAX_FILE_BYTES = 64 * 1024;
/** Keys and list items in one file. */
const MAX_KEYS = 1_000;
/** Files reached through `_extends` after the first. */
export const MAX_EXTENDS = 3;
/** The whole read, every file of the `_extends` chain included. */
export const CONFIG_READ_TIMEOUT_MS = 15_000;
/** Problems listed at most (the rest are counted). */
const MAX_PROBLEMS = 50;
/** Keys that could reach an object's prototype in code that merges or copies configuration. */
const FORBIDDEN_KEYS = new Set(["__proto__", "constructor", "prototype"]);

/** Reading the configuration took longer than its bound (GitHub slow or hanging): worth another attempt later. */
export class ConfigReadTimeoutError extends Error {
  constructor(timeoutMs: number) {
    super(`Reading ${CONFIG_PATH} (with its _extends chain) took longer than ${timeoutMs / 1000} s.`);
    this.name = "ConfigReadTimeoutError";
  }
}

export interface LoadedRepoConfig {
  config: RepoConfig;
  /** One line per problem, naming the file and key, e.g. "review.max_requests: …; the default (8) applies." */
  problems: string[];
  /** Files read, repository first (the extended ones after it). */
  files: string[];
}

/** Validates raw (already merged) configuration, dropping each invalid key in favour of its default. */
export function validateRepoConfig(raw: unknown): { config: RepoConfig; problems: string[] } {
  if (raw === null || raw === undefined) return { config: DEFAULT_REPO_CONFIG, problems: [] };
  if (typeof raw !== "object" || Array.isArray(raw)) {
    return { config: DEFAULT_REPO_CONFIG, problems: [`${CONFIG_PATH} must be a mapping of keys (like \`review:\`); defaults apply.`] };
  }
  const problems: string[] = [];
  let input = withoutForbiddenKeys(raw, [], problems) as Record<string, unknown>;
  delete input._extends;
  // Each pass removes the keys that failed, so a finite number of passes reaches a valid object.
  for (let pass = 0; pass < 10; pass++) {
    const result = RepoConfigSchema.safeParse(input);
    if (result.success) return { config: withValidIgnorePatterns(result.data, problems), problems };
    for (const issue of result.error.issues) {
      if (issue.code === "unrecognized_keys") {
        for (const key of issue.keys) {
          const path = [...issue.path, key].join(".");
          problems.push(`${path}: unknown key${suggestKey(issue.path, key)}; it is ignored.`);
          removeAt(input, [...issue.path, key]);
        }
        continue;
      }
      const path = issue.path.join(".");
      const fallback = defaultAt(issue.path);
      problems.push(`${path || "(top level)"}: ${issue.message}${fallback === undefined ? "" : `; the default (${JSON.stringify(fallback)}) applies`}.`);
      if (issue.path.length === 0) input = {};
      else removeAt(input, issue.path.length > 2 ? issue.path.slice(0, 2) : issue.path);
    }
  }
  return { config: DEFAULT_REPO_CONFIG, problems: [...problems, "the configuration could not be repaired; defaults apply."] };
}

/**
 * Reads `.github/skywork.yml` (with `_extends`) from the repository's default branch. A file that
 * is missing, unreadable or invalid is reported and its defaults apply; GitHub failing (5xx) or
 * the read outlasting CONFIG_READ_TIMEOUT_MS throws, for the job to retry.
 */
export async function loadRepoConfig(octokit: Octokit, repo: { owner: string; repo: string }, options: { timeoutMs?: number } = {}): Promise<LoadedRepoConfig> {
  const timeoutMs = options.timeoutMs ?? CONFIG_READ_TIMEOUT_MS;
  const controller = new AbortController();
  // A request the abort could not reach (one waiting in the throttling queue) is not waited for.
  return await withTimeout(readConfigChain(octokit, repo, controller.signal), timeoutMs, {
    onTimeout: () => {
      controller.abort();
      return new ConfigReadTimeoutError(timeoutMs);
    },
    unref: false,
  });
}

interface ConfigFileRef {
  owner: string;
  repo: string;
  path: string;
}

async function readConfigChain(octokit: Octokit, repo: { owner: string; repo: string }, signal: AbortSignal): Promise<LoadedRepoConfig> {
  const problems: string[] = [];
  const read: Array<{ ref: ConfigFileRef; config: Record<string, unknown> }> = [];
  let ref: ConfigFileRef = { owner: repo.owner, repo: repo.repo, path: CONFIG_PATH };
  let file = await readConfigFile(octokit, ref, signal, problems);
  if (file === "missing" && repo.repo !== ".github") {
    // No file of its own: the owner's `.github` repository holds the defaults (as Probot reads them).
    ref = { owner: repo.owner, repo: ".github", path: CONFIG_PATH };
    file = await readConfigFile(octokit, ref, signal, problems);
  }
  for (let depth = 0; file !== null && file !== "missing"; depth++) {
    const extendsValue = file._extends;
    delete file._extends;
    read.push({ ref, config: file });
    if (extendsValue === undefined) break;
    const next = extendsTarget(extendsValue, ref, repo.owner);
    const where = `${nameOf(ref)}: \`_extends\``;
    if (typeof next === "string") {
      problems.push(`${where}: ${next}; organisation defaults (_extends) were not applied.`);
      break;
    }
    if (depth >= MAX_EXTENDS) {
      problems.push(`${where}: more than ${MAX_EXTENDS} files extend one another; ${nameOf(next)} and beyond were not applied.`);
      break;
    }
    if (read.some((r) => sameFile(r.ref, next))) {
      problems.push(`${where}: ${nameOf(next)} was already read (a loop); it was not applied again.`);
      break;
    }
    ref = next;
    file = await readConfigFile(octokit, ref, signal, problems);
    if (file === "missing") problems.push(`${where}: ${nameOf(ref)} was not found; organisation defaults (_extends) were not applied.`);
  }
  // The repository's own keys win: merged from the last file extended to the first.
  const merged = read.reduceRight<Record<string, unknown>>((acc, r) => deepMerge(acc, r.config), {});
  const validated = validateRepoConfig(read.length === 0 || Object.keys(merged).length === 0 ? null : merged);
  const all = [...problems, ...validated.problems];
  // Each line names a key of the file: a file of a thousand bad keys must not fill the check run.
  const shown = all.length > MAX_PROBLEMS ? [...all.slice(0, MAX_PROBLEMS), `…and ${all.length - MAX_PROBLEMS} more problems.`] : all;
  return { config: validated.config, problems: shown, files: read.map((r) => nameOf(r.ref)) };
}

/**
 * One configuration file, parsed and stripped of forbidden keys; "missing" when it does not
 * exist, null when it cannot be used (each reason added to `problems`).
 */
async function readConfigFile(
  octokit: Octokit,
  ref: ConfigFileRef,
  signal: AbortSignal,
  problems: string[],
): Promise<Record<string, unknown> | "missing" | null> {
  const name = nameOf(ref);
  let data: unknown;
  try {
    ({ data } = await octokit.rest.repos.getContent({ owner: ref.owner, repo: ref.repo, path: ref.path, request: { signal } }));
  } catch (error) {
    const status = httpStatus(error);
    if (status === 404) return "missing";
    if (status === null || status >= 500) throw error;
    problems.push(`${name}: GitHub answered ${status} when it was read; defaults apply.`);
    return null;
  }
  const entry = data as { type?: string; size?: number; content?: string; encoding?: string };
  if (Array.isArray(data) || entry.type !== "file") {
    problems.push(`${name} is not a file; defaults apply.`);
    return null;
  }
  if ((entry.size ?? 0) > MAX_FILE_BYTES || entry.encoding !== "base64") {
    problems.push(`${name} is larger than ${MAX_FILE_BYTES / 1024} KiB; it is ignored and defaults apply.`);
    return null;
  }
  return parseConfigText(Buffer.from(entry.content ?? "", "base64").toString("utf8"), name, problems);
}

/** A configuration file's YAML, bounded in keys and aliases, forbidden keys dropped; null when unusable. */
export function parseConfigText(text: string, name: string, problems: string[]): Record<string, unknown> | null {
  // Few aliases: each one can multiply what the document expands to.
  const doc = parseDocument(text, { uniqueKeys: true, prettyErrors: false });
  if (doc.errors.length > 0) {
    problems.push(`${name} is not valid YAML (${doc.errors[0]!.message.split("\n")[0]}); defaults apply.`);
    return null;
  }
  let keys = 0;
  visit(doc, {
    Pair: () => {
      keys++;
    },
    Seq: (_, node) => {
      keys += isSeq(node) ? node.items.length : 0;
    },
  });
  if (keys > MAX_KEYS) {
    problems.push(`${name} has more than ${MAX_KEYS} keys and list items; it is ignored and defaults apply.`);
    return null;
  }
  let value: unknown;
  try {
    value = doc.toJS({ maxAliasCount: 20 });
  } catch (error) {
    problems.push(`${name} could not be read (${error instanceof Error ? error.message.split("\n")[0] : String(error)}); defaults apply.`);
    return null;
  }
  if (value === null || value === undefined || (isScalar(doc.contents) && doc.contents.value === null)) return {};
  if (!isMap(doc.contents) || typeof value !== "object" || Array.isArray(value)) {
    problems.push(`${name} must be a mapping of keys (like \`review:\`); defaults apply.`);
    return null;
  }
  return withoutForbiddenKeys(value, [], problems, name) as Record<string, unknown>;
}

/**
 * Where `_extends` points, in Probot's syntax (`repo`, `owner/repo`, with an optional `:path.yml`),
 * or why it cannot be followed. Only repositories of the same owner can be extended: the
 * installation can read other owners' public repositories, and a file there is not the owner's.
 */
function extendsTarget(value: unknown, from: ConfigFileRef, owner: string): ConfigFileRef | string {
  if (typeof value !== "string") return "must be a repository name, like `.github`";
  const match = /^(?:([a-z\d](?:[a-z\d]|-(?=[a-z\d])){0,38})\/)?([-_.\w]{1,100})(?::([-_./\w]{1,200}\.ya?ml))?$/i.exec(value);
  if (!match) return `"${value.slice(0, 100)}" is not a repository name (like \`.github\` or \`${owner}/defaults\`, optionally with \`:path.yml\`)`;
  const [, targetOwner, targetRepo, path] = match;
  if (targetOwner !== undefined && targetOwner.toLowerCase() !== owner.toLowerCase()) {
    return `only repositories of ${owner} can be extended, not ${targetOwner}/${targetRepo}`;
  }
  if (path !== undefined && path.split("/").includes("..")) return `"${value.slice(0, 100)}" is not a file path`;
  return { owner, repo: targetRepo!, path: path ?? from.path };
}

function nameOf(ref: ConfigFileRef): string {
  return `${ref.owner}/${ref.repo}:${ref.path}`;
}

function sameFile(a: ConfigFileRef, b: ConfigFileRef): boolean {
  return a.owner.toLowerCase() === b.owner.toLowerCase() && a.repo.toLowerCase() === b.repo.toLowerCase() && a.path === b.path;
}

/** A copy of `value` without `__proto__`, `constructor` and `prototype` keys, each reported. */
function withoutForbiddenKeys(value: unknown, path: readonly string[], problems: string[], file = CONFIG_PATH): unknown {
  if (Array.isArray(value)) return value.map((item, index) => withoutForbiddenKeys(item, [...path, String(index)], problems, file));
  if (typeof value !== "object" || value === null) return value;
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(value)) {
    const keyPath = [...path, key].join(".");
    if (FORBIDDEN_KEYS.has(key)) {
      problems.push(`${file}: ${keyPath}: this key name is not allowed; it is ignored.`);
      continue;
    }
    out[key] = withoutForbiddenKeys((value as Record<string, unknown>)[key], [...path, key], problems, file);
  }
  return out;
}

/** The configuration without ignore patterns that cannot be matched, each one reported. */
function withValidIgnorePatterns(config: RepoConfig, problems: string[]): RepoConfig {
  const valid = config.review.ignore.filter((pattern, index) => {
    const problem = ignorePatternProblem(pattern);
    if (problem !== null) problems.push(`review.ignore.${index}: "${pattern}" is not a valid pattern (${problem}); it is ignored.`);
    return problem === null;
  });
  return valid.length === config.review.ignore.length ? config : { ...config, review: { ...config.review, ignore: valid } };
}

/** The schema as JSON Schema, published for editors (schema/skywork.schema.json). */
export function repoConfigJsonSchema(): Record<string, unknown> {
  return {
    ...z.toJSONSchema(RepoConfigSchema, { io: "input" }),
    $id: "https://github.com/skywork-bot/skywork-bot/schema/skywork.schema.json",
    title: "skywork-bot repository configuration (.github/skywork.yml)",
  };
}

function deepMerge(base: Record<string, unknown>, over: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(over)) {
    if (FORBIDDEN_KEYS.has(key)) continue;
    const prior = out[key];
    out[key] = isPlainObject(prior) && isPlainObject(value) ? deepMerge(prior, value) : value;
  }
  return out;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function removeAt(target: Record<string, unknown>, path: readonly PropertyKey[]): void {
  let node: unknown = target;
  for (const key of path.slice(0, -1)) {
    if (!isPlainObject(node)) return;
    node = node[key as string];
  }
  if (isPlainObject(node)) delete node[path.at(-1) as string];
}

function defaultAt(path: readonly PropertyKey[]): unknown {
  let node: unknown = DEFAULT_REPO_CONFIG;
  for (const key of path.slice(0, 2)) {
    if (!isPlainObject(node)) return undefined;
    node = node[key as string];
  }
  return node;
}

function suggestKey(parent: readonly PropertyKey[], key: string): string {
  const known = Object.keys(parent.length === 0 ? DEFAULT_REPO_CONFIG : ((defaultAt(parent) as Record<string, unknown> | undefined) ?? {}));
  const close = known.find((k) => editDistance(k, key) <= 2);
  return close ? ` (did you mean \`${close}\`?)` : "";
}

function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let previous = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const current = row[j]!;
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, previous + (a[i - 1] === b[j - 1] ? 0 : 1));
      previous = current;
    }
  }
  return row[b.length]!;
}
