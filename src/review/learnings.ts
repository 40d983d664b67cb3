// What a repository taught the reviewer: each finding a maintainer dismissed becomes a short
// learning (where, and what not to flag), given to later reviews of the repository as guidance.
//
// Stored on GitHub itself, in the repository's `refs/skywork/learnings` (see github/ref-store.ts):
// it lives and dies with the repository, survives restarts and a flushed Redis, every change is a
// commit signed by the App (a history of who taught what), and a maintainer can read it with
// `git fetch origin refs/skywork/learnings`. Forgotten learnings leave their source behind, so the
// same dismissal found again on a later review does not bring them back.
import type { Octokit } from "../github/app-client.js";
import { readRefDocument, updateRefDocument, type RefStoreOptions } from "../github/ref-store.js";
import { neutralizeSpecialTokens } from "../tokenizer/index.js";

export type DismissalKind = "thumbs-down" | "resolved" | "reply";

export interface Learning {
  /** What people type in `/skywork forget <id>`: "L" and a number, never reused. */
  id: string;
  /** Glob of the paths it applies to, e.g. "src/legacy/**". */
  pattern: string;
  /** What not to flag there: the dismissed finding's title. */
  avoid: string;
  /** The maintainer's reason, when they gave one in the thread. */
  why: string | null;
  source: { pr: number; comment: number; kind: DismissalKind; by: string };
  /** ISO time it was learned. */
  at: string;
}

/** A learning before it has an id, as a dismissal produces it. */
export type NewLearning = Omit<Learning, "id" | "at">;

interface LearningsDocument {
  v: 1;
  /** Number of the next id. */
  next: number;
  /** Oldest first. */
  learnings: Learning[];
  /** Source keys of forgotten learnings: the same dismissal never teaches them again. */
  forgotten: string[];
}

/** A repository keeps at most this many; past it the oldest are dropped (they also go last in prompts). */
const MAX_LEARNINGS = 300;
const MAX_FORGOTTEN = 2_000;
const MAX_AVOID_CHARS = 160;
const MAX_WHY_CHARS = 200;

const README = `# Skywork learnings

\`learnings.json\` lists what maintainers taught the Skywork reviewer of this repository: findings
they dismissed (a 👎, a thread resolved without a change, a reply such as "not an issue"), as a
path pattern and what not to flag there. Later reviews get them as maintainers' guidance.

List them with \`/skywork learnings\` on any pull request or issue; remove one with
\`/skywork forget <id>\`. Each change is a commit on this ref (\`refs/skywork/learnings\`).
`;

const STORE: RefStoreOptions<LearningsDocument> = {
  ref: "skywork/learnings",
  file: "learnings.json",
  readme: README,
  empty: () => ({ v: 1, next: 1, learnings: [], forgotten: [] }),
  parse: parseDocument,
};

/** A learning's source: one per dismissed finding, however many ways it was dismissed. */
function sourceKey(source: Learning["source"]): string {
  return `c${source.comment}`;
}

/** Oldest first. */
export async function readLearnings(octokit: Octokit, repo: { owner: string; repo: string }): Promise<Learning[]> {
  return (await readRefDocument(octokit, repo, STORE)).value.learnings;
}

/** Adds what is new (a source already learned or forgotten is skipped); returns what was added. */
export async function addLearnings(
  octokit: Octokit,
  repo: { owner: string; repo: string },
  candidates: readonly NewLearning[],
  now = new Date(),
): Promise<Learning[]> {
  if (candidates.length === 0) return [];
  return updateRefDocument(octokit, repo, STORE, (doc) => {
    const known = new Set([...doc.learnings.map((l) => sourceKey(l.source)), ...doc.forgotten]);
    const added: Learning[] = [];
    let next = doc.next;
    for (const candidate of candidates) {
      const key = sourceKey(candidate.source);
      if (known.has(key)) continue;
      known.add(key);
      added.push({ ...clean(candidate), id: `L${next++}`, at: now.toISOString() });
    }
    if (added.length === 0) return { keep: true, result: [] };
    const learnings = [...doc.learnings, ...added].slice(-MAX_LEARNINGS);
    const message = added.length === 1 ? `Learn ${added[0]!.id}: ${added[0]!.pattern}` : `Learn ${added.map((l) => l.id).join(", ")}`;
    return {
      value: { ...doc, next, learnings },
      message: `${message}\n\nFrom dismissed findings on #${added.map((l) => l.source.pr).join(", #")}.`,
      result: added,
    };
  });
}

