import { chmodSync, mkdirSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { collectChanges } from "../../../src/fix/agent/index.js";
import { makeRepo, type TempRepo } from "./helpers.js";

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
    expect(await collectChanges(repo.dir, repo.sha)).toEqual({ baseSha: repo.sha, files: [], diff: "", skipped: [] });
  });

  it("lists modified, added and deleted files with content, mode and base content", async () => {
    const repo = repoWithHistory();
    repo.write("src/a.py", "A = 2\n");
    repo.write("src/new/b.py", "B = 1\n");
    repo.write("docs/name with space.md", "new\n");
    repo.write("run.sh", "#!/bin/sh\n");
    chmodSync(path.join(repo.dir, "run.sh"), 0o755);
    rmSync(path.join(repo.dir, "src/gone.py"));

    const changes = await collectChanges(repo.dir, repo.sha);
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
    const repo = repoWithHistory();
    repo.write("bin/tool.sh", "#!/bin/sh\necho bye\n");
    chmodSync(path.join(repo.dir, "bin/tool.sh"), 0o755);
    const changes = await collectChanges(repo.dir, repo.sha);
    expect(changes.files).toMatchObject([{ path: "bin/tool.sh", status: "modified", mode: "100755" }]);

    symlinkSync("src/a.py", path.join(repo.dir, "link"));
    repo.git("add", "link");
    repo.git("commit", "-qm", "link");
    const base = repo.git("rev-parse", "HEAD").trim();
    rmSync(path.join(repo.dir, "link"));
    symlinkSync("src/gone.py", path.join(repo.dir, "link"));
    const relinked = await collectChanges(repo.dir, base);
    const link = relinked.files.find((f) => f.path === "link");
    expect(link).toMatchObject({ status: "modified", mode: "120000" });
    expect(link?.content?.toString()).toBe("src/gone.py");
    expect(link?.baseContent?.toString()).toBe("src/a.py");
  });

  it("ignores ignored files and untracked junk the tools cannot create, and never takes workflow changes", async () => {
    const repo = repoWithHistory();
    mkdirSync(path.join(repo.dir, "build"), { recursive: true });
    writeFileSync(path.join(repo.dir, "build/out.js"), "x");
    writeFileSync(path.join(repo.dir, "src/a.pyc"), "x");
    symlinkSync("/etc/passwd", path.join(repo.dir, "untracked-link"));
    repo.write(".github/workflows/ci.yml", "on: [push, pull_request]\n");
    repo.write(".github/workflows/new.yml", "on: push\n");
    const changes = await collectChanges(repo.dir, repo.sha);
    expect(changes.files).toEqual([]);
    expect(changes.diff).toBe("");
    expect(changes.skipped.map((s) => s.path).sort()).toEqual([".github/workflows/ci.yml", ".github/workflows/new.yml", "untracked-link"]);
    expect(changes.skipped.find((s) => s.path === ".github/workflows/ci.yml")?.reason).toMatch(/workflows/);
  });

  it("compares with the base commit even when HEAD moved on", async () => {
    const repo = repoWithHistory();
    repo.write("src/a.py", "A = 3\n");
    repo.git("commit", "-qam", "later");
    const changes = await collectChanges(repo.dir, repo.sha);
    expect(changes.files.map((f) => f.path)).toEqual(["src/a.py"]);
  });

  it("fails clearly for an unknown base commit", async () => {
    const repo = repoWithHistory();
    await expect(collectChanges(repo.dir, "0".repeat(40))).rejects.toThrow(/rev-parse/);
  });
});
