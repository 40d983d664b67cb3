// Findings people dismissed, read back from GitHub on every review, so none is raised again on the
// pull request (later pushes and `/skywork review` included). A bot finding counts as dismissed when
// the pull request's author or someone with write access
// - reacted 👎 to it (GitHub sends no reaction webhook; reactions are read here),
// - resolved its thread while its lines were unchanged (an outdated thread was fixed, not dismissed),
// - or replied in its thread that it is not an issue / won't be fixed / is a false positive (read
//   from the reply itself, or from the bot's answer to it, which records what the model understood).
// Dismissals by writers also become learnings for the whole repository (learnings.ts); a pull
// request's author without write access can dismiss on their own pull request only, so an outside
// contributor cannot teach the reviewer to stop flagging something everywhere.
import type { Logger } from "probot";
import type { FileDiff } from "../diff/index.js";
import type { Octokit } from "../github/app-client.js";
import { parseFindingMarker, parseThreadAnswerMarker } from "../github/markers.js";
import { hasWriteAccess } from "../github/permissions.js";
import type { PullRef } from "../github/pull-request.js";
import { listReviewComments, listThreadStates, reactionUsers, type ReviewCommentData, type ThreadState } from "../github/review-threads.js";
import type { Finding } from "./findings.js";
import { fingerprintsOf, normalizeText } from "./fingerprints.js";
import { addLearnings, learningPattern, type DismissalKind, type Learning, type NewLearning } from "./learnings.js";
import { SEVERITY_LABEL } from "./review-body.js";

/** An inline finding the bot posted on this pull request. */
export interface BotFinding {
  commentId: number;
  path: string;
  /** The line it is on at the current head; null once outdated. */
  line: number | null;
  title: string;
  fingerprints: string[];
  /** The comment as posted (markdown), for a conversation's context. */
  body: string;
}

export interface Dismissal {
  finding: BotFinding;
  kind: DismissalKind;
  by: string;
  /** `by` has write access: the dismissal also teaches the repository. */
  byWriter: boolean;
  /** Their words, for a reply. */
  why: string | null;
}

/** Decides, once per login and job, whether a person's dismissal counts and whether it teaches. */
export class Dismissers {
  readonly #writers = new Map<string, Promise<boolean>>();
  readonly #octokit: Octokit;
  readonly #repo: { owner: string; repo: string };
  readonly #prAuthor: string;

  constructor(octokit: Octokit, repo: { owner: string; repo: string }, prAuthor: string) {
    this.#octokit = octokit;
    this.#repo = repo;
    this.#prAuthor = prAuthor.toLowerCase();
  }

