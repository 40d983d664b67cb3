import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { InspectionShell } from "../../../src/fix/agent/inspection-shell.js";
import { createMinimalEnv, type MinimalEnv } from "../../../src/fix/agent/minimal-env.js";
import { runPipeline } from "../../../src/fix/agent/process-runner.js";
import { parseShell } from "../../../src/fix/agent/shell-parse.js";
import { Workspace } from "../../../src/fix/agent/workspace.js";
import { makeRepo, type TempRepo } from "./helpers.js";

let repo: TempRepo;
let outside: string;
let env: MinimalEnv;
let workspace: Workspace;

beforeAll(async () => {
  repo = makeRepo({
    "src/app.py": "def greet(name):\n    return 'hello ' + name\n",
    "src/util.py": "GREETING = 'hello'\n",
    "docs/it's here.md": "quoted name\n",
    "README.md": "# widgets\nhello world\n",
  });
  outside = mkdtempSync(path.join(tmpdir(), "fix-agent-outside-"));
  writeFileSync(path.join(outside, "secret.txt"), "TOP-SECRET\n");
  symlinkSync(outside, path.join(repo.dir, "escape"));
  symlinkSync(path.join(outside, "secret.txt"), path.join(repo.dir, "secret-link.txt"));
  symlinkSync("src/app.py", path.join(repo.dir, "inside-link.py"));
  env = await createMinimalEnv();
  workspace = await Workspace.open(repo.dir, "acme/widgets");
});

afterAll(async () => {
  await env.dispose();
  repo.cleanup();
  rmSync(outside, { recursive: true, force: true });
});

function shell(): InspectionShell {
  return new InspectionShell(workspace, env.env, { timeoutMs: 10_000, maxOutputBytes: 64 * 1024 });
}

const REFUSED = /^ERROR: Only read-only inspection commands are available here: grep, find, ls, cat, head, tail, wc, git log, git show, git diff, git grep/;

