import { describe, expect, it } from "vitest";
import { parseMarkers, parseReviewMarker, renderMarker, reviewMarker } from "../../src/github/markers.js";

describe("markers", () => {
  it("round-trips through a body with other text", () => {
    const head = "a".repeat(40);
    const body = `Review text\n\n${reviewMarker({ v: 1, head })}\n`;
    expect(body).toMatch(/^Review text\n\n<!-- skywork:review:[A-Za-z0-9_-]+ -->\n$/);
    expect(parseReviewMarker(body)).toEqual({ v: 1, head });
  });

  it("cannot be broken by its payload", () => {
    const marker = renderMarker("note", { text: "--> <!-- evil" });
    expect(marker.indexOf("-->")).toBe(marker.length - 3);
    expect(parseMarkers("note", marker)).toEqual([{ text: "--> <!-- evil" }]);
  });

  it("ignores malformed and foreign markers", () => {
    expect(parseReviewMarker("<!-- skywork:review:!!! -->")).toBeNull();
    expect(parseReviewMarker(`<!-- skywork:review:${Buffer.from("[1]").toString("base64url")} -->`)).toBeNull();
    expect(parseReviewMarker(null)).toBeNull();
    expect(parseMarkers("review", renderMarker("other", { head: "x" }))).toEqual([]);
  });
});
