// Model text is untrusted (a hostile PR can steer it), so before it is posted it is neutralised:
// no raw HTML (comments, <details>, hidden elements could hide content or forge our markers), no
// @mentions (mass pings), no clickable links or images. Code blocks and inline code are kept as
// they are, since GitHub renders their content literally, but only where GitHub will see code too:
// whatever could be read either way is rewritten until both readings agree. GitHub follows
// CommonMark with the GFM extensions: https://github.github.com/gfm/
// - A code span needs a closing backtick run of the same length; until then the backticks are
//   literal and what follows is live. https://spec.commonmark.org/0.31.2/#code-spans
//   Spans are matched within one line (and one table cell, where a table is possible) and every
//   run left unmatched is escaped, so a run that GitHub pairs across lines or cells cannot exist.
// - A fence opens only on a line indented by at most 3 spaces, and a backtick fence's info string
//   holds no backtick. It closes on a line of the same character, at least as long, and nothing
//   else. https://spec.commonmark.org/0.31.2/#fenced-code-blocks A fence inside a list item ends
//   with the item, so a line indented less than the opener is treated as ending it (a closing
//   fence is written there); an unclosed fence is closed at the end, so model text never swallows
//   what the bot writes after it.
// - A line this module does not take for a fence opener is no opener on GitHub either (say one
//   indented deeper, inside a list item, or after ">"): its backticks are unmatched, hence escaped,
//   and runs of three tildes are escaped.
// - "<!--" is broken even inside code: GitHub would show it as text, but our own markers are read
//   from the raw body (see markers.ts), where model text must never carry one.

import { FIX_TRAILER } from "./markers.js";

const ZWSP = "\u200b";
/** Stand-ins while a line's prose is rewritten: a code span kept as it is, and a backtick added here. */
const CODE = "\u0000";
const TICK = "\u0001";

interface Fence {
  readonly char: "`" | "~";
  readonly length: number;
  readonly indent: number;
}

/** A line GitHub may read as a table's delimiter row (generously: any line of only `-`, `:`, `|`, `>` and spaces). */
const DELIMITER_ROW = /^[ \t>|:-]*-[ \t>|:-]*$/;

/**
 * Neutralises model text, either a block (Markdown of several lines) or a single line (also safe
 * in the middle of a line of ours, where no block can open).
 */
export function neutralizeMarkdown(text: string): string {
  // CommonMark replaces NUL itself; here it would be taken for a stand-in.
  const lines = text
    .replace(/\r\n?/g, "\n")
    .replace(/[\u0000\u0001]/g, "\ufffd")
    .split("\n");
  if (lines.length === 1) return breakMarkers(neutralizeFirstLine(lines[0]!, false));
  const cells = lines.some((line) => DELIMITER_ROW.test(line));
  const out: string[] = [];
  let fence: Fence | null = null;
  for (const [index, line] of lines.entries()) {
    if (fence) {
      if (!isBlank(line) && indentOf(line) < fence.indent) {
        out.push(closingFence(fence));
        fence = null;
      } else {
        if (closes(line, fence)) fence = null;
        out.push(breakMarkers(line));
        continue;
      }
    }
    fence = openingFence(line);
    if (fence) {
      // The text may be embedded after words of ours, where an opener would be inline text.
      if (index === 0) out.push("");
      out.push(breakMarkers(notSuggestion(line)));
    } else {
      out.push(breakMarkers(index === 0 ? neutralizeFirstLine(line, cells) : neutralizeLine(line, cells)));
    }
  }
  if (fence) out.push(closingFence(fence));
  return out.join("\n");
}

/**
 * The first line may follow a line of ours (a finding's title in a list), which a delimiter row
 * would turn into a table header split into cells: it is kept as text.
 */
function neutralizeFirstLine(line: string, cells: boolean): string {
  return DELIMITER_ROW.test(line) ? line.replace(/[-|:]/g, "\\$&") : neutralizeLine(line, cells);
}

function isBlank(line: string): boolean {
  return /^[ \t]*$/.test(line);
}

/** Leading indentation in columns, tabs to the next multiple of 4 as CommonMark counts them. */
function indentOf(line: string): number {
  let column = 0;
  for (const ch of line) {
    if (ch === " ") column += 1;
    else if (ch === "\t") column += 4 - (column % 4);
    else break;
  }
  return column;
}

function openingFence(line: string): Fence | null {
  const match = /^( {0,3})(`{3,}|~{3,})(.*)$/.exec(line);
  if (!match) return null;
  const [, indent = "", run = "", info = ""] = match;
  if (run[0] === "`" && info.includes("`")) return null;
  return { char: run[0] === "`" ? "`" : "~", length: run.length, indent: indent.length };
}

/**
 * A fence whose info string is `suggestion` is a one-click change on GitHub: only the bot's own
 * validated suggestion may be one, never a block inside the model's prose.
 * https://docs.github.com/pull-requests/collaborating-with-pull-requests/reviewing-changes-in-pull-requests/incorporating-feedback-in-your-pull-request
 */
function notSuggestion(opener: string): string {
  return opener.replace(/^( {0,3}(?:`{3,}|~{3,})[ \t]*)suggestion\b/i, "$1text");
}