describe("execute_bash: allowed commands", () => {
  it("answers like OpenHands' bash session, with /workspace paths", async () => {
    const result = await shell().run("pwd && ls");
    expect(result.refused).toBe(false);
    expect(result.text).toBe(
      "/workspace/widgets\nREADME.md\ndocs\nescape\ninside-link.py\nsecret-link.txt\nsrc\n" +
        "[The command completed with exit code 0.]\n[Current working directory: /workspace/widgets]\n[Command finished with exit code 0]",
    );
  });

  it("runs pipelines of allowed commands, piping stdout itself", async () => {
    const result = await shell().run("grep -rn hello /workspace/widgets/src | sort | head -1");
    // sort is not allowed: the whole line is refused before anything runs
    expect(result.text).toMatch(REFUSED);
    const ok = await shell().run("grep -rn hello /workspace/widgets/src | head -1 | wc -l");
    expect(ok.text.split("\n")[0]).toBe("1");
  });

  it("maps real checkout paths in output back to /workspace", async () => {
    const result = await shell().run("grep -rn GREETING /workspace/widgets/src");
    expect(result.text).toContain("/workspace/widgets/src/util.py:1:GREETING = 'hello'");
    expect(result.text).not.toContain(repo.dir);
  });

  it("keeps the working directory between calls and supports cd chains", async () => {
    const sh = shell();
    await sh.run("cd /workspace/widgets/src");
    const result = await sh.run("ls *.py && cat app.py | head -1");
    expect(result.text).toContain("app.py\nutil.py\ndef greet(name):");
    expect(result.text).toContain("[Current working directory: /workspace/widgets/src]");
    expect((await sh.run("cd .. && pwd")).text.startsWith("/workspace/widgets\n")).toBe(true);
  });

  it("handles quotes, escapes and || the way bash does", async () => {
    const sh = shell();
    expect((await sh.run(`cat "docs/it's here.md"`)).text.startsWith("quoted name\n")).toBe(true);
    expect((await sh.run("cat docs/it\\'s\\ here.md")).text.startsWith("quoted name\n")).toBe(true);
    expect((await sh.run(`grep -c 'hello$' README.md`)).text.startsWith("0\n")).toBe(true);
    expect((await sh.run(`grep -n "world$" README.md`)).text.startsWith("2:hello world\n")).toBe(true);
    expect((await sh.run("ls missing 2>/dev/null || echo not found")).text.startsWith("not found\n")).toBe(true);
    expect((await sh.run("ls missing && echo never")).text).toContain("[Command finished with exit code 2]");
  });

  it("runs git log, show, diff and grep with no pager", async () => {
    const sh = shell();
    expect((await sh.run("git log --oneline")).text).toMatch(/^[0-9a-f]{7} initial\n/);
    expect((await sh.run("git show HEAD:src/util.py")).text.startsWith("GREETING = 'hello'\n")).toBe(true);
    expect((await sh.run(`git diff ${repo.sha} --stat`)).text).toContain("[Command finished with exit code 0]");
    expect((await sh.run("git grep -n GREETING")).text.startsWith("src/util.py:1:GREETING")).toBe(true);
    expect((await sh.run("git -C /workspace/widgets/src log -1 --format=%s")).text.startsWith("initial\n")).toBe(true);
    // Option values are not paths: `-e /x` searches for "/x".
    expect((await sh.run("git grep -n -e /etc/passwd")).text).toContain("[Command finished with exit code 1]");
    expect((await sh.run("git log -n 1 --format=%s")).text.startsWith("initial\n")).toBe(true);
  });

  it("never takes a folder written like a bare repository for a repository (its config could run programs)", async () => {
    // What an agent could write with the editor: HEAD, config (naming a pager program) and objects/.
    const fake = path.join(repo.dir, "vendor", "fake");
    mkdirSync(path.join(fake, "objects"), { recursive: true });
    mkdirSync(path.join(fake, "refs", "heads"), { recursive: true });
    writeFileSync(path.join(fake, "HEAD"), "ref: refs/heads/main\n");
    writeFileSync(path.join(fake, "config"), "[core]\n\trepositoryformatversion = 0\n\tbare = true\n[diff]\n\texternal = /bin/false\n");
    try {
      const result = await shell().run("git -C /workspace/widgets/vendor/fake log");
      expect(result.text).toContain("cannot use bare repository");
      expect(result.text).not.toContain("[Command finished with exit code 0]");
    } finally {
      rmSync(path.join(repo.dir, "vendor"), { recursive: true, force: true });
    }
  });

  it("reads a symlink whose target is inside the checkout", async () => {
    expect((await shell().run("cat inside-link.py")).text.startsWith("def greet")).toBe(true);
  });

  it("answers an empty command as OpenHands does when nothing runs", async () => {
    expect((await shell().run("")).text).toBe("ERROR: No previous running command to retrieve logs from.");
  });
});

