// GitHub's per-file `patch` field: only the hunks of one file, lines joined by "\n" with no final
// newline. https://docs.github.com/rest/pulls/pulls#list-pull-requests-files

import { parseHunkHeader, readHunk } from "./parse-hunk.js";
import { createDiffSource, lineAt } from "./diff-source.js";
import type { Hunk, ParseOptions } from "./types.js";

export function parsePatch(patch: string, options: ParseOptions = {}): Hunk[] {
  const source = createDiffSource(patch);
  const hunks: Hunk[] = [];
  const report = (message: string, index: number): void => options.onProblem?.({ message, line: index + 1, path: null });

  let i = 0;
  let straySince: number | null = null;
  while (i < source.count) {
    const line = lineAt(source, i);
    const header = line.startsWith("@@") ? parseHunkHeader(line) : null;
    if (!header) {
      straySince ??= i;
      i++;
      continue;
    }
    if (straySince !== null) {
      report(`${i - straySince} line(s) outside any hunk ignored`, straySince);
      straySince = null;
    }
    const read = readHunk(source, i, header);
    if (read.problem) report(read.problem, i);
    hunks.push(read.hunk);
    i = read.next;
  }
  if (straySince !== null) report(`${i - straySince} line(s) outside any hunk ignored`, straySince);
  return hunks;
}
