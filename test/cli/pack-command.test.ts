import { execFile } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli } from "../../src/cli/run-cli.js";
import { createGitRepo, type GitRepo } from "../diff/git-fixture.js";
import { goFile, pythonClass, replaceLine } from "../context/fixtures.js";

interface Ran {
  code: number;
  stdout: string;
  stderr: string;
}

async function cli(argv: string[], cwd = process.cwd()): Promise<Ran> {
  let stdout = "";
  let stderr = "";
  const code = await runCli(argv, { stdout: (t) => void (stdout += t), stderr: (t) => void (stderr += t), cwd, env: {}, stdoutIsTTY: false });
  return { code, stdout, stderr };
}

let dir: string;
let repo: GitRepo;
let patchPath: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "skywork-cli-"));
  repo = createGitRepo();
  const service = pythonClass(30, 12);
  repo.write("svc/service.py", service);
  repo.write("pkg/handlers.go", goFile(6, 6));
  repo.write("package-lock.json", '{ "lockfileVersion": 3 }\n');
  repo.commit("base");
  repo.git("checkout", "-q", "-b", "feature");
  repo.write("svc/service.py", replaceLine(service, 60, "        value = value * 2  # doubled"));
  repo.write("package-lock.json", '{ "lockfileVersion": 3, "packages": {} }\n');
  repo.write("docs/notes.md", "# Notes\n\nNew page.\n");
  repo.commit("Double the values\n\nThe body of the commit.");
  // A later commit on the base branch is not part of base...head.
  repo.git("checkout", "-q", "main");
  repo.write("pkg/handlers.go", replaceLine(goFile(6, 6), 8, "\tvalue = 0"));
  repo.commit("unrelated change on main");
  patchPath = join(dir, "change.patch");
  writeFileSync(patchPath, repo.git("diff", "--no-color", "main...feature"));
});

afterAll(() => {
  repo.remove();
  rmSync(dir, { recursive: true, force: true });
});

describe("skywork pack --diff", () => {
  it("prints exactly one JSON object with the documented shape", async () => {
    const ran = await cli(["pack", "--diff", patchPath, "--json"]);
    expect(ran.stderr).toBe("");
    expect(ran.code).toBe(0);
    const json = JSON.parse(ran.stdout) as Record<string, unknown>;
    expect(Object.keys(json)).toEqual(["contextTokens", "answerTokens", "requests", "coverage", "skipped", "unreviewed"]);
    expect(json).toMatchObject({
      contextTokens: 32768,
      answerTokens: 6144,
      coverage: { reviewableChangedLines: 5, sentChangedLines: 5 },
      skipped: [{ path: "package-lock.json", reason: "lockfile" }],
      unreviewed: [],
    });
    const requests = json.requests as Array<Record<string, unknown>>;
    expect(requests).toHaveLength(1);
    expect(Object.keys(requests[0] as object)).toEqual(["promptTokens", "files", "changedLines"]);
    expect(requests[0]).toMatchObject({ files: ["svc/service.py", "docs/notes.md"], changedLines: 5 });
    expect(requests[0]?.promptTokens).toBeGreaterThan(500);
  });

  it("honours --context, --answer-tokens, --max-requests and --ignore", async () => {
    const ran = await cli([
      "pack",
      "--diff",
      patchPath,
      "--json",
      "--context",
      "16384",
      "--answer-tokens",
      "4096",
      "--max-requests",
      "1",
      "--ignore",
      "docs/**",
    ]);
    expect(ran.code).toBe(0);
    const json = JSON.parse(ran.stdout) as {
      contextTokens: number;
      answerTokens: number;
      requests: Array<{ promptTokens: number; files: string[] }>;
      skipped: unknown[];
    };
    expect(json.contextTokens).toBe(16384);
    expect(json.answerTokens).toBe(4096);
    expect(json.requests[0]?.files).toEqual(["svc/service.py"]);
    expect(json.requests[0]!.promptTokens + 4096).toBeLessThanOrEqual(16384);
    expect(json.skipped).toContainEqual({ path: "docs/notes.md", reason: 'ignored by the repository\'s configuration ("docs/**")' });
  });

  it("prints a readable table by default", async () => {
    const ran = await cli(["pack", "--diff", patchPath]);
    expect(ran.code).toBe(0);
    expect(ran.stdout).toMatch(/^1 request for a 32,768-token window \(answer 6,144, margin 64, prompt budget 26,560, cap 8\)$/m);
    expect(ran.stdout).toMatch(/^Request 1\/1: [\d,]+ prompt tokens \([\d.]+% of budget\), 5 changed lines$/m);
    expect(ran.stdout).toMatch(/^ {2}svc\/service\.py +[\d,]+ tokens +2 changed {2}\(lines \d+-\d+\)$/m);
    expect(ran.stdout).toContain("Coverage: 5 of 5 changed lines (100.0%), 2 of 2 reviewable files");
    expect(ran.stdout).toContain("Skipped (1):\n  package-lock.json: lockfile");
  });
});

