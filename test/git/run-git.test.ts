import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { readLocalPullRequest } from "../../src/cli/local-pull-request.js";
import { GitFailure, runGit } from "../../src/git/run-git.js";
import { createGitRepo, type GitRepo } from "../diff/git-fixture.js";

// One runner for both kinds of repository: what differs is only whose environment and
// configuration git sees.
describe("runGit", () => {
  let repo: GitRepo;
  const saved = { PATH: process.env.PATH, GIT_CONFIG_GLOBAL: process.env.GIT_CONFIG_GLOBAL, SKYWORK_SECRET_PROBE: process.env.SKYWORK_SECRET_PROBE };

  beforeEach(() => {
    repo = createGitRepo();
    repo.write("a.txt", "one\n");
    repo.commit("first");
  });

  afterEach(() => {
    for (const [key, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[key];
      else process.env[key] = value;
    }
    repo.remove();
  });

  it("applies the user's configuration and environment to their repository, and neither to the app's own", async () => {
    const global = join(repo.dir, "user.gitconfig");
    writeFileSync(global, "[user]\n\tname = Someone Local\n");
    process.env.GIT_CONFIG_GLOBAL = global;
    process.env.SKYWORK_SECRET_PROBE = "worker-secret";

    expect((await runGit(["config", "user.name"], { cwd: repo.dir, environment: "user" })).trim()).toBe("Someone Local");
    await expect(runGit(["config", "user.name"], { cwd: repo.dir })).rejects.toBeInstanceOf(GitFailure);

    // A shell alias shows the environment git hands to what it runs.
    const probe = ["-c", 'alias.probe=!printf %s "$SKYWORK_SECRET_PROBE"', "probe"];
    expect(await runGit(probe, { cwd: repo.dir, environment: "user" })).toBe("worker-secret");
    expect(await runGit(probe, { cwd: repo.dir })).toBe("");
  });

  it("stops git that writes more than it may, and says so", async () => {
    repo.write("big.txt", "x".repeat(64 * 1024));
    repo.commit("big");
    const failure = await runGit(["show", "HEAD:big.txt"], { cwd: repo.dir, environment: "user", maxOutputBytes: 1024 }).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(GitFailure);
    expect((failure as GitFailure).message).toContain("more than 1024 bytes of output");
    expect((await runGit(["show", "HEAD:big.txt"], { cwd: repo.dir, environment: "user" })).length).toBe(64 * 1024);
  });

  it("tells a git that is not installed from one that failed", async () => {
    process.env.PATH = join(repo.dir, "no-bin");
    const failure = await runGit(["status"], { cwd: repo.dir, environment: "user" }).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(GitFailure);
    expect((failure as GitFailure).startError).toBe("ENOENT");
    await expect(readLocalPullRequest(repo.dir, "HEAD")).rejects.toThrow("git is not installed or not on PATH.");
  });
});