  isWriter(login: string): Promise<boolean> {
    const key = login.toLowerCase();
    let known = this.#writers.get(key);
    if (!known) {
      known = hasWriteAccess(this.#octokit, this.#repo, login);
      this.#writers.set(key, known);
    }
    return known;
  }

  /** null: this person's word does not dismiss anything here. */
  async judge(login: string): Promise<{ writer: boolean } | null> {
    if (await this.isWriter(login)) return { writer: true };
    return login.toLowerCase() === this.#prAuthor ? { writer: false } : null;
  }
}

/** The bot's inline findings among the pull request's review comments (thread roots only). */
export function botFindings(comments: readonly ReviewCommentData[], botLogin: string): BotFinding[] {
  const found: BotFinding[] = [];
  for (const comment of comments) {
    if (comment.user?.login !== botLogin || comment.in_reply_to_id !== undefined) continue;
    const marker = parseFindingMarker(comment.body);
    const title = marker?.title ?? legacyTitle(comment.body);
    if (title === null) continue;
    found.push({ commentId: comment.id, path: comment.path, line: comment.line ?? null, title, fingerprints: marker?.fp ?? [], body: comment.body });
  }
  return found;
}

/** A finding posted before findings carried a marker: "**🟠 Major** · Title" on its first line. */
function legacyTitle(body: string): string | null {
  const first = body.split("\n", 1)[0] ?? "";
  for (const label of Object.values(SEVERITY_LABEL)) {
    const prefix = `**${label}** · `;
    if (first.startsWith(prefix)) return first.slice(prefix.length).trim() || null;
  }
  return null;
}

/**
 * A reply that says the finding is not worth acting on. Only its first sentence counts, and a
 * question ("is this a false positive?") does not: the model's reading of the reply (recorded in
 * the bot's answer) covers what these words miss.
 */
export function readsAsDismissal(text: string): boolean {
  const first =
    text
      .replace(/^\s*(>.*\n)+/g, "")
      .trim()
      .split(/(?<=[.!?])\s|\n/, 1)[0] ?? "";
  if (first.includes("?")) return false;
  if (/\b(not|isn'?t|is not)\s+(a\s+)?false[ -]positive\b/i.test(first)) return false;
  return /\b(not an? (real )?(issue|problem|bug|concern)|false[ -]positive|won'?t fix|wontfix|will not fix|not going to fix|works as (intended|designed|expected)|by design|(is|it'?s|that'?s) intentional|intended behaviou?r|not applicable|please ignore|ignore (this|it))\b/i.test(
    first,
  );
}

/** Every dismissed bot finding of the pull request, one dismissal each (the first that counts). */
export async function findDismissals(
  octokit: Octokit,
  ref: PullRef,
  botLogin: string,
  dismissers: Dismissers,
  comments?: readonly ReviewCommentData[],
): Promise<{ findings: BotFinding[]; dismissals: Dismissal[] }> {
  const all = comments ?? (await listReviewComments(octokit, ref));
  const findings = botFindings(all, botLogin);
  if (findings.length === 0) return { findings, dismissals: [] };
  const threads = await listThreadStates(octokit, ref);
  const repliesTo = new Map<number, ReviewCommentData[]>();
  for (const comment of all) {
    if (comment.in_reply_to_id === undefined) continue;
    repliesTo.set(comment.in_reply_to_id, [...(repliesTo.get(comment.in_reply_to_id) ?? []), comment]);
  }
  const dismissals: Dismissal[] = [];
  for (const finding of findings) {
    const comment = all.find((c) => c.id === finding.commentId)!;
    const dismissal =
      (await byReaction(octokit, ref, comment, finding, dismissers)) ??
      (await byResolution(threads.get(finding.commentId), finding, dismissers)) ??
      (await byReply(repliesTo.get(finding.commentId) ?? [], finding, botLogin, dismissers));
    if (dismissal) dismissals.push(dismissal);
  }
  return { findings, dismissals };
}

async function byReaction(octokit: Octokit, ref: PullRef, comment: ReviewCommentData, finding: BotFinding, dismissers: Dismissers): Promise<Dismissal | null> {
  if (!((comment.reactions?.["-1"] ?? 0) > 0)) return null;
  let dismissal: Dismissal | null = null;
  for (const login of await reactionUsers(octokit, ref, comment.id, "-1")) {
    const judged = await dismissers.judge(login);
    if (!judged) continue;
    dismissal = { finding, kind: "thumbs-down", by: login, byWriter: judged.writer, why: null };
    // A writer's 👎 also teaches; keep looking for one when the author was first.
    if (judged.writer) break;
  }
  return dismissal;
}

export async function byResolution(thread: ThreadState | undefined, finding: BotFinding, dismissers: Dismissers): Promise<Dismissal | null> {
  // Outdated: the lines changed, so the thread was most likely resolved by fixing the finding.
  if (!thread?.isResolved || thread.isOutdated || !thread.resolvedBy) return null;
  const judged = await dismissers.judge(thread.resolvedBy);
  return judged ? { finding, kind: "resolved", by: thread.resolvedBy, byWriter: judged.writer, why: null } : null;
}

async function byReply(replies: readonly ReviewCommentData[], finding: BotFinding, botLogin: string, dismissers: Dismissers): Promise<Dismissal | null> {
  for (const reply of replies) {
    if (reply.user?.login === botLogin) {
      const answer = parseThreadAnswerMarker(reply.body);
      if (answer?.dismissed) {
        const original = replies.find((r) => r.id === answer.reply);
        return { finding, kind: "reply", by: answer.by, byWriter: answer.writer, why: original ? firstLine(original.body) : null };
      }
      continue;
    }
    if (!reply.user || reply.user.type === "Bot" || !readsAsDismissal(reply.body)) continue;
    const judged = await dismissers.judge(reply.user.login);
    if (judged) return { finding, kind: "reply", by: reply.user.login, byWriter: judged.writer, why: firstLine(reply.body) };
  }
  return null;
}

function firstLine(text: string): string | null {
  const line = text.trim().split("\n", 1)[0]?.trim() ?? "";
  return line || null;
}

/** What a dismissal teaches the repository, if it was a writer's. */
export function learningFrom(dismissal: Dismissal, pullNumber: number): NewLearning | null {
  if (!dismissal.byWriter) return null;
  return {
    pattern: learningPattern(dismissal.finding.path),
    avoid: dismissal.finding.title,
    why: dismissal.kind === "reply" ? dismissal.why : null,
    source: { pr: pullNumber, comment: dismissal.finding.commentId, kind: dismissal.kind, by: dismissal.by },
  };
}

/**
 * Records the learnings of these dismissals (idempotent: one per finding, never one that was
 * forgotten). Failing to store them must not fail a review: the dismissals still hold on this pull
 * request, and the next review records them.
 */
export async function recordLearnings(
  octokit: Octokit,
  repo: { owner: string; repo: string },
  pullNumber: number,
  dismissals: readonly Dismissal[],
  log: Logger,
): Promise<Learning[]> {
  const candidates = dismissals.flatMap((d) => learningFrom(d, pullNumber) ?? []);
  try {
    return await addLearnings(octokit, repo, candidates);
  } catch (error) {
    log.warn({ err: error, count: candidates.length }, "could not store learnings from dismissed findings; the next review tries again");
    return [];
  }
}

/**
 * Whether a finding the model reports now is one that was dismissed: same file, and the same
 * fingerprint, a title with mostly the same words, or the same line (the model rewords itself
 * between runs; a dismissed spot stays dismissed).
 */
export function dismissedAs(finding: Finding, dismissed: readonly BotFinding[], files: ReadonlyMap<string, FileDiff>): BotFinding | null {
  const candidates = dismissed.filter((d) => d.path === finding.path);
  if (candidates.length === 0) return null;
  const prints = fingerprintsOf(finding, files);
  const words = titleWords(finding.title);
  const first = finding.startLine ?? finding.line;
  return (
    candidates.find(
      (d) =>
        prints.some((p) => d.fingerprints.includes(p)) ||
        similarity(words, titleWords(d.title)) >= TITLE_SIMILARITY ||
        (d.line !== null && first <= d.line && d.line <= finding.line),
    ) ?? null
  );
}

/** Share of words two titles have in common (Jaccard) above which they name the same finding. */
const TITLE_SIMILARITY = 0.6;

function titleWords(title: string): Set<string> {
  return new Set(
    normalizeText(title)
      .split(" ")
      .filter((w) => w.length > 0),
  );
}

function similarity(a: ReadonlySet<string>, b: ReadonlySet<string>): number {
  if (a.size === 0 || b.size === 0) return 0;
  let shared = 0;
  for (const word of a) if (b.has(word)) shared++;
  return shared / (a.size + b.size - shared);
}
