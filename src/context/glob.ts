// Repository ignore globs, read the way .gitignore reads them, because that is what repository
// owners already know. Node 20's path.matchesGlob is experimental (it prints a warning), so the
// translation is done here. The patterns come from a repository's configuration, so they are run
// by RE2 (re2js), whose matching takes time linear in the path: a JavaScript RegExp backtracks, and
// "a/**/**/**/**/*x" took seconds on a path of a few hundred characters.
//
// - `*` matches within one path segment, `?` one character, `[a-z]`/`[!a-z]` a class, `{a,b}` either.
// - `**` matches any number of segments (`docs/**`, `**/*.snap`, `a/**/b`).
// - A pattern without a `/` (other than a trailing one) matches a name at any depth (`*.snap`).
//   A leading `/` anchors a pattern to the repository root; other patterns with a `/` are anchored.
// - A pattern that names a directory also matches everything in it (`docs` and `docs/` skip docs/**).
// - `!pattern` re-includes what an earlier pattern excluded: the last matching pattern decides.

import { RE2JS } from "re2js";

export interface IgnoreMatcher {
  /** The pattern that excludes `path`, or null when it is not excluded. */
  match(path: string): string | null;
}

interface CompiledGlob {
  pattern: string;
  negated: boolean;
  regex: RE2JS;
}

/** Matches paths against the patterns; a pattern that is not valid is left out (see ignorePatternProblem). */
export function compileIgnore(patterns: readonly string[]): IgnoreMatcher {
  const globs: CompiledGlob[] = [];
  for (const raw of patterns) {
    try {
      const compiled = compileGlob(raw);
      if (compiled) globs.push(compiled);
    } catch {
      // Reported where the configuration is validated; never fatal to a review.
    }
  }
  return {
    match(path) {
      const normalized = path.replace(/^\.?\/+/, "");
      let excludedBy: string | null = null;
      for (const glob of globs) {
        if (glob.regex.testExact(normalized)) excludedBy = glob.negated ? null : glob.pattern;
      }
      return excludedBy;
    },
  };
}

/** Why `pattern` cannot be used as an ignore pattern (e.g. a class range like `[z-a]`), or null. */
export function ignorePatternProblem(pattern: string): string | null {
  try {
    compileGlob(pattern);
    return null;
  } catch (error) {
    return error instanceof Error ? error.message.replace(/^error parsing regexp: /, "") : String(error);
  }
}

function compileGlob(raw: string): CompiledGlob | null {
  let pattern = raw.trim();
  if (pattern === "" || pattern === "!") return null;
  const negated = pattern.startsWith("!");
  if (negated) pattern = pattern.slice(1);
  const directoryOnly = pattern.endsWith("/");
  pattern = pattern.replace(/\/+$/, "");
  const anchored = pattern.startsWith("/") || pattern.includes("/");
  pattern = pattern.replace(/^\/+/, "");
  if (pattern === "") return null;
  const body = translate(pattern);
  // A directory pattern matches what is inside; any pattern may name a directory.
  const tail = directoryOnly ? "/.*" : "(?:/.*)?";
  const head = anchored ? "^" : "^(?:.*/)?";
  return { pattern: raw.trim(), negated, regex: RE2JS.compile(`${head}${body}${tail}$`, RE2JS.DOTALL) };
}

function translate(glob: string): string {
  let out = "";
  let braces = 0;
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i] as string;
    if (c === "*") {
      if (glob[i + 1] === "*") {
        const atSegmentStart = i === 0 || glob[i - 1] === "/";
        const next = glob[i + 2];
        if (atSegmentStart && next === "/") {
          out += "(?:.*/)?";
          i += 2;
        } else if (atSegmentStart && next === undefined) {
          out += ".*";
          i += 1;
        } else {
          out += "[^/]*";
          i += 1;
        }
      } else {
        out += "[^/]*";
      }
    } else if (c === "?") {
      out += "[^/]";
    } else if (c === "[") {
      const close = glob.indexOf("]", i + 2);
      if (close === -1) {
        out += "\\[";
        continue;
      }
      let inner = glob.slice(i + 1, close);
      const negate = inner.startsWith("!") || inner.startsWith("^");
      if (negate) inner = inner.slice(1);
      out += `[${negate ? "^" : ""}${inner.replace(/[\\\]]/g, "\\$&")}]`;
      i = close;
    } else if (c === "{" && glob.indexOf("}", i) !== -1) {
      braces++;
      out += "(?:";
    } else if (c === "}" && braces > 0) {
      braces--;
      out += ")";
    } else if (c === "," && braces > 0) {
      out += "|";
    } else if (c === "\\" && i + 1 < glob.length) {
      out += escapeRegExp(glob[i + 1] as string);
      i++;
    } else {
      out += escapeRegExp(c);
    }
  }
  // An unbalanced `{` was opened as a group: close it so the regex stays valid.
  return out + ")".repeat(braces);
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&");
}
