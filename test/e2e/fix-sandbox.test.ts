// `/skywork fix` running code, end to end: a real Python bug fixed the way Skywork-SWE-32B works
// (reproduce, fail, edit, pass, run the tests), in real sandboxes, with the repository's setup and
// tests from .github/skywork.yml, candidates judged by those tests, and the pull request reporting
// them — and, on a worker that cannot make a sandbox, file tools only, said plainly.
import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { Writable } from "node:stream";
import { pino } from "pino";
import { afterEach, describe, expect, it } from "vitest";
import type { FakeRepo } from "../../testbed/fakes/github/index.js";
import { agentScripts, bash, call, create, lastObservation, replace, view } from "../helpers/agent-script.js";
import { commentOnIssue } from "../helpers/scenario.js";
import { eventually, startHarness, type Harness } from "../helpers/harness.js";
import { requireSandbox } from "../helpers/sandbox.js";

let harness: Harness | null = null;
afterEach(async () => {
  await harness?.close();
  harness = null;
});

const ROOT = "/workspace/stats";
const MEAN = `${ROOT}/stats/mean.py`;
const BUGGY = "def mean(values):\n    return sum(values) / len(values)\n";
const TESTS = [
  "import unittest",
  "from stats.mean import mean",
  "",
  "class MeanTest(unittest.TestCase):",
  "    def test_numbers(self):",
  "        self.assertEqual(mean([1, 2, 3]), 2)",
  "",
  "    def test_empty(self):",
  "        self.assertEqual(mean([]), 0)",
  "",
].join("\n");
const CONFIG = 'fix:\n  setup: ["python3 -m venv --without-pip .venv"]\n  test: ". .venv/bin/activate && python -m unittest -v"\n';

async function repoWithIssue(h: Harness, config = CONFIG) {
  const { id: installationId } = h.github.addInstallation({ account: "acme" });
  const repo = await h.github.createRepo({
    owner: "acme",
    name: "stats",
    installationId,
    files: {
      "stats/__init__.py": "",
      "stats/mean.py": BUGGY,
      "tests/__init__.py": "",
      "tests/test_mean.py": TESTS,
      ".gitignore": ".venv/\n__pycache__/\n",
      ".github/skywork.yml": config,
    },
  });
  repo.setPermission("maintainer", "write");
  const issue = await repo.createIssue({ title: "mean([]) raises ZeroDivisionError", body: "`mean([])` should return 0.", user: "reporter" });
  return { repo, issue: issue.number };
}

const botComments = (h: Harness, repo: FakeRepo, number: number) => h.github.issueComments(repo, number).filter((c) => c.user?.login === h.github.botLogin);
const finalStatus = (h: Harness, repo: FakeRepo, number: number) =>
  eventually(() => botComments(h, repo, number).find((c) => /✅ Done|😕 No fix/.test(c.body ?? "")), "the final fix status", 90_000);
const fileAt = (repo: FakeRepo, ref: string, path: string): string =>
  execFileSync("git", ["--git-dir", repo.gitDir, "show", `${ref}:${path}`], { encoding: "utf8" });

/** The model's loop: read, reproduce (fails), fix, reproduce (passes), run the tests, finish. */
const reproduceFixTest = (tag: string, fix: string) => [
  view(MEAN, `${tag}: let me read mean().`),
  create(`${ROOT}/reproduce.py`, "from stats.mean import mean\nprint(mean([]))\n"),
  bash(`cd ${ROOT} && python3 reproduce.py`),
  replace(MEAN, "    return sum(values) / len(values)", fix),
  bash("python3 reproduce.py"),
  bash(". .venv/bin/activate && python -m unittest -v"),
  call("finish", { message: "mean() returns 0 for an empty list.", task_completed: "true" }),
];
const GOOD_FIX = "    if not values:\n        return 0\n    return sum(values) / len(values)";
const BAD_FIX = "    if not values:\n        raise ValueError('mean of nothing')\n    return sum(values) / len(values)";

