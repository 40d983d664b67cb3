// A persistent bash in a sandbox, driven the way OpenHands 0.32 drives its terminal: the working
// directory, environment variables and an activated virtualenv persist between commands; a command
// still running at the soft time limit comes back unfinished (exit code -1) and the model may wait
// for more output, type into it, or interrupt it with C-c; background jobs live until the session
// ends. Without a terminal: commands arrive on fd 3 (NUL-terminated) and are `eval`ed by one driver
// shell, so their own standard input is free for what the model types; a line with a random marker
// after each command carries its exit code, working directory and Python (written without forking,
// so it still comes when a fork bomb holds every process slot).
// Observation texts: openhands/runtime/utils/bash.py and events/observation/commands.py (0.3x).
import { randomBytes } from "node:crypto";
import type { ChildProcess } from "node:child_process";
import type { Writable } from "node:stream";
import { withTimeout } from "../ops/with-timeout.js";
import { launchSandboxed } from "./launch.js";
import { OutputBuffer } from "./output-buffer.js";
import { descendantsOf, findBelow, killSandbox, processTable, signal } from "./process-tree.js";
import { workspacePath, type SandboxDirs, type SandboxSettings } from "./types.js";

export const SOFT_TIMEOUT_MESSAGE =
  "You may wait longer to see additional output by sending empty command '', send other commands to interact with the current process, or send keys to interrupt/kill the command.";

export interface ShellSessionOptions {
  /** How long a command runs before the model gets its output so far. @defaultValue 120 s */
  softTimeoutMs: number;
  /** Output kept per observation (beginning and end). */
  maxOutputBytes: number;
}

export interface ShellObservation {
  /** What the model reads: output, then OpenHands' suffix lines. */
  text: string;
  /** -1 while the command is still running. */
  exitCode: number;
}

// The command runs in a function so that Ctrl-C can end it as a terminal would: SIGINT reaches the
// driver too, whose trap returns from the function (skipping the rest of the command line) once the
// interrupted child has exited. Children get SIGINT's default action back, as bash gives them.
const DRIVER = `exec 2>&1
__skywork_marker="$1"
shift
__skywork_run() { eval "$__skywork_command" 3<&-; }
trap 'return 130' INT
while IFS= read -r -d '' __skywork_command <&3; do
  __skywork_run
  __skywork_status=$?
  printf '\\n%s %s %q ' "$__skywork_marker" "$__skywork_status" "$PWD"
  type -P python || echo "''"
done
`;

interface Completion {
  exitCode: number;
  cwd: string | null;
  python: string | null;
}

export class ShellSession {
  readonly #settings: SandboxSettings;
  readonly #dirs: SandboxDirs;
  readonly #options: ShellSessionOptions;
  #process: Live | null = null;
  #closed = false;

  constructor(settings: SandboxSettings, dirs: SandboxDirs, options: ShellSessionOptions) {
    this.#settings = settings;
    this.#dirs = dirs;
    this.#options = options;
  }