function closes(line: string, fence: Fence): boolean {
  const match = /^ {0,3}(`{3,}|~{3,})[ \t]*$/.exec(line);
  return match !== null && match[1]![0] === fence.char && match[1]!.length >= fence.length;
}

function closingFence(fence: Fence): string {
  return " ".repeat(fence.indent) + fence.char.repeat(fence.length);
}

/**
 * Text shown literally by GitHub, still never carrying one of the bot's records into the raw
 * text: an HTML comment (markers.ts reads markers from the raw body) or a fix trailer key
 * (commit messages; git matches trailer keys without regard to case).
 */
export function breakMarkers(code: string): string {
  return code.replace(/<!--/g, `<!-${ZWSP}-`).replace(FIX_TRAILER_KEY, (key: string) => `${key.slice(0, -1)}${ZWSP}:`);
}

const FIX_TRAILER_KEY = new RegExp(`${FIX_TRAILER}[ \t]*:`, "gi");

/**
 * One line outside fences: code spans kept (markers broken), unmatched backtick runs escaped,
 * the rest neutralised as prose. With `cells`, a span never crosses a `|`.
 */
function neutralizeLine(line: string, cells: boolean): string {
  const spans: string[] = [];
  let prose = "";
  let i = 0;
  while (i < line.length) {
    const ch = line[i]!;
    if (ch === "\\" && i + 1 < line.length && isAsciiPunctuation(line[i + 1]!)) {
      prose += line.slice(i, i + 2);
      i += 2;
    } else if (ch === "`") {
      const length = runLength(line, i);
      const close = closingRun(line, i + length, length, cells);
      if (close === -1) {
        prose += "\\`".repeat(length);
        i += length;
      } else {
        spans.push(breakMarkers(line.slice(i, close + length)));
        prose += CODE;
        i = close + length;
      }
    } else {
      prose += ch;
      i += 1;
    }
  }
  return restore(neutralizeProse(prose), spans);
}

function isAsciiPunctuation(ch: string): boolean {
  return /^[!-/:-@[-`{-~]$/.test(ch);
}

function runLength(line: string, start: number): number {
  let end = start;
  while (line[end] === "`") end += 1;
  return end - start;
}

/** Where the next backtick run of exactly `length` starts (backslashes do not escape inside a span), or -1. */
function closingRun(line: string, from: number, length: number, cells: boolean): number {
  let i = from;
  while (i < line.length) {
    const ch = line[i];
    if (cells && ch === "|") return -1;
    if (ch === "`") {
      const run = runLength(line, i);
      if (run === length) return i;
      i += run;
    } else {
      i += 1;
    }
  }
  return -1;
}

// One pass, leftmost first: backslash escapes are kept whole, so nothing is escaped twice.
const PROSE_TOKEN = new RegExp(
  [
    String.raw`(!?)\[([^\[\]\\]*)\]\(([^\s()<>\\|\u0000\u0001\u0060]+)(?:\s[^()]*)?\)`, // link or image with a plain target
    String.raw`\\[!-?\[-\u0060{-~]`, // backslash escape (not of "@": "\@x" still mentions)
    String.raw`(?:(?:https?|ftp):\/\/|www\.)[^\s()<>\\|\u0000\u0001\u0060]+`, // what GitHub autolinks
    // E-mail addresses, autolinked as well; GFM parsers differ on the domain, so any dot after "@" counts.
    String.raw`(?<![\w.+-])[\w.+-]+@[\w-]*(?:\.[\w-]*)+`,
    // @user and @org/team, wherever they stand: after an address or a span GitHub sees a mention again.
    String.raw`@(?=[A-Za-z0-9])`,
    String.raw`&(?=#[0-9]+;|#x[0-9a-f]+;|[a-z][a-z0-9]*;)`, // an entity such as &#64; (an "@" GitHub would see)
    String.raw`~{3,}`, // could open a tilde fence
    "[<[\\]]",
  ].join("|"),
  "gi",
);

function neutralizeProse(text: string): string {
  return text.replace(
    PROSE_TOKEN,
    (token: string, bang: string | undefined, label: string | undefined, target: string | undefined, offset: number, whole: string) => {
      if (label !== undefined && target !== undefined) {
        // Images: keep the alt text only. Links: keep the text, show the target as code (not clickable).
        const shown = bang ? neutralizeProse(label) : `${neutralizeProse(label)} (${TICK}${target}${TICK})`;
        // What stood around the link must not join with its text into something live ("@" + "user",
        // "h" + "ttps://…"): a zero-width space keeps them apart where nothing else does.
        const before = offset > 0 && !/\s/.test(whole[offset - 1]!) ? ZWSP : "";
        const after = offset + token.length < whole.length && !/\s/.test(whole[offset + token.length]!) ? ZWSP : "";
        return `${before}${shown}${after}`;
      }
      if (token === "\\<") return "&lt;";
      if (token.startsWith("\\")) return token;
      if (token === "@") return `@${ZWSP}`;
      // Shown as written: decoded, "&#64;user" would be a mention again.
      if (token === "&") return "&amp;";
      // Raw HTML (including <!-- -->) is shown as text instead of rendered.
      if (token === "<") return "&lt;";
      // Nothing can start a link, image, link reference or footnote.
      if (token === "[" || token === "]") return `\\${token}`;
      if (token.startsWith("~")) return `\\${token}`;
      // Bare URLs and e-mail addresses become code so they are not autolinked.
      return `${TICK}${token}${TICK}`;
    },
  );
}

/** Puts the code spans back and turns added backticks into real ones, never touching another backtick or an escaping backslash. */
function restore(prose: string, spans: readonly string[]): string {
  let out = "";
  let span = 0;
  for (const ch of prose) {
    if (ch !== CODE && ch !== TICK) {
      out += ch;
      continue;
    }
    if (out.endsWith("`") || out.endsWith("\\")) out += " ";
    out += ch === CODE ? spans[span++]! : "`";
  }
  return out;
}

/** A backtick fence longer than any backtick run inside `content`, so the content cannot close it. */
export function fenceFor(content: string): string {
  let longest = 0;
  for (const run of content.match(/`+/g) ?? []) longest = Math.max(longest, run.length);
  return "`".repeat(Math.max(3, longest + 1));
}
