import { describe, expect, it } from "vitest";
import { capBody } from "../../src/review/review-job.js";

describe("capBody", () => {
  it("shortens the findings lists, never the coverage, the files not reviewed or the marker", () => {
    const findings = Array.from({ length: 400 }, (_, i) => `- **🟠 Major** \`src/a.ts:${i}\` · Finding ${i}\n  ${"why ".repeat(60)}`);
    const tail = "\n\n**Coverage:** 70/78 files, 1400/1482 changed lines reviewed.\n\n**Not reviewed:**\n- the model's answer could not be read:\n  - `src/` `x.ts`\n\n<sub>model</sub>\n<!-- skywork:review:abc -->";
    const body = `## Skywork review\n\n**Findings:** 400 major\n\n### More findings\n\n${findings.join("\n")}${tail}`;
    expect(body.length).toBeGreaterThan(65_536);
    const capped = capBody(body);
    expect(capped.length).toBeLessThanOrEqual(60_000);
    expect(capped.endsWith(tail)).toBe(true);
    expect(capped).toContain("_… the list of findings was shortened to fit GitHub's size limit; the counts above include every finding._\n\n**Coverage:**");
    // Cut between findings, not inside one.
    expect(body.startsWith(`${capped.split("\n\n_… the list")[0]!}\n- **🟠 Major**`)).toBe(true);
    expect(capBody("short")).toBe("short");
  });
});
