// Runs a pipeline of programs without a shell: each stage is spawned with an argument vector, and
// we carry one stage's stdout to the next stage's stdin ourselves. One deadline and one output cap
// cover the whole pipeline.
import { spawn, type ChildProcess } from "node:child_process";
import type { Readable } from "node:stream";

export interface Stage {
  program: string;
  args: readonly string[];
  /** "merge" is `2>&1`, "discard" is `2>/dev/null`. */
  stderr: "show" | "merge" | "discard";
  /** "discard" is `>/dev/null`. */
  stdout: "pipe" | "discard";
}

export interface RunLimits {
  cwd: string;
  env: Readonly<Record<string, string>>;
  /** Absolute time (Date.now()) after which every stage is killed. */
  deadline: number;
  /** Bytes of output kept; more stops the pipeline. */
  maxOutputBytes: number;
  signal?: AbortSignal;
}

export interface RunResult {
  /** What a terminal would show: the last stage's stdout plus every shown stderr, in arrival order. */
  output: Buffer;
  /** The last stage's exit status, as bash reports it (128 + n after signal n). */
  exitCode: number;
  timedOut: boolean;
  truncated: boolean;
  aborted: boolean;
}

const SIGNAL_NUMBERS: Record<string, number> = { SIGHUP: 1, SIGINT: 2, SIGKILL: 9, SIGPIPE: 13, SIGTERM: 15 };

export function runPipeline(stages: readonly Stage[], limits: RunLimits): Promise<RunResult> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let kept = 0;
    let truncated = false;
    let timedOut = false;
    let aborted = false;
    const children: ChildProcess[] = [];
    const silenced = new Set<ChildProcess>();

    const killAll = (): void => {
      for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
    };
    const collect = (chunk: Buffer): void => {
      if (truncated) return;
      const room = limits.maxOutputBytes - kept;
      if (chunk.length > room) {
        chunks.push(chunk.subarray(0, Math.max(0, room)));
        kept = limits.maxOutputBytes;
        truncated = true;
        killAll();
        return;
      }
      chunks.push(chunk);
      kept += chunk.length;
    };

    let upstream: Readable[] = [];
    const exits: Array<Promise<number>> = [];
    stages.forEach((stage, index) => {
      const last = index === stages.length - 1;
      const child = spawn(stage.program, [...stage.args], {
        cwd: limits.cwd,
        env: { ...limits.env },
        stdio: [upstream.length > 0 ? "pipe" : "ignore", stage.stdout === "discard" ? "ignore" : "pipe", stage.stderr === "discard" ? "ignore" : "pipe"],
        shell: false,
        windowsHide: true,
      });
      children.push(child);
      exits.push(
        new Promise((done) => {
          child.once("error", (error: NodeJS.ErrnoException) => {
            collect(Buffer.from(`${stage.program}: ${error.code === "ENOENT" ? "command not found" : error.message}\n`));
            done(127);
          });
          child.once("close", (code, signal) => done(code ?? 128 + (SIGNAL_NUMBERS[signal ?? ""] ?? 1)));
        }),
      );

      // Feed this stage from the previous stage's output streams.
      if (child.stdin) {
        const stdin = child.stdin;
        const sources = upstream;
        let open = sources.length;
        // A reader that stops early (`head`) must stop the writer too, as SIGPIPE would.
        const writer = children[index - 1];
        const stopUpstream = (): void => {
          if (writer) {
            silenced.add(writer);
            if (writer.exitCode === null && writer.signalCode === null) writer.kill("SIGPIPE");
          }
          for (const source of sources) source.destroy();
        };
        stdin.on("error", stopUpstream);
        stdin.on("close", stopUpstream);
        // Its input pipe may just be full when the reader exits: stop the writer then too.
        child.once("exit", stopUpstream);
        for (const source of sources) {
          source.on("data", (chunk: Buffer) => {
            if (stdin.destroyed || stdin.writableEnded) return;
            if (!stdin.write(chunk)) {
              source.pause();
              stdin.once("drain", () => source.resume());
            }
          });
          source.on("end", () => {
            open -= 1;
            if (open === 0 && !stdin.writableEnded) stdin.end();
          });
          source.on("error", () => undefined);
        }
      }

      const next: Readable[] = [];
      if (child.stdout) {
        if (last) child.stdout.on("data", collect);
        else next.push(child.stdout);
      }
      if (child.stderr) {
        if (stage.stderr === "merge" && !last) next.push(child.stderr);
        // A writer stopped because its reader finished dies quietly, as under SIGPIPE in bash.
        else child.stderr.on("data", (chunk: Buffer) => silenced.has(child) || collect(chunk));
      }
      upstream = next;
    });

    const timer = setTimeout(
      () => {
        timedOut = true;
        killAll();
      },
      Math.max(0, limits.deadline - Date.now()),
    );
    const onAbort = (): void => {
      aborted = true;
      killAll();
    };
    limits.signal?.addEventListener("abort", onAbort, { once: true });
    if (limits.signal?.aborted) onAbort();

    void Promise.all(exits).then((codes) => {
      clearTimeout(timer);
      limits.signal?.removeEventListener("abort", onAbort);
      resolve({ output: Buffer.concat(chunks), exitCode: codes[codes.length - 1] ?? 0, timedOut, truncated, aborted });
    });
  });
}
