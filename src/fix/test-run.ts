// The repository's own tests (`fix.test`), run in a fresh sandbox on the base and on base + each
// candidate's change: the change is applied inside the sandbox (so a symbolic link the repository or
// its setup planted can only lead somewhere the sandbox sees), then the command runs without network.
import { mkdir, rm, symlink, writeFile } from "node:fs/promises";
import path from "node:path";
import { runInSandbox } from "../sandbox/run-in-sandbox.js";
import type { SandboxDirs, SandboxSettings } from "../sandbox/types.js";
import type { FileChange } from "./agent/types.js";
import { parseTestCounts, type TestCounts } from "./test-counts.js";

export interface TestRun {
  command: string;
  /** null when the time limit stopped it. */
  exitCode: number | null;
  timedOut: boolean;
  passed: boolean;
  counts: TestCounts | null;
  /** The end of the output, for people. */
  tail: string;
  durationMs: number;
}

const STAGE = ".skywork-change";

/** Runs `command` in a fresh sandbox over `dirs`, after applying `changes` (none: the base). */
export async function runTests(
  settings: SandboxSettings,
  dirs: SandboxDirs,
  command: string,
  changes: readonly FileChange[] | null,
  options: { timeoutMs: number; signal?: AbortSignal },
): Promise<TestRun> {
  const apply = changes && changes.length > 0 ? await stage(dirs, changes) : "";
  const run = await runInSandbox(settings, dirs, `${apply}${command}`, {
    network: { kind: "none" },
    timeoutMs: options.timeoutMs,
    maxOutputBytes: 256 * 1024,
    ...(options.signal ? { signal: options.signal } : {}),
  });
  return {
    command,
    exitCode: run.exitCode,
    timedOut: run.timedOut,
    passed: run.exitCode === 0,
    counts: parseTestCounts(run.output),
    tail: lastLines(run.output, 40),
    durationMs: run.durationMs,
  };
}

/** Writes the change where the sandbox finds it (its /tmp) and returns the shell lines that apply it. */
async function stage(dirs: SandboxDirs, changes: readonly FileChange[]): Promise<string> {
  const root = path.join(dirs.tmp, STAGE);
  await rm(root, { recursive: true, force: true });
  const files = path.join(root, "files");
  await mkdir(files, { recursive: true, mode: 0o755 });
  const deleted: string[] = [];
  for (const change of changes) {
    if (change.path.split("/").some((part) => part === "" || part === "." || part === "..")) continue;
    if (change.content === null) {
      deleted.push(change.path);
      continue;
    }
    const target = path.join(files, ...change.path.split("/"));
    await mkdir(path.dirname(target), { recursive: true, mode: 0o755 });
    if (change.mode === "120000") await symlink(change.content.toString("utf8"), target);
    else await writeFile(target, change.content, { mode: change.mode === "100755" ? 0o755 : 0o644 });
  }
  await writeFile(path.join(root, "deleted"), deleted.map((p) => `${p}\0`).join(""), { mode: 0o644 });
  return [
    "set -e",
    `while IFS= read -r -d '' __skywork_path; do rm -rf -- "$__skywork_path"; done < /tmp/${STAGE}/deleted`,
    `cp -R -P --preserve=mode /tmp/${STAGE}/files/. ./`,
    "set +e",
    "",
  ].join("\n");
}

function lastLines(text: string, count: number): string {
  const lines = text.replace(/\s+$/, "").split("\n");
  return lines.slice(-count).join("\n");
}
