import { execFile } from "node:child_process";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { runCli } from "../../src/cli/run-cli.js";
import { answerTokensFor, maxFindingsFor } from "../../src/review/answer-budget.js";
import { REVIEW_SYSTEM_PROMPT } from "../../src/review/prompt.js";
import { startFakeModel, type FakeModel, type FakeModelOptions } from "../../testbed/fakes/model/index.js";
import { createGitRepo, type GitRepo } from "../diff/git-fixture.js";

interface Ran {
  code: number;
  stdout: string;
  stderr: string;
}

async function review(argv: string[], env: Record<string, string>, options: { tty?: boolean; cwd?: string } = {}): Promise<Ran> {
  let stdout = "";
  let stderr = "";
  const code = await runCli(["review", ...argv], {
    stdout: (t) => void (stdout += t),
    stderr: (t) => void (stderr += t),
    cwd: options.cwd ?? process.cwd(),
    env,
    stdoutIsTTY: options.tty ?? false,
  });
  return { code, stdout, stderr };
}

/** The model's answer in every test that gets one: findings in, beside and outside the diff. */
const ANSWER = {
  summary: "Clamps the total at ten items. The bound is off by one.",
  findings: [
    { path: "src/app.js", line: 10, severity: "major", title: "Off by one", comment: "Ten items are\nclamped too: use <= instead of <." },
    { path: "src/app.js", start_line: 9, line: 11, severity: "minor", title: "Magic number", comment: "Name the limit.", suggestion: "const LIMIT = 10;" },
    { path: "src/app.js", line: 1, severity: "nit", title: "Missing doc comment", comment: "Say what total() returns." },
    { path: "README.md", line: 2, severity: "minor", title: "Stale docs", comment: "The README still says totals are unbounded." },
  ],
};

const FINDING_LINES = [
  "README.md:2 minor (outside the diff) Stale docs — The README still says totals are unbounded.",
  "src/app.js:1 nit (outside the diff) Missing doc comment — Say what total() returns.",
  "src/app.js:9-11 minor Magic number — Name the limit.",
  "src/app.js:10 major Off by one — Ten items are clamped too: use <= instead of <.",
];

let repo: GitRepo;
let fake: FakeModel;
let outsideRepo: string;
const extraFakes: FakeModel[] = [];
const argvFeature = (): string[] => ["--repo", repo.dir, "--base", "main", "--head", "feature"];

async function extraFake(options: FakeModelOptions): Promise<FakeModel> {
  const started = await startFakeModel(options);
  extraFakes.push(started);
  return started;
}

