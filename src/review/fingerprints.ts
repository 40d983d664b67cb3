// Fingerprints of posted findings, kept in the review markers on GitHub, so no finding is posted
// twice on a pull request even when the model repeats itself on a later push.
import { createHash } from "node:crypto";
import type { FileDiff } from "../diff/index.js";
import type { Finding } from "./findings.js";

/** Lower-cased words only: rewording in case, punctuation or spacing does not make a new finding. */
export function normalizeText(text: string): string {
  return text
    .toLowerCase()
    .replace(/[^\p{L}\p{N}]+/gu, " ")
    .trim();
}

function digest(parts: readonly (string | number)[]): string {
  return createHash("sha256").update(parts.join("\u0000")).digest("base64url").slice(0, 12);
}

/**
 * Two fingerprints per finding: where it is (path, line range, text) and what it is about (path,
 * text, the code on its line). The second survives code moving down after lines are inserted above.
 */
export function fingerprintsOf(finding: Finding, files: ReadonlyMap<string, FileDiff>): string[] {
  const text = normalizeText(finding.title);
  const prints = [digest(["at", finding.path, finding.startLine ?? finding.line, finding.line, text])];
  const code = lineText(files.get(finding.path), finding.line);
  if (code !== null && code.trim().length > 0) prints.push(digest(["on", finding.path, text, code.trim()]));
  return prints;
}

export function isKnownFinding(finding: Finding, files: ReadonlyMap<string, FileDiff>, known: ReadonlySet<string>): boolean {
  return fingerprintsOf(finding, files).some((print) => known.has(print));
}

function lineText(file: FileDiff | undefined, line: number): string | null {
  for (const hunk of file?.hunks ?? []) {
    for (const diffLine of hunk.lines) if (diffLine.newLine === line) return diffLine.text;
  }
  return null;
}
