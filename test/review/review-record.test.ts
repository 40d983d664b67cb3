// A head reviewed with nothing new is recorded in the latest review's marker, with a visible line.
import { describe, expect, it } from "vitest";
import { parseReviewMarker, reviewMarker } from "../../src/github/markers.js";
import type { PostedReview } from "../../src/github/reviews.js";
import { reviewCovering, reviewedHeads, withQuietHeads } from "../../src/review/review-record.js";

const sha = (n: number) => n.toString(16).padStart(40, "0");
const BODY = `## Skywork review\n\nSummary.\n\n<sub>model · 1 request · reviewed ${sha(1).slice(0, 7)}</sub>\n${reviewMarker({ v: 1, head: sha(1), fp: ["a"] })}`;

describe("withQuietHeads", () => {
  it("keeps the marker last and rewrites one visible line as heads are added", () => {
    const once = withQuietHeads(BODY, { v: 1, head: sha(1), fp: ["a"], quiet: [sha(2)] })!;
    const twice = withQuietHeads(once, { v: 1, head: sha(1), fp: ["a"], quiet: [sha(2), sha(3)] })!;
    expect(twice.startsWith(BODY.slice(0, BODY.lastIndexOf("\n<!--")))).toBe(true);
    expect(twice.match(/Reviewed again with no new findings/g)).toHaveLength(1);
    expect(twice).toContain(`Reviewed again with no new findings: ${sha(2).slice(0, 7)}, ${sha(3).slice(0, 7)}.</sub>`);
    expect(twice.split("\n").at(-1)).toMatch(/^<!-- skywork:review:[A-Za-z0-9_-]+ -->$/);
    expect(parseReviewMarker(twice)).toEqual({ v: 1, head: sha(1), fp: ["a"], quiet: [sha(2), sha(3)] });
  });

  it("names the last ten heads and counts the earlier ones", () => {
    const quiet = Array.from({ length: 14 }, (_, i) => sha(i + 2));
    const body = withQuietHeads(BODY, { v: 1, head: sha(1), quiet })!;
    expect(body).toContain("Reviewed again with no new findings: 4 earlier commits, ");
  });
});

describe("reviewed heads", () => {
  const review = (id: number, head: string, quiet?: string[], cmd?: number): PostedReview => ({
    id,
    url: `u${id}`,
    marker: { v: 1, head, ...(quiet ? { quiet } : {}), ...(cmd ? { cmd } : {}) },
  });
  const reviews = [review(1, sha(1), [sha(2), sha(3)]), review(2, sha(4), [sha(5)])];

  it("lists every reviewed head in order and finds the review covering one", () => {
    expect(reviewedHeads(reviews)).toEqual([sha(1), sha(2), sha(3), sha(4), sha(5)]);
    expect(reviewCovering(reviews, sha(3))?.id).toBe(1);
    expect(reviewCovering(reviews, sha(5))?.id).toBe(2);
    expect(reviewCovering(reviews, sha(6))).toBeNull();
  });

  it("covers a /skywork review only with that command's own review", () => {
    expect(reviewCovering(reviews, sha(4), 77)).toBeNull();
    expect(reviewCovering([...reviews, review(3, sha(4), undefined, 77)], sha(4), 77)?.id).toBe(3);
  });
});
