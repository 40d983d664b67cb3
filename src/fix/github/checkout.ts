// A working copy at exactly one commit, fetched from the configured GitHub host with the
// installation token. The token travels only in the fetch's environment, as an `http.extraHeader`
// (the way actions/checkout authenticates): never in .git/config, a file, or an argument `ps` shows.
// GitHub's git endpoint wants HTTP Basic with the token as password; it refuses Bearer.
// https://docs.github.com/apps/creating-github-apps/authenticating-with-a-github-app/authenticating-as-a-github-app-installation
import { mkdir, mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CheckoutError, CheckoutUnavailableError } from "../../errors.js";
import { GitFailure, runGit } from "../../git/run-git.js";

/** Where git lives: github.com, or GHE_HOST with GHE_PROTOCOL (AppConfig `github.webHost`, `github.protocol`). */
export interface GitHost {
  readonly protocol: "https" | "http";
  /** Host name, optionally with ":port"; no scheme, no path. */
  readonly host: string;
}

export interface CheckoutOptions {
  readonly host: GitHost;
  readonly owner: string;
  readonly repo: string;
  /** The commit to check out (full 40-hex sha). */
  readonly sha: string;
  /**
   * A ref that points at `sha`, fetched if the server will not hand out the bare commit
   * (e.g. "refs/pull/12/head" for a fork's pull request, which GitHub keeps in the base repository).
   */
  readonly ref?: string;
  /** Installation token (ghs_…) of an installation that includes the repository. */
  readonly token: string;
  /** An empty or missing directory; default: a new one under the system temp directory. */
  readonly dir?: string;
  /** History to fetch, in commits. @defaultValue 20 — enough for a light `git log`. */
  readonly depth?: number;
  readonly signal?: AbortSignal;
}

export interface Checkout {
  readonly dir: string;
  readonly sha: string;
  /** Removes the working copy. */
  cleanup(): Promise<void>;
}

const SHA = /^[0-9a-f]{40}$/;
const DEFAULT_DEPTH = 20;

export function repositoryUrl(host: GitHost, owner: string, repo: string): string {
  return `${host.protocol}://${host.host}/${encodeURIComponent(owner)}/${encodeURIComponent(repo)}.git`;
}

/** `GIT_CONFIG_*` variables that add the Authorization header for this one command. */
function authEnv(token: string): Record<string, string> {
  return {
    GIT_CONFIG_COUNT: "1",
    GIT_CONFIG_KEY_0: "http.extraHeader",
    GIT_CONFIG_VALUE_0: `Authorization: Basic ${Buffer.from(`x-access-token:${token}`, "utf8").toString("base64")}`,
  };
}

/** 401/403/404 and "not our ref" will fail again; network trouble may not. */
function isRefusal(stderr: string): boolean {
  return /\b(401|403|404)\b|Authentication failed|could not read Username|not found|not our ref|couldn't find remote ref|Invalid username or token/i.test(
    stderr,
  );
}

async function prepareDirectory(dir: string | undefined): Promise<{ dir: string; created: boolean }> {
  if (dir === undefined) return { dir: await mkdtemp(join(tmpdir(), "skywork-fix-")), created: true };
  const existing = await readdir(dir).catch((error: NodeJS.ErrnoException) => {
    if (error.code === "ENOENT") return null;
    throw error;
  });
  if (existing && existing.length > 0) throw new CheckoutError(`Cannot check out into ${dir}: the directory is not empty.`);
  await mkdir(dir, { recursive: true });
  return { dir, created: existing === null };
}

export async function checkoutRepository(options: CheckoutOptions): Promise<Checkout> {
  if (!SHA.test(options.sha)) throw new CheckoutError(`Cannot check out ${JSON.stringify(options.sha)}: a full 40-character commit sha is required.`);
  const depth = options.depth ?? DEFAULT_DEPTH;
  if (!Number.isInteger(depth) || depth < 1) throw new CheckoutError(`depth must be a positive integer, not ${depth}.`);
  const { dir, created } = await prepareDirectory(options.dir);
  const cleanup = (): Promise<void> => rm(dir, { recursive: true, force: true });
  const url = repositoryUrl(options.host, options.owner, options.repo);
  const secrets = [options.token, `x-access-token:${options.token}`];
  const local = { cwd: dir, secrets, ...(options.signal ? { signal: options.signal } : {}) };
  const fetch = (what: string): Promise<string> =>
    runGit(["-c", "protocol.version=2", "fetch", "--quiet", "--no-tags", "--no-write-fetch-head", `--depth=${depth}`, url, `+${what}:refs/skywork/checkout`], {
      ...local,
      env: authEnv(options.token),
    });
  try {
    await runGit(["init", "--quiet", "--initial-branch=skywork-checkout", "."], local);
    try {
      // GitHub serves any commit it has by sha (what actions/checkout relies on).
      await fetch(options.sha);
    } catch (error) {
      if (!options.ref || !(error instanceof GitFailure)) throw error;
      await fetch(options.ref);
    }
    const fetched = (await runGit(["rev-parse", "--verify", "refs/skywork/checkout^{commit}"], local)).trim();
    if (fetched !== options.sha) {
      throw new CheckoutError(
        `${options.ref ?? options.sha} of ${options.owner}/${options.repo} now points at ${fetched.slice(0, 7)}, not ${options.sha.slice(0, 7)}; the pull request moved. Ask again to fix its new head.`,
      );
    }
    await runGit(["-c", "advice.detachedHead=false", "checkout", "--quiet", "--detach", options.sha], local);
    await runGit(["update-ref", "-d", "refs/skywork/checkout"], local);
    return { dir, sha: options.sha, cleanup };
  } catch (error) {
    if (created) await cleanup();
    else await rm(join(dir, ".git"), { recursive: true, force: true }).catch(() => undefined);
    if (error instanceof CheckoutError) throw error;
    if (error instanceof GitFailure) {
      const message = `Could not fetch ${options.sha.slice(0, 7)} of ${options.owner}/${options.repo} from ${options.host.host}: ${error.stderr || error.message}`;
      throw isRefusal(error.stderr) ? new CheckoutError(message) : new CheckoutUnavailableError(message);
    }
    throw error;
  }
}
