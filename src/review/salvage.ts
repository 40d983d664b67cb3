// Reading an answer the server cut at max_tokens: every finding whose JSON object closed before the
// cut is kept; the one the cut went through is not (its comment or suggestion may stop mid-word).
//
// @streamparser/json is a streaming parser that emits each value once it is complete, which is
// exactly "a finding counts when its closing brace arrived". JSON-repair libraries (jsonrepair,
// partial-json) instead close what was cut and hand back the half-written finding as if whole.
import { JSONParser } from "@streamparser/json";
import { readFindings, type ReviewAnswer } from "./findings.js";

/** The complete findings (and summary, if complete) of a cut answer; null when no JSON object starts. */
export function salvageReviewAnswer(text: string): ReviewAnswer | null {
  const start = jsonStart(text);
  if (start === -1) return null;
  const raw: unknown[] = [];
  let summary: unknown;
  const parser = new JSONParser({ paths: ["$.summary", "$.findings.*"], keepStack: false });
  parser.onValue = ({ value, key, stack }) => {
    if (stack.length === 1 && key === "summary") summary = value;
    else if (stack.length === 2 && typeof key === "number") raw.push(value);
  };
  // The cut leaves the document unfinished: the parser's complaint about that is expected.
  parser.onError = () => undefined;
  try {
    parser.write(text.slice(start));
  } catch {
    // Text after a malformed token: what was read before it stands.
  }
  return readFindings(raw, summary);
}

/** Where the answer's JSON object starts: after a ```json fence if there is one, else at the first "{". */
function jsonStart(text: string): number {
  const fence = /```(?:json|JSON)?[ \t]*\r?\n/.exec(text);
  const from = fence ? fence.index + fence[0].length : 0;
  return text.indexOf("{", from);
}
