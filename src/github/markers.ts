// Hidden markers: HTML comments in what the bot posts, the durable record of what it already did.
// Redis may be flushed; GitHub keeps these. Only markers in the bot's own posts are trusted, since
// anyone can paste a marker into a comment.

const PREFIX = "skywork";

/** Serialises `data` as base64url JSON so no payload can close the comment early. */
export function renderMarker(kind: string, data: object): string {
  const encoded = Buffer.from(JSON.stringify(data), "utf8").toString("base64url");
  return `<!-- ${PREFIX}:${kind}:${encoded} -->`;
}

/** Every marker of `kind` found in `body`, decoded; malformed ones are skipped. */
export function parseMarkers<T extends object>(kind: string, body: string | null | undefined): T[] {
  if (!body) return [];
  const pattern = new RegExp(`<!-- ${PREFIX}:${kind}:([A-Za-z0-9_-]+) -->`, "g");
  const found: T[] = [];
  for (const match of body.matchAll(pattern)) {
    try {
      const value: unknown = JSON.parse(Buffer.from(match[1] ?? "", "base64url").toString("utf8"));
      if (value && typeof value === "object") found.push(value as T);
    } catch {
      // not ours, or truncated
    }
  }
  return found;
}

/** What a review records about itself. */
export interface ReviewMarker {
  v: 1;
  /** Head SHA the review covers. */
  head: string;
  /** The head an incremental review started from; absent for a full review. */
  since?: string;
  /** Fingerprints of the findings it posted (see review/fingerprints.ts). */
  fp?: string[];
  /** The `/skywork review` comment it answers, when a person asked for it. */
  cmd?: number;
}

export const REVIEW_MARKER_KIND = "review";

export function reviewMarker(marker: ReviewMarker): string {
  return renderMarker(REVIEW_MARKER_KIND, marker);
}

export function parseReviewMarker(body: string | null | undefined): ReviewMarker | null {
  const [marker] = parseMarkers<ReviewMarker>(REVIEW_MARKER_KIND, body);
  return marker && typeof marker.head === "string" ? marker : null;
}
