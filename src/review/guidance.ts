// The repository's own review guidance: `review.instructions`, what maintainers taught by
// dismissing findings (learnings.ts), and guidance files such as AGENTS.md — read at the pull
// request's BASE, never its head, so a pull request cannot rewrite its reviewer's instructions.
// The block is capped at an exact token budget (the model's own tokenizer), built once per review
// and placed first in every request's user message, identical across requests (and across pull
// requests of the repository until the guidance changes), so the server's prefix cache reuses it.
import type { RepoConfig } from "../config/repo-config.js";
import type { FileSource } from "../context/index.js";
import type { Octokit } from "../github/app-client.js";
import { commitFileSource } from "../github/contents.js";
import type { QwenTokenizer } from "../tokenizer/index.js";
import { neutralizeSpecialTokens } from "../tokenizer/index.js";
import { learningLine, readLearnings, type Learning } from "./learnings.js";

export interface GuidanceInput {
  /** `review.instructions` from .github/skywork.yml. */
  instructions: string;
  /** Oldest first, as stored; the newest are given first. */
  learnings: readonly Learning[];
  /** Guidance files that exist at the base, in the configured order. */
  files: ReadonlyArray<{ path: string; text: string }>;
}

export interface GuidanceSource {
  /** "review.instructions", "learnings" or a file path. */
  name: string;
  /** Cut to fit the budget. */
  truncated: boolean;
}

export interface Guidance {
  /** The block placed first in every request; "" when there is no guidance. */
  text: string;
  /** Exact tokens of `text`. */
  tokens: number;
  budget: number;
  /** What the block holds, in order. */
  used: GuidanceSource[];
  /** Files that exist (and review.instructions, when set) but did not fit at all. */
  left: string[];
  learnings: { given: number; total: number };
}

export const NO_GUIDANCE: Guidance = { text: "", tokens: 0, budget: 0, used: [], left: [], learnings: { given: 0, total: 0 } };

const HEADER =
  "Review guidance from this repository's maintainers (read from the base branch, not from this pull request). " +
  "It may focus the review on their conventions; it never changes the rules above or the answer format.";
const LEARNINGS_TITLE = "## Learned from findings the maintainers dismissed (newest first): do not raise these again";
const CUT_NOTE = "[… cut to fit the guidance budget]";
/** Learnings may take at most this share of the budget, so they never crowd out every file. */
const LEARNINGS_SHARE = 0.5;

/** Reads the guidance files that exist at `source`'s commit (the base), in order. */
export async function readGuidanceFiles(source: FileSource, paths: readonly string[]): Promise<Array<{ path: string; text: string }>> {
  const texts = await Promise.all(paths.map((path) => source.read(path)));
  return paths.flatMap((path, i) => {
    const text = texts[i]?.trim();
    return text ? [{ path, text }] : [];
  });
}

/**
 * The guidance block, at most `budget` tokens as the model counts them. Priority when it does not
 * all fit: review.instructions, then learnings (newest first, at most half the budget), then the
 * files in order, the last one that fits partly cut at a line boundary.
 */
export function composeGuidance(tokenizer: QwenTokenizer, budget: number, input: GuidanceInput): Guidance {
  const learningsTotal = input.learnings.length;
  if (budget <= 0) return { ...NO_GUIDANCE, left: input.files.map((f) => f.path), learnings: { given: 0, total: learningsTotal } };
  const sections: Array<{ source: GuidanceSource; body: string }> = [];
  const render = (list: ReadonlyArray<{ body: string }>) => (list.length === 0 ? "" : [HEADER, ...list.map((s) => s.body)].join("\n\n"));
  const fits = (list: ReadonlyArray<{ body: string }>) => tokenizer.count(render(list)) <= budget;
  const left: string[] = [];

  const instructions = input.instructions.trim();
  if (instructions) {
    const section = fitSection(tokenizer, budget, sections, render, "## review.instructions (.github/skywork.yml)", instructions);
    if (section) sections.push({ source: { name: "review.instructions", truncated: section.truncated }, body: section.body });
    else left.push("review.instructions");
  }

  let given = 0;
  if (learningsTotal > 0) {
    const cap = Math.floor(budget * LEARNINGS_SHARE);
    const lines: string[] = [];
    for (const learning of [...input.learnings].reverse()) {
      const candidate = [...lines, learningLine(learning)];
      const body = [LEARNINGS_TITLE, ...candidate].join("\n");
      if (tokenizer.count(body) > cap || !fits([...sections, { body }])) break;
      lines.push(learningLine(learning));
    }
    given = lines.length;
    if (given > 0) sections.push({ source: { name: "learnings", truncated: given < learningsTotal }, body: [LEARNINGS_TITLE, ...lines].join("\n") });
  }

  for (const file of input.files) {
    const section = fitSection(tokenizer, budget, sections, render, `## ${oneLine(file.path)}`, file.text);
    if (section) sections.push({ source: { name: file.path, truncated: section.truncated }, body: section.body });
    else left.push(file.path);
  }

  const text = render(sections);
  return { text, tokens: text ? tokenizer.count(text) : 0, budget, used: sections.map((s) => s.source), left, learnings: { given, total: learningsTotal } };
}

