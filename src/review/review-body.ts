// How a review reads on GitHub: the summary body and each inline comment. All model text passes
// through neutralizeMarkdown; links and code spans are built here from trusted values.
import { breakMarkers, fenceFor, neutralizeMarkdown } from "../github/markdown.js";
import { reviewMarker } from "../github/markers.js";
import { SEVERITIES, type Finding, type Severity } from "./findings.js";
import type { PlacedFinding } from "./placement.js";

export const SEVERITY_LABEL: Record<Severity, string> = {
  critical: "🔴 Critical",
  major: "🟠 Major",
  minor: "🟡 Minor",
  nit: "⚪ Nit",
};

export function inlineCommentBody(placed: PlacedFinding): string {
  const { finding, suggestion } = placed;
  const parts = [`**${SEVERITY_LABEL[finding.severity]}** · ${neutralizeMarkdown(oneLine(finding.title))}`, "", neutralizeMarkdown(finding.body)];
  if (suggestion !== null) {
    const fence = fenceFor(suggestion);
    parts.push("", `${fence}suggestion`, suggestion, fence);
  }
  return parts.join("\n");
}

/** A finding shown in the summary instead of inline, and why. */
export interface ListedFinding {
  finding: Finding;
  /** Link to the lines at the reviewed head, when the path is a file of this PR. */
  url: string | null;
}

export interface SummaryInput {
  headSha: string;
  scope: { kind: "full"; reason: string } | { kind: "incremental"; since: string };
  modelSummary: string;
  inlineCount: number;
  /** Every finding of this review that is new (inline or listed). */
  newFindings: readonly Finding[];
  outsideDiff: readonly ListedFinding[];
  belowThreshold: { severity: Severity; findings: readonly ListedFinding[] };
  overLimit: { limit: number; findings: readonly ListedFinding[] };
  /** Findings the model repeated from earlier reviews, not posted again. */
  repeated: number;
  coverage: { reviewedFiles: number; reviewableFiles: number; sentChangedLines: number; reviewableChangedLines: number };
  skipped: ReadonlyArray<{ path: string; reason: string }>;
  unreviewed: ReadonlyArray<{ path: string; reason: string }>;
  notes: readonly string[];
  model: string;
  promptTokens: number;
  completionTokens: number;
  requests: number;
  fingerprints: readonly string[];
  /** The `/skywork review` comment this review answers. */
  commandCommentId: number | null;
  /** Findings dismissed earlier on this pull request that the model reported again, not posted. */
  dismissed?: number;
  /** New findings past `review.max_findings`: counted by severity, not listed. */
  withheld?: { limit: number; findings: readonly Finding[] };
  /** What the model was given as the repository's guidance (review/guidance.ts). */
  guidance?: { names: ReadonlyArray<{ name: string; truncated: boolean }>; learnings: string | null; left: readonly string[] } | null;
}

export function reviewSummaryBody(input: SummaryInput): string {
  const lines: string[] = ["## Skywork review", ""];
  lines.push(input.modelSummary ? neutralizeMarkdown(input.modelSummary) : "_The model gave no summary._", "");
  const counts = SEVERITIES.map((s) => [s, input.newFindings.filter((f) => f.severity === s).length] as const).filter(([, n]) => n > 0);
  const repeated =
    (input.repeated > 0 ? ` · ${input.repeated} already reported earlier, not repeated` : "") +
    (input.dismissed ? ` · ${input.dismissed} dismissed earlier, not raised again` : "");
  lines.push(
    input.newFindings.length === 0
      ? `**No new findings.**${repeated}`
      : `**Findings:** ${counts.map(([s, n]) => `${n} ${s}`).join(" · ")} (${input.inlineCount} inline)${repeated}`,
    "",
    input.scope.kind === "incremental"
      ? `<sub>Incremental review: the changes since ${input.scope.since.slice(0, 7)}.</sub>`
      : `<sub>Full review (${escapeText(input.scope.reason)}).</sub>`,
  );

  listSection(lines, "Findings outside the diff", input.outsideDiff);
  listSection(lines, `Findings below \`${input.belowThreshold.severity}\` (not posted inline)`, input.belowThreshold.findings);
  listSection(lines, `More findings (over the limit of ${input.overLimit.limit} inline comments)`, input.overLimit.findings);
  if (input.withheld && input.withheld.findings.length > 0) {
    const held = input.withheld.findings;
    const bySeverity = SEVERITIES.map((s) => [s, held.filter((f) => f.severity === s).length] as const).filter(([, n]) => n > 0);
    lines.push(
      "",
      `**${held.length} more finding${held.length === 1 ? "" : "s"} not shown** (over \`review.max_findings\` = ${input.withheld.limit}, least severe left out): ${bySeverity.map(([s, n]) => `${n} ${s}`).join(" · ")}.`,
    );
  }

  const c = input.coverage;
  lines.push("", `**Coverage:** ${c.reviewedFiles}/${c.reviewableFiles} files, ${c.sentChangedLines}/${c.reviewableChangedLines} changed lines reviewed.`);
  if (input.unreviewed.length > 0) lines.push("", "**Not reviewed:**", ...fileList(input.unreviewed, UNREVIEWED_LIST_CHARS));
  if (input.skipped.length > 0) {
    lines.push("", "<details><summary>Skipped files</summary>", "", ...fileList(input.skipped, SKIPPED_LIST_CHARS), "", "</details>");
  }
  if (input.guidance) lines.push("", guidanceLine(input.guidance));
  for (const note of input.notes) lines.push("", `> ${note}`);
  lines.push(
    "",
    `<sub>${escapeText(input.model)} · ${input.requests} request${input.requests === 1 ? "" : "s"} · ${input.promptTokens.toLocaleString("en-US")} prompt + ${input.completionTokens.toLocaleString("en-US")} answer tokens · reviewed ${input.headSha.slice(0, 7)}</sub>`,
    reviewMarker({
      v: 1,
      head: input.headSha,
      ...(input.scope.kind === "incremental" ? { since: input.scope.since } : {}),
      fp: [...input.fingerprints],
      ...(input.commandCommentId !== null ? { cmd: input.commandCommentId } : {}),
    }),
  );
  return lines.join("\n");
}

