// The checkout as the model sees it on a worker without a sandbox: OpenHands-style paths under
// /workspace/<repo>, mapped onto the real directory, with every path confined to it (no "..", no
// symlink escapes, nothing under .git/). With a sandbox the checkout really is at /workspace/<repo>.
import { lstat, realpath } from "node:fs/promises";
import path from "node:path";
import { WORKSPACE_PARENT } from "../../sandbox/types.js";

export type Access = "read" | "write";

export type Resolved =
  | { ok: true; real: string; rel: string; virtual: string }
  /** `reason` names the path; `why` is the same sentence without it. */
  | { ok: false; reason: string; why: string };

/** A repository name usable as a path segment: "owner/name" → "name", odd characters → "-". */
export function workspaceName(repoName: string): string {
  const last = repoName.split("/").filter(Boolean).pop() ?? "";
  const cleaned = last.replace(/[^A-Za-z0-9._-]/g, "-").replace(/^\.+/, "");
  return cleaned.length > 0 ? cleaned : "repo";
}

export class Workspace {
  /** The real checkout directory, symlinks resolved. */
  readonly root: string;
  /** `/workspace/<name>`: the checkout as the model sees it. */
  readonly virtualRoot: string;
  /** Spellings of the real root that may appear in tool output, longest first. */
  readonly #realSpellings: string[];

  private constructor(root: string, virtualRoot: string, spellings: string[]) {
    this.root = root;
    this.virtualRoot = virtualRoot;
    this.#realSpellings = spellings;
  }

  static async open(workdir: string, repoName: string): Promise<Workspace> {
    const absolute = path.resolve(workdir);
    const root = await realpath(absolute);
    const spellings = [...new Set([root, absolute])].sort((a, b) => b.length - a.length);
    return new Workspace(root, `${WORKSPACE_PARENT}/${workspaceName(repoName)}`, spellings);
  }

  /** The model's view of a repository-relative path. */
  toVirtual(rel: string): string {
    return rel === "" ? this.virtualRoot : `${this.virtualRoot}/${rel}`;
  }

  /** Tool output with real checkout paths rewritten to the model's /workspace paths. */
  virtualizeText(text: string): string {
    let out = text;
    for (const spelling of this.#realSpellings) out = out.split(spelling).join(this.virtualRoot);
    return out;
  }

  /**
   * A model path (absolute, or relative to `cwd`, a virtual directory) → the real path, if it is
   * inside the checkout for this kind of access. Symlinks are resolved for the check: a link whose
   * target is outside is refused; for writes, no component may be a symlink at all.
   */
  async resolve(modelPath: string, access: Access, cwd: string = this.virtualRoot): Promise<Resolved> {
    const rel = this.lexicalRel(modelPath, cwd);
    if (rel === null) {
      const why = `It is outside the repository checkout ${this.virtualRoot}; only paths inside it are available here.`;
      return { ok: false, why, reason: `${modelPath} is outside the repository checkout ${this.virtualRoot}; only paths inside it are available here.` };
    }
    const virtual = this.toVirtual(rel);
    const denied = deniedReason(rel, access);
    if (denied) return { ok: false, why: capitalize(denied), reason: `${virtual}: ${denied}` };
    const real = rel === "" ? this.root : path.join(this.root, ...rel.split("/"));
    const escape = access === "write" ? await this.#writeEscape(rel) : await this.#readEscape(real);
    if (escape) return { ok: false, why: capitalize(escape), reason: `${virtual}: ${escape}` };
    return { ok: true, real, rel, virtual };
  }

  /** Repository-relative path of a model path, or null when it lies outside the checkout. */
  lexicalRel(modelPath: string, cwd: string = this.virtualRoot): string | null {
    const joined = modelPath.startsWith("/") ? modelPath : path.posix.join(cwd, modelPath);
    const normal = path.posix.normalize(joined).replace(/\/+$/, "") || "/";
    if (normal === this.virtualRoot) return "";
    if (!normal.startsWith(`${this.virtualRoot}/`)) return null;
    return normal.slice(this.virtualRoot.length + 1);
  }

  /** Reading: wherever links lead, the real location must stay inside the checkout. */
  async #readEscape(real: string): Promise<string | null> {
    const target = await realpathOfDeepestExisting(real);
    if (!isInside(this.root, target.real)) return "it is a symbolic link (or inside one) that points outside the repository checkout.";
    const rel = path.relative(this.root, target.real).split(path.sep).join("/");
    const denied = deniedReason(rel, "read");
    return denied ? `it is a symbolic link into a place that is off limits: ${denied}` : null;
  }

  /** Writing: never through a symlink, and every existing component must be a plain directory. */
  async #writeEscape(rel: string): Promise<string | null> {
    const parts = rel === "" ? [] : rel.split("/");
    let current = this.root;
    for (let i = 0; i < parts.length; i++) {
      current = path.join(current, parts[i] as string);
      let stat;
      try {
        stat = await lstat(current);
      } catch {
        return null; // the rest does not exist yet: it will be created as plain directories
      }
      if (stat.isSymbolicLink()) {
        return i === parts.length - 1
          ? "it is a symbolic link; edit the file it points to instead (symbolic links are never written through)."
          : `${this.toVirtual(parts.slice(0, i + 1).join("/"))} is a symbolic link; files are never written through symbolic links.`;
      }
      if (i < parts.length - 1 && !stat.isDirectory()) return `${this.toVirtual(parts.slice(0, i + 1).join("/"))} is not a directory.`;
    }
    return null;
  }
}

/** Why a repository-relative path is off limits for this access, or null. */
export function deniedReason(rel: string, access: Access): string | null {
  const segments = rel.split("/");
  // Case-insensitive: on a case-insensitive file system `.GIT` is the same directory.
  if (segments.some((s) => s.toLowerCase() === ".git")) {
    return "files under .git/ are off limits (they may hold credentials); use `git log`, `git show` or `git diff` to inspect history.";
  }
  const lower = rel.toLowerCase();
  if (access === "write" && (lower === ".github/workflows" || lower.startsWith(".github/workflows/"))) {
    return "files under .github/workflows/ cannot be changed by this fix (the app may not alter CI).";
  }
  return null;
}

function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

function isInside(root: string, candidate: string): boolean {
  return candidate === root || candidate.startsWith(root.endsWith(path.sep) ? root : root + path.sep);
}

/** realpath of the path, or of its deepest existing ancestor joined with the missing rest. */
async function realpathOfDeepestExisting(target: string): Promise<{ real: string }> {
  let existing = target;
  const missing: string[] = [];
  for (;;) {
    try {
      const real = await realpath(existing);
      return { real: missing.length > 0 ? path.join(real, ...missing.reverse()) : real };
    } catch {
      const parent = path.dirname(existing);
      if (parent === existing) return { real: target };
      missing.push(path.basename(existing));
      existing = parent;
    }
  }
}
