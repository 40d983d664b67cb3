// GitHub refuses ref updates that bring changes to `.github/workflows/` from an App without the
// `workflows` permission, whichever way they arrive. The push message is GitHub's (seen in many
// `! [remote rejected]` logs); the REST and GraphQL paths reuse it (not confirmed, see README).
import type { FakeState, RepoRecord } from "./state.js";

export function workflowRefusal(file: string): string {
  return `refusing to allow a GitHub App to create or update workflow \`${file}\` without \`workflows\` permission`;
}

export function mayChangeWorkflows(state: FakeState, installationId: number): boolean {
  return state.installations.get(installationId)?.permissions["workflows"] === "write";
}

/** The first workflow file changed by the commits `sha` would add to the repository's refs, if any. */
export async function workflowChangeIn(repo: RepoRecord, sha: string): Promise<string | undefined> {
  const out = await repo.git.text(["log", "--format=", "--name-only", sha, "--not", "--all", "--", ".github/workflows"]);
  return out.split("\n").find((line) => line.trim() !== "");
}
