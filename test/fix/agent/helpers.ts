// Temporary git repositories for the fix agent tests, made with the git CLI.
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";

export interface TempRepo {
  dir: string;
  /** The commit made from `files`. */
  sha: string;
  git(...args: string[]): string;
  write(rel: string, content: string): void;
  cleanup(): void;
}

const GIT_ENV = {
  ...process.env,
  GIT_CONFIG_NOSYSTEM: "1",
  GIT_CONFIG_GLOBAL: "/dev/null",
  GIT_AUTHOR_NAME: "Test",
  GIT_AUTHOR_EMAIL: "test@example.com",
  GIT_COMMITTER_NAME: "Test",
  GIT_COMMITTER_EMAIL: "test@example.com",
};

/** A repository under a fresh temp directory (`<tmp>/<name>`), with `files` committed. */
export function makeRepo(files: Record<string, string>, name = "repo"): TempRepo {
  const parent = mkdtempSync(path.join(tmpdir(), "fix-agent-test-"));
  const dir = path.join(parent, name);
  mkdirSync(dir);
  const git = (...args: string[]): string => execFileSync("git", args, { cwd: dir, env: GIT_ENV, encoding: "utf8" });
  const write = (rel: string, content: string): void => {
    const full = path.join(dir, rel);
    mkdirSync(path.dirname(full), { recursive: true });
    writeFileSync(full, content);
  };
  git("init", "-q", "-b", "main");
  for (const [rel, content] of Object.entries(files)) write(rel, content);
  git("add", "-A");
  git("commit", "-q", "-m", "initial", "--allow-empty");
  const sha = git("rev-parse", "HEAD").trim();
  return { dir, sha, git, write, cleanup: () => rmSync(parent, { recursive: true, force: true }) };
}
