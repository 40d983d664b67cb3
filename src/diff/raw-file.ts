// A file section as read, before paths are settled: the tokens exactly as the headers print them.

import type { Hunk } from "./types.js";

export interface RawFile {
  format: "git" | "traditional";
  /** 0-based index of the file's first header line, and one past its last line. */
  start: number;
  end: number;
  gitOld: string | null;
  gitNew: string | null;
  /** From `---` / `+++`: undefined when absent, null for /dev/null. */
  minus: string | null | undefined;
  plus: string | null | undefined;
  renameFrom: string | null;
  renameTo: string | null;
  copyFrom: string | null;
  copyTo: string | null;
  newFile: boolean;
  deletedFile: boolean;
  oldMode: string | null;
  newMode: string | null;
  indexMode: string | null;
  similarity: number | null;
  binary: boolean;
  hunks: Hunk[];
  additions: number;
  deletions: number;
}

export function newRawFile(format: RawFile["format"], start: number): RawFile {
  return {
    format,
    start,
    end: start + 1,
    gitOld: null,
    gitNew: null,
    minus: undefined,
    plus: undefined,
    renameFrom: null,
    renameTo: null,
    copyFrom: null,
    copyTo: null,
    newFile: false,
    deletedFile: false,
    oldMode: null,
    newMode: null,
    indexMode: null,
    similarity: null,
    binary: false,
    hunks: [],
    additions: 0,
    deletions: 0,
  };
}