/** A port nothing listens on: bound once, then released. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

beforeAll(async () => {
  repo = createGitRepo();
  const body = (limit: string): string =>
    [
      "function total(items) {",
      "  let sum = 0;",
      "  for (const item of items) {",
      "    sum += item.price;",
      "  }",
      "  // Totals are bounded.",
      "  const max = 100;",
      "  const count = items.length;",
      limit,
      "  const clamped = Math.min(sum, max);",
      "  return clamped;",
      "}",
      "",
      "module.exports = { total };",
      "",
      "// end",
      "",
    ].join("\n");
  repo.write("src/app.js", body("  const over = false;"));
  repo.write("README.md", "# app\n\nTotals are unbounded.\n");
  repo.commit("base");
  repo.git("checkout", "-q", "-b", "feature");
  repo.write(
    "src/app.js",
    body("  const over = count < 10;").replace("  const clamped = Math.min(sum, max);", "  const clamped = over ? sum : Math.min(sum, max);"),
  );
  repo.write("package-lock.json", '{ "lockfileVersion": 3 }\n');
  repo.commit("Clamp the total\n\nKeeps totals under the limit.");
  repo.git("checkout", "-q", "main");
  outsideRepo = mkdtempSync(join(tmpdir(), "skywork-not-a-repo-"));
  fake = await startFakeModel({ reply: () => ({ content: JSON.stringify(ANSWER) }) });
});

afterEach(async () => {
  fake.reset();
  await Promise.all(extraFakes.splice(0).map((f) => f.close()));
});

afterAll(async () => {
  await fake.close();
  repo.remove();
  rmSync(outsideRepo, { recursive: true, force: true });
});

describe("skywork review", () => {
  it("prints one line per finding, sorted, then the summary, coverage and tokens", async () => {
    const ran = await review(argvFeature(), { LLM_BASE_URL: fake.baseUrl });
    expect(ran.stderr).toBe("");
    expect(ran.code).toBe(0);
    const promptTokens = fake.requests[0]!.promptTokens;
    expect(ran.stdout).toMatch(
      new RegExp(
        `^${escape(
          [
            ...FINDING_LINES,
            "",
            ANSWER.summary,
            "",
            "Coverage: 1 of 1 files, 4 of 4 changed lines reviewed.",
            "Skipped (1):",
            "  package-lock.json: lockfile",
            `Tokens: ${promptTokens} prompt + `,
          ].join("\n"),
        )}\\d+ answer in 1 request to Skywork/Skywork-SWE-32B \\(32,768-token window\\)\\.\\n$`,
      ),
    );
  });

  it("sends the app's prompt: system prompt, branch names, head commit as title and description", async () => {
    await review(argvFeature(), { LLM_BASE_URL: fake.baseUrl });
    expect(fake.requests).toHaveLength(1);
    const request = fake.requests[0]!;
    const messages = request.body.messages as Array<{ role: string; content: string }>;
    expect(messages[0]).toEqual({ role: "system", content: REVIEW_SYSTEM_PROMPT });
    expect(messages[1]!.content).toContain("Pull request #0: Clamp the total\nBranches: feature -> main\n");
    expect(messages[1]!.content).toContain("<<<\nKeeps totals under the limit.\n>>>");
    // File contents at the head give the change its enclosing function.
    expect(messages[1]!.content).toContain("function total(items) {");
    // One small file: the answer budget its code calls for (10 findings), not the whole 6,144 reserve.
    expect(messages[1]!.content).toMatch(/\n\nReport at most 10 findings, the most important first\.$/);
    expect(request.maxTokens).toBe(answerTokensFor(10));
    expect(request.responseFormat).toMatchObject({ type: "json_schema", json_schema: { schema: { properties: { findings: { maxItems: 10 } } } } });
  });

  it("defaults to the current directory, base main and head HEAD, named by its branch", async () => {
    repo.git("checkout", "-q", "feature");
    try {
      const ran = await review([], { LLM_BASE_URL: fake.baseUrl }, { cwd: repo.dir });
      expect(ran.code).toBe(0);
      expect(ran.stdout.split("\n").slice(0, 4)).toEqual(FINDING_LINES);
      const messages = fake.requests[0]!.body.messages as Array<{ content: string }>;
      expect(messages[1]!.content).toContain("Branches: feature -> main\n");
    } finally {
      repo.git("checkout", "-q", "main");
    }
  });

  it("colours the severity when stdout is a terminal, unless NO_COLOR; FORCE_COLOR colours anywhere", async () => {
    const tty = await review(argvFeature(), { LLM_BASE_URL: fake.baseUrl }, { tty: true });
    expect(tty.stdout.split("\n").slice(0, 4)).toEqual([
      "README.md:2 \u001b[33mminor\u001b[0m (outside the diff) Stale docs — The README still says totals are unbounded.",
      "src/app.js:1 \u001b[36mnit\u001b[0m (outside the diff) Missing doc comment — Say what total() returns.",
      "src/app.js:9-11 \u001b[33mminor\u001b[0m Magic number — Name the limit.",
      "src/app.js:10 \u001b[31mmajor\u001b[0m Off by one — Ten items are clamped too: use <= instead of <.",
    ]);
    const noColor = await review(argvFeature(), { LLM_BASE_URL: fake.baseUrl, NO_COLOR: "1" }, { tty: true });
    expect(noColor.stdout.split("\n").slice(0, 4)).toEqual(FINDING_LINES);
    const forced = await review(argvFeature(), { LLM_BASE_URL: fake.baseUrl, FORCE_COLOR: "1" });
    expect(forced.stdout).toContain("src/app.js:10 \u001b[31mmajor\u001b[0m Off by one");
  });

  it.each([
    ["major", 1],
    ["nit", 1],
    ["critical", 0],
  ])("--fail-on %s exits %i", async (severity, code) => {
    const ran = await review([...argvFeature(), "--fail-on", severity], { LLM_BASE_URL: fake.baseUrl });
    expect(ran.code).toBe(code);
    expect(ran.stdout.split("\n").slice(0, 4)).toEqual(FINDING_LINES);
    if (code === 1) expect(ran.stderr).toMatch(new RegExp(`^skywork review: \\d findings? at or above ${severity} \\(--fail-on ${severity}\\)\\.\\n$`));
    else expect(ran.stderr).toBe("");
  });

  it("--json prints exactly one JSON object, and nothing else", async () => {
    const ran = await review([...argvFeature(), "--json", "--fail-on", "major"], { LLM_BASE_URL: fake.baseUrl }, { tty: true });
    expect(ran.code).toBe(1);
    const json = JSON.parse(ran.stdout) as Record<string, unknown>;
    expect(Object.keys(json)).toEqual(["findings", "summary", "coverage", "skipped", "unreviewed", "notes", "tokens", "model"]);
    expect(json.findings).toEqual([
      {
        path: "README.md",
        line: 2,
        startLine: null,
        severity: "minor",
        title: "Stale docs",
        body: ANSWER.findings[3]!.comment,
        suggestion: null,
        inDiff: false,
      },
      {
        path: "src/app.js",
        line: 1,
        startLine: null,
        severity: "nit",
        title: "Missing doc comment",
        body: "Say what total() returns.",
        suggestion: null,
        inDiff: false,
      },
      {
        path: "src/app.js",
        line: 11,
        startLine: 9,
        severity: "minor",
        title: "Magic number",
        body: "Name the limit.",
        suggestion: "const LIMIT = 10;",
        inDiff: true,
      },
      {
        path: "src/app.js",
        line: 10,
        startLine: null,
        severity: "major",
        title: "Off by one",
        body: ANSWER.findings[0]!.comment,
        suggestion: null,
        inDiff: true,
      },
    ]);
    expect(json).toMatchObject({
      summary: ANSWER.summary,
      coverage: { reviewableFiles: 1, reviewedFiles: 1, reviewableChangedLines: 4, reviewedChangedLines: 4, complete: true },
      skipped: [{ path: "package-lock.json", reason: "lockfile" }],
      unreviewed: [],
      notes: [],
      tokens: { prompt: fake.requests[0]!.promptTokens, requests: 1 },
      model: { id: "Skywork/Skywork-SWE-32B", contextTokens: 32768, answerTokens: 6144 },
    });
    expect((json.tokens as { answer: number }).answer).toBeGreaterThan(0);
  });

  it("flags override the environment", async () => {
    const ran = await review([...argvFeature(), "--json", "--context", "16384", "--answer-tokens", "2048"], {
      LLM_BASE_URL: fake.baseUrl,
      LLM_CONTEXT_TOKENS: "not a number",
      LLM_ANSWER_TOKENS: "4096",
    });
    expect(ran.stderr).toBe("");
    expect(JSON.parse(ran.stdout)).toMatchObject({ model: { contextTokens: 16384, answerTokens: 2048 } });
    expect(fake.requests[0]!.maxTokens).toBe(Math.min(2048, answerTokensFor(10)));
  });

  it("names the files whose answer was lost, in text and --json, and never says the review found nothing", async () => {
    const endless = { summary: Array.from({ length: 4_000 }, (_, i) => `word${i}`).join(" "), findings: [] };
    const cutting = await extraFake({ reply: () => ({ content: JSON.stringify(endless) }) });
    const text = await review(argvFeature(), { LLM_BASE_URL: cutting.baseUrl });
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/^Incomplete review: 1 file not reviewed \(listed below\); no findings in the rest\.\n/);
    expect(text.stdout).not.toContain("No findings.");
    expect(text.stdout).toContain("Coverage: 0 of 1 files, 0 of 4 changed lines reviewed.");
    expect(text.stdout).toContain("Not reviewed (1):\n  src/app.js: the model's answer was cut off at the token limit before reaching it\n");
    expect(text.stderr).toMatch(/\nskywork review: warning: incomplete review, 1 file not reviewed \(see "unreviewed"\)\.\n$/);
    const json = JSON.parse((await review([...argvFeature(), "--json"], { LLM_BASE_URL: cutting.baseUrl })).stdout) as Record<string, unknown>;
    expect(json).toMatchObject({
      findings: [],
      coverage: { reviewableFiles: 1, reviewedFiles: 0, reviewableChangedLines: 4, reviewedChangedLines: 0, complete: false },
      unreviewed: [{ path: "src/app.js", reason: "the model's answer was cut off at the token limit before reaching it" }],
    });
    // Cut bare, then asked once more for fewer findings: two different prompts, no third try.
    expect(cutting.requests.map((r) => r.maxTokens)).toEqual([answerTokensFor(10), answerTokensFor(5), answerTokensFor(10), answerTokensFor(5)]);
  });

  it("prints a model summary without findings", async () => {
    fake.enqueue({ content: '{"summary":"Looks fine.","findings":[]}' });
    const ran = await review(argvFeature(), { LLM_BASE_URL: fake.baseUrl });
    expect(ran.code).toBe(0);
    expect(ran.stdout).toMatch(/^No findings\.\n\nLooks fine\.\n\nCoverage: /);
  });
});

describe("skywork review --dry-run", () => {
  let server: Server;
  let hits = 0;
  let baseUrl = "";
  beforeAll(async () => {
    // Any request at all, to any path, counts: the dry run must not touch the network.
    server = createServer((_req, res) => {
      hits++;
      res.writeHead(500).end();
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it("prints the packing plan without calling the model", async () => {
    const ran = await review([...argvFeature(), "--dry-run"], { LLM_BASE_URL: baseUrl, LLM_CONTEXT_TOKENS: "16384" });
    expect(ran.stderr).toBe("");
    expect(ran.code).toBe(0);
    expect(ran.stdout).toMatch(/^1 request for a 16,384-token window \(answer 6,144, margin 64, prompt budget 10,176, cap 8\)$/m);
    expect(ran.stdout).toMatch(/^ {2}src\/app\.js +[\d,]+ tokens +4 changed {2}\(whole file, lines 1-16, context: tree-sitter\)$/m);
    expect(ran.stdout).toContain("Skipped (1):\n  package-lock.json: lockfile");
    const json = await review([...argvFeature(), "--dry-run", "--json", "--fail-on", "nit"], { LLM_BASE_URL: fake.baseUrl });
    expect(json.code).toBe(0);
    expect(JSON.parse(json.stdout)).toMatchObject({ contextTokens: 32768, answerTokens: 6144, requests: [{ files: ["src/app.js"], changedLines: 4 }] });
    expect(hits).toBe(0);
    expect(fake.requests).toHaveLength(0);
  });
});

describe("skywork review against each model server", () => {
  /** A branch of `files` modules of 150 lines: several requests in a 16k window. */
  function biggerRepo(files: number): GitRepo {
    const big = createGitRepo();
    big.write("README.md", "# big\n");
    big.commit("base");
    big.git("checkout", "-q", "-b", "feature");
    for (let f = 0; f < files; f++)
      big.write(`src/m${f}.js`, `${Array.from({ length: 150 }, (_, i) => `export const v${f}_${i} = compute(${i}, "${f}");`).join("\n")}\n`);
    big.commit("Add modules");
    big.git("checkout", "-q", "main");
    return big;
  }

  it("llama.cpp: honours LLM_MAX_CONCURRENCY, and when the slots' shared KV cache overfills, sends fewer at once and completes", async () => {
    const big = biggerRepo(10);
    try {
      const argv = ["--repo", big.dir, "--base", "main", "--head", "feature", "--json"];
      // Two prompts of a 16k window's budget (10k each) do not fit one 16k KV cache.
      const serial = await extraFake({ profile: "llamacpp", contextTokens: 16384, latencyMs: 200 });
      const one = await review(argv, { LLM_BASE_URL: serial.baseUrl });
      expect(one.code).toBe(0);
      expect(serial.requests.length).toBeGreaterThan(1);
      // LLM_MAX_CONCURRENCY defaults to 1 for the CLI as for the App, whatever REVIEW_REQUEST_CONCURRENCY says.
      expect(serial.maxConcurrent).toBe(1);

      const shared = await extraFake({ profile: "llamacpp", contextTokens: 16384, latencyMs: 200 });
      const two = await review(argv, { LLM_BASE_URL: shared.baseUrl, LLM_MAX_CONCURRENCY: "2" });
      expect(two.code).toBe(0);
      expect(shared.requests.some((r) => r.status === 500)).toBe(true);
      expect(two.stderr).toMatch(
        /warning: the model server ran out of room with 2 requests in flight \(llama\.cpp server: 500 Context size has been exceeded\.\); sending at most 1 at once from now on/,
      );
      const json = JSON.parse(two.stdout) as { coverage: { complete: boolean; reviewedFiles: number }; model: { server: string; windowSource: string } };
      expect(json.coverage).toMatchObject({ complete: true, reviewedFiles: 10 });
      expect(json.model).toMatchObject({ server: "llama.cpp server", windowSource: "meta.n_ctx" });
    } finally {
      big.remove();
    }
  });

  it("llama.cpp without a reported window: an early length stop re-plans into the real window, never 'No findings'", async () => {
    // A server started with -c 2200 that does not say so; the answer is long (findings first).
    const long = { findings: ANSWER.findings, summary: Array.from({ length: 3_000 }, (_, i) => `w${i}`).join(" ") };
    const small = await extraFake({ profile: "llamacpp", contextTokens: 2200, reportMaxModelLen: false, reply: () => ({ content: JSON.stringify(long) }) });
    const ran = await review(argvFeature(), { LLM_BASE_URL: small.baseUrl });
    expect(ran.code).toBe(0);
    // The first answer stopped short of max_tokens: the window it revealed (prompt + answer) is used.
    const first = small.requests[0]!;
    expect(first.completion!.finishReason).toBe("length");
    expect(first.completion!.completionTokens).toBeLessThan(first.maxTokens!);
    expect(ran.stderr).toContain("warning: the model server's window is 2200 tokens, smaller than 32768; using 2200");
    expect(ran.stdout.split("\n").slice(0, 4)).toEqual(FINDING_LINES);
    expect(ran.stdout).not.toContain("No findings");
    expect(ran.stdout).toContain("(2,200-token window).");
  });

  it("Ollama: the window its Modelfile sets (num_ctx in /api/show), not the model's 32k", async () => {
    const ollama = await extraFake({
      profile: "ollama",
      modelId: "hf.co/bartowski/Skywork-SWE-32B-GGUF:Q4_K_M",
      contextTokens: 8192,
      numCtxInModelfile: true,
      reply: () => ({ content: JSON.stringify(ANSWER) }),
    });
    const ran = await review([...argvFeature(), "--json"], { LLM_BASE_URL: ollama.baseUrl });
    expect(ran.code).toBe(0);
    expect(JSON.parse(ran.stdout)).toMatchObject({
      model: {
        id: "hf.co/bartowski/Skywork-SWE-32B-GGUF:Q4_K_M",
        contextTokens: 8192,
        answerTokens: 4096,
        server: "Ollama",
        windowSource: "/api/show num_ctx",
      },
      coverage: { complete: true },
    });
    for (const request of ollama.requests) expect(request.promptTokens + request.maxTokens!).toBeLessThanOrEqual(8192);
  });
});

