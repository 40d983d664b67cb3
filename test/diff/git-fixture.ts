// Real git output for the diff tests: a throwaway repository per test, isolated from the user's
// and the system's git configuration so that prefixes, quoting and colors are git's defaults.
import { execFileSync } from "node:child_process";
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import type { DiffLine, FileDiff, Hunk } from "../../src/diff/index.js";

export interface GitRepo {
  dir: string;
  /** Runs git and returns its raw stdout bytes. */
  git(...args: string[]): Buffer;
  write(path: string, content: string | Uint8Array, mode?: number): void;
  /** Stages everything and commits. */
  commit(message: string): void;
  remove(): void;
}

export function createGitRepo(): GitRepo {
  const dir = mkdtempSync(join(tmpdir(), "skywork-diff-"));
  const env = {
    ...process.env,
    HOME: dir,
    GIT_CONFIG_NOSYSTEM: "1",
    GIT_CONFIG_GLOBAL: "/dev/null",
    GIT_AUTHOR_NAME: "Test",
    GIT_AUTHOR_EMAIL: "test@example.com",
    GIT_AUTHOR_DATE: "2024-01-01T00:00:00Z",
    GIT_COMMITTER_NAME: "Test",
    GIT_COMMITTER_EMAIL: "test@example.com",
    GIT_COMMITTER_DATE: "2024-01-01T00:00:00Z",
    LC_ALL: "C",
  };
  const git = (...args: string[]): Buffer =>
    execFileSync("git", ["-c", "core.autocrlf=false", "-c", "color.ui=never", ...args], {
      cwd: dir,
      env,
      maxBuffer: 256 * 1024 * 1024,
      stdio: ["ignore", "pipe", "pipe"],
    });
  git("init", "-q", "-b", "main");
  return {
    dir,
    git,
    write(path, content, mode) {
      const full = join(dir, path);
      mkdirSync(dirname(full), { recursive: true });
      writeFileSync(full, content);
      if (mode !== undefined) chmodSync(full, mode);
    },
    commit(message) {
      git("add", "-A");
      git("commit", "-q", "--allow-empty", "-m", message);
    },
    remove() {
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * Writes hunks back in unified format, from the parsed data only. If this reproduces the input,
 * every line's kind, text, line ending and no-newline marker was read right.
 */
export function serializeHunks(hunks: readonly Hunk[]): string {
  let out = "";
  for (const hunk of hunks) {
    const count = (n: number): string => (n === 1 ? "" : `,${n}`);
    out += `@@ -${hunk.oldStart}${count(hunk.oldLines)} +${hunk.newStart}${count(hunk.newLines)} @@${hunk.section ? ` ${hunk.section}` : ""}\n`;
    for (const line of hunk.lines) {
      const prefix = line.kind === "add" ? "+" : line.kind === "del" ? "-" : " ";
      out += `${prefix}${line.text}${line.crlf ? "\r" : ""}\n`;
      if (line.noNewlineAtEof) out += "\\ No newline at end of file\n";
    }
  }
  return out;
}

/**
 * Checks every numbered line against the real file contents of both sides: the strongest test
 * that each DiffLine knows its old and new line number.
 */
export function expectLinesMatchContents(file: FileDiff, oldText: string | null, newText: string | null): string[] {
  const errors: string[] = [];
  const split = (text: string | null): string[] => (text === null ? [] : text.split("\n"));
  const oldLines = split(oldText);
  const newLines = split(newText);
  const lineOf = (l: DiffLine): string => `${l.text}${l.crlf ? "\r" : ""}`;
  for (const hunk of file.hunks) {
    for (const line of hunk.lines) {
      if (line.oldLine !== null && oldLines[line.oldLine - 1] !== lineOf(line)) {
        errors.push(`${file.path}: old line ${line.oldLine} is ${JSON.stringify(oldLines[line.oldLine - 1])}, parsed ${JSON.stringify(lineOf(line))}`);
      }
      if (line.newLine !== null && newLines[line.newLine - 1] !== lineOf(line)) {
        errors.push(`${file.path}: new line ${line.newLine} is ${JSON.stringify(newLines[line.newLine - 1])}, parsed ${JSON.stringify(lineOf(line))}`);
      }
    }
  }
  return errors;
}
