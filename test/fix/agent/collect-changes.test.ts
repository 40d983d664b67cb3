import { execFileSync } from "node:child_process";
import { chmodSync, existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { MAX_CHANGED_FILES } from "../../../src/fix/agent/collect-changes.js";
import { collectChanges } from "../../../src/fix/agent/index.js";
import { makeRepo, type TempRepo } from "./helpers.js";

/**
 * The attempt's copy of the checkout, as the fix job makes it: the agent writes here (and may write
 * anything into its .git), the pristine repository is only read.
 */
function attemptCopy(repo: TempRepo): TempRepo {
  const dir = path.join(mkdtempSync(path.join(tmpdir(), "fix-attempt-")), "repo");
  execFileSync("cp", ["-a", repo.dir, dir]);
  const git = (...args: string[]): string =>
    execFileSync("git", args, { cwd: dir, encoding: "utf8", env: { ...process.env, GIT_CONFIG_NOSYSTEM: "1", GIT_CONFIG_GLOBAL: "/dev/null" } });
  const write = (rel: string, content: string): void => {
    mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
    writeFileSync(path.join(dir, rel), content);
  };
  const copy = { dir, sha: repo.sha, git, write, cleanup: () => rmSync(path.dirname(dir), { recursive: true, force: true }) };
  repos.push(copy);
  return copy;
}

function collect(repo: TempRepo, work: TempRepo, baseSha = repo.sha, setupTree?: string) {
  return collectChanges({ pristine: repo.dir, baseSha, workTree: work.dir, ...(setupTree ? { setupTree } : {}) });
}

const repos: TempRepo[] = [];
afterEach(() => {
  for (const repo of repos.splice(0)) repo.cleanup();
});

function repoWithHistory(): TempRepo {
  const repo = makeRepo({
    "src/a.py": "A = 1\n",
    "src/gone.py": "GONE = True\n",
    "bin/tool.sh": "#!/bin/sh\necho hi\n",
    ".gitignore": "build/\n*.pyc\n",
    ".github/workflows/ci.yml": "on: push\n",
    "docs/name with space.md": "old\n",
  });
  repos.push(repo);
  return repo;
}

describe("collectChanges", () => {
  it("returns nothing for an untouched checkout", async () => {
    const repo = repoWithHistory();
    expect(await collect(repo, attemptCopy(repo))).toEqual({ baseSha: repo.sha, files: [], diff: "", skipped: [] });
  });

  it("lists modified, added and deleted files with content, mode and base content", async () => {
    const pristine = repoWithHistory();
    const repo = attemptCopy(pristine);
    repo.write("src/a.py", "A = 2\n");
    repo.write("src/new/b.py", "B = 1\n");
    repo.write("docs/name with space.md", "new\n");
    repo.write("run.sh", "#!/bin/sh\n");
    chmodSync(path.join(repo.dir, "run.sh"), 0o755);
    rmSync(path.join(repo.dir, "src/gone.py"));

    const changes = await collect(pristine, repo);
    expect(changes.files.map(({ path: p, status, mode }) => [p, status, mode])).toEqual([
      ["docs/name with space.md", "modified", "100644"],
      ["run.sh", "added", "100755"],
      ["src/a.py", "modified", "100644"],
      ["src/gone.py", "deleted", "100644"],
      ["src/new/b.py", "added", "100644"],
    ]);
    const byPath = new Map(changes.files.map((f) => [f.path, f]));
    expect(byPath.get("src/a.py")?.content?.toString()).toBe("A = 2\n");
    expect(byPath.get("src/a.py")?.baseContent?.toString()).toBe("A = 1\n");
    expect(byPath.get("src/gone.py")?.content).toBeNull();
    expect(byPath.get("src/gone.py")?.baseContent?.toString()).toBe("GONE = True\n");
    expect(byPath.get("src/new/b.py")?.baseContent).toBeNull();

    expect(changes.diff).toContain("diff --git a/src/a.py b/src/a.py\n");
    expect(changes.diff).toContain("-A = 1\n+A = 2\n");
    expect(changes.diff).toContain("diff --git a/src/new/b.py b/src/new/b.py\nnew file mode 100644\n");
    expect(changes.diff).toContain("--- /dev/null\n+++ b/src/new/b.py\n@@ -0,0 +1 @@\n+B = 1\n");
    expect(changes.diff).toContain("diff --git a/run.sh b/run.sh\nnew file mode 100755\n");
    expect(changes.diff).toContain("deleted file mode 100644");
  });

  it("keeps an executable file's mode and a symlink's target", async () => {
    const pristine = repoWithHistory();
    const repo = attemptCopy(pristine);
    repo.write("bin/tool.sh", "#!/bin/sh\necho bye\n");
    chmodSync(path.join(repo.dir, "bin/tool.sh"), 0o755);
    const changes = await collect(pristine, repo);
    expect(changes.files).toMatchObject([{ path: "bin/tool.sh", status: "modified", mode: "100755" }]);

    symlinkSync("src/a.py", path.join(pristine.dir, "link"));
    pristine.git("add", "link");
    pristine.git("commit", "-qm", "link");
    const base = pristine.git("rev-parse", "HEAD").trim();
    const relinkedCopy = attemptCopy(pristine);
    rmSync(path.join(relinkedCopy.dir, "link"));
    symlinkSync("src/gone.py", path.join(relinkedCopy.dir, "link"));
    const relinked = await collect(pristine, relinkedCopy, base);
    const link = relinked.files.find((f) => f.path === "link");
    expect(link).toMatchObject({ status: "modified", mode: "120000" });
    expect(link?.content?.toString()).toBe("src/gone.py");
    expect(link?.baseContent?.toString()).toBe("src/a.py");
  });

  it("ignores ignored files and new symbolic links, and never takes workflow changes", async () => {
    const pristine = repoWithHistory();
    const repo = attemptCopy(pristine);
    mkdirSync(path.join(repo.dir, "build"), { recursive: true });
    writeFileSync(path.join(repo.dir, "build/out.js"), "x");
    writeFileSync(path.join(repo.dir, "src/a.pyc"), "x");
    symlinkSync("/etc/passwd", path.join(repo.dir, "untracked-link"));
    repo.write(".github/workflows/ci.yml", "on: [push, pull_request]\n");
    repo.write(".github/workflows/new.yml", "on: push\n");
    const changes = await collect(pristine, repo);
    expect(changes.files).toEqual([]);
    expect(changes.diff).toBe("");
    expect(changes.skipped.map((s) => s.path).sort()).toEqual([".github/workflows/ci.yml", ".github/workflows/new.yml", "untracked-link"]);
    expect(changes.skipped.find((s) => s.path === ".github/workflows/ci.yml")?.reason).toMatch(/workflows/);
  });

  it("compares with the base commit even when the agent committed", async () => {
    const pristine = repoWithHistory();
    const repo = attemptCopy(pristine);
    repo.write("src/a.py", "A = 3\n");
    repo.git("-c", "user.name=a", "-c", "user.email=a@b", "commit", "-qam", "later");
    const changes = await collect(pristine, repo);
    expect(changes.files.map((f) => f.path)).toEqual(["src/a.py"]);
  });

  it("fails clearly for an unknown base commit", async () => {
    const repo = repoWithHistory();
    await expect(collect(repo, attemptCopy(repo), "0".repeat(40))).rejects.toThrow(/rev-parse/);
  });

  it("runs nothing the copy's .git/config, hooks or .gitattributes name, and reads raw bytes", async () => {
    const pristine = repoWithHistory();
    const repo = attemptCopy(pristine);
    const proof = path.join(path.dirname(repo.dir), "pwned");
    const run = `sh -c 'echo ran >> ${proof}'`;
    // Everything git could be told to run, written where the agent can write.
    writeFileSync(
      path.join(repo.dir, ".git/config"),
      `[core]\n\tfsmonitor = ${run}\n\thooksPath = hooks\n\tattributesFile = ${repo.dir}/attrs\n[filter "evil"]\n\tclean = ${run}\n\tsmudge = ${run}\n\trequired = true\n[diff "evil"]\n\ttextconv = ${run}\n\tcommand = ${run}\n`,
    );
    mkdirSync(path.join(repo.dir, ".git/hooks"), { recursive: true });
    for (const hook of ["post-index-change", "pre-commit", "reference-transaction"]) {
      writeFileSync(path.join(repo.dir, ".git/hooks", hook), `#!/bin/sh\necho ran >> ${proof}\n`, { mode: 0o755 });
    }
    repo.write(".gitattributes", "* filter=evil diff=evil text eol=crlf ident\n");
    repo.write("src/a.py", "A = 2 # $Id$\n");
    repo.write("src/b.py", "B = 1\n");

    const changes = await collect(pristine, repo);
    expect(existsSync(proof)).toBe(false);
    const byPath = new Map(changes.files.map((f) => [f.path, f]));
    // Raw bytes: no eol conversion, no $Id$ expansion, no filter.
    expect(byPath.get("src/a.py")?.content?.toString()).toBe("A = 2 # $Id$\n");
    expect(byPath.get("src/b.py")?.content?.toString()).toBe("B = 1\n");
    expect(changes.diff).toContain("+A = 2 # $Id$");
    expect(existsSync(proof)).toBe(false);
  });

  it("never follows a symbolic link the agent put in place of a file or folder", async () => {
    const pristine = repoWithHistory();
    const repo = attemptCopy(pristine);
    const secret = path.join(path.dirname(repo.dir), "secret.pem");
    writeFileSync(secret, "-----BEGIN PRIVATE KEY-----\n");
    rmSync(path.join(repo.dir, "src/a.py"));
    symlinkSync(secret, path.join(repo.dir, "src/a.py"));
    rmSync(path.join(repo.dir, "bin"), { recursive: true });
    symlinkSync(path.dirname(secret), path.join(repo.dir, "bin"));

    const changes = await collect(pristine, repo);
    const byPath = new Map(changes.files.map((f) => [f.path, f]));
    // The tracked file became a link: published as a link (its target's name), never its content.
    expect(byPath.get("src/a.py")).toMatchObject({ status: "modified", mode: "120000" });
    expect(byPath.get("src/a.py")?.content?.toString()).toBe(secret);
    // A folder replaced by a link: its files are gone, the new link is not published.
    expect(byPath.get("bin/tool.sh")).toMatchObject({ status: "deleted", content: null });
    expect(changes.skipped.map((s) => s.path)).toContain("bin");
    expect(JSON.stringify(changes)).not.toContain("BEGIN PRIVATE KEY");
  });

  it("leaves out what fix.setup changed and the agent's scratch scripts", async () => {
    const pristine = repoWithHistory();
    const setup = attemptCopy(pristine);
    setup.write("requirements.lock", "flask==3\n");
    setup.write("src/a.py", "A = 1  # patched by setup\n");
    const repo = attemptCopy(setup);
    repo.write("reproduce_issue.py", "print('bug')\n");
    repo.write("tests/test_new.py", "def test(): pass\n");
    repo.write("src/gone.py", "GONE = False\n");

    const changes = await collect(pristine, repo, pristine.sha, setup.dir);
    expect(changes.files.map((f) => [f.path, f.status])).toEqual([
      ["src/gone.py", "modified"],
      ["tests/test_new.py", "added"],
    ]);
    expect(changes.skipped).toEqual([{ path: "reproduce_issue.py", reason: "a script the agent wrote to reproduce or check the problem" }]);
  });

  it("is not stopped by a FIFO where git reads a file, and refuses a change of too many files", async () => {
    const pristine = repoWithHistory();
    const repo = attemptCopy(pristine);
    rmSync(path.join(repo.dir, ".gitignore"));
    execFileSync("mkfifo", [path.join(repo.dir, ".gitignore"), path.join(repo.dir, "src/pipe")]);
    repo.write("src/a.py", "A = 5\n");
    const changes = await collect(pristine, repo);
    expect(changes.files.map((f) => [f.path, f.status])).toEqual([
      [".gitignore", "deleted"],
      ["src/a.py", "modified"],
    ]);

    const flooded = attemptCopy(pristine);
    for (let i = 0; i <= MAX_CHANGED_FILES; i++) flooded.write(`gen/f${i}.txt`, `${i}\n`);
    const refused = await collect(pristine, flooded);
    expect(refused.files).toEqual([]);
    expect(refused.refused).toBe(`it changed ${MAX_CHANGED_FILES + 1} files; a change of more than ${MAX_CHANGED_FILES} files is never published`);
  });
});
