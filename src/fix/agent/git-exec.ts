// git for our own bookkeeping (collecting changes), with the same clean environment and safety
// options as the commands the model may run.
import { execFile } from "node:child_process";
import { GIT_SAFETY_OPTIONS, type MinimalEnv } from "./minimal-env.js";

const MAX_BUFFER = 512 * 1024 * 1024;

export class GitCommandError extends Error {
  constructor(
    message: string,
    readonly exitCode: number | null,
  ) {
    super(message);
    this.name = "GitCommandError";
  }
}

/** Runs `git <args>` in `cwd`; exit codes in `okCodes` (default: 0) resolve, others reject. */
export function git(cwd: string, env: MinimalEnv["env"], args: readonly string[], okCodes: readonly number[] = [0]): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    execFile(
      "git",
      [...GIT_SAFETY_OPTIONS, ...args],
      { cwd, env: { ...env }, encoding: "buffer", maxBuffer: MAX_BUFFER, windowsHide: true },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === "number" ? error.code : null) : 0;
        if (code !== null && okCodes.includes(code)) return resolve(stdout);
        const detail = Buffer.isBuffer(stderr) ? stderr.toString("utf8").trim() : String(stderr);
        reject(new GitCommandError(`git ${args.join(" ")} failed in ${cwd}${code === null ? "" : ` (exit ${code})`}: ${detail || error?.message || "unknown error"}`, code));
      },
    );
  });
}
