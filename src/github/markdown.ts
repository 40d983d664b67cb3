// Model text is untrusted (a hostile PR can steer it), so before it is posted it is neutralised:
// no raw HTML (comments, <details>, hidden elements could hide content or forge our markers), no
// @mentions (mass pings), no clickable links or images. Code blocks and inline code are kept as
// they are: GitHub renders their content literally.

const ZWSP = "\u200b";

export function neutralizeMarkdown(text: string): string {
  const out: string[] = [];
  let fence: { char: string; length: number } | null = null;
  for (const line of text.replace(/\r\n?/g, "\n").split("\n")) {
    const opener = /^ {0,3}(`{3,}|~{3,})/.exec(line);
    if (fence) {
      out.push(line);
      if (opener && opener[1]![0] === fence.char && opener[1]!.length >= fence.length && line.trim() === opener[1]) fence = null;
      continue;
    }
    if (opener) {
      fence = { char: opener[1]![0]!, length: opener[1]!.length };
      out.push(line);
      continue;
    }
    out.push(neutralizeInline(line));
  }
  return out.join("\n");
}

/** Neutralises one line of prose, leaving `inline code` spans alone. */
function neutralizeInline(line: string): string {
  return line
    .split(/(`+[^`]*`+)/g)
    .map((part, i) => (i % 2 === 1 ? part : neutralizeProse(part)))
    .join("");
}

function neutralizeProse(text: string): string {
  return (
    text
      // Raw HTML (including <!-- -->) is shown as text instead of rendered.
      .replace(/</g, "&lt;")
      // Images: keep the alt text only.
      .replace(/!\[([^\]]*)\]\([^)]*\)/g, "$1")
      // Links: keep the text, show the target as code (not clickable).
      .replace(/\[([^\]]+)\]\(([^)\s]+)[^)]*\)/g, (_m, label: string, url: string) => `${label} (\`${url}\`)`)
      // Bare URLs become code so they are not autolinked.
      .replace(/(^|[\s(])((?:https?|ftp):\/\/[^\s)`]+)/g, "$1`$2`")
      // @user and @org/team mentions notify people; a zero-width space breaks them.
      .replace(/(^|[^\w`])@(?=[A-Za-z0-9])/g, `$1@${ZWSP}`)
  );
}

/** A backtick fence longer than any backtick run inside `content`, so the content cannot close it. */
export function fenceFor(content: string): string {
  let longest = 0;
  for (const run of content.match(/`+/g) ?? []) longest = Math.max(longest, run.length);
  return "`".repeat(Math.max(3, longest + 1));
}
