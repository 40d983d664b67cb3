// Path tokens in diff headers. Git quotes "unusual" names C-style: enclosed in double quotes, with
// \a \b \t \n \v \f \r \" \\ and three-digit octal escapes for bytes (UTF-8 names come out as
// "caf\303\251.txt" while core.quotePath is on). https://git-scm.com/docs/git-config#Documentation/git-config.txt-corequotePath

const strictUtf8 = new TextDecoder("utf-8", { fatal: true });
const utf8Encoder = new TextEncoder();

const SIMPLE_ESCAPES: Record<string, number> = {
  a: 7,
  b: 8,
  t: 9,
  n: 10,
  v: 11,
  f: 12,
  r: 13,
  '"': 34,
  "\\": 92,
};

interface QuotedToken {
  value: string;
  /** Index just past the closing quote. */
  end: number;
}

/** Reads a C-quoted token starting at `from` (which must be `"`); null when it is malformed. */
function readQuoted(text: string, from: number): QuotedToken | null {
  if (text.charCodeAt(from) !== 0x22) return null;
  const bytes: number[] = [];
  let i = from + 1;
  while (i < text.length) {
    const ch = text[i] as string;
    if (ch === '"') return { value: decodeBytes(bytes), end: i + 1 };
    if (ch === "\\") {
      const next = text[i + 1];
      if (next === undefined) return null;
      const simple = SIMPLE_ESCAPES[next];
      if (simple !== undefined) {
        bytes.push(simple);
        i += 2;
        continue;
      }
      const octal = text.slice(i + 1, i + 4);
      if (/^[0-3][0-7]{2}$/.test(octal)) {
        bytes.push(parseInt(octal, 8));
        i += 4;
        continue;
      }
      return null;
    }
    const code = text.codePointAt(i) as number;
    if (code < 0x80) bytes.push(code);
    else for (const b of utf8Encoder.encode(String.fromCodePoint(code))) bytes.push(b);
    i += code > 0xffff ? 2 : 1;
  }
  return null;
}

function decodeBytes(bytes: number[]): string {
  const array = Uint8Array.from(bytes);
  try {
    return strictUtf8.decode(array);
  } catch {
    return Buffer.from(array).toString("latin1");
  }
}

/**
 * A path token from a `---`/`+++` line: quoted, or bare up to a TAB. Git appends a TAB to names
 * that contain a space, and traditional `diff -u` puts a timestamp after one. Null for /dev/null.
 */
export function readFileLinePath(rest: string): { path: string | null; timestamp: string } {
  const text = stripCr(rest);
  if (text.startsWith('"')) {
    const quoted = readQuoted(text, 0);
    if (quoted) {
      const path = quoted.value === "/dev/null" ? null : quoted.value;
      return { path, timestamp: text.slice(quoted.end).trim() };
    }
  }
  const tab = text.indexOf("\t");
  const path = tab === -1 ? text : text.slice(0, tab);
  const timestamp = tab === -1 ? "" : text.slice(tab + 1).trim();
  return { path: path === "/dev/null" ? null : path, timestamp };
}

/** A path from an extended header such as `rename from <path>`: quoted or the whole rest. */
export function readHeaderPath(rest: string): string {
  const text = stripCr(rest);
  if (text.startsWith('"')) {
    const quoted = readQuoted(text, 0);
    if (quoted && quoted.end === text.length) return quoted.value;
  }
  return text;
}

export function stripCr(text: string): string {
  return text.endsWith("\r") ? text.slice(0, -1) : text;
}

// Bare tokens are split by trying each space; beyond this many, only the midpoint is tried, so a
// hostile header cannot make the split quadratic.
const MAX_SPLIT_CANDIDATES = 64;

/**
 * Splits the two paths of `diff --git <a> <b>` (prefixes still on). Bare names may contain
 * spaces, so the header alone is ambiguous; without a rename both sides name the same path, so
 * the split whose halves share the longest common suffix is the right one.
 */
export function splitTwoPaths(rest: string, separator = " "): [string, string] | null {
  const text = stripCr(rest);
  if (text.startsWith('"')) {
    const first = readQuoted(text, 0);
    if (!first || !text.startsWith(separator, first.end)) return null;
    const secondStart = first.end + separator.length;
    const second = text.startsWith('"', secondStart) ? readQuoted(text, secondStart) : null;
    if (second) return second.end === text.length ? [first.value, second.value] : null;
    return [first.value, text.slice(secondStart)];
  }
  if (text.endsWith('"')) {
    // Bare first name, quoted second: find the quote that opens a token ending at the very end.
    let at = text.indexOf(separator + '"');
    while (at !== -1) {
      const quoted = readQuoted(text, at + separator.length);
      if (quoted && quoted.end === text.length) return [text.slice(0, at), quoted.value];
      at = text.indexOf(separator + '"', at + 1);
    }
  }
  return splitBare(text, separator);
}

function splitBare(text: string, separator: string): [string, string] | null {
  const positions: number[] = [];
  for (let at = text.indexOf(separator); at !== -1; at = text.indexOf(separator, at + 1)) {
    positions.push(at);
  }
  if (positions.length === 0) return null;
  const candidates = positions.length <= MAX_SPLIT_CANDIDATES ? positions : positions.filter((at) => at === (text.length - separator.length) / 2);
  let best: [string, string] | null = null;
  let bestScore = -1;
  for (const at of candidates) {
    const left = text.slice(0, at);
    const right = text.slice(at + separator.length);
    const score = commonSuffixLength(left, right);
    if (score > bestScore) {
      best = [left, right];
      bestScore = score;
    }
  }
  if (best) return best;
  const first = positions[0] as number;
  return [text.slice(0, first), text.slice(first + separator.length)];
}

function commonSuffixLength(a: string, b: string): number {
  let n = 0;
  while (n < a.length && n < b.length && a[a.length - 1 - n] === b[b.length - 1 - n]) n++;
  return n;
}

/**
 * The prefixes two tokens for the same path carry, e.g. `SRC/x` and `DST/x` -> [`SRC/`, `DST/`].
 * The common suffix may begin with the `/` that ends both prefixes; it is given back to them.
 */
export function inferPrefixPair(oldToken: string, newToken: string): [string, string] | null {
  if (oldToken === newToken) return ["", ""];
  let suffix = commonSuffixLength(oldToken, newToken);
  if (suffix === 0) return null;
  // One side has no prefix at all (e.g. --src-prefix=""): its whole token is the path.
  if (suffix < oldToken.length && suffix < newToken.length) {
    const tail = oldToken.slice(oldToken.length - suffix);
    const slash = tail.indexOf("/");
    if (slash === -1 || slash === tail.length - 1) return null;
    suffix -= slash + 1;
  }
  return [oldToken.slice(0, oldToken.length - suffix), newToken.slice(0, newToken.length - suffix)];
}
