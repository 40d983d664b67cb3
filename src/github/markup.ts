// The one way a post to GitHub is composed: review bodies and inline comments, check-run titles and
// summaries, replies and status comments, fix pull request bodies and commit messages.
//
// A post is `Markup`: what the bot writes itself (the literal parts of an `md` template, links to
// URLs it chose, its hidden markers) joined with untrusted text — model output, file names, branch
// names, issue text, configuration keys and values, error messages — that is always neutralised on
// the way in (markdown.ts): no live @mention, link, image, raw HTML or HTML comment, no forged
// marker or trailer. A plain string interpolated into `md` is untrusted by definition; only Markup
// passes through as it is, and only this module makes Markup. Every function that posts takes
// Markup, never a string, so a post that skipped the neutraliser does not type-check.
//
// Markup remembers which of its characters were quoted (untrusted), so the property test can check
// that every construct GitHub would render as a link, image, HTML or comment starts in text the bot
// wrote itself (test/github/post-safety.test.ts).
import { breakMarkers, fenceFor, neutralizeMarkdown } from "./markdown.js";
import { renderMarker } from "./markers.js";

type Range = readonly [start: number, end: number];

const MINT = Symbol("markup");

export class Markup {
  readonly #text: string;
  readonly #quoted: readonly Range[];

  /** Only this module mints Markup (the symbol is not exported). */
  constructor(mint: typeof MINT, text: string, quoted: readonly Range[]) {
    if (mint !== MINT) throw new TypeError("Markup is made with md`…` and the helpers of src/github/markup.ts, never directly.");
    this.#text = text;
    this.#quoted = quoted;
  }

  /** The text to send to GitHub. */
  toString(): string {
    return this.#text;
  }

  get length(): number {
    return this.#text.length;
  }

  get isEmpty(): boolean {
    return this.#text.length === 0;
  }

  /** @internal Where the quoted (untrusted, neutralised) text lies; see quotedRanges. */
  rangesOfQuoted(): readonly Range[] {
    return this.#quoted;
  }
}

/** What an `md` template accepts: Markup as it is, numbers as digits, and strings neutralised as one line of text. */
export type Interpolation = Markup | string | number;

function trusted(text: string): Markup {
  return new Markup(MINT, text, []);
}

function quoted(text: string): Markup {
  return new Markup(MINT, text, text.length > 0 ? [[0, text.length]] : []);
}

function concat(parts: readonly Markup[]): Markup {
  let text = "";
  const ranges: Range[] = [];
  for (const part of parts) {
    const offset = text.length;
    for (const [start, end] of part.rangesOfQuoted()) {
      const last = ranges.at(-1);
      // Adjacent quoted stretches are one: nothing of ours stands between them.
      if (last && last[1] === offset + start) ranges[ranges.length - 1] = [last[0], offset + end];
      else ranges.push([offset + start, offset + end]);
    }
    text += part.toString();
  }
  return new Markup(MINT, text, ranges);
}

function toMarkup(value: Interpolation): Markup {
  if (value instanceof Markup) return value;
  if (typeof value === "number") return trusted(Number.isFinite(value) ? String(value) : "?");
  return inline(value);
}

/**
 * Composes a post: the template's literal text is the bot's own Markdown; each interpolated
 * string is untrusted and neutralised as one line (use `text()` for a block, `code()` for code).
 * Never interpolate inside backticks or a link of the template: use `code()` and `link()`.
 */
export function md(strings: TemplateStringsArray, ...values: readonly Interpolation[]): Markup {
  const parts: Markup[] = [];
  strings.forEach((literal, index) => {
    parts.push(trusted(literal));
    if (index < values.length) parts.push(toMarkup(values[index]!));
  });
  return concat(parts);
}

/** Untrusted Markdown of several lines (a model's prose): code kept, everything live neutralised. */
export function text(untrusted: string): Markup {
  return quoted(guardTrailingBackslash(neutralizeMarkdown(untrusted)));
}

/** Untrusted text as one line (whitespace runs become one space), safe in the middle of a line of ours. */
export function inline(untrusted: string): Markup {
  return quoted(guardTrailingBackslash(neutralizeMarkdown(oneLine(untrusted))));
}

