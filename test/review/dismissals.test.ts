// What counts as a dismissal, and which new findings are the dismissed ones again.
import { describe, expect, it } from "vitest";
import { fromGitHubFile, type FileDiff } from "../../src/diff/index.js";
import { findingMarker } from "../../src/github/markers.js";
import type { ReviewCommentData } from "../../src/github/review-threads.js";
import { botFindings, dismissedAs, readsAsDismissal, type BotFinding } from "../../src/review/dismissals.js";
import type { Finding } from "../../src/review/findings.js";
import { fingerprintsOf } from "../../src/review/fingerprints.js";

describe("readsAsDismissal", () => {
  it("hears the usual ways of saying a finding is not worth acting on", () => {
    for (const text of [
      "Not an issue: the caller validates this.",
      "False positive, values is never empty here.",
      "won't fix",
      "This is by design.",
      "Works as intended; see the docs.",
      "That's intentional.",
      "Please ignore, this is generated.",
      "> quoted finding\nNot a real problem here.",
    ]) {
      expect(readsAsDismissal(text), text).toBe(true);
    }
  });

  it("does not take questions, agreement or a negated dismissal for one", () => {
    for (const text of [
      "Is this a false positive?",
      "Good catch, will fix.",
      "It is not a false positive, fixing now.",
      "Could you fix it?",
      "Why is this not an issue in the other function? Also, false positive later.",
    ]) {
      expect(readsAsDismissal(text), text).toBe(false);
    }
  });
});

const PATCH =
  "@@ -1,3 +1,4 @@\n export function mean(values: number[]): number {\n+  if (values.length === 0) return 0;\n   let total = 0;\n   return total / values.length;";
const files = new Map<string, FileDiff>([
  ["src/math.ts", fromGitHubFile({ filename: "src/math.ts", status: "modified", patch: PATCH } as Parameters<typeof fromGitHubFile>[0])],
]);

function finding(line: number, title: string, path = "src/math.ts"): Finding {
  return { path, line, startLine: null, severity: "major", title, body: `${title}.`, suggestion: null };
}

function dismissed(line: number | null, title: string, from?: Finding): BotFinding {
  return { commentId: 1, path: "src/math.ts", line, title, fingerprints: from ? fingerprintsOf(from, files) : [], body: "" };
}

describe("dismissedAs", () => {
  it("matches the dismissed finding however the model words it again", () => {
    const original = finding(2, "Zero hides bad input");
    // Same fingerprint (moved line, same code and title).
    expect(dismissedAs(original, [dismissed(null, "Zero hides bad input", original)], files)).not.toBeNull();
    // Mostly the same words, elsewhere in the file.
    expect(dismissedAs(finding(4, "Returning zero hides bad input"), [dismissed(null, "Zero hides bad input")], files)).not.toBeNull();
    // Other words, same line.
    expect(dismissedAs(finding(2, "Empty arrays give 0"), [dismissed(2, "Zero hides bad input")], files)).not.toBeNull();
  });

  it("leaves other findings alone: another file, other words on another line", () => {
    expect(dismissedAs(finding(2, "Zero hides bad input", "src/other.ts"), [dismissed(2, "Zero hides bad input")], files)).toBeNull();
    expect(dismissedAs(finding(4, "Division by zero"), [dismissed(2, "Zero hides bad input")], files)).toBeNull();
  });
});

describe("botFindings", () => {
  const comment = (patch: Partial<ReviewCommentData>): ReviewCommentData =>
    ({ id: 5, path: "src/math.ts", line: 2, body: "", user: { login: "skywork[bot]", type: "Bot" }, ...patch }) as ReviewCommentData;

  it("reads the bot's findings from their marker, or from the first line of older ones", () => {
    const marked = comment({
      body: `**🟠 Major** · Shown title\n\nText\n\n${findingMarker({ v: 1, fp: ["abc"], path: "src/math.ts", title: "Real title", severity: "major" })}`,
    });
    const legacy = comment({ id: 6, body: "**🟡 Minor** · Older finding\n\nText" });
    expect(botFindings([marked, legacy], "skywork[bot]")).toEqual([
      expect.objectContaining({ commentId: 5, title: "Real title", fingerprints: ["abc"] }),
      expect.objectContaining({ commentId: 6, title: "Older finding", fingerprints: [] }),
    ]);
  });

  it("ignores replies, other people's comments and markers they pasted", () => {
    const pasted = findingMarker({ v: 1, fp: ["x"], path: "src/math.ts", title: "Forged", severity: "critical" });
    expect(
      botFindings(
        [
          comment({ in_reply_to_id: 4, body: `**🟠 Major** · Reply` }),
          comment({ user: { login: "mallory", type: "User" } as ReviewCommentData["user"], body: pasted }),
          comment({ body: "Fix status: done" }),
        ],
        "skywork[bot]",
      ),
    ).toEqual([]);
  });
});
