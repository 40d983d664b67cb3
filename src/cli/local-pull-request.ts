// A pull request made of two refs of a local repository: the diff GitHub would show
// (`base...head`, from the merge base) and the files at the head. Used by `skywork pack --repo`
// and `skywork review`.
import type { ChildProcessWithoutNullStreams } from "node:child_process";
import { existsSync, statSync } from "node:fs";
import { basename } from "node:path";
import type { FileSource } from "../context/index.js";
import { parseGitDiff, type DiffProblem, type FileDiff } from "../diff/index.js";
import { GitFailure, runGitBuffer, startGit } from "../git/run-git.js";
import type { PullRequestHeader } from "../review/prompt.js";
import { CliError, type CliIo } from "./io.js";

export type LocalGitErrorKind = "not-a-repository" | "unknown-ref" | "git-missing" | "git-failed";

export class LocalGitError extends Error {
  constructor(
    readonly kind: LocalGitErrorKind,
    message: string,
  ) {
    super(message);
    this.name = "LocalGitError";
  }
}

export interface LocalPullRequest {
  files: FileDiff[];
  /** Files at the head commit, read through one `git cat-file --batch` process. */
  source: FileSource;
  baseSha: string;
  headSha: string;
  /** The head commit's subject and body, standing in for a PR title and description. */
  subject: string;
  body: string;
  problems: DiffProblem[];
  /** Ends the reader process; reads after this return null. */
  close(): void;
}

/** Git's output is ours to parse: no colors, external diff tools, user prefixes or context size. */
const DIFF_ARGS = ["diff", "--no-color", "--no-ext-diff", "--no-textconv", "--src-prefix=a/", "--dst-prefix=b/", "-U3", "--find-renames", "--submodule=short"];
const MAX_DIFF_BYTES = 1 << 30;

export async function readLocalPullRequest(repo: string, base: string, head = "HEAD"): Promise<LocalPullRequest> {
  if (!existsSync(repo) || !statSync(repo).isDirectory()) throw new LocalGitError("not-a-repository", `${repo} is not a directory.`);
  await git(repo, ["rev-parse", "--git-dir"]).catch((error: unknown) => {
    if (error instanceof LocalGitError && error.kind === "git-failed") {
      throw new LocalGitError("not-a-repository", `${repo} is not a git repository (run the command inside one, or pass --repo <path>).`);
    }
    throw error;
  });
  const [baseSha, headSha] = await Promise.all([resolveCommit(repo, base), resolveCommit(repo, head)]);
  const diff = await git(repo, [...DIFF_ARGS, `${baseSha}...${headSha}`]);
  const problems: DiffProblem[] = [];
  const files = parseGitDiff(diff, { onProblem: (p) => problems.push(p) });
  const message = (await git(repo, ["log", "-1", "--format=%s%x00%b", headSha])).toString("utf8");
  const [subject = "", body = ""] = message.split("\u0000");
  const reader = new BlobReader(repo, headSha);
  return {
    files,
    source: { read: (path) => reader.read(path) },
    baseSha,
    headSha,
    subject: subject.trim(),
    body: body.trim(),
    problems,
    close: () => reader.close(),
  };
}

export interface LocalReviewInput extends LocalPullRequest {
  /** What the app would put in the prompt for such a pull request. */
  header: PullRequestHeader;
}

/**
 * `base...head` of the repository at `repo`, with the prompt header built as the app builds it from
 * a pull request (branch names, the head commit's subject and body as title and description).
 * A wrong directory or ref is the user's to fix: a CliError; git itself failing stays a LocalGitError.
 */
export async function openLocalPullRequest(repo: string, base: string, head: string): Promise<LocalReviewInput> {
  try {
    const pr = await readLocalPullRequest(repo, base, head);
    const headRef = head === "HEAD" ? await currentBranch(repo) : head;
    return { ...pr, header: { owner: "local", repo: basename(repo), number: 0, title: pr.subject, body: pr.body || null, baseRef: base, headRef } };
  } catch (error) {
    if (error instanceof LocalGitError && error.kind !== "git-failed") throw new CliError(error.message);
    throw error;
  }
}

/** The branch HEAD is on, as a pull request names its head; "HEAD" when detached. */
async function currentBranch(repo: string): Promise<string> {
  const name = await git(repo, ["symbolic-ref", "--quiet", "--short", "HEAD"]).catch(() => null);
  return name?.toString("utf8").trim() || "HEAD";
}

