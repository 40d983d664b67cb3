// Hidden markers: HTML comments in what the bot posts, the durable record of what it already did.
// Redis may be flushed; GitHub keeps these. Only markers in the bot's own posts are trusted, since
// anyone can paste a marker into a comment.

const PREFIX = "skywork";

/**
 * The git trailer that names a fix in its commit message (fix/github/commit-message.ts): a record
 * of the same kind, which untrusted text must never carry either.
 * https://git-scm.com/docs/git-interpret-trailers
 */
export const FIX_TRAILER = "Skywork-Fix-Id";

/** Serialises `data` as base64url JSON so no payload can close the comment early. */
export function renderMarker(kind: string, data: object): string {
  const encoded = Buffer.from(JSON.stringify(data), "utf8").toString("base64url");
  return `<!-- ${PREFIX}:${kind}:${encoded} -->`;
}

/**
 * The bot's own marker of `kind` in `body`, decoded: the last one. The bot appends its markers after
 * everything else in what it posts, so an earlier one can only be quoted or model text (which
 * neutralizeMarkdown keeps from carrying one; this does not rely on it). Null when there is none or
 * the last one is malformed.
 */
export function parseMarker<T extends object>(kind: string, body: string | null | undefined): T | null {
  if (!body) return null;
  const pattern = new RegExp(`<!-- ${PREFIX}:${kind}:([A-Za-z0-9_-]+) -->`, "g");
  let last: string | undefined;
  for (const match of body.matchAll(pattern)) last = match[1];
  if (last === undefined) return null;
  try {
    const value: unknown = JSON.parse(Buffer.from(last, "base64url").toString("utf8"));
    return value && typeof value === "object" && !Array.isArray(value) ? (value as T) : null;
  } catch {
    return null; // truncated, or not ours
  }
}

/** The text without any marker, for a model that reads what the bot posted (markers mean nothing to it). */
export function stripMarkers(body: string): string {
  return body.replace(new RegExp(`\\n*<!-- ${PREFIX}:[a-z-]+:[A-Za-z0-9_-]+ -->`, "g"), "").trim();
}

/** The bot's own marker of `kind` as a list of at most one, for callers that look for a match (see parseMarker). */
export function parseMarkers<T extends object>(kind: string, body: string | null | undefined): T[] {
  const marker = parseMarker<T>(kind, body);
  return marker ? [marker] : [];
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
  /**
   * Heads reviewed after this one that brought no new finding, oldest first: they get no review
   * of their own (review/review-record.ts), so this is their durable record.
   */
  quiet?: string[];
}

export const REVIEW_MARKER_KIND = "review";

export function reviewMarker(marker: ReviewMarker): string {
  return renderMarker(REVIEW_MARKER_KIND, marker);
}

export function parseReviewMarker(body: string | null | undefined): ReviewMarker | null {
  const marker = parseMarker<ReviewMarker>(REVIEW_MARKER_KIND, body);
  return marker && typeof marker.head === "string" ? marker : null;
}

/** What an inline finding records about itself, so replies, reactions and resolutions can be tied to it. */
export interface FindingMarker {
  v: 1;
  /** The finding's fingerprints (review/fingerprints.ts). */
  fp: string[];
  path: string;
  title: string;
  severity: string;
}

export const FINDING_MARKER_KIND = "finding";

export function findingMarker(marker: FindingMarker): string {
  return renderMarker(FINDING_MARKER_KIND, marker);
}

export function parseFindingMarker(body: string | null | undefined): FindingMarker | null {
  const marker = parseMarker<FindingMarker>(FINDING_MARKER_KIND, body);
  return marker && Array.isArray(marker.fp) && typeof marker.path === "string" && typeof marker.title === "string" ? marker : null;
}

/** What the bot's answer in a finding's thread records: which reply it answers and what that reply meant. */
export interface ThreadAnswerMarker {
  v: 1;
  /** The person's reply it answers. */
  reply: number;
  /** The reply dismissed the finding ("not an issue", "won't fix", "false positive"…). */
  dismissed: boolean;
  /** Who replied, and whether they had write access then (only writers teach learnings). */
  by: string;
  writer: boolean;
}

export const THREAD_ANSWER_MARKER_KIND = "answer";

export function parseThreadAnswerMarker(body: string | null | undefined): ThreadAnswerMarker | null {
  const marker = parseMarker<ThreadAnswerMarker>(THREAD_ANSWER_MARKER_KIND, body);
  return marker && typeof marker.reply === "number" && typeof marker.by === "string" ? marker : null;
}
