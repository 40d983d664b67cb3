import { describe, expect, it } from "vitest";
import { salvageReviewAnswer } from "../../src/review/salvage.js";

const F1 = { path: "src/a.ts", line: 3, severity: "major", title: "One", comment: "First." };
const F2 = { path: "src/b.ts", line: 9, severity: "minor", title: "Two", comment: "Second." };
const whole = JSON.stringify({ summary: "Adds a cache.", findings: [F1, F2, { ...F1, title: "Three", comment: "Third, cut." }] });

describe("salvageReviewAnswer", () => {
  it("keeps the findings whose object closed before the cut, wherever the cut falls", () => {
    const cutAt = (needle: string) => whole.slice(0, whole.indexOf(needle));
    // Inside the third finding's string, right after its opening brace, and between findings.
    for (const text of [
      cutAt('cut."'),
      cutAt('{"path":"src/a.ts","line":3,"severity":"major","title":"Three"'),
      `${cutAt(',{"path":"src/a.ts","line":3,"severity":"major","title":"Three"')},`,
    ]) {
      const answer = salvageReviewAnswer(text)!;
      expect(answer.summary).toBe("Adds a cache.");
      expect(answer.findings.map((f) => f.title)).toEqual(["One", "Two"]);
    }
  });

  it("never keeps a finding whose closing brace did not arrive, even with every required key", () => {
    const text = whole.slice(0, whole.indexOf("},{", whole.indexOf("Second")));
    expect(salvageReviewAnswer(text)!.findings.map((f) => f.title)).toEqual(["One"]);
  });

  it("reads past a fence or chatter before the JSON, and an unfinished summary is no summary", () => {
    expect(salvageReviewAnswer(`Here is my review:\n\`\`\`json\n${whole.slice(0, 120)}`)!.findings.map((f) => f.title)).toEqual(["One"]);
    expect(salvageReviewAnswer('{"summary": "The change adds')).toEqual({ summary: "", findings: [], discarded: 0, impossibleLines: [] });
    expect(salvageReviewAnswer("I think the change is")).toBeNull();
  });

  it("counts the unusable complete findings as it would in a whole answer", () => {
    const text = JSON.stringify({ summary: "S", findings: [F1, { ...F2, line: -4 }, { path: "x" }, F2] }).slice(0, -30);
    expect(salvageReviewAnswer(text)).toMatchObject({ findings: [{ title: "One" }], impossibleLines: ["-4"], discarded: 1 });
  });
});
