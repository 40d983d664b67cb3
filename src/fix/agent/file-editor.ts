// str_replace_editor, as OpenHands 0.32 runs it (openhands-aci's OHEditor): the same commands, the
// same `cat -n` output and the same error sentences, so the model reads what it was trained on.
// Differences: files are read and written where editor-files.ts says (inside the attempt's sandbox,
// or confined to the checkout), CRLF files keep their line endings, `create` ends the file with a
// newline, and undoing a `create` removes the file.
import path from "node:path";
import { PathRefused, type EditorFiles } from "./editor-files.js";

export type EditorCommand = "view" | "create" | "str_replace" | "insert" | "undo_edit";
export const EDITOR_COMMANDS: readonly EditorCommand[] = ["view", "create", "str_replace", "insert", "undo_edit"];

export interface EditorParams {
  command: string;
  path: string;
  file_text?: string;
  old_str?: string;
  new_str?: string;
  insert_line?: number;
  view_range?: unknown;
}

export interface EditorResult {
  /** The observation text ("ERROR:\n…" when the command failed). */
  text: string;
  /** Set when the command changed a file: its path as the model wrote it. */
  edited: string | null;
  error: boolean;
}

// openhands-aci's limits and notices (editor/config.py, editor/prompts.py).
const SNIPPET_CONTEXT_WINDOW = 4;
const MAX_RESPONSE_LEN_CHAR = 16_000;
const MAX_FILE_SIZE_MB = 10;
const MAX_HISTORY_PER_FILE = 10;
const FILE_CONTENT_TRUNCATED_NOTICE =
  "<response clipped><NOTE>To save on context only part of this file has been shown to you. You should retry this tool after you have searched inside the file with `grep -n` in order to find the line numbers of what you are looking for.</NOTE>";
const DIRECTORY_CONTENT_TRUNCATED_NOTICE =
  "<response clipped><NOTE>To save on context only part of this directory has been shown to you. You should use `ls -la` instead to view large directories incrementally.</NOTE>";

class ToolError extends Error {}

function invalid(parameter: string, value: string, hint: string): ToolError {
  return new ToolError(`Invalid \`${parameter}\` parameter: ${value}. ${hint}`);
}

function missing(command: string, parameter: string): ToolError {
  return new ToolError(`Parameter \`${parameter}\` is required for command: ${command}.`);
}

interface TextFile {
  /** Content with "\n" line endings, as Python's universal newlines reads it. */
  text: string;
  crlf: boolean;
}

export class FileEditor {
  readonly #files: EditorFiles;
  /** Previous contents per file, newest last; null: the file did not exist. */
  readonly #history = new Map<string, Array<string | null>>();

  constructor(files: EditorFiles) {
    this.#files = files;
  }

  async run(params: EditorParams): Promise<EditorResult> {
    try {
      return await this.#run(params);
    } catch (error) {
      if (error instanceof ToolError) return { text: `ERROR:\n${error.message}`, edited: null, error: true };
      if (error instanceof PathRefused)
        return { text: `ERROR:\n${invalid("path", displayPath(params.path), error.message).message}`, edited: null, error: true };
      const message = error instanceof Error ? error.message : String(error);
      return { text: `ERROR:\nRan into ${message} while running ${params.command} on ${params.path}`, edited: null, error: true };
    }
  }

