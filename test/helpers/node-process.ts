// A Node script of the tests' own (test/e2e/processes/*.mjs) as a separate process, for what one
// process cannot show: limits shared through Redis across processes, a holder killed with SIGKILL.
// The scripts import the app from dist/, as `npm start` runs it (the e2e project builds it first).
import { spawn, type ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";
import { requireSerialTestFile } from "./harness.js";

export interface NodeProcess {
  child: ChildProcess;
  /** Resolves with the first line of output that `marker` matches; rejects if the process exits first. */
  line(marker: RegExp): Promise<string>;
  /** Writes a line to the process's standard input. */
  send(line: string): void;
  /** Resolves with the exit code (or the signal name). */
  exited: Promise<number | string>;
}

/** Starts test/e2e/processes/<name>.mjs with `args`; kill it (SIGKILL) when the test ends. */
export function startNodeProcess(name: string, args: readonly string[]): NodeProcess {
  requireSerialTestFile(`startNodeProcess("${name}") starts a process`);
  const script = fileURLToPath(new URL(`../e2e/processes/${name}.mjs`, import.meta.url));
  const child = spawn(process.execPath, [script, ...args], { stdio: ["pipe", "pipe", "inherit"] });
  let out = "";
  child.stdout!.on("data", (chunk: Buffer) => (out += chunk.toString()));
  const exited = new Promise<number | string>((resolve) => child.once("exit", (code, signal) => resolve(code ?? signal ?? -1)));
  const line = (marker: RegExp) =>
    new Promise<string>((resolve, reject) => {
      const check = () => {
        const found = out.split("\n").find((l) => marker.test(l));
        if (found !== undefined) resolve(found);
        return found !== undefined;
      };
      if (check()) return;
      child.stdout!.on("data", check);
      void exited.then((code) => check() || reject(new Error(`${name} exited (${code}) before printing ${String(marker)}:\n${out}`)));
    });
  return { child, line, send: (text) => void child.stdin!.write(`${text}\n`), exited };
}
