import { describe, expect, it } from "vitest";
import { answerNotes } from "../../src/review/ask-model.js";
import { parseReviewAnswer } from "../../src/review/findings.js";

describe("parseReviewAnswer", () => {
  it("keeps usable findings and counts the rest", () => {
    const result = parseReviewAnswer(
      JSON.stringify({
        summary: " Adds a cache. ",
        findings: [
          { path: "b/src/a.ts", line: "12", severity: "MAJOR", title: "Leak", comment: "Never evicted." },
          { path: "src/a.ts", start_line: 20, line: 15, severity: "weird", comment: "Reversed range." },
          { path: "src/a.ts", start_line: 7, line: 7, severity: "nit", title: "t", comment: "one line", suggestion: "x\r\ny" },
          { path: "", line: 3, comment: "no path" },
          { path: "src/a.ts", line: 0, comment: "bad line" },
          { path: "src/a.ts", line: 4 },
          "nonsense",
        ],
      }),
    );
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.answer.summary).toBe("Adds a cache.");
    expect(result.answer.discarded).toBe(3);
    expect(result.answer.impossibleLines).toEqual(["0"]);
    expect(result.answer.findings).toEqual([
      { path: "src/a.ts", line: 12, startLine: null, severity: "major", title: "Leak", body: "Never evicted.", suggestion: null },
      { path: "src/a.ts", line: 20, startLine: 15, severity: "minor", title: "Reversed range", body: "Reversed range.", suggestion: null },
      { path: "src/a.ts", line: 7, startLine: null, severity: "nit", title: "t", body: "one line", suggestion: "x\ny" },
    ]);
  });

  it("fails clearly on answers that are not a review", () => {
    expect(parseReviewAnswer("LGTM!")).toEqual({ ok: false, error: "the answer contains no JSON object" });
    expect(parseReviewAnswer('{"findings": "none"}')).toEqual({ ok: false, error: "`findings` is not an array" });
    expect(parseReviewAnswer('{"verdict": "approve"}').ok).toBe(false);
  });

  it("accepts an empty review", () => {
    expect(parseReviewAnswer('{"summary": "Fine.", "findings": []}')).toEqual({
      ok: true,
      answer: { summary: "Fine.", findings: [], discarded: 0, impossibleLines: [] },
    });
  });
});

describe("answerNotes", () => {
  it("names findings with impossible line numbers as such, apart from those missing a file, line or text", () => {
    const parsed = parseReviewAnswer(
      JSON.stringify({
        summary: "S",
        findings: [
          { path: "src/a.ts", line: -3, comment: "negative" },
          { path: "src/a.ts", line: "0", comment: "zero" },
          { path: "src/a.ts", line: 2.5, comment: "fraction" },
          { path: "src/a.ts", comment: "no line at all" },
        ],
      }),
    );
    if (!parsed.ok) throw new Error(parsed.error);
    const notes = answerNotes([{ ...parsed.answer, error: null, cut: false, promptTokens: 1, completionTokens: 1 }]);
    expect(notes).toEqual([
      "1 finding(s) without a file, line or text were discarded.",
      "3 finding(s) cited line numbers no file has (-3, 0, 2.5) and were discarded.",
    ]);
  });
});
