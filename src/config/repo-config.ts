// Per-repository configuration: `.github/skywork.yml`, read from the default branch through
// Probot's config plugin (which follows `_extends: other-repo` for organisation defaults) and
// validated against one schema. An invalid key is reported with its path and problem, and its
// default applies; the rest of the file still counts.
import { parse as parseYaml } from "yaml";
import { z } from "zod";
import type { Octokit } from "../github/app-client.js";
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
        auto: z.boolean().default(true).describe("Review pull requests automatically when they open, leave draft or get new commits. When false, only `/skywork review` starts a review."),
        drafts: z.boolean().default(false).describe("Also review draft pull requests."),
        ignore: z
          .array(z.string().min(1))
          .max(200)
          .default([])
          .describe('Glob patterns of files never sent to the model, e.g. ["docs/**", "**/*.snap"]. Lockfiles, generated, minified, vendored and binary files are always skipped.'),
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
        inline_severity: severity.default("minor").describe("Lowest severity posted as an inline comment; less severe findings are listed in the summary only."),
        max_inline_comments: z.number().int().min(0).max(100).default(25).describe("At most this many inline comments per review, most severe first; the rest are listed in the summary."),
        max_findings: z
          .number()
          .int()
          .min(1)
          .max(100)
          .default(20)
          .describe("At most this many findings posted per review (inline or listed), most severe first; the rest are only counted by severity in the summary."),
        answer_tokens: z
          .number()
          .int()
          .min(1024)
          .max(16384)
          .optional()
          .describe("Tokens reserved for the model's answer in each request. Default: the server's LLM_ANSWER_TOKENS (6144)."),
        max_requests: z.number().int().min(1).max(64).default(8).describe("At most this many model requests per review (bounds GPU time); files past it are named in the summary."),
        fail_on: z
          .enum(["never", ...SEVERITIES])
          .default("never")
          .describe('The "Skywork review" check fails when a finding of at least this severity exists; "never" keeps it neutral.'),
      })
      .strict()
      .prefault({}),
    fix: z
      .object({
        push: z.boolean().default(false).describe("Let `/skywork fix` on a pull request of this repository push commits to its branch; otherwise it opens a pull request into that branch."),
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
          .describe("The command that runs this repository's tests (e.g. \"pytest -q\"), from the checkout. Each candidate fix is tested on base + change in a fresh sandbox; candidates whose tests fail are dropped. Empty: fixes are not tested."),
        network: z
          .object({
            allow: z
              .array(z.string().regex(HOST_PATTERN, 'must be a host name, "*.domain" or "host:port"'))
              .max(50)
              .default([])
              .describe('Hosts fix.setup may reach through the sandbox\'s proxy (ports 80 and 443 unless "host:port"), e.g. ["pypi.org", "files.pythonhosted.org"]. The agent itself never has network.'),
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
  let input: Record<string, unknown> = structuredClone(raw as Record<string, unknown>);
  delete input._extends;
  const problems: string[] = [];
  // Each pass removes the keys that failed, so a finite number of passes reaches a valid object.
  for (let pass = 0; pass < 10; pass++) {
    const result = RepoConfigSchema.safeParse(input);
    if (result.success) return { config: result.data, problems };
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

/** Reads `.github/skywork.yml` (with `_extends`) from the repository's default branch. */
export async function loadRepoConfig(octokit: Octokit, repo: { owner: string; repo: string }): Promise<LoadedRepoConfig> {
  let merged: Record<string, unknown> = {};
  let files: string[] = [];
  try {
    const result = await octokit.config.get({
      owner: repo.owner,
      repo: repo.repo,
      path: CONFIG_PATH,
      defaults: (configs: object[]) => configs.reduce<Record<string, unknown>>((acc, c) => deepMerge(acc, c as Record<string, unknown>), {}),
    });
    merged = result.config as Record<string, unknown>;
    files = result.files.filter((f) => f.config !== null).map((f) => `${f.owner}/${f.repo}:${f.path}`);
  } catch (error) {
    // The plugin's messages name the API URL it read; the repository's owner knows the file.
    const message = (error instanceof Error ? error.message.replace(/^\[@probot\/octokit-plugin-config\] /, "") : String(error)).replace(/ in https?:\/\/\S+/g, "");
    const status = (error as { status?: number }).status;
    if (typeof status === "number" && status >= 500) throw error;
    // A bad `_extends` (an invalid name, a loop) fails the whole read: the repository's own keys
    // still count, without the organisation defaults.
    const own = status === undefined ? await readOwnFile(octokit, repo).catch(() => null) : null;
    if (own !== null) {
      const { config, problems } = validateRepoConfig(own);
      return { config, problems: [`${CONFIG_PATH}: ${message}; organisation defaults (_extends) were not applied.`, ...problems], files: [`${repo.owner}/${repo.repo}:${CONFIG_PATH}`] };
    }
    // A missing or unreadable file must not block reviews: report it and use the defaults.
    return { config: DEFAULT_REPO_CONFIG, problems: [`${CONFIG_PATH}: ${message}; defaults apply.`], files };
  }
  const { config, problems } = validateRepoConfig(Object.keys(merged).length === 0 ? null : merged);
  return { config, problems, files };
}

/** The repository's own file, parsed, without `_extends`; null when absent or not a YAML mapping. */
async function readOwnFile(octokit: Octokit, repo: { owner: string; repo: string }): Promise<Record<string, unknown> | null> {
  const { data } = await octokit.rest.repos.getContent({ owner: repo.owner, repo: repo.repo, path: CONFIG_PATH, mediaType: { format: "raw" } });
  const raw: unknown = data;
  if (typeof raw !== "string") return null;
  const parsed: unknown = parseYaml(raw);
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) return null;
  const { _extends: _ignored, ...own } = parsed as Record<string, unknown>;
  return own;
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
    const prior = out[key];
    out[key] =
      isPlainObject(prior) && isPlainObject(value) ? deepMerge(prior, value) : value;
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