describe("skywork review errors", () => {
  /** One line on stderr, nothing on stdout, and the exit code. */
  function expectOneLineError(ran: Ran, code: number, message: RegExp): void {
    expect(ran.stdout).toBe("");
    expect(ran.stderr).toMatch(message);
    expect(ran.stderr.trimEnd().split("\n")).toHaveLength(1);
    expect(ran.code).toBe(code);
  }

  it("an unreachable endpoint", async () => {
    const port = await closedPort();
    const ran = await review(argvFeature(), { LLM_BASE_URL: `http://127.0.0.1:${port}/v1` });
    expectOneLineError(
      ran,
      3,
      new RegExp(
        `^skywork review: Cannot reach the model endpoint http://127\\.0\\.0\\.1:${port}/v1 \\(connect ECONNREFUSED 127\\.0\\.0\\.1:${port}\\)\\. Start your vLLM/llama\\.cpp server or set LLM_BASE_URL\\.\\n$`,
      ),
    );
  });

  it("a model the endpoint does not serve", async () => {
    const ran = await review(argvFeature(), { LLM_BASE_URL: fake.baseUrl, LLM_MODEL: "gpt-4o" });
    expectOneLineError(ran, 3, /^skywork review: LLM_MODEL=gpt-4o is not served by http:\/\/127\.0\.0\.1:\d+\/v1; it serves: Skywork\/Skywork-SWE-32B\.\n$/);
  });

  it("a window larger than the server's max_model_len, from the environment or --context", async () => {
    const small = await extraFake({ contextTokens: 8192 });
    const fromEnv = await review(argvFeature(), { LLM_BASE_URL: small.baseUrl, LLM_CONTEXT_TOKENS: "16384" });
    expectOneLineError(
      fromEnv,
      3,
      /^skywork review: LLM_CONTEXT_TOKENS=16384 is larger than the 8192-token window the endpoint reports \(vLLM, max_model_len\); lower it or start the server with a larger window \(vLLM --max-model-len\)\.\n$/,
    );
    const fromFlag = await review([...argvFeature(), "--context", "16384"], { LLM_BASE_URL: small.baseUrl });
    expectOneLineError(fromFlag, 3, /^skywork review: --context 16384 is larger than the 8192-token window/);
    expect(small.requests).toHaveLength(0);
  });

  it("a server that refuses requests as too long without naming its window: re-packed smaller until they fit", async () => {
    // Old vLLM's flat error body: the refusal does not say how large the window is.
    // The one request (about 700 prompt tokens and a 1,516-token answer budget) does not fit 2,048.
    const small = await extraFake({ contextTokens: 2048, reportMaxModelLen: false, overflow: "vllm-flat", reply: () => ({ content: JSON.stringify(ANSWER) }) });
    const ran = await review(argvFeature(), { LLM_BASE_URL: small.baseUrl, LLM_CONTEXT_TOKENS: "32768" });
    expect(ran.code).toBe(0);
    const warnings = ran.stderr.trimEnd().split("\n");
    expect(warnings.length).toBeGreaterThan(1);
    expect(warnings.every((line) => line.startsWith("skywork review: warning: model server reported a context overflow"))).toBe(true);
    const last = small.requests.at(-1)!;
    expect(last.promptTokens + (last.maxTokens ?? Infinity)).toBeLessThanOrEqual(2048);
  });

  it("a server that refuses even small requests: one error naming the setting to fix", async () => {
    const tiny = await extraFake({ contextTokens: 1000, reportMaxModelLen: false, overflow: "vllm-flat" });
    const ran = await review(argvFeature(), { LLM_BASE_URL: tiny.baseUrl, LLM_CONTEXT_TOKENS: "32768" });
    expect(ran.stdout).toBe("");
    expect(ran.code).toBe(3);
    const lines = ran.stderr.trimEnd().split("\n");
    expect(lines.slice(0, -1).every((line) => line.startsWith("skywork review: warning: model server reported a context overflow"))).toBe(true);
    expect(lines.at(-1)).toMatch(
      /^skywork review: The model server refused requests even after re-packing into a \d+-token window\. Check the server's context length \(vLLM --max-model-len, llama\.cpp --ctx-size\) and set LLM_CONTEXT_TOKENS to it\.$/,
    );
  });

  it("a server whose refusal names its smaller window: re-packed to fit it, with a warning", async () => {
    // About 700 prompt tokens and a 1,516-token answer budget do not fit 2,200; half of 2,200 does.
    const small = await extraFake({ contextTokens: 2200, reportMaxModelLen: false, reply: () => ({ content: JSON.stringify(ANSWER) }) });
    const ran = await review(argvFeature(), { LLM_BASE_URL: small.baseUrl, LLM_CONTEXT_TOKENS: "32768" });
    expect(ran.code).toBe(0);
    expect(ran.stderr).toContain(
      "skywork review: warning: the model server's window is 2200 tokens, smaller than 32768; using 2200 (set LLM_CONTEXT_TOKENS=2200 to match it)\n",
    );
    expect(ran.stdout).toContain("(2,200-token window).");
    // A 1,100-token reserve holds 6 findings: the answer budget is what those take.
    expect(small.requests.at(-1)!.maxTokens).toBe(answerTokensFor(maxFindingsFor(1100)));
  });

  it("an API key the endpoint refuses, and one it accepts", async () => {
    const guarded = await extraFake({ apiKey: "right-key", reply: () => ({ content: JSON.stringify(ANSWER) }) });
    const refused = await review(argvFeature(), { LLM_BASE_URL: guarded.baseUrl, LLM_API_KEY: "wrong-key" });
    expectOneLineError(refused, 3, /^skywork review: The model endpoint http:\/\/127\.0\.0\.1:\d+\/v1 refused the credentials \(401\); check LLM_API_KEY\.\n$/);
    const accepted = await review(argvFeature(), { LLM_BASE_URL: guarded.baseUrl, LLM_API_KEY: "right-key" });
    expect(accepted.code).toBe(0);
    expect(guarded.requests.at(-1)!.headers.authorization).toBe("Bearer right-key");
  });

  it.each([
    [["--repo", "<outside>"], /^skywork review: .* is not a git repository \(run the command inside one, or pass --repo <path>\)\.\n$/],
    [
      ["--repo", "<repo>", "--base", "no-such-branch"],
      /^skywork review: unknown revision "no-such-branch" in .*\(fetch it, or check the branch or commit name\)\.\n$/,
    ],
    [["--repo", "<repo>", "--head", "feature~9"], /^skywork review: unknown revision "feature~9"/],
    [["--repo", "<repo>"], /^skywork review: Nothing to review between main and HEAD\.\n$/],
    [["--repo", "<repo>", "--fail-on", "blocker"], /^skywork review: --fail-on must be one of critical, major, minor, nit; got "blocker"\.\n$/],
    [["--repo", "<repo>", "--context", "0"], /^skywork review: --context must be a positive whole number, got "0"\.\n$/],
    [["--repo", "<repo>", "--base"], /^skywork review: Option '--base <value>' argument missing\. See `skywork review --help`\.\n$/],
    [["feature"], /^skywork review: Unexpected argument 'feature'\. See `skywork review --help`\.\n$/],
  ])("%j is a usage error (exit 2)", async (argv, message) => {
    const ran = await review(
      argv.map((a) => a.replace("<outside>", outsideRepo).replace("<repo>", repo.dir)),
      { LLM_BASE_URL: fake.baseUrl },
    );
    expectOneLineError(ran, 2, message);
    expect(fake.requests).toHaveLength(0);
  });

  it("an invalid LLM_* setting is a usage error naming every problem", async () => {
    const ran = await review(argvFeature(), { LLM_BASE_URL: "ftp://models", LLM_CONTEXT_TOKENS: "lots", APP_ID: "not checked here" });
    expectOneLineError(
      ran,
      2,
      /^skywork review: LLM_CONTEXT_TOKENS=lots is not a whole number between 2048 and 1048576\. LLM_BASE_URL=ftp:\/\/models must start with http:\/\/ or https:\/\/\.\n$/,
    );
  });

  it("documents the options and exit codes", async () => {
    const ran = await review(["--help"], {});
    expect(ran.code).toBe(0);
    expect(ran.stdout).toContain("--fail-on <severity>");
    expect(ran.stdout).toMatch(/Exit codes:\n {2}0 .*\n {2}1 .*--fail-on\n {2}2 .*\n {2}3 /);
    let top = "";
    await runCli(["--help"], { stdout: (t) => void (top += t), stderr: () => undefined, cwd: process.cwd(), env: {}, stdoutIsTTY: false });
    expect(top).toMatch(/^ {2}review +review a local branch/m);
    expect(top).toMatch(/^ {2}pack +show how a diff is packed/m);
  });
});

