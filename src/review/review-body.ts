// How a review reads on GitHub: the summary body and each inline comment, composed through
// github/markup.ts (model text, file names and reasons are quoted; links go to URLs built here).
import { REVIEW_MARKER_KIND, type ReviewMarker } from "../github/markers.js";
import { code, codeBlock, indentLines, join, link, marker, md, text, truncate, type Markup } from "../github/markup.js";
import { SEVERITIES, type Finding, type Severity } from "./findings.js";
import type { PlacedFinding } from "./placement.js";

export const SEVERITY_LABEL: Record<Severity, string> = {
  critical: "🔴 Critical",
  major: "🟠 Major",
  minor: "🟡 Minor",
  nit: "⚪ Nit",
};

export function inlineCommentBody(placed: PlacedFinding): Markup {
  const { finding, suggestion } = placed;
  const comment = md`**${SEVERITY_LABEL[finding.severity]}** · ${finding.title}\n\n${text(finding.body)}`;
  // The suggestion was checked against the diff (placement.ts): the one committable block a comment may carry.
  return suggestion === null ? comment : md`${comment}\n\n${codeBlock(suggestion, "suggestion")}`;
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
  /** What the answers covered: a file counts only once every part of it was answered. */
  coverage: { reviewedFiles: number; reviewableFiles: number; reviewedChangedLines: number; reviewableChangedLines: number };
  skipped: ReadonlyArray<{ path: string; reason: string }>;
  /** Reviewable files (or line ranges) without a review: over the request cap, or their answer was lost. */
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

/** GitHub rejects review bodies over 65,536 characters. */
const MAX_BODY_CHARS = 60_000;

export function reviewSummaryBody(input: SummaryInput): Markup {
  const lines: Markup[] = [md`## Skywork review`, md``];
  lines.push(input.modelSummary ? text(input.modelSummary) : md`_The model gave no summary._`, md``);
  const counts = SEVERITIES.map((s) => [s, input.newFindings.filter((f) => f.severity === s).length] as const).filter(([, n]) => n > 0);
  const repeated = md`${input.repeated > 0 ? md` · ${input.repeated} already reported earlier, not repeated` : md``}${input.dismissed ? md` · ${input.dismissed} dismissed earlier, not raised again` : md``}`;
  // A review that did not cover everything never reads as a clean bill of health.
  const missing = new Set(input.unreviewed.map((u) => u.path)).size;
  const incomplete =
    missing === 0
      ? null
      : missing === 1
        ? md`**Incomplete review:** 1 file was not reviewed (listed below).`
        : md`**Incomplete review:** ${missing} files were not reviewed (listed below).`;
  lines.push(
    input.newFindings.length === 0
      ? incomplete
        ? md`${incomplete} Nothing new was found in the rest.${repeated}`
        : md`**No new findings.**${repeated}`
      : md`**Findings:** ${join(
          counts.map(([s, n]) => md`${n} ${s}`),
          " · ",
        )} (${input.inlineCount} inline)${repeated}${incomplete ? md`\n\n${incomplete}` : md``}`,
    md``,
    input.scope.kind === "incremental"
      ? md`<sub>Incremental review: the changes since ${input.scope.since.slice(0, 7)}.</sub>`
      : md`<sub>Full review (${input.scope.reason}).</sub>`,
  );

  listSection(lines, md`Findings outside the diff`, input.outsideDiff);
  listSection(lines, md`Findings below ${code(input.belowThreshold.severity)} (not posted inline)`, input.belowThreshold.findings);
  listSection(lines, md`More findings (over the limit of ${input.overLimit.limit} inline comments)`, input.overLimit.findings);
  if (input.withheld && input.withheld.findings.length > 0) {
    const held = input.withheld.findings;
    const bySeverity = SEVERITIES.map((s) => [s, held.filter((f) => f.severity === s).length] as const).filter(([, n]) => n > 0);
    lines.push(
      md``,
      md`**${held.length} more finding${held.length === 1 ? "" : "s"} not shown** (over \`review.max_findings\` = ${input.withheld.limit}, least severe left out): ${join(
        bySeverity.map(([s, n]) => md`${n} ${s}`),
        " · ",
      )}.`,
    );
  }

  // What the review covered follows the findings, and is never what gets cut to fit.
  const c = input.coverage;
  const covered: Markup[] = [
    md``,
    md`**Coverage:** ${c.reviewedFiles}/${c.reviewableFiles} files, ${c.reviewedChangedLines}/${c.reviewableChangedLines} changed lines reviewed.`,
  ];
  if (input.unreviewed.length > 0) covered.push(md``, md`**Not reviewed:**`, ...fileList(input.unreviewed, UNREVIEWED_LIST_CHARS));
  if (input.skipped.length > 0) {
    covered.push(md``, md`<details><summary>Skipped files</summary>`, md``, ...fileList(input.skipped, SKIPPED_LIST_CHARS), md``, md`</details>`);
  }
  if (input.guidance) covered.push(md``, guidanceLine(input.guidance));
  for (const note of input.notes) covered.push(md``, md`> ${note}`);
  covered.push(
    md``,
    md`<sub>${input.model} · ${input.requests} request${input.requests === 1 ? "" : "s"} · ${input.promptTokens.toLocaleString("en-US")} prompt + ${input.completionTokens.toLocaleString("en-US")} answer tokens · reviewed ${input.headSha.slice(0, 7)}</sub>`,
  );
  const record: ReviewMarker = {
    v: 1,
    head: input.headSha,
    ...(input.scope.kind === "incremental" ? { since: input.scope.since } : {}),
    fp: [...input.fingerprints],
    ...(input.commandCommentId !== null ? { cmd: input.commandCommentId } : {}),
  };
  // The marker comes last, whatever had to be cut to fit: it is what makes the review known.
  const end = md`\n${join(covered)}\n${marker(REVIEW_MARKER_KIND, record)}`;
  const notice = md`\n\n_… the list of findings was shortened to fit GitHub's size limit; the counts above include every finding._`;
  return md`${truncate(join(lines), MAX_BODY_CHARS - end.length, notice)}${end}`;
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
export function fileList(entries: ReadonlyArray<{ path: string; reason: string }>, budget: number): Markup[] {
  const byReason = new Map<string, Map<string, string[]>>();
  for (const { path, reason } of entries) {
    const slash = path.lastIndexOf("/");
    const folder = slash === -1 ? "" : path.slice(0, slash + 1);
    const folders = byReason.get(reason) ?? new Map<string, string[]>();
    folders.set(folder, [...(folders.get(folder) ?? []), path.slice(slash + 1)]);
    byReason.set(reason, folders);
  }
  const lines: Markup[] = [];
  let used = 0;
  const counted = new Map<string, number>();
  for (const [reason, folders] of byReason) {
    const header = md`- ${reason}:`;
    lines.push(header);
    used += header.length + 1;
    for (const [folder, names] of folders) {
      const line = md`  - ${folder ? md`${code(folder)} ` : md``}${join(names.map(code), ", ")}`;
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
    const named = [...counted].slice(0, MAX_COUNTED_FOLDERS).map(([folder, n]) => md`${folder ? code(folder) : md`the top folder`} (${n})`);
    const others = counted.size - named.length;
    lines.push(
      md`- …and ${total} more file${total === 1 ? "" : "s"}, too many to name here, in ${join(named, ", ")}${others > 0 ? md` and ${others} other folders` : md``}.`,
    );
  }
  return lines;
}

function listSection(lines: Markup[], title: Markup, findings: readonly ListedFinding[]): void {
  if (findings.length === 0) return;
  lines.push(md``, md`### ${title}`, md``);
  for (const { finding, url } of findings) {
    const where = code(`${finding.path}:${finding.startLine !== null ? `${finding.startLine}-` : ""}${finding.line}`);
    const location = url ? link(where, url) : where;
    lines.push(md`- **${SEVERITY_LABEL[finding.severity]}** ${location} · ${finding.title}`, indentLines(text(finding.body), "  "));
  }
}

/** Names the guidance files the model was given (paths come from configuration: shown as code). */
export function guidanceLine(guidance: NonNullable<SummaryInput["guidance"]>): Markup {
  const given = [
    ...guidance.names.map((n) => (n.truncated ? md`${code(n.name)} (cut to fit)` : code(n.name))),
    ...(guidance.learnings ? [text(guidance.learnings)] : []),
  ];
  const left = guidance.left.length > 0 ? md`; over the budget, not given: ${join(guidance.left.map(code), ", ")}` : md``;
  return md`<sub>Guidance: ${given.length > 0 ? join(given, ", ") : md`none`}${left}.</sub>`;
}
