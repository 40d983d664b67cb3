// The one glob matcher: `review.ignore` (.github/skywork.yml) and `skywork pack --ignore`. Nothing
// else in the app matches paths against globs. The syntax is .gitignore's, because repository
// owners know it, with the differences listed below. The patterns come from a repository, so they
// run on RE2 (re2js), whose matching takes time linear in the path. The `ignore` package (real
// .gitignore rules) and Node's experimental path.matchesGlob build JavaScript RegExps, which
// backtrack: `ignore` took 11.8 s to test "a/**/**/**/**/**/**/**/*x" against a 50-directory path,
// this matcher under 1 ms (test/config/repo-config.test.ts keeps the linear-time case).
//
// What is matched: a changed file's path relative to the repository root, with `/` separators and
// any leading `./` or `/` removed, case-sensitively. Each pattern (surrounding whitespace trimmed):
// - `*` matches any characters but `/` (a leading `.` included), `?` one character but `/`.
// - `**` as a whole segment matches any number of segments, none included: `docs/**` is everything
//   under docs/ (not docs itself), `**/*.snap` a .snap file at any depth, `a/**/b` a/b and a/x/y/b.
//   Elsewhere (`a**b`) it is `*`.
// - `[a-z]`, `[!a-z]`, `[^a-z]`: one character in (or, negated, not in and not `/`) the class; `]`
//   first in the class is literal. A positive class matches what it lists, so `[/]` or a range
//   across `/` can match a slash. POSIX classes (`[[:alpha:]]`) and reversed ranges (`[z-a]`) are not
//   valid (ignorePatternProblem says why; such a pattern is dropped).
// - `{a,b}` matches either alternative (nested braces too); a `{` with no `}` after it is literal.
//   (.gitignore has no braces.)
// - `\x` matches the character x literally (`\!`, `\*`, `\{`).
// - Without a `/` (other than a trailing one) a pattern matches a name at any depth (`*.snap`,
//   `docs`); a leading `/`, or a `/` inside, anchors it at the root (`/docs`, `src/*.ts`).
// - Any pattern also matches everything under a directory it names (`docs` skips docs/**); with a
//   trailing `/` it matches only what is under that directory.
// - `!pattern` re-includes what an earlier pattern excluded: the last matching pattern decides.
//   Unlike .gitignore, a file is re-included even when a directory above it was excluded
//   (`docs/`, then `!docs/api.md`, reviews docs/api.md): files are matched, directories never walked.
// - Unlike .gitignore, `#` does not start a comment, and leading whitespace is trimmed as trailing is.

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
      // A negated class stays within the segment, as `*` and `?` do.
      out += `[${negate ? "^/" : ""}${inner.replace(/[\\\]]/g, "\\$&")}]`;
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
