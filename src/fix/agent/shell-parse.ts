// A small, strict reader of the bash the model writes: words with quotes and escapes, `&&`/`||`
// chains, `|` pipelines, and the two output redirections that write nothing (`2>&1`, `…>/dev/null`).
// Anything that would need a real shell (variables, $(…), backticks, `;`, subshells, other
// redirections, background jobs) is refused with a sentence saying what is not available.

export interface Word {
  /** The word after quote removal. */
  value: string;
  /** Set when the word has unquoted glob characters: the pattern, quoted characters escaped with "\". */
  glob: string | null;
}

export interface SimpleCommand {
  words: Word[];
  stdout: "pipe" | "discard";
  stderr: "show" | "merge" | "discard";
}

export interface ChainItem {
  /** How this pipeline joins the previous one; null for the first. */
  op: "&&" | "||" | null;
  pipeline: SimpleCommand[];
}

export type ParseResult = { ok: true; chain: ChainItem[] } | { ok: false; reason: string };

class Refusal extends Error {}

const NAME_START = /[A-Za-z_0-9{(@*#?$!-]/;
const GLOB_CHARS = new Set(["*", "?", "["]);

interface Token {
  kind: "word" | "op";
  word?: Word;
  op?: "&&" | "||" | "|" | "redirect";
  redirect?: { fd: 1 | 2; target: "&1" | "/dev/null" };
}

export function parseShell(source: string): ParseResult {
  try {
    return { ok: true, chain: buildChain(tokenize(source)) };
  } catch (error) {
    if (error instanceof Refusal) return { ok: false, reason: error.message };
    throw error;
  }
}

function tokenize(source: string): Token[] {
  const tokens: Token[] = [];
  let value = "";
  let pattern = "";
  let hasGlob = false;
  let inWord = false;
  let quotedChars = false;

  const push = (char: string, quoted: boolean): void => {
    inWord = true;
    value += char;
    if (quoted) {
      quotedChars = true;
      pattern += GLOB_CHARS.has(char) || char === "\\" || char === "]" ? `\\${char}` : char;
    } else {
      if (GLOB_CHARS.has(char)) hasGlob = true;
      pattern += char;
    }
  };
  const finishWord = (): void => {
    if (!inWord) return;
    tokens.push({ kind: "word", word: { value, glob: hasGlob ? pattern : null } });
    value = "";
    pattern = "";
    hasGlob = false;
    inWord = false;
    quotedChars = false;
  };

  let i = 0;
  while (i < source.length) {
    const c = source[i] as string;
    const next = source[i + 1];
    if (c === " " || c === "\t") {
      finishWord();
      i++;
    } else if (c === "\n" || c === "\r") {
      // A trailing newline is harmless; one between commands is a `;`.
      if (source.slice(i).trim() === "") break;
      throw new Refusal("Run one command line per call: separate commands with `&&` instead of newlines or `;`.");
    } else if (c === "\\") {
      if (next === "\n") {
        i += 2; // line continuation
      } else if (next === undefined) {
        push("\\", false);
        i++;
      } else {
        push(next, true);
        i += 2;
      }
    } else if (c === "'") {
      const end = source.indexOf("'", i + 1);
      if (end < 0) throw new Refusal("The command has an unterminated single quote.");
      inWord = true;
      for (const ch of source.slice(i + 1, end)) push(ch, true);
      i = end + 1;
    } else if (c === '"') {
      inWord = true;
      i = readDoubleQuoted(source, i + 1, push);
    } else if (c === "$") {
      if (next === "'" || next === '"' || (next !== undefined && NAME_START.test(next))) {
        throw new Refusal("Variables, `$(…)` and other expansions are not available here: write the values out.");
      }
      push("$", false);
      i++;
    } else if (c === "`") {
      throw new Refusal("Command substitution with backticks is not available here.");
    } else if (c === "#" && !inWord) {
      const newline = source.indexOf("\n", i);
      if (newline >= 0 && source.slice(newline).trim() !== "") {
        throw new Refusal("Run one command line per call: separate commands with `&&` instead of newlines or `;`.");
      }
      break; // a comment runs to the end of the line
    } else if (c === ";") {
      throw new Refusal("`;` is not available here: chain commands with `&&` (or `||`).");
    } else if (c === "&") {
      finishWord();
      if (next === "&") {
        tokens.push({ kind: "op", op: "&&" });
        i += 2;
      } else if (next === ">") {
        throw new Refusal("Redirections to files are not available here (nothing may be written); `2>&1` and `2>/dev/null` are.");
      } else {
        throw new Refusal("Background jobs (`&`) are not available here.");
      }
    } else if (c === "|") {
      finishWord();
      if (next === "|") {
        tokens.push({ kind: "op", op: "||" });
        i += 2;
      } else if (next === "&") {
        throw new Refusal("`|&` is not available here; use `2>&1 |`.");
      } else {
        tokens.push({ kind: "op", op: "|" });
        i++;
      }
    } else if (c === ">") {
      // An all-digit, unquoted word right before `>` is a file descriptor number.
      let fd: 1 | 2 = 1;
      if (inWord && !quotedChars && /^\d+$/.test(value)) {
        if (value !== "1" && value !== "2") throw new Refusal(`Redirecting file descriptor ${value} is not available here.`);
        fd = value === "2" ? 2 : 1;
        value = "";
        pattern = "";
        inWord = false;
      } else {
        finishWord();
      }
      i = readRedirect(source, i + 1, fd, tokens);
    } else if (c === "<") {
      throw new Refusal("Input redirection, here-documents and process substitution are not available here.");
    } else if (c === "(" || c === ")") {
      throw new Refusal("Subshells and grouping with parentheses are not available here (write `\\(` for a literal parenthesis, e.g. in find).");
    } else {
      push(c, false);
      i++;
    }
  }
  finishWord();
  return tokens;
}

function readDoubleQuoted(source: string, start: number, push: (char: string, quoted: boolean) => void): number {
  let i = start;
  while (i < source.length) {
    const c = source[i] as string;
    const next = source[i + 1];
    if (c === '"') return i + 1;
    if (c === "\\" && next !== undefined && '$`"\\\n'.includes(next)) {
      if (next !== "\n") push(next, true);
      i += 2;
    } else if (c === "$" && next !== undefined && NAME_START.test(next)) {
      throw new Refusal("Variables, `$(…)` and other expansions are not available here: write the values out.");
    } else if (c === "`") {
      throw new Refusal("Command substitution with backticks is not available here.");
    } else {
      push(c, true);
      i++;
    }
  }
  throw new Refusal("The command has an unterminated double quote.");
}

function readRedirect(source: string, start: number, fd: 1 | 2, tokens: Token[]): number {
  let i = start;
  if (source[i] === ">" || source[i] === "|") throw new Refusal("Redirections to files are not available here (nothing may be written); `2>&1` and `2>/dev/null` are.");
  if (source[i] === "&") {
    const target = source[i + 1];
    if (fd === 2 && target === "1" && !/[^\s|&]/.test(source[i + 2] ?? " ")) {
      tokens.push({ kind: "op", op: "redirect", redirect: { fd: 2, target: "&1" } });
      return i + 2;
    }
    throw new Refusal("Only `2>&1` is available among descriptor redirections.");
  }
  while (source[i] === " " || source[i] === "\t") i++;
  const rest = source.slice(i);
  const match = /^\/dev\/null(?=$|[\s|&])/.exec(rest);
  if (!match) throw new Refusal("Redirections to files are not available here (nothing may be written); `2>&1` and `2>/dev/null` are.");
  tokens.push({ kind: "op", op: "redirect", redirect: { fd, target: "/dev/null" } });
  return i + match[0].length;
}

function buildChain(tokens: Token[]): ChainItem[] {
  const chain: ChainItem[] = [];
  let op: ChainItem["op"] = null;
  let pipeline: SimpleCommand[] = [];
  let command: SimpleCommand = { words: [], stdout: "pipe", stderr: "show" };

  const endCommand = (): void => {
    if (command.words.length === 0) throw new Refusal("The command line has an empty command (check the `|`, `&&` and `||`).");
    pipeline.push(command);
    command = { words: [], stdout: "pipe", stderr: "show" };
  };
  for (const token of tokens) {
    if (token.kind === "word" && token.word) {
      command.words.push(token.word);
    } else if (token.op === "redirect" && token.redirect) {
      const { fd, target } = token.redirect;
      if (fd === 1) command.stdout = "discard";
      else command.stderr = target === "&1" ? "merge" : "discard";
    } else if (token.op === "|") {
      endCommand();
    } else if (token.op === "&&" || token.op === "||") {
      endCommand();
      chain.push({ op, pipeline });
      pipeline = [];
      op = token.op;
    }
  }
  if (command.words.length === 0 && pipeline.length === 0 && chain.length === 0) throw new Refusal("The command is empty.");
  endCommand();
  chain.push({ op, pipeline });
  return chain;
}
