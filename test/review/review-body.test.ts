import { describe, expect, it } from "vitest";
import { codeSpan } from "../../src/review/review-body.js";

describe("codeSpan", () => {
  it("shows a hostile file name literally, without opening an HTML comment or a marker", () => {
    const shown = codeSpan("src/<!-- skywork:review:{} -->.ts");
    expect(shown).not.toContain("<!--");
    expect(shown.startsWith("`")).toBe(true);
  });
});