/** Removes one learning; null when there is none with that id. */
export async function forgetLearning(octokit: Octokit, repo: { owner: string; repo: string }, id: string, by: string): Promise<Learning | null> {
  const wanted = normalizeLearningId(id);
  if (wanted === null) return null;
  return updateRefDocument(octokit, repo, STORE, (doc) => {
    const found = doc.learnings.find((l) => l.id === wanted);
    if (!found) return { keep: true, result: null };
    const forgotten = [...doc.forgotten, sourceKey(found.source)].slice(-MAX_FORGOTTEN);
    return {
      value: { ...doc, learnings: doc.learnings.filter((l) => l !== found), forgotten },
      message: `Forget ${found.id} (asked by @${by})`,
      result: found,
    };
  });
}

/** "L3", "l3" or "3" → "L3"; null for anything else. */
export function normalizeLearningId(text: string): string | null {
  const match = /^\s*L?(\d{1,9})\s*$/i.exec(text);
  return match ? `L${Number(match[1])}` : null;
}

/**
 * Where a learning applies: the dismissed finding's folder (`src/legacy/**`), or the file itself
 * when it sits at the top of the repository.
 */
export function learningPattern(path: string): string {
  const slash = path.lastIndexOf("/");
  return slash === -1 ? path : `${path.slice(0, slash)}/**`;
}

/** One line of guidance for the model. The text is the model's own title or a maintainer's words. */
export function learningLine(learning: Learning): string {
  const why = learning.why ? ` (maintainer: ${JSON.stringify(learning.why)})` : "";
  return `- ${learning.pattern}: do not flag ${JSON.stringify(learning.avoid)}${why}`;
}

function clean(candidate: NewLearning): NewLearning {
  return {
    ...candidate,
    pattern: oneLine(neutralizeSpecialTokens(candidate.pattern)).slice(0, 300),
    avoid: oneLine(neutralizeSpecialTokens(candidate.avoid)).slice(0, MAX_AVOID_CHARS),
    why: candidate.why ? oneLine(neutralizeSpecialTokens(candidate.why)).slice(0, MAX_WHY_CHARS) || null : null,
  };
}

function oneLine(text: string): string {
  return text.replace(/\s+/g, " ").trim();
}

function parseDocument(raw: unknown): LearningsDocument | null {
  if (typeof raw !== "object" || raw === null) return null;
  const doc = raw as Partial<LearningsDocument>;
  if (doc.v !== 1 || !Array.isArray(doc.learnings)) return null;
  const learnings = doc.learnings.filter(isLearning);
  const highest = learnings.reduce((n, l) => Math.max(n, Number(l.id.slice(1))), 0);
  return {
    v: 1,
    next: Math.max(typeof doc.next === "number" && Number.isInteger(doc.next) ? doc.next : 1, highest + 1),
    learnings,
    forgotten: Array.isArray(doc.forgotten) ? doc.forgotten.filter((k): k is string => typeof k === "string") : [],
  };
}

function isLearning(value: unknown): value is Learning {
  if (typeof value !== "object" || value === null) return false;
  const l = value as Partial<Learning>;
  return (
    typeof l.id === "string" &&
    /^L\d+$/.test(l.id) &&
    typeof l.pattern === "string" &&
    typeof l.avoid === "string" &&
    typeof l.at === "string" &&
    typeof l.source === "object" &&
    l.source !== null &&
    typeof l.source.comment === "number"
  );
}
