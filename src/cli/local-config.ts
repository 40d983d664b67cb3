// The repository's own `.github/skywork.yml`, for local runs: read at the base ref (the app reads
// it from the default branch, so a branch cannot change its own review rules) and validated with
// the app's schema. Problems are warnings; defaults apply, as in the app.
import { parse } from "yaml";
import { CONFIG_PATH, DEFAULT_REPO_CONFIG, validateRepoConfig, type RepoConfig } from "../config/repo-config.js";
import { runGit } from "../git/run-git.js";
import type { CliIo } from "./io.js";

export async function loadLocalRepoConfig(repoDir: string, ref: string, io: CliIo, command: string): Promise<RepoConfig> {
  let text: string;
  try {
    text = await runGit(["show", `${ref}:${CONFIG_PATH}`], { cwd: repoDir, environment: "user", maxOutputBytes: 1 << 20 });
  } catch {
    // No such file at that ref: the defaults are the configuration.
    return DEFAULT_REPO_CONFIG;
  }
  const warn = (message: string) => io.stderr(`skywork ${command}: ${CONFIG_PATH} at ${ref}: ${message}\n`);
  let raw: unknown;
  try {
    raw = parse(text);
  } catch (error) {
    warn(`not valid YAML (${error instanceof Error ? error.message.split("\n")[0] : String(error)}); defaults apply.`);
    return DEFAULT_REPO_CONFIG;
  }
  if (raw && typeof raw === "object" && "_extends" in raw) warn("`_extends` is not followed locally; only this repository's file applies.");
  const { config, problems } = validateRepoConfig(raw ?? null);
  for (const problem of problems) warn(problem);
  return config;
}