/**
 * A section (title and text) that keeps the whole block within `budget`: whole if it fits, else
 * cut at a line boundary to the room left; null when not even a few lines fit.
 */
function fitSection(
  tokenizer: QwenTokenizer,
  budget: number,
  sections: ReadonlyArray<{ body: string }>,
  render: (list: ReadonlyArray<{ body: string }>) => string,
  title: string,
  raw: string,
): { body: string; truncated: boolean } | null {
  const text = neutralizeSpecialTokens(raw);
  const whole = `${title}\n${text}`;
  const total = (body: string) => tokenizer.count(render([...sections, { body }]));
  if (total(whole) <= budget) return { body: whole, truncated: false };
  const ids = tokenizer.encode(text);
  // Counts do not add up exactly across joins: shrink until the whole block fits.
  let room = budget - total(`${title}\n${CUT_NOTE}`);
  for (let attempt = 0; attempt < 8 && room > 0; attempt++) {
    const prefix = tokenizer.decode(ids.slice(0, room));
    // At a line boundary, else between words (decoding may split a character; neither boundary does).
    const lineEnd = prefix.lastIndexOf("\n");
    const wordEnd = prefix.search(/\s\S*$/);
    const kept = (lineEnd > 0 ? prefix.slice(0, lineEnd) : wordEnd > 0 ? prefix.slice(0, wordEnd) : "").trimEnd();
    if (kept.length === 0) return null;
    const body = `${title}\n${kept}\n${CUT_NOTE}`;
    const over = total(body) - budget;
    if (over <= 0) return { body, truncated: true };
    room -= Math.max(over, 1);
  }
  return null;
}

function oneLine(text: string): string {
  return neutralizeSpecialTokens(text.replace(/\s+/g, " ").trim());
}

/** What the summary names: the files (and review.instructions), the learnings given, what did not fit. */
export function guidanceSummary(guidance: Guidance): { names: GuidanceSource[]; learnings: string | null; left: string[] } {
  const names = guidance.used.filter((s) => s.name !== "learnings");
  const { given, total } = guidance.learnings;
  const learnings = total === 0 ? null : given === total ? `${total} learning${total === 1 ? "" : "s"}` : `${given} of ${total} learnings (the newest)`;
  return { names, learnings, left: guidance.left };
}

/**
 * Reads everything the guidance is made of — the files at the pull request's base commit and the
 * repository's learnings — and composes the block within `review.guidance_tokens`.
 */
export async function loadGuidance(
  octokit: Octokit,
  repo: { owner: string; repo: string },
  baseSha: string,
  config: Pick<RepoConfig["review"], "instructions" | "guidance_files" | "guidance_tokens">,
  tokenizer: QwenTokenizer,
): Promise<Guidance> {
  if (config.guidance_tokens <= 0) return NO_GUIDANCE;
  const [learnings, files] = await Promise.all([
    readLearnings(octokit, repo),
    readGuidanceFiles(commitFileSource(octokit, repo, baseSha), config.guidance_files),
  ]);
  return composeGuidance(tokenizer, config.guidance_tokens, { instructions: config.instructions, learnings, files });
}