/** The diff parser's complaints, as at most a few warning lines on stderr. */
export function warnDiffProblems(io: CliIo, command: string, problems: readonly DiffProblem[]): void {
  for (const problem of problems.slice(0, 5)) {
    const where = [problem.path, problem.line !== null ? `line ${problem.line}` : null].filter(Boolean).join(", ");
    io.stderr(`skywork ${command}: warning: ${where ? `${problem.message} (${where})` : problem.message}\n`);
  }
  if (problems.length > 5) io.stderr(`skywork ${command}: warning: ${problems.length - 5} more problem(s) in the diff\n`);
}

async function resolveCommit(repo: string, ref: string): Promise<string> {
  if (ref.startsWith("-")) throw new LocalGitError("unknown-ref", `unknown revision ${JSON.stringify(ref)}: a ref cannot start with "-".`);
  try {
    const out = await git(repo, ["rev-parse", "--verify", "--quiet", "--end-of-options", `${ref}^{commit}`]);
    return out.toString("utf8").trim();
  } catch (error) {
    if (error instanceof LocalGitError && error.kind === "git-failed") {
      throw new LocalGitError("unknown-ref", `unknown revision ${JSON.stringify(ref)} in ${repo} (fetch it, or check the branch or commit name).`);
    }
    throw error;
  }
}

/** git in the user's repository, as they would run it; its failures as LocalGitErrors. */
async function git(repo: string, args: readonly string[]): Promise<Buffer> {
  try {
    // Not a terminal, so git runs no pager and writes no colors.
    return await runGitBuffer(["-c", "core.quotePath=true", ...args], { cwd: repo, environment: "user", maxOutputBytes: MAX_DIFF_BYTES });
  } catch (error) {
    if (!(error instanceof GitFailure)) throw error;
    if (error.startError === "ENOENT") throw new LocalGitError("git-missing", "git is not installed or not on PATH.");
    const detail = error.stderr.split("\n")[0] || error.message;
    throw new LocalGitError("git-failed", `git ${args[0] ?? ""} failed: ${detail}`);
  }
}

/**
 * Blobs at one commit through a single `git cat-file --batch`: one process for the whole
 * review instead of one per file. Requests are answered in order.
 */
class BlobReader {
  readonly #repo: string;
  readonly #commit: string;
  #child: ChildProcessWithoutNullStreams | null = null;
  #closed = false;
  #buffer: Buffer = Buffer.alloc(0);
  readonly #waiting: Array<(blob: Buffer | null) => void> = [];

  constructor(repo: string, commit: string) {
    this.#repo = repo;
    this.#commit = commit;
  }

  read(path: string): Promise<string | null> {
    // The batch protocol is line based: such a name cannot be asked for.
    if (this.#closed || /[\n\r]/.test(path)) return Promise.resolve(null);
    const child = this.#start();
    return new Promise<Buffer | null>((resolve) => {
      this.#waiting.push(resolve);
      child.stdin.write(`${this.#commit}:${path}\n`);
    }).then((blob) => {
      // Text only: a NUL byte means binary, where context lines mean nothing.
      if (blob === null || blob.includes(0)) return null;
      return blob.toString("utf8");
    });
  }

  close(): void {
    this.#closed = true;
    this.#child?.stdin.end();
    this.#child = null;
    this.#fail();
  }

  #start(): ChildProcessWithoutNullStreams {
    if (this.#child) return this.#child;
    const child = startGit(["cat-file", "--batch"], { cwd: this.#repo, environment: "user" });
    child.stdout.on("data", (chunk: Buffer) => {
      this.#buffer = this.#buffer.length === 0 ? chunk : Buffer.concat([this.#buffer, chunk]);
      this.#drain();
    });
    child.on("error", () => this.#fail());
    child.on("close", () => this.#fail());
    child.stdin.on("error", () => this.#fail());
    // Not a reason to keep the process alive on its own.
    child.unref();
    this.#child = child;
    return child;
  }

  #drain(): void {
    for (;;) {
      const newline = this.#buffer.indexOf(0x0a);
      if (newline === -1) return;
      const header = this.#buffer.subarray(0, newline).toString("utf8");
      const match = /^[0-9a-f]+ (\S+) (\d+)$/.exec(header);
      if (!match) {
        // "<name> missing" or "<name> ambiguous": no content follows.
        this.#buffer = this.#buffer.subarray(newline + 1);
        this.#waiting.shift()?.(null);
        continue;
      }
      const size = Number(match[2]);
      if (this.#buffer.length < newline + 1 + size + 1) return;
      const blob = Buffer.from(this.#buffer.subarray(newline + 1, newline + 1 + size));
      this.#buffer = this.#buffer.subarray(newline + 1 + size + 1);
      this.#waiting.shift()?.(match[1] === "blob" ? blob : null);
    }
  }

  #fail(): void {
    for (const resolve of this.#waiting.splice(0)) resolve(null);
  }
}
