// A bare git repository driven through the git CLI. Writes go through `git fast-import`, which
// builds a commit touching thousands of files in one process and one pack.
import { spawn } from "node:child_process";
import { readFile, rm } from "node:fs/promises";
import { join } from "node:path";

export type FileMode = "100644" | "100755" | "120000";
export type FileChange = string | Buffer | null | { content: string | Buffer; mode: FileMode };

export interface GitIdentity {
  readonly name: string;
  readonly email: string;
}

export interface CommitInfo {
  readonly sha: string;
  readonly tree: string;
  readonly parents: readonly string[];
  readonly author: GitIdentity & { readonly date: string };
  readonly committer: GitIdentity & { readonly date: string };
  readonly message: string;
}

export interface TreeEntry {
  readonly mode: string;
  readonly type: "blob" | "tree" | "commit";
  readonly sha: string;
  readonly size: number;
  readonly path: string;
}

/** Modes a tree entry may have, as GitHub's "create a tree" accepts them. */
export type TreeMode = "100644" | "100755" | "120000" | "160000" | "040000";

/** One entry of a tree edit: a blob, a gitlink (160000), a whole subtree (040000), or a deletion (sha null). */
export interface TreeEdit {
  readonly path: string;
  readonly mode: TreeMode;
  readonly sha: string | null;
}

/** A deletion named a path the base tree does not have. */
export class MissingTreePathError extends Error {
  constructor(readonly path: string) {
    super(`No entry at ${path} to delete`);
    this.name = "MissingTreePathError";
  }
}

export interface CommitTreeRequest {
  readonly tree: string;
  readonly parents: readonly string[];
  readonly message: string;
  readonly author: GitIdentity & { readonly date: string };
  readonly committer: GitIdentity & { readonly date: string };
}

function parseLsTree(out: string): TreeEntry[] {
  return out
    .split("\0")
    .filter(Boolean)
    .map((line) => {
      const tab = line.indexOf("\t");
      const [mode = "", type = "", sha = "", size = ""] = line.slice(0, tab).trim().split(/\s+/);
      return {
        mode,
        type: type as TreeEntry["type"],
        sha,
        size: size === "-" ? 0 : Number(size),
        path: line.slice(tab + 1),
      };
    });
}

export class GitCommandError extends Error {
  constructor(
    readonly args: readonly string[],
    readonly code: number | null,
    readonly stderr: string,
  ) {
    super(`git ${args.join(" ")} failed (${code ?? "signal"}): ${stderr.trim()}`);
    this.name = "GitCommandError";
  }
}

// Isolated from the developer's git configuration so results never depend on the machine.
export const GIT_ENV: Readonly<Record<string, string>> = {
  GIT_CONFIG_NOSYSTEM: "1",
  GIT_CONFIG_GLOBAL: "/dev/null",
  GIT_TERMINAL_PROMPT: "0",
  LC_ALL: "C",
};

export interface RunGitOptions {
  readonly input?: string | Buffer;
  readonly env?: Record<string, string>;
}

export function runGit(cwd: string, args: readonly string[], options: RunGitOptions = {}): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const child = spawn("git", args, {
      cwd,
      env: { ...process.env, ...GIT_ENV, ...options.env },
      stdio: ["pipe", "pipe", "pipe"],
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on("data", (chunk: Buffer) => out.push(chunk));
    child.stderr.on("data", (chunk: Buffer) => err.push(chunk));
    child.on("error", reject);
    child.on("close", (code) => {
      if (code === 0) resolve(Buffer.concat(out));
      else reject(new GitCommandError(args, code, Buffer.concat(err).toString("utf8")));
    });
    child.stdin.on("error", () => undefined);
    child.stdin.end(options.input ?? "");
  });
}