  async #run(params: EditorParams): Promise<EditorResult> {
    const shown = displayPath(params.path);
    const command = params.command as EditorCommand;
    if (!EDITOR_COMMANDS.includes(command)) {
      throw new ToolError(`Unrecognized command ${params.command}. The allowed commands for the str_replace_editor tool are: ${EDITOR_COMMANDS.join(", ")}`);
    }
    if (!params.path.startsWith("/")) {
      let hint = "The path should be an absolute path, starting with `/`.";
      const suggestion = path.posix.join(this.#files.root, params.path);
      const found = await this.#files.stat(suggestion).catch(() => null);
      if (found !== null) hint += ` Maybe you meant ${suggestion}?`;
      throw invalid("path", shown, hint);
    }
    const key = await this.#files.check(params.path, command === "view" ? "read" : "write");
    const info = await this.#files.stat(params.path);
    const isDir = info?.kind === "dir";
    if (command === "create" && info !== null) {
      throw invalid("path", shown, `File already exists at: ${shown}. Cannot overwrite files using command \`create\`.`);
    }
    if (command !== "create" && info === null) throw invalid("path", shown, `The path ${shown} does not exist. Please provide a valid path.`);
    if (command !== "view" && isDir) {
      throw invalid("path", shown, `The path ${shown} is a directory and only the \`view\` command can be used on directories.`);
    }

    switch (command) {
      case "view":
        return {
          text: isDir ? await this.#viewDirectory(params.path, shown, params.view_range) : await this.#viewFile(params.path, shown, params.view_range),
          edited: null,
          error: false,
        };
      case "create": {
        if (params.file_text === undefined) throw missing(command, "file_text");
        const text = params.file_text.endsWith("\n") || params.file_text === "" ? params.file_text : `${params.file_text}\n`;
        await this.#write(params.path, { text, crlf: false });
        this.#remember(key, null);
        return { text: `File created successfully at: ${shown}`, edited: shown, error: false };
      }
      case "str_replace": {
        if (params.old_str === undefined) throw missing(command, "old_str");
        if (params.new_str === params.old_str) {
          throw invalid("new_str", params.new_str, "No replacement was performed. `new_str` and `old_str` must be different.");
        }
        return this.#strReplace(params.path, key, shown, params.old_str, params.new_str ?? "");
      }
      case "insert": {
        if (params.insert_line === undefined) throw missing(command, "insert_line");
        if (params.new_str === undefined) throw missing(command, "new_str");
        return this.#insert(params.path, key, shown, params.insert_line, params.new_str);
      }
      case "undo_edit":
        return this.#undo(params.path, key, shown);
    }
  }

