// Scopes guessed from indentation, for languages without a grammar here (Kotlin, Swift, Scala, YAML…)
// and for files tree-sitter cannot or should not parse. A scope opens at the nearest line above
// that is indented less, and closes before the next line that is indented no more than its opener
// (that line is included when it only closes the block: `}`, `end`, `)`…).
import type { SourceText } from "./source-text.js";
import type { ScopeFinder, ScopeRange } from "./scope-types.js";

/** How far to look for an opener or a closer; farther means "too big to show" anyway. */
const MAX_SCAN_LINES = 2_000;
const TAB_WIDTH = 4;
const CLOSER = /^(?:[}\])]|end\b|fi\b|done\b|esac\b|endif\b|endfor\b|endwhile\b|endfunction\b|#end|<\/)/;

export function indentationScopes(source: SourceText): ScopeFinder {
  const indents = new Map<number, number>();
  const indentOf = (line: number): number => {
    let value = indents.get(line);
    if (value === undefined) {
      value = measureIndent(source.lines[line - 1] ?? "");
      indents.set(line, value);
    }
    return value;
  };
  const count = source.lines.length;

  return {
    method: "indentation",
    enclosing(line) {
      const found: ScopeRange[] = [];
      let anchor = nonBlankNear(source, line);
      if (anchor === null) return found;
      let level = indentOf(anchor);
      let from = anchor;
      while (level > 0) {
        const opener = findOpener(source, from, level, indentOf);
        if (opener === null) break;
        const openerIndent = indentOf(opener);
        const end = findEnd(source, anchor, openerIndent, indentOf, count);
        if (end === null) break;
        found.push({ start: opener, end, kind: "function" });
        level = openerIndent;
        from = opener;
        anchor = opener;
      }
      return found;
    },
  };
}

/** Width of leading whitespace; -1 for a blank line. */
function measureIndent(text: string): number {
  let width = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x20) width++;
    else if (c === 0x09) width += TAB_WIDTH - (width % TAB_WIDTH);
    else return width;
  }
  return -1;
}

/** `line` itself, or the nearest non-blank line below it, or above it. */
function nonBlankNear(source: SourceText, line: number): number | null {
  const count = source.lines.length;
  for (let n = Math.max(1, line); n <= Math.min(count, line + MAX_SCAN_LINES); n++) if ((source.lines[n - 1] ?? "").trim() !== "") return n;
  for (let n = Math.min(count, line - 1); n >= Math.max(1, line - MAX_SCAN_LINES); n--) if ((source.lines[n - 1] ?? "").trim() !== "") return n;
  return null;
}

function findOpener(source: SourceText, from: number, level: number, indentOf: (line: number) => number): number | null {
  for (let n = from - 1; n >= Math.max(1, from - MAX_SCAN_LINES); n--) {
    const indent = indentOf(n);
    if (indent >= 0 && indent < level && !CLOSER.test((source.lines[n - 1] ?? "").trimStart())) return n;
  }
  return null;
}

function findEnd(source: SourceText, from: number, openerIndent: number, indentOf: (line: number) => number, count: number): number | null {
  let lastBody = from;
  for (let n = from + 1; n <= Math.min(count, from + MAX_SCAN_LINES); n++) {
    const indent = indentOf(n);
    if (indent < 0) continue;
    if (indent <= openerIndent) return CLOSER.test((source.lines[n - 1] ?? "").trimStart()) ? n : lastBody;
    lastBody = n;
  }
  return from + MAX_SCAN_LINES >= count ? lastBody : null;
}
