// Where str_replace_editor reads and writes. With a sandbox, every file operation runs inside a
// sandbox of the attempt (so a symbolic link, or a race with a background process the model left
// running, can only ever reach what the sandbox sees). Without one, on the host, every path is
// confined to the checkout (workspace.ts) and nothing the model wrote ever runs, so no race exists.
import { constants } from "node:fs";
import { lstat, mkdir, open, readdir, readFile, stat, unlink } from "node:fs/promises";
import path from "node:path";
import { runArgv } from "../../sandbox/run-in-sandbox.js";
import { WORKSPACE_PARENT, type SandboxDirs, type SandboxSettings } from "../../sandbox/types.js";
import type { Workspace } from "./workspace.js";

export type FileKind = { kind: "file"; size: number } | { kind: "dir" } | { kind: "other" };

/** A path the editor may not use, with the sentence the model reads. */
export class PathRefused extends Error {}

export interface EditorFiles {
  /** `/workspace/<repo>`: where the checkout is, as the model sees it. */
  readonly root: string;
  /** Refuses a path for this kind of use (throws PathRefused); returns a stable key for it. */
  check(modelPath: string, access: "read" | "write"): Promise<string>;
  /** What is at the path, following a final symbolic link; null when nothing is. */
  stat(modelPath: string): Promise<FileKind | null>;
  read(modelPath: string): Promise<Buffer>;
  /** Writes the file, creating missing parent folders. */
  write(modelPath: string, data: string): Promise<void>;
  remove(modelPath: string): Promise<void>;
  /** Entries up to two levels below a folder, as paths relative to it. */
  list(modelPath: string): Promise<Array<{ rel: string; dir: boolean }>>;
}

/** Operations run by bash in a fresh sandbox of the attempt; the path is an argument, never code. */
const FILE_OPS = `
case "$1" in
  stat)
    if [ -d "$2" ]; then echo dir
    elif [ -f "$2" ]; then echo "file $(stat -L -c %s -- "$2")"
    elif [ -e "$2" ] || [ -L "$2" ]; then echo other
    else echo none; fi ;;
  read) exec cat -- "$2" ;;
  write) mkdir -p -- "$(dirname -- "$2")" && cat > "$2" ;;
  remove) rm -f -- "$2" ;;
  list) cd -- "$2" && find . -mindepth 1 -maxdepth 2 -printf '%y %P\\0' ;;
esac`;

export class SandboxFiles implements EditorFiles {
  readonly root: string;
  readonly #settings: SandboxSettings;
  readonly #dirs: SandboxDirs;
  readonly #timeoutMs: number;

  constructor(settings: SandboxSettings, dirs: SandboxDirs, timeoutMs = 60_000) {
    this.#settings = settings;
    this.#dirs = dirs;
    this.#timeoutMs = timeoutMs;
    this.root = `${WORKSPACE_PARENT}/${dirs.name}`;
  }

  async check(modelPath: string, access: "read" | "write"): Promise<string> {
    const normal = path.posix.normalize(modelPath);
    // Not a security boundary (the sandbox is): the model hears at once that CI files are off limits.
    const rel = normal.startsWith(`${this.root}/`) ? normal.slice(this.root.length + 1).toLowerCase() : null;
    if (access === "write" && rel !== null && (rel === ".github/workflows" || rel.startsWith(".github/workflows/"))) {
      throw new PathRefused("Files under .github/workflows/ cannot be changed by this fix (the app may not alter CI).");
    }
    return normal;
  }