  /** Runs `command` (or, with `isInput`, types it into the running command) and observes. */
  async execute(command: string, isInput = false): Promise<ShellObservation> {
    if (this.#closed) throw new Error("The shell session is closed.");
    const trimmed = command.trim();
    const live = this.#process?.alive ? this.#process : null;
    const running = live?.running ?? false;

    if (trimmed === "" && !isInput && !running) return { text: "ERROR: No previous running command to retrieve logs from.", exitCode: -1 };
    if (isInput && !running) return { text: "ERROR: No previous running command to interact with.", exitCode: -1 };
    if (running && live) {
      const key = trimmed.toUpperCase();
      if (key === "C-C" || key === "C-Z") {
        await live.interrupt();
        return this.#observe(live, "");
      }
      if (isInput && key === "C-D") {
        live.endInput();
        return this.#observe(live, "[Below is the output of the previous command.]\n");
      }
      if (trimmed === "") return this.#observe(live, "[Below is the output of the previous command.]\n");
      if (!isInput) {
        return {
          text: `[Your command "${trimmed}" is NOT executed. The previous command is still running - You CANNOT send new commands until the previous command is completed. By setting \`is_input\` to \`true\`, you can interact with the current process: ${SOFT_TIMEOUT_MESSAGE}]`,
          exitCode: -1,
        };
      }
      live.type(`${command}\n`);
      return this.#observe(live, "");
    }
    const session = live ?? (this.#process = new Live(this.#settings, this.#dirs, this.#options.maxOutputBytes));
    session.send(command.replace(/\0/g, ""));
    return this.#observe(session, "");
  }

  /** Kills the session and every process it started. */
  async close(): Promise<void> {
    this.#closed = true;
    await this.#process?.kill();
    this.#process = null;
  }

  async #observe(live: Live, prefix: string): Promise<ShellObservation> {
    const done = await live.wait(this.#options.softTimeoutMs);
    const output = live.takeOutput().replace(/\n$/, "");
    if (!done) {
      const seconds = Math.round(this.#options.softTimeoutMs / 1000);
      return { text: `${prefix}${output}\n[The command has no new output after ${seconds} seconds. ${SOFT_TIMEOUT_MESSAGE}]`, exitCode: -1 };
    }
    const lines = [`${prefix}${output}`, `[The command completed with exit code ${done.exitCode}.]`];
    lines.push(`[Current working directory: ${done.cwd ?? workspacePath(this.#dirs)}]`);
    if (done.python) lines.push(`[Python interpreter: ${done.python}]`);
    lines.push(`[Command finished with exit code ${done.exitCode}]`);
    return { text: lines.join("\n"), exitCode: done.exitCode };
  }
}

/** One running driver shell (a new one starts if the model's command ends it, e.g. `exit`). */
class Live {
  readonly #child: ChildProcess;
  readonly #commands: Writable;
  readonly #marker = `__SKYWORK_${randomBytes(12).toString("hex")}__`;
  /** "\n<marker> ": where the completion line starts. */
  readonly #needle: Buffer;
  readonly #output: OutputBuffer;
  /** Bytes held back: the possible start of a completion line split across chunks. */
  #pending: Buffer = Buffer.alloc(0);
  #completion: Completion | null = null;
  #waiters: Array<() => void> = [];
  #exited: Promise<void>;
  running = false;
  alive = true;

  constructor(settings: SandboxSettings, dirs: SandboxDirs, maxOutputBytes: number) {
    this.#output = new OutputBuffer(maxOutputBytes);
    this.#needle = Buffer.from(`\n${this.#marker} `);
    this.#child = launchSandboxed(settings, dirs, ["/bin/bash", "--noprofile", "--norc", "-c", DRIVER, "bash", this.#marker], {
      network: { kind: "none" },
      stdio: ["pipe", "pipe", "pipe", "pipe"],
    });
    this.#commands = this.#child.stdio[3] as Writable;
    this.#commands.on("error", () => undefined);
    this.#child.stdin?.on("error", () => undefined);
    const onData = (chunk: Buffer): void => this.#read(chunk);
    this.#child.stdout?.on("data", onData);
    this.#child.stderr?.on("data", onData);
    this.#exited = new Promise((resolve) => {
      this.#child.on("close", (code) => {
        this.alive = false;
        if (this.running && this.#completion === null) {
          this.#flushPending();
          this.#completion = { exitCode: code ?? 137, cwd: null, python: null };
        }
        this.running = false;
        this.#wake();
        resolve();
      });
      this.#child.on("error", (error) => {
        this.#output.push(Buffer.from(`${error.message}\n`));
      });
    });
  }

  send(command: string): void {
    this.#completion = null;
    this.running = true;
    this.#commands.write(`${command}\0`);
  }

  type(text: string): void {
    if (this.#child.stdin && !this.#child.stdin.writableEnded) this.#child.stdin.write(text);
  }

  endInput(): void {
    this.#child.stdin?.end();
  }

  /** Resolves with the completion, or null when `ms` pass first. */
  async wait(ms: number): Promise<Completion | null> {
    if (!this.running && this.#completion) return this.#take();
    const finished = await withTimeout(new Promise<void>((resolve) => this.#waiters.push(resolve)), ms, { unref: false }).then(
      () => true,
      () => false,
    );
    return finished ? this.#take() : null;
  }

  takeOutput(): string {
    return this.#output.take();
  }

  /** Ctrl-C: SIGINT to the driver and every process it started for the command (background jobs ignore it). */
  async interrupt(): Promise<void> {
    const pid = this.#child.pid;
    if (pid === undefined) return;
    const table = await processTable();
    const driver = findBelow(table, pid, "bash");
    if (driver === null) return;
    // The driver first: it must hold the interrupt when its command's processes end, or it would
    // go on to the rest of the command line.
    signal(driver, "SIGINT");
    for (const target of descendantsOf(table, driver)) signal(target, "SIGINT");
  }

  async kill(): Promise<void> {
    await killSandbox(this.#child);
    await this.#exited;
  }

  #take(): Completion | null {
    const done = this.#completion;
    this.#completion = null;
    return done;
  }

  /** Scans bytes (never decoding them) for the completion line, so a flood of output stays cheap. */
  #read(chunk: Buffer): void {
    let data = this.#pending.length > 0 ? Buffer.concat([this.#pending, chunk]) : chunk;
    for (;;) {
      const start = data.indexOf(this.#needle);
      if (start < 0) {
        // Hold back only what could be the start of a completion line split across chunks.
        const keep = prefixAtEnd(data, this.#needle);
        this.#output.push(data.subarray(0, data.length - keep));
        this.#pending = Buffer.from(data.subarray(data.length - keep));
        return;
      }
      const end = data.indexOf(0x0a, start + 1);
      if (end < 0) {
        this.#output.push(data.subarray(0, start));
        this.#pending = Buffer.from(data.subarray(start)); // the rest of the line is on its way
        return;
      }
      this.#output.push(data.subarray(0, start));
      const [, status = "", cwd = "", python = ""] = data
        .subarray(start + 1, end)
        .toString("utf8")
        .split(" ");
      data = data.subarray(end + 1);
      this.#completion = { exitCode: Number.parseInt(status, 10), cwd: unquote(cwd) || null, python: unquote(python) || null };
      this.running = false;
      this.#wake();
    }
  }

  #flushPending(): void {
    this.#output.push(this.#pending);
    this.#pending = Buffer.alloc(0);
  }

  #wake(): void {
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const wake of waiters) wake();
  }
}

/** Length of the longest end of `data` that begins `needle`. */
function prefixAtEnd(data: Buffer, needle: Buffer): number {
  for (let length = Math.min(needle.length - 1, data.length); length > 0; length--) {
    if (data.subarray(data.length - length).equals(needle.subarray(0, length))) return length;
  }
  return 0;
}

/** bash's `printf %q` for the common cases: backslash escapes and `''` for an empty string. */
function unquote(quoted: string): string {
  if (quoted === "''") return "";
  if (quoted.startsWith("$'")) return quoted.slice(2, -1).replace(/\\n/g, "\n").replace(/\\(.)/g, "$1");
  return quoted.replace(/\\(.)/g, "$1");
}
