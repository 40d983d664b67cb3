// Who may make the bot spend GPU time or push code: people with write access to the repository.
// https://docs.github.com/rest/collaborators/collaborators#get-repository-permissions-for-a-user
import type { Octokit } from "./app-client.js";
import { httpStatus } from "./errors.js";

/** GitHub reports maintain as "write" and triage as "read" in `permission`. */
const WRITERS = new Set(["admin", "write"]);

export async function hasWriteAccess(octokit: Octokit, repo: { owner: string; repo: string }, login: string): Promise<boolean> {
  try {
    const { data } = await octokit.rest.repos.getCollaboratorPermissionLevel({ owner: repo.owner, repo: repo.repo, username: login });
    return WRITERS.has(data.permission) || data.role_name === "maintain";
  } catch (error) {
    // Not a collaborator (or an unknown user): no rights.
    if (httpStatus(error) === 404) return false;
    throw error;
  }
}
