// One command in a fresh sandbox, to its end or its time limit: a repository's setup and tests, and
// each file operation of the agent's editor. When it ends, its PID namespace ends with it, so no
// process it started in the background survives.
import { launchSandboxed } from "./launch.js";
import { OutputBuffer } from "./output-buffer.js";
import { killSandbox } from "./process-tree.js";
import type { SandboxCommandOptions } from "./bwrap-args.js";
import type { SandboxDirs, SandboxSettings } from "./types.js";

export interface RunInSandboxOptions extends SandboxCommandOptions {
  /** Wall-clock limit; the whole sandbox is killed when it is reached. */
  timeoutMs: number;
  /** stdout and stderr together (in the order written), or stdout alone. @defaultValue true */
  mergeStderr?: boolean;
  /** Bytes of output kept (beginning and end). @defaultValue 1 MiB */
  maxOutputBytes?: number;
  /** Written to the command's standard input, which is then closed. */
  input?: Buffer | string;
  signal?: AbortSignal;
}

export interface SandboxRun {
  /** null when the command was killed (time limit, abort) or died of a signal. */
  exitCode: number | null;
  timedOut: boolean;
  /** The output as text (bounded), or stdout's bytes when stderr was kept apart. */
  output: string;
  stdout: Buffer;
  /** stderr's text when kept apart from stdout. */
  stderr: string;
  outputBytes: number;
  durationMs: number;
}

/** Runs `script` with bash inside a new sandbox over `dirs`. */
export function runInSandbox(settings: SandboxSettings, dirs: SandboxDirs, script: string, options: RunInSandboxOptions): Promise<SandboxRun> {
  return runArgv(settings, dirs, ["/bin/bash", "--noprofile", "--norc", "-c", options.mergeStderr === false ? script : `exec 2>&1\n${script}`], options);
}

/** Runs an argv (no shell parsing of its arguments) inside a new sandbox over `dirs`. */
export function runArgv(settings: SandboxSettings, dirs: SandboxDirs, argv: readonly string[], options: RunInSandboxOptions): Promise<SandboxRun> {
  const started = performance.now();
  const merge = options.mergeStderr !== false;
  const maxBytes = options.maxOutputBytes ?? 1024 * 1024;
  return new Promise((resolve, reject) => {
    if (options.signal?.aborted) {
      reject(abortReason(options.signal));
      return;
    }
    const child = launchSandboxed(settings, dirs, argv, { ...options, stdio: ["pipe", "pipe", "pipe"] });
    const out = new OutputBuffer(maxBytes);
    const raw: Buffer[] = [];
    let rawBytes = 0;
    const err = new OutputBuffer(64 * 1024);
    let timedOut = false;
    const kill = (): void => {
      void killSandbox(child);
    };
    const timer = setTimeout(() => {
      timedOut = true;
      kill();
    }, options.timeoutMs);
    options.signal?.addEventListener("abort", kill, { once: true });
    child.stdout?.on("data", (chunk: Buffer) => {
      if (merge) out.push(chunk);
      else if (rawBytes < maxBytes) {
        raw.push(chunk);
        rawBytes += chunk.length;
      }
    });
    child.stderr?.on("data", (chunk: Buffer) => (merge ? out.push(chunk) : err.push(chunk)));
    // A command that does not read its input (or exits first) must not fail the run with EPIPE.
    child.stdin?.on("error", () => undefined);
    child.stdin?.end(options.input ?? "");
    child.on("error", (error) => {
      clearTimeout(timer);
      options.signal?.removeEventListener("abort", kill);
      reject(error);
    });
    child.on("close", (code) => {
      clearTimeout(timer);
      options.signal?.removeEventListener("abort", kill);
      if (options.signal?.aborted) {
        reject(abortReason(options.signal));
        return;
      }
      const total = merge ? out.totalBytes : rawBytes;
      resolve({
        exitCode: timedOut ? null : code,
        timedOut,
        output: merge ? out.take() : "",
        stdout: merge ? Buffer.alloc(0) : Buffer.concat(raw).subarray(0, maxBytes),
        stderr: merge ? "" : err.take(),
        outputBytes: total,
        durationMs: performance.now() - started,
      });
    });
  });
}

function abortReason(signal: AbortSignal): Error {
  return signal.reason instanceof Error ? signal.reason : new Error("The sandboxed command was cancelled.");
}
