// The diff model shared by the review worker, the context engine and the CLI.

export type LineKind = "context" | "add" | "del";

export interface DiffLine {
  kind: LineKind;
  /**
   * The line's content without the diff prefix and without its line ending. A CRLF ending is
   * removed whole (the `\r` too) and recorded in `crlf`, so text compares equal to what a model
   * or a suggestion writes, and line numbers never depend on line endings.
   */
  text: string;
  /** Line number in the old file; null for added lines. */
  oldLine: number | null;
  /** Line number in the new file; null for deleted lines. */
  newLine: number | null;
  /**
   * The line ended in `\r\n` (for a last line without a newline: its content ended in `\r`).
   * Optional so that callers building lines by hand may omit it; the parsers always set it.
   */
  crlf?: boolean;
  /** Followed by `\ No newline at end of file` (for a context line: on both sides). */
  noNewlineAtEof: boolean;
}

export interface Hunk {
  oldStart: number;
  oldLines: number;
  newStart: number;
  newLines: number;
  /** Text after the closing `@@` (git's function-context line), without the separating space. */
  section: string;
  lines: DiffLine[];
}

export type FileStatus = "added" | "modified" | "deleted" | "renamed" | "copied";

export interface FileDiff {
  /** The new path, or the old path for deletions. */
  path: string;
  /** Null when the file was added. */
  oldPath: string | null;
  /** Null when the file was deleted. */
  newPath: string | null;
  status: FileStatus;
  /** Git said the content is binary. GitHub's file list does not say; see `patchMissing`. */
  binary: boolean;
  /** Six octal digits as git prints them (`100644`, `100755`, `120000`, `160000`), when known. */
  oldMode: string | null;
  newMode: string | null;
  /** Rename/copy similarity in percent, when git reported one. */
  similarity: number | null;
  hunks: Hunk[];
  additions: number;
  deletions: number;
  /** GitHub omitted the patch (binary or too large): nothing can be commented. */
  patchMissing: boolean;
}

/** Something in the input that could not be understood; parsing went on without it. */
export interface DiffProblem {
  message: string;
  /** 1-based line of the input it was found at, when there is one. */
  line: number | null;
  /** The file it belongs to, when known. */
  path: string | null;
}

export interface ParseOptions {
  /** Receives every problem found. Parsing never throws on bad input; it skips what it cannot read. */
  onProblem?: (problem: DiffProblem) => void;
}

export interface GitDiffOptions extends ParseOptions {
  /**
   * The `--src-prefix` / `--dst-prefix` the diff was made with. Default: detected from the diff
   * (`a/` and `b/`, none for `--no-prefix`, or whatever custom prefixes the headers show).
   */
  srcPrefix?: string;
  dstPrefix?: string;
}