  async #viewFile(file: string, shown: string, viewRange: unknown): Promise<string> {
    const { text } = await this.#read(file, shown);
    if (viewRange === undefined || viewRange === null || (Array.isArray(viewRange) && viewRange.length === 0)) {
      return makeOutput(text, shown, 1);
    }
    if (!Array.isArray(viewRange) || viewRange.length !== 2 || !viewRange.every((n) => Number.isInteger(n))) {
      throw invalid("view_range", pyRepr(viewRange), "It should be a list of two integers.");
    }
    const numLines = countLines(text);
    const start = viewRange[0] as number;
    let end = viewRange[1] as number;
    if (start < 1 || start > numLines) {
      throw invalid("view_range", pyRepr(viewRange), `Its first element \`${start}\` should be within the range of lines of the file: [1, ${numLines}].`);
    }
    let warning: string | null = null;
    if (end === -1) end = numLines;
    else if (end > numLines) {
      warning = `We only show up to ${numLines} since there's only ${numLines} lines in this file`;
      end = numLines;
    }
    if (end < start) {
      throw invalid("view_range", pyRepr(viewRange), `Its second element \`${end}\` should be greater than or equal to the first element \`${start}\`.`);
    }
    const lines = splitLinesKeepEnds(text).slice(start - 1, end);
    let output = makeOutput(lines.map((l) => l.replace(/\n$/, "")).join("\n"), shown, start);
    if (warning) output += `\nNOTE: ${warning}\n`;
    return output;
  }

  async #viewDirectory(dir: string, shown: string, viewRange: unknown): Promise<string> {
    if (viewRange !== undefined && viewRange !== null) {
      throw invalid("view_range", pyRepr(viewRange), "The `view_range` parameter is not allowed when `path` points to a directory.");
    }
    const base = shown.replace(/\/+$/, "") || "/";
    const entries = [`${base}/`];
    let hidden = 0;
    // `find <dir> -maxdepth 2 -not -path '*/\.*'`: nothing hidden at any level; hidden entries of the folder itself counted.
    for (const entry of await this.#files.list(dir)) {
      const parts = entry.rel.split("/");
      if (parts.some((part) => part.startsWith("."))) {
        if (parts.length === 1) hidden += 1;
        continue;
      }
      entries.push(entry.dir ? `${base === "/" ? "" : base}/${entry.rel}/` : `${base === "/" ? "" : base}/${entry.rel}`);
    }
    // `find … | sort` orders whole paths byte-wise, which puts "a/" after "a-b".
    entries.sort((a, b) => compareBytes(a.replace(/\/$/, ""), b.replace(/\/$/, "")));
    let listing = entries.join("\n");
    if (listing.length > MAX_RESPONSE_LEN_CHAR) listing = listing.slice(0, MAX_RESPONSE_LEN_CHAR) + DIRECTORY_CONTENT_TRUNCATED_NOTICE;
    const parts = [`Here's the files and directories up to 2 levels deep in ${base}, excluding hidden items:\n${listing}`];
    if (hidden > 0) parts.push(`\n${hidden} hidden files/directories in this directory are excluded. You can use 'ls -la ${base}' to see them.`);
    return parts.join("\n");
  }

  async #strReplace(filePath: string, key: string, shown: string, oldStr: string, newStr: string): Promise<EditorResult> {
    const file = await this.#read(filePath, shown);
    const content = file.text;
    const occurrences: Array<{ line: number; index: number }> = [];
    for (let from = 0; from <= content.length;) {
      const index = content.indexOf(oldStr, from);
      if (index < 0) break;
      occurrences.push({ line: countNewlines(content, index) + 1, index });
      from = index + Math.max(oldStr.length, 1);
    }
    if (occurrences.length === 0) {
      throw new ToolError(`No replacement was performed, old_str \`${oldStr}\` did not appear verbatim in ${shown}.`);
    }
    if (occurrences.length > 1) {
      const lines = [...new Set(occurrences.map((o) => o.line))].sort((a, b) => a - b);
      throw new ToolError(
        `No replacement was performed. Multiple occurrences of old_str \`${oldStr}\` in lines [${lines.join(", ")}]. Please ensure it is unique.`,
      );
    }
    const { line, index } = occurrences[0] as { line: number; index: number };
    const updated = content.slice(0, index) + newStr + content.slice(index + oldStr.length);
    await this.#write(filePath, { text: updated, crlf: file.crlf });
    this.#remember(key, content);
    // Four lines of context on each side, as in OpenHands' own in-context example (lines 3-11 around 7).
    const startLine = Math.max(1, line - SNIPPET_CONTEXT_WINDOW);
    const endLine = line + SNIPPET_CONTEXT_WINDOW + countNewlines(newStr, newStr.length);
    const snippet = splitLinesKeepEnds(updated)
      .slice(startLine - 1, endLine)
      .join("");
    const text =
      `The file ${shown} has been edited. ` +
      makeOutput(snippet, `a snippet of ${shown}`, startLine) +
      "Review the changes and make sure they are as expected. Edit the file again if necessary.";
    return { text, edited: shown, error: false };
  }

  async #insert(filePath: string, key: string, shown: string, insertLine: number, newStr: string): Promise<EditorResult> {
    const file = await this.#read(filePath, shown);
    const lines = splitLinesKeepEnds(file.text);
    const numLines = lines.length;
    if (!Number.isInteger(insertLine) || insertLine < 0 || insertLine > numLines) {
      throw invalid("insert_line", String(insertLine), `It should be within the range of allowed values: [0, ${numLines}]`);
    }
    const before = lines.slice(0, insertLine);
    const last = before[before.length - 1];
    // OpenHands would glue the new text onto a last line that has no newline; end that line first.
    if (last !== undefined && !last.endsWith("\n")) before[before.length - 1] = `${last}\n`;
    const newLines = newStr.split("\n");
    const updated = [...before, ...newLines.map((l) => `${l}\n`), ...lines.slice(insertLine)].join("");
    await this.#write(filePath, { text: updated, crlf: file.crlf });
    this.#remember(key, file.text);
    const startLine = Math.max(0, insertLine - SNIPPET_CONTEXT_WINDOW);
    const endLine = Math.min(numLines + newLines.length, insertLine + SNIPPET_CONTEXT_WINDOW + newLines.length);
    const snippet = splitLinesKeepEnds(updated).slice(startLine, endLine).join("");
    const text =
      `The file ${shown} has been edited. ` +
      makeOutput(snippet, "a snippet of the edited file", Math.max(1, insertLine - SNIPPET_CONTEXT_WINDOW + 1)) +
      "Review the changes and make sure they are as expected (correct indentation, no duplicate lines, etc). Edit the file again if necessary.";
    return { text, edited: shown, error: false };
  }

  async #undo(filePath: string, key: string, shown: string): Promise<EditorResult> {
    const history = this.#history.get(key);
    if (!history || history.length === 0) throw new ToolError(`No edit history found for ${shown}.`);
    const previous = history.pop() as string | null;
    if (previous === null) {
      await this.#files.remove(filePath);
      return { text: `Last edit to ${shown} undone successfully. The file did not exist before that edit and has been removed.`, edited: shown, error: false };
    }
    const current = await this.#read(filePath, shown);
    await this.#write(filePath, { text: previous, crlf: current.crlf });
    return { text: `Last edit to ${shown} undone successfully. ${makeOutput(previous, shown, 1)}`, edited: shown, error: false };
  }

  #remember(key: string, previous: string | null): void {
    const history = this.#history.get(key) ?? [];
    history.push(previous);
    if (history.length > MAX_HISTORY_PER_FILE) history.shift();
    this.#history.set(key, history);
  }

  async #read(filePath: string, shown: string): Promise<TextFile> {
    const info = await this.#files.stat(filePath);
    if (info?.kind === "file" && info.size > MAX_FILE_SIZE_MB * 1024 * 1024) {
      throw new ToolError(
        `File validation failed for ${shown}: File is too large (${(info.size / 1024 / 1024).toFixed(1)}MB). Maximum allowed size is ${MAX_FILE_SIZE_MB}MB.`,
      );
    }
    return decodeText(await this.#files.read(filePath), shown);
  }

  async #write(filePath: string, file: TextFile): Promise<void> {
    await this.#files.write(filePath, file.crlf ? file.text.replace(/\r?\n/g, "\r\n") : file.text);
  }
}

