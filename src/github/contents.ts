// File contents at a commit, for the context engine (hunks extended to their enclosing scope,
// small files shown whole). Never guessed: what cannot be read is null.
import type { FileSource } from "../context/index.js";
import type { Octokit } from "./app-client.js";
import { httpStatus } from "./errors.js";

/** Larger files are not read for context (their hunks are still reviewed). */
const MAX_CONTEXT_FILE_BYTES = 512 * 1024;

export function commitFileSource(octokit: Octokit, repo: { owner: string; repo: string }, sha: string): FileSource {
  return {
    async read(path) {
      try {
        const { data } = await octokit.rest.repos.getContent({ owner: repo.owner, repo: repo.repo, path, ref: sha, mediaType: { format: "raw" } });
        // With the raw media type GitHub answers the file's bytes, which Octokit hands over as text.
        const raw: unknown = data;
        const text = typeof raw === "string" ? raw : null;
        if (text === null || text.length > MAX_CONTEXT_FILE_BYTES || text.includes("\u0000")) return null;
        return text;
      } catch (error) {
        if (httpStatus(error) === 404) return null;
        throw error;
      }
    },
  };
}
