// Bash's pathname expansion for unquoted `*`, `?` and `[…]`, done by us because no shell runs:
// within the checkout only, hidden names only for patterns that start with ".", sorted, and the
// pattern left as it is when nothing matches (bash's default, no nullglob).
import { readdir } from "node:fs/promises";
import path from "node:path";
import type { Workspace } from "./workspace.js";

const MAX_MATCHES = 10_000;

/** The expansions of a glob pattern, or null when it expands to nothing (the word stays literal). */
export async function expandGlob(pattern: string, workspace: Workspace, cwd: string): Promise<string[] | null> {
  const absolute = pattern.startsWith("/");
  const dirsOnly = pattern.endsWith("/");
  const segments = pattern.split("/").filter((s, i, all) => s !== "" || (i === 0 && absolute) || i < all.length - 1);
  // Each candidate: the text bash would print, and the virtual directory it names.
  let candidates: Array<{ text: string; virtual: string }> = [{ text: absolute ? "/" : "", virtual: absolute ? "/" : cwd }];
  for (const [index, segment] of segments.entries()) {
    if (segment === "" && index === 0) continue;
    const last = index === segments.length - 1;
    const matcher = segmentMatcher(segment);
    const next: Array<{ text: string; virtual: string }> = [];
    for (const candidate of candidates) {
      const join = (name: string): { text: string; virtual: string } => ({
        text: candidate.text === "" ? name : candidate.text.endsWith("/") ? candidate.text + name : `${candidate.text}/${name}`,
        virtual: path.posix.join(candidate.virtual, name),
      });
      if (matcher === null) {
        next.push(join(unescape(segment)));
        continue;
      }
      const names = await listDirectory(workspace, candidate.virtual, (!last || dirsOnly));
      const showHidden = segment.startsWith(".") || segment.startsWith("\\.");
      for (const { name, isDir } of names) {
        if (name === ".git") continue; // off limits anyway: do not let a glob make the whole command refused
        if (name.startsWith(".") && !showHidden) continue;
        if (!matcher.test(name)) continue;
        if ((!last || dirsOnly) && !isDir) continue;
        next.push(join(name));
        if (next.length > MAX_MATCHES) break;
      }
    }
    candidates = next;
    if (candidates.length === 0) return null;
  }
  const texts = candidates.map((c) => (dirsOnly ? `${c.text}/` : c.text));
  return texts.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)).slice(0, MAX_MATCHES);
}

async function listDirectory(workspace: Workspace, virtualDir: string, needDirs: boolean): Promise<Array<{ name: string; isDir: boolean }>> {
  const resolved = await workspace.resolve(virtualDir, "read");
  if (!resolved.ok) return [];
  try {
    const entries = await readdir(resolved.real, { withFileTypes: true });
    return entries.map((entry) => ({
      name: entry.name,
      // A symlink to a directory counts as a directory for bash; the later path check decides on it.
      isDir: entry.isDirectory() || (needDirs && entry.isSymbolicLink()),
    }));
  } catch {
    return [];
  }
}

/** A RegExp for one path segment, or null when the segment has no unescaped glob characters. */
function segmentMatcher(segment: string): RegExp | null {
  let source = "";
  let glob = false;
  for (let i = 0; i < segment.length; i++) {
    const c = segment[i] as string;
    if (c === "\\" && i + 1 < segment.length) {
      source += escapeRegExp(segment[i + 1] as string);
      i++;
    } else if (c === "*") {
      source += "[^/]*";
      glob = true;
    } else if (c === "?") {
      source += "[^/]";
      glob = true;
    } else if (c === "[") {
      const end = findClassEnd(segment, i);
      if (end < 0) {
        source += "\\[";
        continue;
      }
      let body = segment.slice(i + 1, end);
      const negate = body.startsWith("!") || body.startsWith("^");
      if (negate) body = body.slice(1);
      source += `[${negate ? "^" : ""}${classBody(body)}]`;
      glob = true;
      i = end;
    } else {
      source += escapeRegExp(c);
    }
  }
  return glob ? new RegExp(`^${source}$`, "s") : null;
}

function findClassEnd(segment: string, open: number): number {
  let i = open + 1;
  if (segment[i] === "!" || segment[i] === "^") i++;
  if (segment[i] === "]") i++;
  for (; i < segment.length; i++) {
    if (segment[i] === "\\") i++;
    else if (segment[i] === "]") return i;
  }
  return -1;
}

/** The inside of a bracket expression as a RegExp class: ranges kept, escapes honoured. */
function classBody(body: string): string {
  let out = "";
  for (let i = 0; i < body.length; i++) {
    let c = body[i] as string;
    if (c === "\\" && i + 1 < body.length) c = body[++i] as string;
    out += "]\\^[".includes(c) ? `\\${c}` : c;
  }
  return out;
}

function unescape(segment: string): string {
  return segment.replace(/\\(.)/g, "$1");
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&");
}
