// How a review reads on GitHub: the summary body and each inline comment.
import { fenceFor, neutralizeMarkdown } from "../github/markdown.js";
import { reviewMarker } from "../github/markers.js";
import { SEVERITIES, type Severity } from "./findings.js";
import type { PlacedFinding, UnplacedFinding } from "./placement.js";

const SEVERITY_LABEL: Record<Severity, string> = {
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

export interface SummaryInput {
  headSha: string;
  modelSummary: string;
  inline: readonly PlacedFinding[];
  unplaced: readonly UnplacedFinding[];
  /** Files and changed lines that were sent to the model, out of those that could be. */
  coverage: { reviewedFiles: number; reviewableFiles: number; sentChangedLines: number; reviewableChangedLines: number };
  skipped: ReadonlyArray<{ path: string; reason: string }>;
  unreviewed: ReadonlyArray<{ path: string; reason: string }>;
  notes: readonly string[];
  model: string;
  promptTokens: number;
  completionTokens: number;
  requests: number;
}

export function reviewSummaryBody(input: SummaryInput): string {
  const all = [...input.inline.map((p) => p.finding), ...input.unplaced.map((u) => u.finding)];
  const counts = SEVERITIES.map((s) => [s, all.filter((f) => f.severity === s).length] as const).filter(([, n]) => n > 0);
  const lines: string[] = ["## Skywork review", ""];
  lines.push(input.modelSummary ? neutralizeMarkdown(input.modelSummary) : "_The model gave no summary._", "");
  lines.push(
    all.length === 0
      ? "**No findings.**"
      : `**Findings:** ${counts.map(([s, n]) => `${n} ${s}`).join(" · ")} (${input.inline.length} inline)`,
  );
  if (input.unplaced.length > 0) {
    lines.push("", "### Findings outside the diff", "");
    for (const { finding } of input.unplaced) {
      lines.push(
        `- **${SEVERITY_LABEL[finding.severity]}** \`${finding.path.replace(/`/g, "'")}:${finding.startLine !== null ? `${finding.startLine}-` : ""}${finding.line}\` · ${neutralizeMarkdown(oneLine(finding.title))}`,
        ...neutralizeMarkdown(finding.body)
          .split("\n")
          .map((l) => `  ${l}`),
      );
    }
  }
  const c = input.coverage;
  lines.push(
    "",
    `**Coverage:** ${c.reviewedFiles}/${c.reviewableFiles} files, ${c.sentChangedLines}/${c.reviewableChangedLines} changed lines reviewed.`,
  );
  if (input.unreviewed.length > 0) {
    lines.push("", "**Not reviewed:**", ...input.unreviewed.map((u) => `- \`${u.path.replace(/`/g, "'")}\`: ${u.reason}`));
  }
  if (input.skipped.length > 0) {
    lines.push("", "**Skipped:**", ...input.skipped.map((s) => `- \`${s.path.replace(/`/g, "'")}\`: ${s.reason}`));
  }
  for (const note of input.notes) lines.push("", `> ${note}`);
  lines.push(
    "",
    `<sub>${input.model} · ${input.requests} request${input.requests === 1 ? "" : "s"} · ${input.promptTokens.toLocaleString("en-US")} prompt + ${input.completionTokens.toLocaleString("en-US")} answer tokens · reviewed ${input.headSha.slice(0, 7)}</sub>`,
    reviewMarker({ v: 1, head: input.headSha }),
  );
  return lines.join("\n");
}

function oneLine(text: string): string {
  return text.replace(/\s+/g, " ").trim();
}
