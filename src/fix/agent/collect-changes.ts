// What an attempt changed, read from outside its sandbox without trusting anything in it: git runs
// with the pristine checkout's .git (which we made and no sandbox ever saw) as its repository and the
// attempt's copy as a plain work tree, with no configuration but ours and an attributes file that
// overrides every attribute the copy's .gitattributes could set (filters, textconv, diff drivers,
// eol and encoding conversions). The copy's own .git (config, hooks, fsmonitor) is never read. File
// bytes are read by us, never through a symbolic link; the diff is made from those bytes.
import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { lstat, mkdir, mkdtemp, readFile, readlink, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { runGit, runGitBuffer } from "../../git/run-git.js";
import type { ChangeSet, FileChange, FileMode } from "./types.js";
import { deniedReason } from "./workspace.js";

export interface CollectOptions {
  /** The trusted checkout (at `baseSha`): its .git is ours and no sandbox ever saw it. */
  pristine: string;
  baseSha: string;
  /** The attempt's copy of the checkout, as the agent left it. */
  workTree: string;
  /** The copy after the repository's `fix.setup`: what setup changed is not the agent's change. */
  setupTree?: string;
}

/** Scripts an agent writes at the top of the repository to reproduce or debug, not for the pull request. */
const SCRATCH = /^(reproduce|repro|debug|scratch|tmp|temp)[\w.-]*\.(py|js|mjs|cjs|ts|sh|rb|go|php|java|rs)$/i;
const MAX_FILE_BYTES = 10 * 1024 * 1024;
/** More changed paths than this is not a fix (a build or an install left in the tree): never published. */
export const MAX_CHANGED_FILES = 1000;

// Highest-precedence attributes: nothing the work tree's .gitattributes says changes what git reads.
const NEUTRAL_ATTRIBUTES = "* -text !eol -filter -ident !working-tree-encoding !diff !merge\n";

const TRUSTED = [
  "-c",
  "core.fsmonitor=false",
  "-c",
  "core.hooksPath=/dev/null",
  "-c",
  "core.untrackedCache=false",
  "-c",
  "core.symlinks=true",
  "-c",
  "core.quotePath=false",
  "-c",
  "safe.directory=*",
  "-c",
  "status.showUntrackedFiles=all",
];

export async function collectChanges(options: CollectOptions): Promise<ChangeSet> {
  const gitDir = path.join(options.pristine, ".git");
  await mkdir(path.join(gitDir, "info"), { recursive: true });
  await writeFile(path.join(gitDir, "info", "attributes"), NEUTRAL_ATTRIBUTES);
  const git = (args: readonly string[], env: Record<string, string> = {}, input?: Buffer | string) =>
    runGitBuffer([...TRUSTED, ...args], {
      cwd: options.pristine,
      env: { GIT_DIR: gitDir, ...env },
      timeoutMs: 120_000,
      ...(input === undefined ? {} : { input }),
    });
  const base = (
    await runGit([...TRUSTED, "rev-parse", "--verify", "--quiet", `${options.baseSha}^{commit}`], { cwd: options.pristine, env: { GIT_DIR: gitDir } })
  ).trim();

  // A FIFO where git expects a file (say .gitignore) would block git forever; sockets and devices
  // are never part of a change. The sandbox has ended: these copies are only ours now.
  await removeSpecialFiles(options.workTree);
  if (options.setupTree) await removeSpecialFiles(options.setupTree);
  const listed = await listChanged(git, base, options.workTree);
  if (listed.length > MAX_CHANGED_FILES * 20) {
    return {
      baseSha: base,
      files: [],
      diff: "",
      skipped: [],
      refused: `it changed ${listed.length} files; a change of more than ${MAX_CHANGED_FILES} files is never published`,
    };
  }
  const setup = options.setupTree ? await fingerprints(await listChanged(git, base, options.setupTree), options.setupTree) : new Map<string, string>();

  const skipped: ChangeSet["skipped"] = [];
  const files: FileChange[] = [];
  for (const entry of listed) {
    const current = await readEntry(options.workTree, entry.path);
    if (setup.size > 0 && setup.get(entry.path) === fingerprint(current)) continue; // fix.setup made it
    const denied = deniedReason(entry.path, "write");
    if (denied) {
      skipped.push({ path: entry.path, reason: denied.replace(/\.$/, "") });
      continue;
    }
    if (!entry.tracked) {
      if (current.kind === "link") {
        skipped.push({ path: entry.path, reason: "a new symbolic link (new links are not published)" });
        continue;
      }
      if (!entry.path.includes("/") && SCRATCH.test(entry.path)) {
        skipped.push({ path: entry.path, reason: "a script the agent wrote to reproduce or check the problem" });
        continue;
      }
    }
    if (current.kind === "other") {
      skipped.push({ path: entry.path, reason: current.why });
      continue;
    }
    const baseBlob = entry.tracked ? await baseEntry(git, base, entry.path) : null;
    if (current.kind === "missing") {
      if (baseBlob) files.push({ path: entry.path, status: "deleted", content: null, mode: baseBlob.mode, baseContent: baseBlob.content });
      continue;
    }
    files.push({
      path: entry.path,
      status: baseBlob ? "modified" : "added",
      content: current.content,
      mode: current.kind === "link" ? "120000" : current.executable ? "100755" : "100644",
      baseContent: baseBlob?.content ?? null,
    });
  }
  files.sort((a, b) => Buffer.compare(Buffer.from(a.path), Buffer.from(b.path)));
  if (files.length > MAX_CHANGED_FILES) {
    return {
      baseSha: base,
      files: [],
      diff: "",
      skipped,
      refused: `it changed ${files.length} files; a change of more than ${MAX_CHANGED_FILES} files is never published`,
    };
  }
  return { baseSha: base, files, diff: await unifiedDiff(git, base, files), skipped };
}

type Git = (args: readonly string[], env?: Record<string, string>, input?: Buffer | string) => Promise<Buffer>;

interface Listed {
  path: string;
  tracked: boolean;
}

/** Tracked paths that differ from `base`, then untracked paths git would not ignore. */
async function listChanged(git: Git, base: string, workTree: string): Promise<Listed[]> {
  const env = { GIT_WORK_TREE: workTree };
  const out: Listed[] = [];
  const status = splitZ(
    await git(["diff", "--no-renames", "--no-ext-diff", "--no-textconv", "--ignore-submodules=all", "--name-status", "-z", base, "--"], env),
  );
  for (let i = 0; i + 1 < status.length; i += 2) out.push({ path: status[i + 1] as string, tracked: true });
  for (const rel of splitZ(await git(["ls-files", "--others", "--exclude-standard", "-z"], env))) out.push({ path: rel.replace(/\/$/, ""), tracked: false });
  return out;
}

type Entry = { kind: "file"; content: Buffer; executable: boolean } | { kind: "link"; content: Buffer } | { kind: "missing" } | { kind: "other"; why: string };

/** The bytes at a path of the copy; never through a symbolic link on the way. */
async function readEntry(root: string, rel: string): Promise<Entry> {
  const parts = rel.split("/");
  let current = root;
  for (const [i, part] of parts.entries()) {
    if (part === "" || part === "." || part === "..") return { kind: "other", why: "an unusual path" };
    current = path.join(current, part);
    const info = await lstat(current).catch(() => null);
    if (info === null) return { kind: "missing" };
    if (i < parts.length - 1) {
      if (!info.isDirectory()) return { kind: "missing" };
      continue;
    }
    if (info.isSymbolicLink()) return { kind: "link", content: await readlink(current, { encoding: "buffer" }) };
    if (info.isFile() && info.size > MAX_FILE_BYTES) return { kind: "other", why: `larger than ${MAX_FILE_BYTES / 1024 / 1024} MB` };
    if (info.isFile()) return { kind: "file", content: await readFile(current), executable: (info.mode & 0o111) !== 0 };
    if (info.isDirectory()) return { kind: "other", why: "a folder with its own .git (a nested repository)" };
    return { kind: "other", why: "a special file (not a regular file or link)" };
  }
  return { kind: "missing" };
}

function fingerprint(entry: Entry): string {
  if (entry.kind === "missing") return "missing";
  if (entry.kind === "other") return `other:${entry.why}`;
  const hash = createHash("sha256").update(entry.content).digest("hex");
  return entry.kind === "link" ? `link:${hash}` : `file:${entry.executable}:${hash}`;
}

async function fingerprints(listed: readonly Listed[], root: string): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (const entry of listed) out.set(entry.path, fingerprint(await readEntry(root, entry.path)));
  return out;
}

