// The contract between the review prompt and the model's answer: a JSON schema sent for guided
// decoding, and a forgiving validator for what actually comes back.
import { extractJsonObject } from "../model/json-output.js";

export const SEVERITIES = ["critical", "major", "minor", "nit"] as const;
export type Severity = (typeof SEVERITIES)[number];

/** Lower is more severe: for sorting and for "at least this severe" thresholds. */
export const SEVERITY_RANK: Readonly<Record<Severity, number>> = { critical: 0, major: 1, minor: 2, nit: 3 };

export interface Finding {
  path: string;
  /** New-file line the finding ends on. */
  line: number;
  /** New-file line a multi-line finding starts on. */
  startLine: number | null;
  severity: Severity;
  title: string;
  body: string;
  /** Replacement for exactly the lines startLine..line, when the model proposes one. */
  suggestion: string | null;
}

export interface ReviewAnswer {
  summary: string;
  findings: Finding[];
  /** Findings present in the answer but unusable (missing path/line/text). */
  discarded: number;
  /** Line numbers, as the model wrote them, of findings discarded because no file has such a line (0, -3, 2.5). */
  impossibleLines: string[];
}

const FINDING_SCHEMA: Record<string, unknown> = {
  type: "object",
  additionalProperties: false,
  required: ["path", "line", "severity", "title", "comment"],
  properties: {
    path: { type: "string" },
    start_line: { type: "integer", description: "First new-file line, for a multi-line finding." },
    line: { type: "integer", description: "New-file line number shown in the diff." },
    severity: { type: "string", enum: [...SEVERITIES] },
    title: { type: "string" },
    comment: { type: "string" },
    suggestion: { type: "string", description: "Replacement code for exactly lines start_line..line." },
  },
};

/**
 * Sent as response_format json_schema; vLLM and llama.cpp enforce it with guided decoding, so
 * `maxItems` ends the findings array in time instead of letting the answer run into max_tokens.
 */
export function reviewAnswerSchema(maxFindings: number): Record<string, unknown> {
  return {
    type: "object",
    additionalProperties: false,
    required: ["summary", "findings"],
    properties: {
      summary: { type: "string", description: "Two to five sentences: what the change does and its main risks." },
      findings: { type: "array", maxItems: maxFindings, description: "The most important findings first.", items: FINDING_SCHEMA },
    },
  };
}

export type ParseResult = { ok: true; answer: ReviewAnswer } | { ok: false; error: string };

/** Reads a review answer, keeping every usable finding and counting the rest. */
export function parseReviewAnswer(text: string): ParseResult {
  const value = extractJsonObject(text);
  if (value === undefined) return { ok: false, error: "the answer contains no JSON object" };
  const record = value as Record<string, unknown>;
  const rawFindings = record.findings;
  if (rawFindings !== undefined && !Array.isArray(rawFindings)) {
    return { ok: false, error: "`findings` is not an array" };
  }
  const answer = readFindings(rawFindings as unknown[] | undefined, record.summary);
  if (!answer.summary && answer.findings.length === 0 && answer.discarded === 0 && answer.impossibleLines.length === 0 && rawFindings === undefined) {
    return { ok: false, error: "the JSON object has neither `summary` nor `findings`" };
  }
  return { ok: true, answer };
}

/** The usable findings of `rawFindings`, the unusable ones counted by why. */
export function readFindings(rawFindings: readonly unknown[] | undefined, rawSummary: unknown): ReviewAnswer {
  const findings: Finding[] = [];
  const impossibleLines: string[] = [];
  let discarded = 0;
  for (const raw of rawFindings ?? []) {
    const finding = toFinding(raw);
    if (finding === null) discarded++;
    else if ("impossibleLine" in finding) impossibleLines.push(finding.impossibleLine);
    else findings.push(finding);
  }
  const summary = typeof rawSummary === "string" ? rawSummary.trim() : "";
  return { summary, findings, discarded, impossibleLines };
}

function toFinding(raw: unknown): Finding | { impossibleLine: string } | null {
  if (typeof raw !== "object" || raw === null) return null;
  const r = raw as Record<string, unknown>;
  const path = typeof r.path === "string" ? r.path.trim().replace(/^(?:a|b)\//, "") : "";
  const rawLine = r.line ?? r.end_line;
  const end = toLine(rawLine);
  const body = firstString(r.comment, r.body, r.message, r.description);
  if (!path || !body || rawLine === undefined || rawLine === null || rawLine === "") return null;
  // A number no file has (0, -3, 2.5) is the model's mistake, worth naming as such.
  if (end === null) return isNumeric(rawLine) ? { impossibleLine: String(rawLine).trim() } : null;
  const start = toLine(r.start_line);
  // A reversed range is read as the range it names; a one-line range is a single line.
  const line = start !== null && start > end ? start : end;
  const startLine = start === null || start === end ? null : Math.min(start, end);
  const severity = (SEVERITIES as readonly string[]).includes(String(r.severity).toLowerCase()) ? (String(r.severity).toLowerCase() as Severity) : "minor";
  const title = firstString(r.title) ?? body.split(/[.\n]/)[0]!.slice(0, 80);
  const suggestion = typeof r.suggestion === "string" && r.suggestion.length > 0 ? r.suggestion.replace(/\r\n/g, "\n") : null;
  return { path, line, startLine, severity, title, body, suggestion };
}

function isNumeric(value: unknown): boolean {
  return typeof value === "number" ? Number.isFinite(value) : typeof value === "string" && value.trim() !== "" && Number.isFinite(Number(value.trim()));
}

function toLine(value: unknown): number | null {
  const n = typeof value === "string" ? Number(value.trim()) : value;
  return typeof n === "number" && Number.isInteger(n) && n > 0 ? n : null;
}

function firstString(...values: unknown[]): string | null {
  for (const v of values) if (typeof v === "string" && v.trim()) return v.trim();
  return null;
}