/**
 * Room for the file lists in a summary GitHub caps at 65,536 characters. The files not reviewed
 * come first: a PR past the request cap must say which files got no review, even with thousands.
 */
const UNREVIEWED_LIST_CHARS = 30_000;
const SKIPPED_LIST_CHARS = 10_000;
const MAX_COUNTED_FOLDERS = 100;

/**
 * Files with their reasons, grouped by reason then folder (`src/gen/`: `a.ts`, `b.ts`): each path
 * once, compactly. Past `budget` characters, the remaining files are counted per folder instead.
 */
export function fileList(entries: ReadonlyArray<{ path: string; reason: string }>, budget: number): string[] {
  const byReason = new Map<string, Map<string, string[]>>();
  for (const { path, reason } of entries) {
    const slash = path.lastIndexOf("/");
    const folder = slash === -1 ? "" : path.slice(0, slash + 1);
    const folders = byReason.get(reason) ?? new Map<string, string[]>();
    folders.set(folder, [...(folders.get(folder) ?? []), path.slice(slash + 1)]);
    byReason.set(reason, folders);
  }
  const lines: string[] = [];
  let used = 0;
  const counted = new Map<string, number>();
  for (const [reason, folders] of byReason) {
    const header = `- ${escapeText(reason)}:`;
    lines.push(header);
    used += header.length + 1;
    for (const [folder, names] of folders) {
      const line = `  - ${folder ? `${codeSpan(folder)} ` : ""}${names.map(codeSpan).join(", ")}`;
      if (used + line.length + 1 <= budget) {
        lines.push(line);
        used += line.length + 1;
      } else {
        counted.set(folder, (counted.get(folder) ?? 0) + names.length);
      }
    }
  }
  if (counted.size > 0) {
    const total = [...counted.values()].reduce((a, b) => a + b, 0);
    const named = [...counted].slice(0, MAX_COUNTED_FOLDERS).map(([folder, n]) => `${folder ? codeSpan(folder) : "the top folder"} (${n})`);
    const others = counted.size - named.length;
    lines.push(`- …and ${total} more file${total === 1 ? "" : "s"}, too many to name here, in ${named.join(", ")}${others > 0 ? ` and ${others} other folders` : ""}.`);
  }
  return lines;
}

function listSection(lines: string[], title: string, findings: readonly ListedFinding[]): void {
  if (findings.length === 0) return;
  lines.push("", `### ${title}`, "");
  for (const { finding, url } of findings) {
    const where = `${finding.path}:${finding.startLine !== null ? `${finding.startLine}-` : ""}${finding.line}`;
    const location = url ? `[${codeSpan(where)}](${url})` : codeSpan(where);
    lines.push(
      `- **${SEVERITY_LABEL[finding.severity]}** ${location} · ${neutralizeMarkdown(oneLine(finding.title))}`,
      ...neutralizeMarkdown(finding.body)
        .split("\n")
        .map((l) => `  ${l}`),
    );
  }
}

/** Names the guidance files the model was given (paths come from configuration: shown as code). */
export function guidanceLine(guidance: NonNullable<SummaryInput["guidance"]>): string {
  const given = [...guidance.names.map((n) => `${codeSpan(n.name)}${n.truncated ? " (cut to fit)" : ""}`), ...(guidance.learnings ? [escapeText(guidance.learnings)] : [])];
  const left = guidance.left.length > 0 ? `; over the budget, not given: ${guidance.left.map(codeSpan).join(", ")}` : "";
  return `<sub>Guidance: ${given.length > 0 ? given.join(", ") : "none"}${left}.</sub>`;
}

/** A code span that cannot be broken out of, whatever the text. */
export function codeSpan(text: string): string {
  // File paths come from the pull request: a name holding "<!--" must not open a comment (or a marker).
  const clean = breakMarkers(oneLine(text));
  const fence = "`".repeat(Math.max(1, ...(clean.match(/`+/g) ?? [""]).map((run) => run.length + 1)));
  return fence.length > 1 ? `${fence} ${clean} ${fence}` : `\`${clean}\``;
}

/** Plain text in markdown: no HTML, no mentions. */
function escapeText(text: string): string {
  return neutralizeMarkdown(oneLine(text));
}

function oneLine(text: string): string {
  return text.replace(/\s+/g, " ").trim();
}