describe("/skywork fix in a sandbox", () => {
  it("reproduces, fixes and tests a real Python bug, and the pull request reports the tests", async () => {
    await requireSandbox();
    const script = agentScripts(reproduceFixTest("Candidate A", GOOD_FIX));
    const h = (harness = await startHarness({ model: { reply: script.reply } }));
    const { repo, issue } = await repoWithIssue(h);
    await commentOnIssue(h, repo, issue, "maintainer", "/skywork fix");
    const status = await finalStatus(h, repo, issue);
    expect(status.body).toContain("✅ Done");

    // The model saw real output: the traceback, then the fix working, then the test run.
    expect(lastObservation(script.seen[3]!)).toContain("ZeroDivisionError: division by zero\n[The command completed with exit code 1.]");
    expect(lastObservation(script.seen[5]!)).toBe(
      "EXECUTION RESULT of [execute_bash]:\n0\n[The command completed with exit code 0.]\n[Current working directory: /workspace/stats]\n[Command finished with exit code 0]",
    );
    expect(lastObservation(script.seen[6]!)).toMatch(/Ran 2 tests in [\d.]+s\n\nOK\n\[The command completed with exit code 0\.\]/);
    expect(lastObservation(script.seen[6]!)).toContain("[Python interpreter: /workspace/stats/.venv/bin/python]");
    // The task named the repository's test command, and setup had run.
    const task = JSON.stringify(script.seen[0]!.body);
    expect(task).toContain("<test_command>\\n. .venv/bin/activate && python -m unittest -v\\n</test_command>");
    expect(task).toContain("Create a script to reproduce the error and execute it");

    const [pr] = await h.github.pulls(repo);
    expect(fileAt(repo, pr!.head.ref, "stats/mean.py")).toContain("if not values:\n        return 0");
    const body = pr!.body ?? "";
    expect(body).toContain("**Tests**, run in a sandbox after `fix.setup`, without network:");
    expect(body).toContain(". .venv/bin/activate && python -m unittest -v");
    expect(body).toContain("- with this change: ✅ passed — 2 passed, 0 failed");
    expect(body).toMatch(/- on the base commit [0-9a-f]{7}: ❌ failed \(exit 1\) — 1 passed, 1 failed/);
    // The reproduction script and setup's virtualenv are not part of the change.
    expect(body).toContain("`reproduce.py` (a script the agent wrote to reproduce or check the problem)");
    expect(() => fileAt(repo, pr!.head.ref, "reproduce.py")).toThrow();
    expect(() => fileAt(repo, pr!.head.ref, ".venv/pyvenv.cfg")).toThrow();
    expect(status.body).toContain("Tests with this change: ✅ passed — 2 passed, 0 failed; on the base: ❌ failed (exit 1) — 1 passed, 1 failed.");
  });

  it("drops candidates whose tests fail, even when they are the majority", async () => {
    await requireSandbox();
    const script = agentScripts(reproduceFixTest("Candidate A", BAD_FIX), reproduceFixTest("Candidate B", GOOD_FIX), reproduceFixTest("Candidate C", BAD_FIX));
    const h = (harness = await startHarness({ model: { reply: script.reply } }));
    const { repo, issue } = await repoWithIssue(h, `${CONFIG}  candidates: 3\n`);
    await commentOnIssue(h, repo, issue, "maintainer", "/skywork fix");
    const status = await finalStatus(h, repo, issue);
    expect(status.body).toContain("✅ Done");
    const [pr] = await h.github.pulls(repo);
    expect(fileAt(repo, pr!.head.ref, "stats/mean.py")).toContain("return 0");
    expect(pr!.body).toContain("- 1 of 3 candidate fixes agreed on this change.");
    expect(pr!.body).toMatch(/- 2 other candidates were left out: its tests fail \(exit 1; 1 passed, 1 failed\) while another candidate's pass\./);
  });

  it("opens nothing when the change breaks tests the base passes, and shows the failing output", async () => {
    await requireSandbox();
    const breaking = [
      view(MEAN, "Candidate A: looking."),
      replace(MEAN, "    return sum(values) / len(values)", "    return sum(values) // max(len(values), 1) + 1"),
      call("finish", { message: "Done.", task_completed: "true" }),
    ];
    const h = (harness = await startHarness({ model: { reply: agentScripts(breaking).reply } }));
    const { repo, issue } = await repoWithIssue(h, 'fix:\n  test: "python3 -m unittest tests.test_mean.MeanTest.test_numbers"\n');
    await commentOnIssue(h, repo, issue, "maintainer", "/skywork fix");
    const status = await finalStatus(h, repo, issue);
    expect(status.body).toContain("😕 No fix");
    expect(status.body).toContain("its tests fail (exit 1; 0 passed, 1 failed) where the base commit's pass");
    expect(status.body).toContain("AssertionError: 3 != 2");
    expect(await h.github.pulls(repo)).toEqual([]);
  });

  it("reports a setup that reaches for a host fix.network.allow does not list, and makes no attempt", async () => {
    await requireSandbox();
    const h = (harness = await startHarness());
    const { repo, issue } = await repoWithIssue(
      h,
      'fix:\n  setup: ["python3 -c \\"import urllib.request; urllib.request.urlopen(\'https://pypi.org/simple/\', timeout=5)\\""]\n  network:\n    allow: ["files.pythonhosted.org"]\n',
    );
    await commentOnIssue(h, repo, issue, "maintainer", "/skywork fix");
    const status = await finalStatus(h, repo, issue);
    expect(status.body).toContain("The repository's `fix.setup` failed, so no attempt was made.");
    expect(status.body).toContain("The sandbox's proxy refused: pypi.org:443 (not in fix.network.allow)");
    expect(h.model.requests).toEqual([]);
  });

  it("never runs what the agent writes into .git/config or .gitattributes outside its sandbox", async () => {
    await requireSandbox();
    const proof = `/tmp/skywork-pwned-${randomBytes(6).toString("hex")}`;
    const run = `touch ${proof}`;
    const script = agentScripts([
      bash(
        `git config core.fsmonitor "${run}" && git config core.hooksPath .git/hooks && git config filter.evil.clean "${run}" && git config filter.evil.required true && git config diff.evil.textconv "${run}" && printf '* filter=evil diff=evil\\n' > .gitattributes && printf '#!/bin/sh\\n${run}\\n' > .git/hooks/post-index-change && chmod +x .git/hooks/post-index-change`,
      ),
      replace(MEAN, "    return sum(values) / len(values)", GOOD_FIX),
      call("finish", { message: "Candidate A: fixed.", task_completed: "true" }),
    ]);
    const h = (harness = await startHarness({ model: { reply: script.reply } }));
    const { repo, issue } = await repoWithIssue(h, "fix:\n  push: false\n");
    await commentOnIssue(h, repo, issue, "maintainer", "/skywork fix");
    const status = await finalStatus(h, repo, issue);
    expect(status.body).toContain("✅ Done");
    const [pr] = await h.github.pulls(repo);
    expect(fileAt(repo, pr!.head.ref, "stats/mean.py")).toContain("return 0");
    expect(fileAt(repo, pr!.head.ref, ".gitattributes")).toBe("* filter=evil diff=evil\n");
    expect(existsSync(proof)).toBe(false);
  });
});

describe("/skywork fix on a worker without a sandbox", () => {
  it("says so once at start and on /skywork help, and fixes with the file tools only, untested", async () => {
    const lines: string[] = [];
    const sink = new Writable({ write: (chunk: Buffer, _encoding, done) => (lines.push(chunk.toString()), done()) });
    const script = agentScripts([
      view(MEAN, "Candidate A: looking."),
      replace(MEAN, "    return sum(values) / len(values)", GOOD_FIX),
      call("finish", { message: "Guarded the empty list.", task_completed: "true" }),
    ]);
    const h = (harness = await startHarness({
      model: { reply: script.reply },
      env: { SANDBOX_BWRAP: "/nonexistent/bwrap" },
      log: pino({ level: "warn" }, sink),
    }));
    const warnings = lines.filter((l) => l.includes("No sandbox on this worker"));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain("bubblewrap (`/nonexistent/bwrap`) is not installed or cannot run.");
    expect(warnings[0]).toContain("apt-get install bubblewrap");

    const { repo, issue } = await repoWithIssue(h);
    await commentOnIssue(h, repo, issue, "maintainer", "/skywork help");
    const help = await eventually(() => botComments(h, repo, issue).find((c) => c.body?.includes("Skywork commands")), "the help");
    expect(help.body).toContain("Fixes on this installation cannot run code (no sandbox can be made on its worker)");

    await commentOnIssue(h, repo, issue, "maintainer", "/skywork fix");
    const status = await finalStatus(h, repo, issue);
    expect(status.body).toContain("✅ Done");
    const system = (script.seen[0]!.body as { messages: Array<{ content: string }> }).messages[0]!.content;
    expect(system).not.toContain("execute_bash");
    expect(JSON.stringify(script.seen[0]!.body)).toContain("This environment cannot run commands");
    const [pr] = await h.github.pulls(repo);
    expect(pr!.body).toContain("**Tests:** Not tested: this worker cannot run code (no sandbox), so the agent only read and edited files.");
  });

  it("refuses to start with SANDBOX=required when no sandbox can be made", async () => {
    await expect(startHarness({ env: { SANDBOX: "required", SANDBOX_BWRAP: "/nonexistent/bwrap" } })).rejects.toThrow(
      /SANDBOX=required, but bubblewrap .* is not installed/,
    );
  });
});
