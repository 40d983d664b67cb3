import { describe, expect, it } from "vitest";
import type { Finding } from "../../src/review/findings.js";
import { reviewSummaryBody, type SummaryInput } from "../../src/review/review-body.js";

describe("a review body over GitHub's size limit", () => {
  it("is shortened in its findings lists, never in its coverage, the files not reviewed or its marker", () => {
    const findings: Finding[] = Array.from(
      { length: 400 },
      (_, i) => ({ path: "src/a.ts", line: i + 1, severity: "major", title: `Finding ${i}`, body: "why ".repeat(60) }) as Finding,
    );
    const input: SummaryInput = {
      modelSummary: "Summary.",
      newFindings: findings,
      repeated: 0,
      inlineCount: 0,
      scope: { kind: "full", reason: "first review" },
      outsideDiff: findings.map((finding) => ({ finding, url: null })),
      belowThreshold: { severity: "minor", findings: [] },
      overLimit: { limit: 25, findings: [] },
      coverage: { reviewableFiles: 78, reviewedFiles: 70, reviewableChangedLines: 1482, reviewedChangedLines: 1400, complete: false },
      unreviewed: [{ path: "src/x.ts", reason: "the model's answer could not be read" }],
      skipped: [],
      notes: [],
      model: "skywork",
      requests: 4,
      promptTokens: 1,
      completionTokens: 1,
      headSha: "a".repeat(40),
      fingerprints: [],
      commandCommentId: null,
    } as unknown as SummaryInput;
    const body = reviewSummaryBody(input).toString();
    expect(body.length).toBeLessThanOrEqual(60_000);
    expect(body).toContain("_… the list of findings was shortened to fit GitHub's size limit; the counts above include every finding._");
    expect(body).toContain("**Coverage:** 70/78 files, 1400/1482 changed lines reviewed.");
    expect(body).toContain("**Not reviewed:**");
    expect(body).toMatch(/<!-- skywork:review:[^>]+-->$/);
    expect(body.indexOf("shortened to fit")).toBeLessThan(body.indexOf("**Coverage:**"));
  });
});