  async stat(modelPath: string): Promise<FileKind | null> {
    const answer = (await this.#op("stat", modelPath)).toString("utf8").trim();
    if (answer === "dir") return { kind: "dir" };
    if (answer === "other") return { kind: "other" };
    if (answer.startsWith("file ")) return { kind: "file", size: Number(answer.slice(5)) };
    return null;
  }

  read(modelPath: string): Promise<Buffer> {
    return this.#op("read", modelPath);
  }

  async write(modelPath: string, data: string): Promise<void> {
    await this.#op("write", modelPath, data);
  }

  async remove(modelPath: string): Promise<void> {
    await this.#op("remove", modelPath);
  }

  async list(modelPath: string): Promise<Array<{ rel: string; dir: boolean }>> {
    const raw = (await this.#op("list", modelPath)).toString("utf8");
    return raw
      .split("\0")
      .filter(Boolean)
      .map((entry) => ({ rel: entry.slice(2), dir: entry.startsWith("d ") }));
  }

  async #op(op: string, modelPath: string, input?: string): Promise<Buffer> {
    const run = await runArgv(this.#settings, this.#dirs, ["/bin/bash", "--noprofile", "--norc", "-c", FILE_OPS, "file-op", op, modelPath], {
      network: { kind: "none" },
      timeoutMs: this.#timeoutMs,
      mergeStderr: false,
      maxOutputBytes: 64 * 1024 * 1024,
      ...(input === undefined ? {} : { input }),
    });
    if (run.exitCode !== 0) {
      const why = run.timedOut
        ? "the file operation timed out"
        : run.stderr.trim().replace(/^(cat|mkdir|rm|find|stat|bash): /, "") || `exit code ${run.exitCode}`;
      throw new Error(why);
    }
    return run.stdout;
  }
}

/** On the host, confined to the checkout (no sandbox on this worker: the agent runs nothing). */
export class HostFiles implements EditorFiles {
  readonly root: string;
  readonly #workspace: Workspace;

  constructor(workspace: Workspace) {
    this.#workspace = workspace;
    this.root = workspace.virtualRoot;
  }

  async check(modelPath: string, access: "read" | "write"): Promise<string> {
    if (access === "read" && path.posix.normalize(modelPath).replace(/\/+$/, "") === WORKSPACE_PARENT) return WORKSPACE_PARENT;
    const resolved = await this.#workspace.resolve(modelPath, access);
    if (!resolved.ok) throw new PathRefused(resolved.why);
    return resolved.real;
  }

  async stat(modelPath: string): Promise<FileKind | null> {
    if (this.#isParent(modelPath)) return { kind: "dir" };
    const real = await this.check(modelPath, "read");
    try {
      await lstat(real);
    } catch {
      return null;
    }
    try {
      const info = await stat(real);
      if (info.isDirectory()) return { kind: "dir" };
      if (info.isFile()) return { kind: "file", size: info.size };
      return { kind: "other" };
    } catch {
      return { kind: "other" }; // a dangling link
    }
  }

  async read(modelPath: string): Promise<Buffer> {
    return readFile(await this.check(modelPath, "read"));
  }

  /** Never through a symbolic link at the last component (check() refused links on the way). */
  async write(modelPath: string, data: string): Promise<void> {
    const real = await this.check(modelPath, "write");
    await mkdir(path.dirname(real), { recursive: true });
    const handle = await open(real, constants.O_WRONLY | constants.O_CREAT | constants.O_TRUNC | constants.O_NOFOLLOW, 0o644);
    try {
      await handle.writeFile(data, "utf8");
    } finally {
      await handle.close();
    }
  }

  async remove(modelPath: string): Promise<void> {
    await unlink(await this.check(modelPath, "write"));
  }

  async list(modelPath: string): Promise<Array<{ rel: string; dir: boolean }>> {
    if (this.#isParent(modelPath)) {
      // /workspace holds only the checkout.
      const name = this.root.slice(WORKSPACE_PARENT.length + 1);
      const inner = await listDir(this.#workspace.root);
      return [{ rel: name, dir: true }, ...inner.map((e) => ({ rel: `${name}/${e.name}`, dir: e.dir }))];
    }
    const real = await this.check(modelPath, "read");
    const out: Array<{ rel: string; dir: boolean }> = [];
    for (const entry of await listDir(real)) {
      out.push({ rel: entry.name, dir: entry.dir });
      if (entry.dir) for (const inner of await listDir(path.join(real, entry.name))) out.push({ rel: `${entry.name}/${inner.name}`, dir: inner.dir });
    }
    return out;
  }

  #isParent(modelPath: string): boolean {
    return path.posix.normalize(modelPath).replace(/\/+$/, "") === WORKSPACE_PARENT;
  }
}

async function listDir(dir: string): Promise<Array<{ name: string; dir: boolean }>> {
  const entries = await readdir(dir, { withFileTypes: true });
  return entries.map((e) => ({ name: e.name, dir: e.isDirectory() }));
}
