// Building blocks for end-to-end scenarios: a repository with a pull request on the fake GitHub,
// and delivering its webhooks to the running app.
import type { FakeGitHub, FakeRepo } from "./fakes/github/index.js";
import { deliverWebhook, pullRequestEvent, type PullRequestAction } from "./fakes/github/index.js";
import type { RecordedRequest } from "./fakes/model/index.js";
import { eventually, type Harness } from "./harness.js";

export const BASE_FILES: Record<string, string> = {
  "README.md": "# widgets\n",
  "src/math.ts": [
    "export function add(a: number, b: number): number {",
    "  return a + b;",
    "}",
    "",
    "export function mean(values: number[]): number {",
    "  let total = 0;",
    "  for (const v of values) total += v;",
    "  return total / values.length;",
    "}",
    "",
  ].join("\n"),
};

export interface PullScenario {
  repo: FakeRepo;
  installationId: number;
  number: number;
  headSha: string;
}

/** A repository on an installation, and a PR from `feature` changing `changes`. */
export async function openPullRequest(
  github: FakeGitHub,
  changes: Record<string, string | null>,
  options: { title?: string; body?: string; owner?: string; name?: string; draft?: boolean; user?: string; baseFiles?: Record<string, string> } = {},
): Promise<PullScenario> {
  const owner = options.owner ?? "acme";
  const { id: installationId } = github.addInstallation({ account: owner });
  const repo = await github.createRepo({ owner, name: options.name ?? "widgets", installationId, files: { ...BASE_FILES, ...options.baseFiles } });
  const headSha = await repo.commit({ branch: "feature", files: changes, message: "Change things" });
  const pull = await repo.createPullRequest({
    head: "feature",
    title: options.title ?? "Improve math helpers",
    body: options.body ?? "Makes mean() safer.",
    ...(options.draft !== undefined ? { draft: options.draft } : {}),
    ...(options.user !== undefined ? { user: options.user } : {}),
  });
  return { repo, installationId, number: pull.number, headSha };
}

/** Delivers a pull_request webhook for the scenario's current state, signed as GitHub signs it. */
export async function deliverPullRequest(
  h: Harness,
  scenario: PullScenario,
  action: PullRequestAction,
  deliveryId?: string,
): Promise<{ status: number; body: string; deliveryId: string }> {
  const payload = await pullRequestEvent(h.github, scenario.repo, scenario.number, action);
  return deliverWebhook({
    url: h.webhookUrl,
    secret: h.secret,
    event: "pull_request",
    payload,
    fake: h.github,
    ...(deliveryId ? { deliveryId } : {}),
  });
}

/** The `mean` change used by most scenarios: lines 5-11 of src/math.ts in the new file. */
export const MEAN_CHANGE = {
  "src/math.ts": [
    "export function add(a: number, b: number): number {",
    "  return a + b;",
    "}",
    "",
    "export function mean(values: number[]): number {",
    "  if (values.length === 0) return 0;",
    "  let total = 0;",
    "  for (const v of values) total += v;",
    "  const result = total / values.length;",
    "  return result;",
    "}",
    "",
  ].join("\n"),
};

/** The first review the bot posted on the scenario's PR, once there is one. */
export async function firstReview(h: Harness, pr: PullScenario) {
  const [review] = await eventually(() => h.github.reviews(pr.repo, pr.number).length > 0 && h.github.reviews(pr.repo, pr.number), "a review", 30_000);
  return review!;
}

/** The "Skywork review" check run on the scenario's head, once it is completed. */
export async function completedCheck(h: Harness, pr: PullScenario) {
  return eventually(
    () => {
      const run = h.github.checkRuns(pr.repo, pr.headSha).find((r) => r.name === "Skywork review");
      return run?.status === "completed" && run;
    },
    "the completed check run",
    30_000,
  );
}

/** Every message of a model request, joined: what the model was shown. */
export function renderedPrompt(request: RecordedRequest): string {
  return (request.body as { messages: Array<{ content: string }> }).messages.map((m) => m.content).join("\n");
}

/** `files` modules of `lines` functions of distinct, realistic code each, under `folder`: code that fills a window. */
export function codeModules(files: number, lines: number, folder = "src/generated-not"): Record<string, string> {
  const out: Record<string, string> = {};
  for (let f = 0; f < files; f++) {
    const body: string[] = [];
    for (let i = 0; i < lines; i++)
      body.push(
        `export function handler${f}_${i}(input: Record<string, number>): number {\n  return Object.values(input).reduce((sum, v) => sum + v * ${i}, ${f});\n}`,
      );
    out[`${folder}/module-${f}.ts`] = `${body.join("\n\n")}\n`;
  }
  return out;
}
