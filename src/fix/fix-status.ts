// The one status comment a fix keeps up to date, from "queued" to its result.
import { parseMarkers, renderMarker } from "../github/markers.js";

export type FixPhase = "queued" | "setting-up" | "exploring" | "editing" | "validating" | "publishing" | "done" | "failed";

const STEPS: ReadonlyArray<[FixPhase, string]> = [
  ["queued", "Queued"],
  ["setting-up", "Preparing the checkout"],
  ["exploring", "Exploring the code"],
  ["editing", "Editing"],
  ["validating", "Validating the change"],
  ["publishing", "Publishing"],
];

const HEADLINE: Record<FixPhase, string> = {
  queued: "⏳ Queued",
  "setting-up": "🔧 Preparing",
  exploring: "🔍 Exploring",
  editing: "✏️ Editing",
  validating: "🧪 Validating",
  publishing: "📤 Publishing",
  done: "✅ Done",
  failed: "😕 No fix",
};

export interface FixStatus {
  phase: FixPhase;
  /** What is being fixed, e.g. "issue #12" or "the review thread on src/a.ts:10". */
  target: string;
  requestedBy: string;
  /** One sentence: the step count, the reason of a failure, the result. */
  detail?: string;
  /** Where the result is (a pull request, or the commit pushed to the PR branch). */
  result?: { label: string; url: string };
}

/** Recorded once the fix is published, so a retried job does not do it again. */
interface ResultMarker {
  url: string;
  label: string;
}
const RESULT_KIND = "fix-result";

export function fixStatusBody(status: FixStatus): string {
  const reached = STEPS.findIndex(([phase]) => phase === status.phase);
  const finished = status.phase === "done" || status.phase === "failed";
  const lines = [`**Skywork fix** · ${HEADLINE[status.phase]} · ${status.target}`, ""];
  if (!finished) {
    for (const [index, [, label]] of STEPS.entries()) lines.push(`- [${index < reached ? "x" : " "}] ${index === reached ? `**${label}**` : label}`);
    lines.push("");
  }
  if (status.result) lines.push(`**Result:** [${status.result.label}](${status.result.url})`, "");
  if (status.detail) lines.push(status.detail, "");
  lines.push(`<sub>Requested by ${status.requestedBy} with \`/skywork fix\`. A person reviews the change before it is merged.</sub>`);
  if (status.phase === "done" && status.result) lines.push(renderMarker(RESULT_KIND, status.result satisfies ResultMarker));
  return lines.join("\n");
}

/** The published result a status comment records, if the fix already finished. */
export function publishedResult(body: string): ResultMarker | null {
  const [marker] = parseMarkers<ResultMarker>(RESULT_KIND, body);
  return marker && typeof marker.url === "string" ? marker : null;
}