/** Untrusted text shown as inline code (a file name, a branch, a key): a span it cannot break out of. */
export function code(untrusted: string): Markup {
  const clean = breakMarkers(oneLine(untrusted));
  if (clean === "") return trusted("");
  const fence = "`".repeat(Math.max(1, ...(clean.match(/`+/g) ?? [""]).map((run) => run.length + 1)));
  // A space on both sides keeps a backtick at either end of the text off the fence; CommonMark strips it.
  const pad = fence.length > 1 ? " " : "";
  return concat([trusted(fence + pad), quoted(clean), trusted(pad + fence)]);
}

/**
 * Untrusted text as a fenced code block on lines of its own: a fence longer than any backtick run
 * inside, so the content cannot close it. `info` is the bot's own (e.g. `suggestion` for a
 * suggestion the review validated, `yaml`).
 */
export function codeBlock(untrusted: string, info: "" | "yaml" | "suggestion" | "text" = ""): Markup {
  const content = breakMarkers(untrusted.replace(/\r\n?/g, "\n"));
  const fence = fenceFor(content);
  return concat([trusted(`${fence}${info}\n`), quoted(content), trusted(`\n${fence}`)]);
}

/**
 * A link the bot makes to a URL it chose (GitHub's own html_url, a blob URL it built). The label
 * may be untrusted text; the URL must be http(s) and is written in angle brackets, percent-encoded,
 * so nothing in it can end the link. Anything else is shown as text, not linked.
 */
export function link(label: Interpolation, url: string): Markup {
  const shown = toMarkup(label);
  let href: string;
  try {
    const parsed = new URL(url);
    if (parsed.protocol !== "https:" && parsed.protocol !== "http:") return shown;
    href = parsed.href;
  } catch {
    return shown;
  }
  // The URL serialiser percent-encodes spaces, "<", ">", quotes and backticks; these two remain.
  href = href.replace(/[()]/g, (c) => (c === "(" ? "%28" : "%29"));
  return concat([trusted("["), shown, trusted(`](<${href}>)`)]);
}

/** A mention the bot means to make (the person who asked): a GitHub login, or plain text if it is not one. */
export function mention(login: string): Markup {
  return /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})$/.test(login) ? trusted(`@${login}`) : inline(login);
}

/** The bot's hidden marker (markers.ts): the only HTML comment a post may carry. */
export function marker(kind: string, data: object): Markup {
  return trusted(renderMarker(kind, data));
}

/** Joins parts with one of the bot's separators. */
export function join(parts: readonly Interpolation[], separator: "\n" | "\n\n" | ", " | " · " | " " | "" = "\n"): Markup {
  const glue = trusted(separator);
  return concat(parts.flatMap((part, index) => (index === 0 ? [toMarkup(part)] : [glue, toMarkup(part)])));
}

/** Markup with `prefix` (the bot's) before every line: a block indented under a list item, or quoted. */
export function indentLines(post: Markup, prefix: "  " | "> "): Markup {
  const whole = post.toString();
  const lines: Markup[] = [];
  let start = 0;
  for (;;) {
    const newline = whole.indexOf("\n", start);
    const end = newline === -1 ? whole.length : newline;
    lines.push(concat([trusted(prefix), slice(post, start, end)]));
    if (newline === -1) break;
    start = newline + 1;
  }
  return join(lines, "\n");
}

/** The part of `post` from `start` to `end`, its quoted ranges kept. */
function slice(post: Markup, start: number, end: number): Markup {
  const ranges = post
    .rangesOfQuoted()
    .filter(([from, to]) => from < end && to > start)
    .map(([from, to]): Range => [Math.max(from, start) - start, Math.min(to, end) - start]);
  return new Markup(MINT, post.toString().slice(start, end), ranges);
}

/**
 * A post within `maxChars`: as it is when it fits, else cut at a line break with `notice`
 * appended. Cutting at a line keeps every neutralised line whole.
 */
export function truncate(post: Markup, maxChars: number, notice: Markup): Markup {
  const whole = post.toString();
  if (whole.length <= maxChars) return post;
  const room = Math.max(0, maxChars - notice.length);
  // Never inside a line: half a line of quoted text could leave a code span unclosed and what it held live.
  const end = Math.max(0, whole.lastIndexOf("\n", room));
  return concat([slice(post, 0, end), notice]);
}

/**
 * Plain text (a check run's title, a pull request's title, a commit headline): GitHub shows these
 * without rendering Markdown, so only whitespace and control characters are tidied, the bot's
 * records (markers, the fix trailer key) broken, and the length bounded.
 */
export function plainText(untrusted: string, maxChars: number): string {
  const clean = breakMarkers(oneLine(untrusted.replace(/[\u0000-\u001f\u007f]/g, " ")));
  return clean.length > maxChars ? `${clean.slice(0, maxChars - 1)}…` : clean;
}

/** For tests: the ranges of `post` that hold quoted (untrusted, neutralised) text. */
export function quotedRanges(post: Markup): readonly Range[] {
  return post.rangesOfQuoted();
}

function oneLine(untrusted: string): string {
  return untrusted.replace(/\s+/g, " ").trim();
}

/** A trailing backslash would escape whatever of ours follows; it is doubled, so it shows as one. */
function guardTrailingBackslash(neutralised: string): string {
  const run = /\\+$/.exec(neutralised)?.[0].length ?? 0;
  return run % 2 === 1 ? `${neutralised}\\` : neutralised;
}