describe("execute_bash: refused commands", () => {
  const cases: Array<[string, RegExp]> = [
    ["rm -rf /", /`rm` is not one of them/],
    ["python3 -c 'print(1)'", /`python3` is not one of them/],
    ["find . -name '*.py' -delete", /`find -delete` deletes files/],
    ["find . -exec cat {} \\;", /`find -exec` runs programs/],
    ["find . -fprint /tmp/x", /`find -fprint` writes files/],
    ["find -L . -name x", /`find -L` follows symbolic links/],
    ["find / -name passwd", /\/ is outside the repository checkout/],
    ["git -c core.pager=less log", /`git -c` is not available here/],
    ["git --exec-path=/tmp log", /`git --exec-path=\/tmp` is not available here/],
    ["git -C /tmp log", /\/tmp is outside the repository checkout/],
    ["git log --output=/tmp/x", /writes a file/],
    ["git diff --no-index /etc/passwd README.md", /compares files outside the repository/],
    ["git grep -O vi x", /runs a pager program/],
    ["git grep --open=echo hello", /runs a pager program/],
    ["git grep -nOecho hello", /runs a pager program/],
    ["git grep -f /etc/passwd", /reads patterns from a file/],
    ["git diff --outp=/tmp/x", /writes a file/],
    ["git show --ext-diff HEAD", /runs external diff programs/],
    ["git log -p --textc", /runs textconv programs/],
    ["grep -f/etc/passwd README.md", /\/etc\/passwd is outside/],
    ["wc --files0-from=/etc/passwd", /\/etc\/passwd is outside/],
    ["find . -newer /etc/passwd", /\/etc\/passwd is outside/],
    ["git push origin main", /`git push` is not one of them/],
    ["git config --list", /`git config` is not one of them/],
    ["cat /etc/passwd", /\/etc\/passwd is outside the repository checkout/],
    ["cat ../../../etc/passwd", /is outside the repository checkout/],
    ["cat escape/secret.txt", /symbolic link .*outside the repository checkout/],
    ["cat secret-link.txt", /symbolic link .*outside the repository checkout/],
    ["ls escape/", /symbolic link .*outside the repository checkout/],
    ["cat .git/config", /files under \.git\/ are off limits/],
    ["grep -R hello .", /`grep -R` follows symbolic links/],
    ["grep --dereference-recursive hello .", /follows symbolic links/],
    ["grep -f /etc/passwd README.md", /\/etc\/passwd is outside/],
    ["tail -f README.md", /waits for the file to grow/],
    ["ls -L escape", /follows symbolic links/],
    ["ls > out.txt", /Redirections to files are not available/],
    ["ls >> out.txt", /Redirections to files are not available/],
    ["cat < README.md", /Input redirection/],
    ["ls; rm -rf /", /`;` is not available here/],
    ["ls\nrm -rf /", /separate commands with `&&`/],
    ["(ls)", /Subshells/],
    ["echo $(whoami)", /Variables, `\$\(…\)`/],
    ["echo `whoami`", /backticks/],
    ["cat $HOME/.bashrc", /Variables/],
    ['cat "$HOME"', /Variables/],
    ["ls &", /Background jobs/],
    ["ls | sh", /`sh` is not one of them/],
    ["cat 'unterminated", /unterminated single quote/],
  ];
  for (const [command, reason] of cases) {
    it(`refuses ${JSON.stringify(command)}`, async () => {
      const result = await shell().run(command);
      expect(result.refused).toBe(true);
      expect(result.text).toMatch(REFUSED);
      expect(result.text).toMatch(reason);
      expect(result.text).not.toContain("TOP-SECRET");
    });
  }

  it("never lets a recursive grep read .git", async () => {
    repo.write("src/token.txt", "nothing here\n");
    // The remote URL (where a token could live) is in .git/config.
    repo.git("config", "remote.origin.url", "https://x-access-token:ghs_SECRET@github.com/acme/widgets");
    const result = await shell().run("grep -rn ghs_SECRET .");
    expect(result.text).not.toContain("ghs_SECRET@");
    expect(result.text).toContain("[Command finished with exit code 1]");
  });

  it("does not glob into .git or outside", async () => {
    const result = await shell().run("ls -d .*");
    expect(result.refused).toBe(false);
    expect(result.text).not.toContain(".git");
  });
});

describe("shell parsing", () => {
  it("splits chains and pipelines and keeps quoted words whole", () => {
    const parsed = parseShell(`cd /workspace/x && grep -rn "a b" src | head -5 2>&1 || echo 'no | match'`);
    expect(parsed.ok).toBe(true);
    if (!parsed.ok) return;
    expect(parsed.chain.map((item) => item.op)).toEqual([null, "&&", "||"]);
    expect(parsed.chain[1]?.pipeline.map((c) => c.words.map((w) => w.value))).toEqual([["grep", "-rn", "a b", "src"], ["head", "-5"]]);
    expect(parsed.chain[1]?.pipeline[1]?.stderr).toBe("merge");
    expect(parsed.chain[2]?.pipeline[0]?.words.map((w) => w.value)).toEqual(["echo", "no | match"]);
  });

  it("marks unquoted glob characters only", () => {
    const parsed = parseShell(`ls *.py "*.md" src/\\*`);
    expect(parsed.ok && parsed.chain[0]?.pipeline[0]?.words.map((w) => w.glob)).toEqual([null, "*.py", null, null]);
  });
});