describe("skywork pack --repo", () => {
  it("diffs base...head and reads context from the head", async () => {
    const fromRepo = JSON.parse((await cli(["pack", "--repo", repo.dir, "--base", "main", "--head", "feature", "--json"])).stdout) as {
      requests: Array<{ promptTokens: number; files: string[] }>;
      coverage: { sentChangedLines: number };
    };
    const fromPatch = JSON.parse((await cli(["pack", "--diff", patchPath, "--json"])).stdout) as typeof fromRepo;
    // Same files (main's later commit is not in main...feature), more tokens: the method around the change.
    expect(fromRepo.requests[0]?.files).toEqual(fromPatch.requests[0]?.files);
    expect(fromRepo.coverage.sentChangedLines).toBe(5);
    expect(fromRepo.requests[0]!.promptTokens).toBeGreaterThan(fromPatch.requests[0]!.promptTokens);
  });

  it("resolves a relative --repo against the working directory and defaults --head to HEAD", async () => {
    repo.git("checkout", "-q", "feature");
    try {
      const ran = await cli(["pack", "--repo", ".", "--base", "main"], repo.dir);
      expect(ran.code).toBe(0);
      expect(ran.stdout).toMatch(/^ {2}svc\/service\.py +[\d,]+ tokens +2 changed {2}\(lines \d+-\d+, context: tree-sitter\)$/m);
      expect(ran.stdout).toMatch(/^ {2}docs\/notes\.md +[\d,]+ tokens +3 changed {2}\(lines 1-3, context: indentation\)$/m);
    } finally {
      repo.git("checkout", "-q", "main");
    }
  });

  it.each([
    [["pack", "--repo", "<tmp>", "--base", "main"], /^skywork pack: .* is not a git repository \(run the command inside one, or pass --repo <path>\)\.\n$/],
    [
      ["pack", "--repo", "<repo>", "--base", "no-such-branch"],
      /^skywork pack: unknown revision "no-such-branch" in .*\(fetch it, or check the branch or commit name\)\.\n$/,
    ],
    [["pack", "--repo", "<repo>", "--base", "main", "--head=--upload-pack=x"], /^skywork pack: unknown revision "--upload-pack=x"/],
    [["pack", "--diff", "<tmp>/missing.patch"], /^skywork pack: cannot read .*missing\.patch: no such file\.\n$/],
    [["pack", "--diff", "<tmp>"], /^skywork pack: cannot read .*: it is a directory\.\n$/],
    [["pack", "--repo", "<repo>"], /^skywork pack: --repo needs --base <ref>/],
    [["pack"], /^skywork pack: nothing to pack: give --diff <file\.patch>, or --repo <path> --base <ref>\.\n$/],
    [["pack", "--diff", "x", "--repo", "y"], /^skywork pack: give either --diff or --repo, not both\.\n$/],
    [["pack", "--diff", "x", "--context", "big"], /^skywork pack: --context must be a positive whole number, got "big"\.\n$/],
    [["pack", "--diff", "x", "--answer-tokens", "40000"], /leaves no room for a prompt/],
    [["pack", "--diff", "<patch>", "--context", "6400"], /Raise the context size or lower the answer reserve/],
    [["pack", "--frobnicate"], /^skywork pack: Unknown option '--frobnicate'\. See `skywork pack --help`\.\n$/],
    [["fly"], /^skywork: unknown command "fly"\. Commands: review, pack\.\n$/],
  ])("%j fails with a one-line error and exit code 2", async (argv, message) => {
    const args = argv.map((a) => a.replace("<tmp>", dir).replace("<repo>", repo.dir).replace("<patch>", patchPath));
    const ran = await cli(args);
    expect(ran.code).toBe(2);
    expect(ran.stdout).toBe("");
    expect(ran.stderr).toMatch(message);
    expect(ran.stderr.trimEnd().split("\n")).toHaveLength(1);
  });

  it("shows help", async () => {
    const ran = await cli(["pack", "--help"]);
    expect(ran.code).toBe(0);
    expect(ran.stdout).toContain("skywork pack --repo <path> --base <ref>");
    const top = await cli(["--help"]);
    expect(top.stdout).toMatch(/^ {2}pack +show how a diff is packed/m);
  });
});

describe("the skywork process", () => {
  it("runs as `npx skywork` runs it (bin/skywork.js, the build) and writes only the JSON to stdout", async () => {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, ["bin/skywork.js", "pack", "--diff", patchPath, "--json"], {
      cwd: process.cwd(),
    });
    expect(stderr).toBe("");
    expect(JSON.parse(stdout)).toMatchObject({ coverage: { reviewableChangedLines: 5, sentChangedLines: 5 } });
  });

  it("exits with 2 on a usage error", async () => {
    const error = await promisify(execFile)(process.execPath, ["bin/skywork.js", "pack", "--diff", join(dir, "nope.patch")]).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 2 });
    expect((error as { stderr: string }).stderr).toMatch(/^skywork pack: cannot read .*nope\.patch: no such file\.\n$/);
  });
});