/** openhands-aci's `_make_output`: the snippet, cut at 16,000 characters, numbered like `cat -n`. */
function makeOutput(snippet: string, description: string, startLine: number): string {
  const clipped = snippet.length > MAX_RESPONSE_LEN_CHAR ? snippet.slice(0, MAX_RESPONSE_LEN_CHAR) + FILE_CONTENT_TRUNCATED_NOTICE : snippet;
  const numbered = clipped
    .split("\n")
    .map((line, i) => `${String(i + startLine).padStart(6)}\t${line}`)
    .join("\n");
  return `Here's the result of running \`cat -n\` on ${description}:\n${numbered}\n`;
}

function decodeText(bytes: Buffer, shown: string): TextFile {
  if (bytes.subarray(0, 8192).includes(0)) {
    throw new ToolError(`File validation failed for ${shown}: File appears to be binary and this file type cannot be read or edited by this tool.`);
  }
  let decoded: string;
  try {
    decoded = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true }).decode(bytes);
  } catch {
    throw new ToolError(`The editor only supports UTF-8 encoding files, please use bash commands for files with other encoding: ${shown}`);
  }
  const crlf = decoded.includes("\r\n");
  return { text: crlf ? decoded.replace(/\r\n/g, "\n") : decoded, crlf };
}

function compareBytes(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a), Buffer.from(b));
}

/** Lines with their "\n", as Python's readlines gives them. */
function splitLinesKeepEnds(text: string): string[] {
  if (text === "") return [];
  const lines = text.split("\n").map((l) => `${l}\n`);
  const last = lines[lines.length - 1] as string;
  if (last === "\n") lines.pop();
  else lines[lines.length - 1] = last.slice(0, -1);
  return lines;
}

/** Python's `sum(1 for _ in f)`. */
function countLines(text: string): number {
  return splitLinesKeepEnds(text).length;
}

function countNewlines(text: string, end: number): number {
  let count = 0;
  for (let i = text.indexOf("\n"); i >= 0 && i < end; i = text.indexOf("\n", i + 1)) count++;
  return count;
}

/** How Python's pathlib prints a path: duplicate and trailing slashes dropped. */
function displayPath(p: string): string {
  const collapsed = p.replace(/\/{2,}/g, "/");
  return collapsed.length > 1 ? collapsed.replace(/\/+$/, "") : collapsed;
}

/** Python's repr of a JSON value, as OpenHands prints a bad parameter. */
function pyRepr(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(pyRepr).join(", ")}]`;
  if (typeof value === "string") return `'${value}'`;
  if (value === null || value === undefined) return "None";
  if (typeof value === "boolean") return value ? "True" : "False";
  return String(value);
}