describe("the minimal environment", () => {
  it("hides the worker's environment (tokens, API keys) from spawned commands", async () => {
    process.env.SKYWORK_TEST_SECRET = "ghp_do_not_leak";
    try {
      const result = await runPipeline([{ program: "env", args: [], stdout: "pipe", stderr: "show" }], {
        cwd: repo.dir,
        env: env.env,
        deadline: Date.now() + 5_000,
        maxOutputBytes: 64 * 1024,
      });
      const output = result.output.toString("utf8");
      expect(output).not.toContain("ghp_do_not_leak");
      expect(output).not.toContain("SKYWORK_TEST_SECRET");
      expect(output).toContain("GIT_CONFIG_NOSYSTEM=1");
      expect(output).toContain("GIT_TERMINAL_PROMPT=0");
      expect(output).toMatch(/^HOME=.*skywork-agent-home-/m);
      expect(Object.keys(env.env).sort()).toEqual(
        ["GIT_ASKPASS", "GIT_ATTR_NOSYSTEM", "GIT_CONFIG_GLOBAL", "GIT_CONFIG_NOSYSTEM", "GIT_NO_LAZY_FETCH", "GIT_OPTIONAL_LOCKS", "GIT_PAGER", "GIT_TERMINAL_PROMPT", "HOME", "LANG", "LC_ALL", "PAGER", "PATH", "TERM"].sort(),
      );
    } finally {
      delete process.env.SKYWORK_TEST_SECRET;
    }
  });

  it("stops a command at the deadline and caps its output", async () => {
    const slow = await runPipeline([{ program: "sleep", args: ["5"], stdout: "pipe", stderr: "show" }], {
      cwd: repo.dir,
      env: env.env,
      deadline: Date.now() + 200,
      maxOutputBytes: 1024,
    });
    expect(slow.timedOut).toBe(true);
    const loud = await runPipeline(
      [
        { program: "yes", args: [], stdout: "pipe", stderr: "show" },
        { program: "cat", args: [], stdout: "pipe", stderr: "show" },
      ],
      { cwd: repo.dir, env: env.env, deadline: Date.now() + 5_000, maxOutputBytes: 1000 },
    );
    expect(loud.truncated).toBe(true);
    expect(loud.output.length).toBe(1000);
  });

  it("stops an upstream stage when a downstream head closes its input", async () => {
    const result = await runPipeline(
      [
        { program: "yes", args: [], stdout: "pipe", stderr: "show" },
        { program: "head", args: ["-2"], stdout: "pipe", stderr: "show" },
      ],
      { cwd: repo.dir, env: env.env, deadline: Date.now() + 5_000, maxOutputBytes: 1000 },
    );
    expect(result.output.toString()).toBe("y\ny\n");
    expect(result.exitCode).toBe(0);
    // Ended by head closing the pipe, not by the deadline (an endless `yes` would run until it).
    expect(result.timedOut).toBe(false);
  });
});

describe("the working directory", () => {
  it("refuses cd outside the checkout", async () => {
    const sh = shell();
    expect((await sh.run("cd /tmp")).text).toMatch(REFUSED);
    expect((await sh.run("cd ..")).text).toMatch(/outside the repository checkout/);
    expect(sh.cwd).toBe("/workspace/widgets");
  });

  it("reports a missing directory as bash does", async () => {
    mkdirSync(path.join(repo.dir, "empty-dir"), { recursive: true });
    const sh = shell();
    expect((await sh.run("cd nowhere")).text.startsWith("bash: cd: /workspace/widgets/nowhere: No such file or directory")).toBe(true);
    expect((await sh.run("cd empty-dir && pwd")).text.startsWith("/workspace/widgets/empty-dir\n")).toBe(true);
  });
});
