// Deciding where each finding goes. GitHub rejects a whole review (422) if one inline comment sits
// outside the diff, so every comment is checked against the parsed diff before posting; what
// cannot be placed goes into the summary instead of being lost.
// https://docs.github.com/rest/pulls/reviews#create-a-review-for-a-pull-request
import { checkRightSideRange, type FileDiff } from "../diff/index.js";
import type { Finding } from "./findings.js";

export interface PlacedFinding {
  finding: Finding;
  line: number;
  startLine: number | null;
  /** Kept only when it replaces exactly the commented right-side lines and changes them. */
  suggestion: string | null;
}

export interface UnplacedFinding {
  finding: Finding;
  reason: string;
}

export interface Placement {
  inline: PlacedFinding[];
  unplaced: UnplacedFinding[];
}

export function placeFindings(findings: readonly Finding[], files: ReadonlyMap<string, FileDiff>): Placement {
  const inline: PlacedFinding[] = [];
  const unplaced: UnplacedFinding[] = [];
  for (const finding of findings) {
    const file = files.get(finding.path);
    if (!file) {
      unplaced.push({ finding, reason: "the file is not part of this diff" });
      continue;
    }
    const range = checkRightSideRange(file, finding.startLine === null ? { line: finding.line } : { line: finding.line, startLine: finding.startLine });
    if (range.ok) {
      const current = range.lines.map((l) => l.text).join("\n");
      const proposed = finding.suggestion?.replace(/\n$/, "") ?? null;
      const suggestion = proposed !== null && proposed !== current ? proposed : null;
      inline.push({ finding, line: range.range.line, startLine: range.range.startLine ?? null, suggestion });
      continue;
    }
    // A range that crosses hunks may still be commentable on its last line; the suggestion no
    // longer matches the commented lines then, so it is dropped.
    if (finding.startLine !== null && checkRightSideRange(file, { line: finding.line }).ok) {
      inline.push({ finding, line: finding.line, startLine: null, suggestion: null });
      continue;
    }
    unplaced.push({ finding, reason: `line ${finding.line} is not a changed or context line of this diff` });
  }
  return { inline, unplaced };
}
