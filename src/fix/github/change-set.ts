// The change a fix proposes, as the publishing side needs it, and the rules every change set must
// pass before anything is written to GitHub.
import { InvalidChangeError, WorkflowChangeError } from "../../errors.js";

/** Git's modes for files: plain, executable, symbolic link (content = link target). */
export type FileMode = "100644" | "100755" | "120000";

/** One file of a fix. The agent's richer FileChange (src/fix/agent/types.ts) fits this shape. */
export interface PublishableChange {
  /** Repository-relative, "/"-separated. */
  readonly path: string;
  readonly status: "added" | "modified" | "deleted";
  /** New bytes; null when deleted. */
  readonly content: Buffer | null;
  readonly mode: FileMode;
}

const WORKFLOWS_DIR = ".github/workflows/";

/** GitHub refuses workflow changes from an App without the `workflows` permission; Skywork never asks for it. */
export function isWorkflowPath(path: string): boolean {
  return path.toLowerCase().startsWith(WORKFLOWS_DIR);
}

/** Throws unless `changes` is something Skywork may commit. */
export function assertPublishable(changes: readonly PublishableChange[]): void {
  if (changes.length === 0) throw new InvalidChangeError("The fix changes no files; there is nothing to commit.");
  const workflows = changes.filter((change) => isWorkflowPath(change.path)).map((change) => change.path);
  if (workflows.length > 0) throw new WorkflowChangeError(workflows);
  const seen = new Set<string>();
  for (const change of changes) {
    const { path } = change;
    const parts = path.split("/");
    if (path === "" || path.startsWith("/") || parts.some((part) => part === "" || part === "." || part === "..")) {
      throw new InvalidChangeError(`The fix names an invalid path ${JSON.stringify(path)}; paths must be relative and normalised.`);
    }
    if (parts.some((part) => part.toLowerCase() === ".git")) {
      throw new InvalidChangeError(`The fix writes inside .git (${path}), which git does not allow in a tree.`);
    }
    if (seen.has(path)) throw new InvalidChangeError(`The fix lists ${path} twice.`);
    seen.add(path);
    if ((change.status === "deleted") !== (change.content === null)) {
      throw new InvalidChangeError(`${path} is ${change.status} but ${change.content === null ? "has no content" : "carries content"}.`);
    }
  }
}