describe("the skywork review process", () => {
  const run = promisify(execFile);
  /** The child's environment without colour settings inherited from the test runner. */
  const env = (extra: Record<string, string>): NodeJS.ProcessEnv => {
    const { FORCE_COLOR: _force, NO_COLOR: _no, ...rest } = process.env;
    return { ...rest, ...extra };
  };
  const skywork = (argv: string[], extra: Record<string, string>) =>
    run(process.execPath, ["bin/skywork.js", "review", ...argv], { cwd: process.cwd(), env: env(extra) }).then(
      ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
      (error: { code: number; stdout: string; stderr: string }) => ({ code: error.code, stdout: error.stdout, stderr: error.stderr }),
    );

  it("keeps its exit codes across the process boundary: 1 for --fail-on, 0 below it, 3 when not reviewed", async () => {
    const [failing, passing, down] = await Promise.all([
      skywork([...argvFeature(), "--fail-on", "major"], { LLM_BASE_URL: fake.baseUrl }),
      skywork([...argvFeature(), "--fail-on", "critical", "--json"], { LLM_BASE_URL: fake.baseUrl }),
      closedPort().then((port) => skywork(argvFeature(), { LLM_BASE_URL: `http://127.0.0.1:${port}/v1` })),
    ]);
    expect(failing.code).toBe(1);
    expect(failing.stdout.split("\n").slice(0, 4)).toEqual(FINDING_LINES);
    expect(failing.stderr).toMatch(/^skywork review: 1 finding at or above major \(--fail-on major\)\.\n$/);
    expect(passing.code).toBe(0);
    expect(JSON.parse(passing.stdout)).toMatchObject({ tokens: { requests: 1 } });
    expect(down.code).toBe(3);
    expect(down.stdout).toBe("");
    expect(down.stderr).toMatch(
      /^skywork review: Cannot reach the model endpoint .*\(connect ECONNREFUSED .*\)\. Start your vLLM\/llama\.cpp server or set LLM_BASE_URL\.\n$/,
    );
  });
});

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

