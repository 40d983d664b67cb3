// What GitHub would make live in a post: parsed with a real CommonMark + GFM parser (micromark),
// every link, image, autolink, footnote, definition, raw HTML, HTML comment and @mention found,
// and each checked against what the bot may write itself.
//
// Two ways to tell the bot's own constructs from injected ones:
// - with provenance (a Markup's quoted ranges): a construct must start, and HTML must lie,
//   entirely in text the bot wrote; quoted text may only be a link's label;
// - without (a body read back from the fake GitHub): only the allowed forms pass (links to the
//   given URL prefixes, the bot's few HTML tags, its markers, mentions of the given logins).
import { parse, postprocess, preprocess } from "micromark";
import { gfm } from "micromark-extension-gfm";
import type { Event, Token } from "micromark-util-types";

export interface AuditOptions {
  /** Where quoted (untrusted) text lies; absent: judge by the allowed forms only. */
  quoted?: ReadonlyArray<readonly [number, number]>;
  /** Links may go only to URLs starting with one of these. */
  linkPrefixes: readonly string[];
  /** Logins the bot may mention (the person who asked). */
  logins?: readonly string[];
}

/** The bot's own HTML, when there is no provenance to go by. */
const OWN_HTML = /^(?:<\/?sub>|<details>|<\/details>|<summary>|<\/summary>|<details><summary>[^<]*<\/summary>|<!-- skywork:[a-z-]+:[A-Za-z0-9_-]+ -->)$/;

/** Token types the bot never writes: each one found is a violation. */
const FORBIDDEN = new Set([
  "image",
  "definition",
  "autolink",
  "literalAutolink",
  "literalAutolinkEmail",
  "literalAutolinkHttp",
  "literalAutolinkWww",
  "gfmFootnoteCall",
  "gfmFootnoteDefinition",
]);

/** Inside these, text is shown as it is (no mention, no link). */
const LITERAL = new Set(["codeText", "codeFenced", "codeIndented", "htmlFlow", "htmlText", "resourceDestination", "resourceTitle"]);

export function auditMarkdown(text: string, options: AuditOptions): string[] {
  const events: Event[] = postprocess(
    parse({ extensions: [gfm()] })
      .document()
      .write(preprocess()(text, undefined, true)),
  );
  const quoted = options.quoted ?? null;
  const isQuoted = (start: number, end: number) => quoted !== null && quoted.some(([from, to]) => start < to && from < end);
  const show = (token: Token) => JSON.stringify(text.slice(token.start.offset, token.end.offset).slice(0, 120));
  const violations: string[] = [];

  // Visible text outside code and HTML, with each character's offset, for mentions.
  const visible: Array<{ char: string; offset: number }> = [];
  let literalDepth = 0;
  let lastEnd = -1;
  const see = (value: string, offset: number) => {
    if (offset !== lastEnd) visible.push({ char: "\n", offset: -1 });
    for (const [i, char] of [...value].entries()) visible.push({ char, offset: offset + i });
  };

  for (let i = 0; i < events.length; i++) {
    const [kind, token] = events[i]!;
    if (kind === "exit") {
      if (LITERAL.has(token.type)) literalDepth--;
      continue;
    }
    const { offset: start } = token.start;
    const { offset: end } = token.end;
    if (FORBIDDEN.has(token.type)) violations.push(`${token.type} ${show(token)}`);
    if (token.type === "htmlFlow" || token.type === "htmlText") {
      if (quoted !== null ? isQuoted(start, end) : !htmlIsOwn(text.slice(start, end))) violations.push(`raw HTML ${show(token)}`);
    }
    if (token.type === "link") {
      const destination = childOf(events, i, "resourceDestinationString");
      if (isQuoted(start, start + 1)) violations.push(`link opened by quoted text ${show(token)}`);
      if (!destination) violations.push(`reference link ${show(token)}`);
      else {
        const url = text.slice(destination.start.offset, destination.end.offset);
        if (isQuoted(destination.start.offset, destination.end.offset)) violations.push(`link to a quoted URL ${show(token)}`);
        if (!options.linkPrefixes.some((prefix) => url.startsWith(prefix))) violations.push(`link to ${url}`);
      }
    }
    if (token.type === "characterReference" && literalDepth === 0 && quoted !== null && isQuoted(start, end)) {
      // The neutraliser writes "&lt;" and "&amp;" for "<" and "&"; any other reference in quoted text was let through.
      const value = text.slice(start, end);
      if (value !== "&lt;" && value !== "&amp;") violations.push(`character reference in quoted text ${show(token)}`);
    }
    if (LITERAL.has(token.type)) literalDepth++;
    if (literalDepth > 0) continue;
    if (token.type === "data") see(text.slice(start, end), start);
    else if (token.type === "characterEscapeValue") see(text.slice(start, end), start);
    else if (token.type === "characterReference") see(decodeReference(text.slice(start, end)), start);
    else continue;
    lastEnd = end;
  }

  // GitHub links @user and @org/team where "@" does not follow a word character.
  const chars = visible.map((v) => v.char).join("");
  for (const match of chars.matchAll(/(?<![A-Za-z0-9_`])@([A-Za-z0-9][A-Za-z0-9-]*)/g)) {
    const at = visible[match.index]!;
    const allowed = (options.logins ?? []).includes(match[1]!) && !isQuoted(at.offset, at.offset + 1);
    if (!allowed) violations.push(`mention @${match[1]}`);
  }

  // Markers are read from the raw text, code included: only the bot may open a comment.
  for (const match of text.matchAll(/<!--/g)) {
    if (quoted !== null ? isQuoted(match.index, match.index + 4) : !/^<!-- skywork:[a-z-]+:[A-Za-z0-9_-]+ -->/.test(text.slice(match.index))) {
      violations.push(`HTML comment at ${match.index}: ${JSON.stringify(text.slice(match.index, match.index + 60))}`);
    }
  }
  return violations;
}

function htmlIsOwn(html: string): boolean {
  return html.split("\n").every((line) => line.trim() === "" || OWN_HTML.test(line.trim()));
}

/** The first token of `type` inside the token entered at `index`. */
function childOf(events: readonly Event[], index: number, type: string): Token | null {
  const parent = events[index]![1];
  for (let i = index + 1; i < events.length; i++) {
    const [kind, token] = events[i]!;
    if (kind === "exit" && token === parent) return null;
    if (kind === "enter" && token.type === type) return token;
  }
  return null;
}

function decodeReference(reference: string): string {
  const numeric = /^&#(x?)([0-9a-f]+);$/i.exec(reference);
  if (numeric) return String.fromCodePoint(Number.parseInt(numeric[2]!, numeric[1] ? 16 : 10) || 0xfffd);
  const named: Record<string, string> = { "&lt;": "<", "&gt;": ">", "&amp;": "&", "&quot;": '"', "&commat;": "@" };
  return named[reference] ?? "\ufffd";
}
