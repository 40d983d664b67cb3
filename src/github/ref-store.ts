// A small JSON document kept on GitHub itself, in a git ref of the repository outside branches and
// tags (`refs/skywork/<name>`): durable with the repository, versioned (each change is a commit),
// readable with plain git, and invisible in the branch list, pull requests and CI (no workflow runs
// on refs that are neither branches nor tags). Writes are compare-and-swap: the ref only moves
// fast-forward from the commit that was read, so two writers never lose each other's change.
// https://docs.github.com/rest/git/refs
import type { Octokit } from "./app-client.js";
import { httpStatus } from "./errors.js";

export interface RefDocument<T> {
  /** The commit the ref points at; null when the ref does not exist yet. */
  commit: string | null;
  value: T;
}

export interface RefStoreOptions<T> {
  /** The ref without `refs/`, e.g. "skywork/learnings". */
  ref: string;
  /** The file in the commit's tree that holds the document. */
  file: string;
  /** A short README committed beside it, for people who fetch the ref with git. */
  readme: string;
  /** The document when the ref does not exist yet. */
  empty: () => T;
  /** Checks what was read: a document someone broke by hand reads as `empty()`. */
  parse: (raw: unknown) => T | null;
}

/** Larger documents are refused when read back (they are written by the app and kept small). */
const MAX_DOCUMENT_BYTES = 1024 * 1024;
/** Concurrent writers retry this often before giving up (the job is then retried). */
const MAX_WRITE_ATTEMPTS = 6;

export class RefConflictError extends Error {
  constructor(ref: string) {
    super(`refs/${ref} kept moving while it was being updated; try again.`);
    this.name = "RefConflictError";
  }
}

export async function readRefDocument<T>(octokit: Octokit, repo: { owner: string; repo: string }, options: RefStoreOptions<T>): Promise<RefDocument<T>> {
  let commit: string;
  try {
    const { data } = await octokit.rest.git.getRef({ owner: repo.owner, repo: repo.repo, ref: options.ref });
    commit = data.object.sha;
  } catch (error) {
    if (httpStatus(error) === 404) return { commit: null, value: options.empty() };
    throw error;
  }
  let text: string | null = null;
  try {
    const { data } = await octokit.rest.repos.getContent({ owner: repo.owner, repo: repo.repo, path: options.file, ref: commit, mediaType: { format: "raw" } });
    const raw: unknown = data;
    text = typeof raw === "string" && raw.length <= MAX_DOCUMENT_BYTES ? raw : null;
  } catch (error) {
    if (httpStatus(error) !== 404) throw error;
  }
  let parsed: unknown = null;
  try {
    parsed = text === null ? null : JSON.parse(text);
  } catch {
    parsed = null;
  }
  return { commit, value: options.parse(parsed) ?? options.empty() };
}

/**
 * Reads the document, applies `change` and writes the result as a new commit on the ref, retrying
 * from a fresh read when another writer moved the ref in between. `change` returns `keep` to leave
 * the document as it is; it may run several times, so it must not have side effects.
 */
export async function updateRefDocument<T, R>(
  octokit: Octokit,
  repo: { owner: string; repo: string },
  options: RefStoreOptions<T>,
  change: (current: T) => { value: T; message: string; result: R } | { keep: true; result: R },
): Promise<R> {
  for (let attempt = 0; attempt < MAX_WRITE_ATTEMPTS; attempt++) {
    const current = await readRefDocument(octokit, repo, options);
    const next = change(current.value);
    if ("keep" in next) return next.result;
    const { data: tree } = await octokit.rest.git.createTree({
      owner: repo.owner,
      repo: repo.repo,
      tree: [
        { path: options.file, mode: "100644", type: "blob", content: `${JSON.stringify(next.value, null, 2)}\n` },
        { path: "README.md", mode: "100644", type: "blob", content: options.readme },
      ],
    });
    // No author or committer: GitHub signs the commit as the App.
    const { data: commit } = await octokit.rest.git.createCommit({
      owner: repo.owner,
      repo: repo.repo,
      message: next.message,
      tree: tree.sha,
      parents: current.commit ? [current.commit] : [],
    });
    try {
      if (current.commit) {
        // Not forced: GitHub refuses anything but a fast-forward from the commit read above.
        await octokit.rest.git.updateRef({ owner: repo.owner, repo: repo.repo, ref: options.ref, sha: commit.sha, force: false });
      } else {
        await octokit.rest.git.createRef({ owner: repo.owner, repo: repo.repo, ref: `refs/${options.ref}`, sha: commit.sha });
      }
      return next.result;
    } catch (error) {
      // 422: "Update is not a fast forward" or "Reference already exists": someone else wrote first.
      if (httpStatus(error) !== 422) throw error;
    }
  }
  throw new RefConflictError(options.ref);
}