describe("skywork review with the repository's .github/skywork.yml", () => {
  it("applies its ignore globs and instructions from the base ref, and warns about bad keys", async () => {
    const own = createGitRepo();
    try {
      own.write("src/a.js", "export const a = 1;\n");
      own.write(".github/skywork.yml", 'review:\n  ignore: ["docs/**"]\n  instructions: "Flag every console.log."\n  max_reqests: 3\n');
      own.commit("base");
      own.git("checkout", "-q", "-b", "feature");
      own.write("src/a.js", "export const a = 2;\nconsole.log(a);\n");
      own.write("docs/guide.md", "# Guide\n");
      own.commit("Change a");
      const ran = await review(["--repo", own.dir, "--base", "main", "--head", "feature", "--json"], { LLM_BASE_URL: fake.baseUrl });
      expect(ran.code).toBe(0);
      const prompt = JSON.stringify(fake.requests[0]!.body);
      expect(prompt).toContain("Flag every console.log.");
      expect(prompt).not.toContain("docs/guide.md");
      expect((JSON.parse(ran.stdout) as { skipped: unknown[] }).skipped).toContainEqual({ path: "docs/guide.md", reason: expect.stringMatching(/ignore/) });
      expect(ran.stderr).toContain(".github/skywork.yml at main: review.max_reqests: unknown key (did you mean `max_requests`?)");
    } finally {
      own.remove();
    }
  });
});