function quotePath(path: string): string {
  // fast-import needs C-style quoting only for paths starting with a quote or holding a newline.
  if (!/^"|[\n\\]/.test(path)) return path;
  return `"${path.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n")}"`;
}

function identityLine(kind: "author" | "committer", who: GitIdentity, epochSeconds: number): string {
  return `${kind} ${who.name} <${who.email}> ${epochSeconds} +0000\n`;
}

export interface CommitRequest {
  readonly parent: string | undefined;
  readonly files: Readonly<Record<string, FileChange>>;
  readonly message: string;
  readonly author: GitIdentity;
  readonly committer: GitIdentity;
  readonly epochSeconds: number;
}

export class GitRepo {
  #importCounter = 0;

  constructor(readonly dir: string) {}

  static async init(dir: string, defaultBranch: string): Promise<GitRepo> {
    await runGit("/", ["init", "--quiet", "--bare", `--initial-branch=${defaultBranch}`, dir]);
    return new GitRepo(dir);
  }

  /** A bare clone sharing nothing afterwards, for forks. */
  static async cloneBare(source: GitRepo, dir: string): Promise<GitRepo> {
    await runGit("/", ["clone", "--quiet", "--bare", "--no-hardlinks", source.dir, dir]);
    return new GitRepo(dir);
  }

  run(args: readonly string[], options?: RunGitOptions): Promise<Buffer> {
    return runGit(this.dir, args, options);
  }

  async text(args: readonly string[], options?: RunGitOptions): Promise<string> {
    return (await this.run(args, options)).toString("utf8");
  }

  /** Creates a commit and points `ref` at it (default: a throwaway ref); returns its sha. */
  async createCommit(request: CommitRequest, ref?: string): Promise<string> {
    const chunks: Buffer[] = [];
    const push = (text: string | Buffer): void => {
      chunks.push(typeof text === "string" ? Buffer.from(text, "utf8") : text);
    };
    const target = ref ?? `refs/fake-import/${process.pid}-${++this.#importCounter}`;
    const message = Buffer.from(request.message, "utf8");
    push(`commit ${target}\nmark :1\n`);
    push(identityLine("author", request.author, request.epochSeconds));
    push(identityLine("committer", request.committer, request.epochSeconds));
    push(`data ${message.length}\n`);
    push(message);
    push("\n");
    if (request.parent) push(`from ${request.parent}\n`);
    for (const [path, change] of Object.entries(request.files)) {
      if (change === null) {
        push(`D ${quotePath(path)}\n`);
        continue;
      }
      const { content, mode } = typeof change === "string" || Buffer.isBuffer(change) ? { content: change, mode: "100644" as const } : change;
      const bytes = typeof content === "string" ? Buffer.from(content, "utf8") : content;
      push(`M ${mode} inline ${quotePath(path)}\ndata ${bytes.length}\n`);
      push(bytes);
      push("\n");
    }
    push("done\n");
    const marks = join(this.dir, `fake-import-${process.pid}-${++this.#importCounter}.marks`);
    await this.run(["fast-import", "--quiet", "--done", "--force", `--export-marks=${marks}`], {
      input: Buffer.concat(chunks),
    });
    const sha = (await readFile(marks, "utf8")).match(/^:1 ([0-9a-f]{40})$/m)?.[1];
    await rm(marks, { force: true });
    if (ref === undefined) await this.run(["update-ref", "-d", target]);
    if (!sha) throw new Error("git fast-import did not report the new commit");
    return sha;
  }

  /** Resolves a branch, tag, ref or (abbreviated) sha to a commit sha; undefined when it does not exist. */
  async resolveCommit(ref: string): Promise<string | undefined> {
    if (ref === "" || ref.startsWith("-")) return undefined;
    try {
      return (await this.text(["rev-parse", "--verify", "--quiet", "--end-of-options", `${ref}^{commit}`])).trim();
    } catch {
      return undefined;
    }
  }

  async branchHead(branch: string): Promise<string | undefined> {
    return this.resolveCommit(`refs/heads/${branch}`);
  }

  async updateRef(ref: string, sha: string): Promise<void> {
    await this.run(["update-ref", ref, sha]);
  }

  async deleteRef(ref: string): Promise<void> {
    await this.run(["update-ref", "-d", ref]);
  }

  async refs(prefix: string): Promise<Array<{ ref: string; sha: string }>> {
    const out = await this.text(["for-each-ref", "--format=%(refname) %(objectname)", prefix]);
    return out
      .split("\n")
      .filter(Boolean)
      .map((line) => {
        const [ref = "", sha = ""] = line.split(" ");
        return { ref, sha };
      });
  }

  async mergeBase(a: string, b: string): Promise<string | undefined> {
    try {
      return (await this.text(["merge-base", a, b])).trim() || undefined;
    } catch {
      return undefined;
    }
  }

  /** Commits reachable from `head` but not from `base`, oldest first. */
  async revList(base: string | undefined, head: string): Promise<string[]> {
    const range = base ? [`${base}..${head}`] : [head];
    const out = await this.text(["rev-list", "--reverse", ...range, "--"]);
    return out.split("\n").filter(Boolean);
  }

  async commitInfos(shas: readonly string[]): Promise<CommitInfo[]> {
    if (shas.length === 0) return [];
    const format = ["%H", "%T", "%P", "%an", "%ae", "%aI", "%cn", "%ce", "%cI", "%B"].join("%x1f");
    const unique = [...new Set(shas)];
    const out = await this.text(["log", "-z", "--no-walk=unsorted", `--format=${format}`, ...unique, "--"]);
    const parsed = out
      .split("\0")
      .filter((record) => record.length > 0)
      .map((record) => {
        const [sha = "", tree = "", parents = "", an = "", ae = "", ad = "", cn = "", ce = "", cd = "", ...body] = record.split("\x1f");
        return {
          sha,
          tree,
          parents: parents.split(" ").filter(Boolean),
          author: { name: an, email: ae, date: ad },
          committer: { name: cn, email: ce, date: cd },
          message: body.join("\x1f").replace(/\n$/, ""),
        };
      });
    // git shows a commit once however often it is named: map back to the order asked for.
    const bySha = new Map(parsed.map((info): [string, CommitInfo] => [info.sha, info]));
    return shas.flatMap((sha) => {
      const info = bySha.get(sha);
      return info ? [info] : [];
    });
  }

  /** ls-tree of one path (a file or a directory entry) or, with `children`, of a directory's content. */
  async lsTree(commit: string, path: string, children: boolean): Promise<TreeEntry[]> {
    const clean = path.replace(/^\/+|\/+$/g, "");
    const spec = children ? (clean === "" ? [] : [`${clean}/`]) : [clean];
    let out: string;
    try {
      out = await this.text(["ls-tree", "-z", "--long", "--full-tree", commit, "--", ...spec]);
    } catch {
      return [];
    }
    return parseLsTree(out);
  }

  /** Entries of a tree object; recursive lists subtrees and their content with full paths. */
  async readTree(tree: string, recursive: boolean): Promise<TreeEntry[]> {
    const out = await this.text(["ls-tree", "-z", "--long", ...(recursive ? ["-r", "-t"] : []), tree, "--"]);
    return parseLsTree(out);
  }

  async writeBlob(content: Buffer): Promise<string> {
    return (await this.text(["hash-object", "-w", "--stdin"], { input: content })).trim();
  }

  async objectType(sha: string): Promise<"blob" | "tree" | "commit" | "tag" | undefined> {
    if (!/^[0-9a-f]{4,40}$/i.test(sha)) return undefined;
    try {
      return (await this.text(["cat-file", "-t", sha])).trim() as "blob" | "tree" | "commit" | "tag";
    } catch {
      return undefined;
    }
  }

  /**
   * Writes the tree `base` (or an empty one) with `edits` applied in order, through a throwaway
   * index: a path replaces whatever occupied it (file or directory), a 040000 entry grafts a whole
   * subtree, a null sha deletes a file or directory. Object types are the caller's to check.
   */
  async writeTree(base: string | undefined, edits: readonly TreeEdit[]): Promise<string> {
    const files = new Map<string, { mode: string; sha: string }>();
    if (base) {
      for (const entry of await this.readTree(base, true)) {
        if (entry.type !== "tree") files.set(entry.path, { mode: entry.mode, sha: entry.sha });
      }
    }
    for (const edit of edits) {
      const path = edit.path.replace(/^\/+|\/+$/g, "");
      const occupies = (p: string): boolean => p === path || p.startsWith(`${path}/`);
      const occupied = [...files.keys()].filter(occupies);
      if (edit.sha === null) {
        if (occupied.length === 0) throw new MissingTreePathError(path);
        for (const p of occupied) files.delete(p);
        continue;
      }
      for (const p of occupied) files.delete(p);
      const segments = path.split("/");
      for (let i = 1; i < segments.length; i++) files.delete(segments.slice(0, i).join("/"));
      if (edit.mode === "040000") {
        for (const entry of await this.readTree(edit.sha, true)) {
          if (entry.type !== "tree") files.set(`${path}/${entry.path}`, { mode: entry.mode, sha: entry.sha });
        }
      } else {
        files.set(path, { mode: edit.mode, sha: edit.sha });
      }
    }
    const index = join(this.dir, `fake-index-${process.pid}-${++this.#importCounter}`);
    const env = { GIT_INDEX_FILE: index };
    try {
      await this.run(["read-tree", "--empty"], { env });
      const records = [...files].map(([path, { mode, sha }]) => `${mode} ${sha}\t${path}\0`).join("");
      if (records.length > 0) await this.run(["update-index", "-z", "--index-info"], { env, input: records });
      return (await this.text(["write-tree"], { env })).trim();
    } finally {
      await rm(index, { force: true });
    }
  }

  /** `git commit-tree`: a commit object with exactly these parents, identities and message. */
  async commitTree(request: CommitTreeRequest): Promise<string> {
    const parents = request.parents.flatMap((parent) => ["-p", parent]);
    const out = await this.text(["commit-tree", request.tree, ...parents], {
      input: request.message,
      env: {
        GIT_AUTHOR_NAME: request.author.name,
        GIT_AUTHOR_EMAIL: request.author.email,
        GIT_AUTHOR_DATE: request.author.date,
        GIT_COMMITTER_NAME: request.committer.name,
        GIT_COMMITTER_EMAIL: request.committer.email,
        GIT_COMMITTER_DATE: request.committer.date,
      },
    });
    return out.trim();
  }

  async readBlob(sha: string): Promise<Buffer> {
    return this.run(["cat-file", "blob", sha]);
  }

  async objectExists(sha: string): Promise<boolean> {
    try {
      await this.run(["cat-file", "-e", sha]);
      return true;
    } catch {
      return false;
    }
  }

  /** Brings `ref` of another repository into this one (fork pull requests live in the base repository). */
  async fetchRef(from: GitRepo, sourceRef: string, targetRef: string): Promise<void> {
    await this.run(["fetch", "--quiet", "--no-tags", "--force", from.dir, `+${sourceRef}:${targetRef}`]);
  }

  /** Drops every unreachable object, as GitHub's maintenance eventually does after a force-push. */
  async gc(): Promise<void> {
    await this.run(["reflog", "expire", "--expire=now", "--all"]);
    await this.run(["gc", "--quiet", "--prune=now"]);
  }
}
