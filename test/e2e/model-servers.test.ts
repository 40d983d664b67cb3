// The model servers the README names, end to end: a review and a fix against the fake playing
// llama.cpp's server and Ollama exactly as they answer (field names, status codes, wordings,
// early length stops, silent truncation), through the app's ordinary configuration.
import { execFileSync } from "node:child_process";
import { afterEach, describe, expect, it } from "vitest";
import { modelSlotKeys } from "../../src/model/model-slots.js";
import { agentScripts, finish, replace, view } from "../helpers/agent-script.js";
import { eventually, startHarness, type Harness } from "../helpers/harness.js";
import { BASE_FILES, deliverPullRequest, firstReview, openPullRequest, codeModules, commentOnIssue } from "../helpers/scenario.js";

let harness: Harness | null = null;
afterEach(async () => {
  await harness?.close();
  harness = null;
});

describe("llama.cpp's server (llama-server -c 32768, default slots sharing one KV cache)", () => {
  it("a review whose requests overfill the shared KV cache: concurrency lowered and remembered, the review complete", async () => {
    const h = (harness = await startHarness({ env: { LLM_MAX_CONCURRENCY: "2" }, model: { profile: "llamacpp", latencyMs: 300 } }));
    const pr = await openPullRequest(h.github, codeModules(12, 120));
    await deliverPullRequest(h, pr, "opened");
    const review = await firstReview(h, pr);

    const refused = h.model.requests.filter((r) => r.status === 500);
    expect(refused.length).toBeGreaterThanOrEqual(1);
    expect(h.model.requests.filter((r) => r.status === 200).length).toBeGreaterThan(1);
    expect(review.body).toContain("**Coverage:** 12/12 files, 5748/5748 changed lines reviewed.");
    // Learned for every worker sharing the deployment's Redis.
    expect(await h.redis.get(modelSlotKeys(h.prefix).learnedLimit)).toBe("1");

    // The next review never overfills it: one request at a time, no 500.
    h.model.reset();
    const next = await openPullRequest(h.github, codeModules(12, 120), { owner: "other" });
    await deliverPullRequest(h, next, "opened");
    await firstReview(h, next);
    expect(h.model.requests.filter((r) => r.status === 500)).toEqual([]);
    expect(h.model.maxConcurrent).toBe(1);
  });
});

describe("Ollama (silent truncation)", () => {
  it("a server that cut the prompt to its num_ctx: the window is learned from what it kept, and the review re-packed", async () => {
    // An older Ollama that does not show context_length, and an operator who set the window too large.
    const h = (harness = await startHarness({
      env: { LLM_CONTEXT_TOKENS: "32768" },
      model: { profile: "ollama", modelId: "skywork-swe-32b", contextTokens: 20480, reportMaxModelLen: false },
    }));
    const pr = await openPullRequest(h.github, codeModules(12, 120));
    await deliverPullRequest(h, pr, "opened");
    const review = await firstReview(h, pr);
    const cut = h.model.requests.filter((r) => r.completion && r.completion.promptTokensSeen < r.promptTokens);
    expect(cut.length).toBeGreaterThanOrEqual(1);
    // Every request after the first cut fits the window it revealed, and nothing else was cut.
    const after = h.model.requests.slice(h.model.requests.indexOf(cut.at(-1)!) + 1);
    expect(after.length).toBeGreaterThan(0);
    for (const request of after) expect(request.promptTokens).toBeLessThanOrEqual(20480);
    expect(review.body).toContain("**Coverage:** 12/12 files, 5748/5748 changed lines reviewed.");
  });
});

const MATH = "/workspace/widgets/src/math.ts";
const OLD_RETURN = "  return total / values.length;";
const NEW_RETURN = "  return values.length === 0 ? 0 : total / values.length;";

async function fixAgainst(h: Harness, shift: number) {
  // The fix's workspace is named by installation and comment ids, which every fake GitHub numbers
  // alike: other test files running at once (e2e/fix.test.ts) must not share a directory.
  for (let i = 0; i < shift; i++) h.github.addInstallation({ account: `unused-${i}` });
  const { id: installationId } = h.github.addInstallation({ account: "acme" });
  const repo = await h.github.createRepo({ owner: "acme", name: "widgets", installationId, files: BASE_FILES });
  repo.setPermission("maintainer", "write");
  const issue = await repo.createIssue({ title: "mean() returns NaN for an empty array", body: "`mean([])` should be 0.", user: "reporter" });
  await commentOnIssue(h, repo, issue.number, "maintainer", "/skywork fix");
  const status = await eventually(
    () => h.github.issueComments(repo, issue.number).find((c) => c.user?.login === h.github.botLogin && /✅ Done|😕 No fix/.test(c.body ?? "")),
    "the final fix status",
    60_000,
  );
  expect(status.body).toContain("✅ Done");
  const [pr] = await h.github.pulls(repo);
  expect(execFileSync("git", ["--git-dir", repo.gitDir, "show", `${pr!.head.ref}:src/math.ts`], { encoding: "utf8" })).toContain(NEW_RETURN);
}

describe.each([
  ["llama.cpp's server", 7, { profile: "llamacpp" as const, modelId: "skywork-swe-32b-q4_k_m.gguf" }],
  ["Ollama", 8, { profile: "ollama" as const, modelId: "hf.co/bartowski/Skywork-SWE-32B-GGUF:Q4_K_M", numCtxInModelfile: true }],
])("/skywork fix against %s", (_name, shift, profile) => {
  it("edits with str_replace_editor, finishes, and opens the pull request", async () => {
    const script = agentScripts([
      view(MATH, "Candidate A: let me look at mean()."),
      replace(MATH, OLD_RETURN, NEW_RETURN),
      finish("mean() returns 0 for an empty array."),
    ]);
    const h = (harness = await startHarness({ model: { ...profile, reply: script.reply } }));
    await fixAgainst(h, shift);
    // The agent's requests fit the window the server reported, with its model name.
    for (const request of h.model.requests) {
      expect(request.status).toBe(200);
      expect(request.promptTokens + (request.maxTokens ?? 0)).toBeLessThanOrEqual(32768);
      expect(request.body.model).toBe(profile.modelId);
    }
  });
});