async function baseEntry(git: Git, base: string, rel: string): Promise<{ mode: FileMode; content: Buffer } | null> {
  const listing = (await git(["ls-tree", "-z", base, "--", `:(literal)${rel}`])).toString("utf8");
  const match = /^(\d{6}) blob ([0-9a-f]+)\t/.exec(listing);
  if (!match) return null;
  const mode = match[1] === "100755" ? "100755" : match[1] === "120000" ? "120000" : "100644";
  return { mode, content: await git(["cat-file", "blob", match[2] as string]) };
}

/** git's unified diff (with `--binary`) of exactly these bytes against `base`, via a scratch index. */
async function unifiedDiff(git: Git, base: string, files: readonly FileChange[]): Promise<string> {
  if (files.length === 0) return "";
  const scratch = await mkdtemp(path.join(tmpdir(), "skywork-diff-"));
  try {
    const env = { GIT_INDEX_FILE: path.join(scratch, "index") };
    await git(["read-tree", base], env);
    const lines: string[] = [];
    for (const file of files) {
      if (file.content === null) {
        lines.push(`0 ${"0".repeat(40)}\t${file.path}`);
        continue;
      }
      const sha = (await git(["hash-object", "-w", "--no-filters", "--stdin"], env, file.content)).toString("utf8").trim();
      lines.push(`${file.mode} ${sha}\t${file.path}`);
    }
    await git(["update-index", "-z", "--index-info"], env, lines.map((l) => `${l}\0`).join(""));
    return (
      await git(
        ["diff", "--cached", "--binary", "--no-renames", "--no-ext-diff", "--no-textconv", "--no-color", "--src-prefix=a/", "--dst-prefix=b/", base],
        env,
      )
    ).toString("utf8");
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}

/** Deletes FIFOs, sockets and device files under `root` (find does not follow symbolic links). */
function removeSpecialFiles(root: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn("find", [root, "(", "-type", "p", "-o", "-type", "s", "-o", "-type", "b", "-o", "-type", "c", ")", "-delete"], {
      stdio: ["ignore", "ignore", "pipe"],
      env: { PATH: "/usr/bin:/bin", LC_ALL: "C" },
    });
    let err = "";
    child.stderr.on("data", (chunk: Buffer) => (err += chunk.toString()));
    child.on("error", reject);
    child.on("close", (code) => (code === 0 ? resolve() : reject(new Error(`find could not clear special files: ${err.trim().slice(0, 300)}`))));
  });
}

function splitZ(buffer: Buffer): string[] {
  const parts = buffer.toString("utf8").split("\0");
  if (parts[parts.length - 1] === "") parts.pop();
  return parts;
}
