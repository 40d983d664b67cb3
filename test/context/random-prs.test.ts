// Property test: many seeded random pull requests, random windows and caps. Whatever the input,
// every request is counted exactly, none is over budget, nothing is sent twice, and without a
// cap in the way every changed line is sent.
import { describe, expect, it } from "vitest";
import { packReview, promptBudget, type PackLimits, type PackPlan } from "../../src/context/index.js";
import { loadQwenTokenizer } from "../../src/tokenizer/index.js";
import { gitDiffOf, goFile, inputOf, pythonClass, random, shownRows, typescriptClass, type Change } from "./fixtures.js";

const tokenizer = loadQwenTokenizer();

function randomText(rand: () => number): { path: string; text: string } {
  const kind = Math.floor(rand() * 5);
  const size = 1 + Math.floor(rand() * 12);
  const body = 2 + Math.floor(rand() * 20);
  const id = Math.floor(rand() * 1e6);
  if (kind === 0) return { path: `svc/m${id}.py`, text: pythonClass(size, body) };
  if (kind === 1) return { path: `src/m${id}.ts`, text: typescriptClass(size, body) };
  if (kind === 2) return { path: `pkg/m${id}.go`, text: goFile(size, body) };
  if (kind === 3) {
    const lines = ["object Config {"];
    for (let i = 0; i < size * body; i++) lines.push(i % 7 === 0 ? "" : `    val setting${i} = "${"v".repeat(i % 13)}"`);
    lines.push("}", "");
    return { path: `app/Config${id}.kt`, text: lines.join("\n") };
  }
  return {
    path: `docs/n${id}.md`,
    text: Array.from({ length: size * body }, (_, i) => (i % 5 === 0 ? `## Section ${i}` : `Some prose line ${i} <|im_end|> ${"é".repeat(i % 3)}`)).join("\n"),
  };
}

function randomEdit(text: string, rand: () => number): string {
  const lines = text.split("\n");
  const edits = 1 + Math.floor(rand() * 8);
  for (let e = 0; e < edits; e++) {
    const at = Math.floor(rand() * lines.length);
    const roll = rand();
    if (roll < 0.4) lines[at] = `${lines[at] ?? ""} // edited ${e}`;
    else if (roll < 0.7) lines.splice(at, 0, ...Array.from({ length: 1 + Math.floor(rand() * 30) }, (_, i) => `    inserted_${e}_${i} = ${i}`));
    else lines.splice(at, 1 + Math.floor(rand() * 25));
  }
  return lines.join("\n");
}

function randomChanges(rand: () => number): Change[] {
  const changes: Change[] = [];
  const files = 1 + Math.floor(rand() * 10);
  for (let f = 0; f < files; f++) {
    const { path, text } = randomText(rand);
    const roll = rand();
    if (roll < 0.15) changes.push({ path, before: null, after: text });
    else if (roll < 0.25) changes.push({ path, before: text, after: null });
    else changes.push({ path, before: text, after: randomEdit(text, rand) });
  }
  return changes;
}

function randomLimits(rand: () => number): PackLimits {
  const contextTokens = 2_500 + Math.floor(rand() * 30_000);
  const answerTokens = Math.floor(contextTokens * (0.1 + rand() * 0.3));
  return { contextTokens, answerTokens, marginTokens: 64, maxRequests: 1 + Math.floor(rand() * 10) };
}

function expectSentAtMostOnce(plan: PackPlan, paths: readonly string[]): void {
  for (const path of paths) {
    const seen = new Set<number>();
    for (const request of plan.requests) {
      for (const [line, marker] of shownRows({ ...plan, requests: [request] }, path)) {
        if (marker !== "+") continue;
        expect(seen.has(line), `${path}:${line} sent twice`).toBe(false);
        seen.add(line);
      }
    }
  }
}

describe("random pull requests", () => {
  it.each(Array.from({ length: 30 }, (_, i) => i + 1))("seed %i", async (seed) => {
    const rand = random(seed * 7919);
    const changes = randomChanges(rand);
    const fixture = gitDiffOf(changes);
    const limits = randomLimits(rand);
    const withSource = rand() < 0.7;
    const plan = await packReview(inputOf(withSource ? fixture : { files: fixture.files }), limits, tokenizer);

    for (const request of plan.requests) {
      expect(request.promptTokens).toBe(tokenizer.countChat(request.messages));
      expect(request.promptTokens).toBeLessThanOrEqual(promptBudget(limits));
      expect(request.promptTokens + limits.answerTokens).toBeLessThanOrEqual(limits.contextTokens);
    }
    expect(plan.requests.length).toBeLessThanOrEqual(limits.maxRequests);
    expectSentAtMostOnce(
      plan,
      fixture.files.map((f) => f.path),
    );
    const reviewable = fixture.files.filter((f) => !plan.skipped.some((s) => s.path === f.path));
    expect(plan.coverage.reviewableChangedLines).toBe(reviewable.reduce((n, f) => n + f.additions + f.deletions, 0));
    expect(plan.coverage.sentChangedLines).toBeLessThanOrEqual(plan.coverage.reviewableChangedLines);

    if (plan.unreviewed.length === 0) {
      expect(plan.coverage.sentChangedLines).toBe(plan.coverage.reviewableChangedLines);
      expect(plan.coverage.reviewedFiles).toBe(plan.coverage.reviewableFiles);
      for (const file of reviewable) {
        const rows = shownRows(plan, file.path);
        for (const hunk of file.hunks)
          for (const line of hunk.lines) if (line.kind === "add") expect(rows.get(line.newLine as number), `${file.path}:${line.newLine}`).toBe("+");
      }
      // Few requests: within one of what the content needs at the very least.
      const content = plan.requests.reduce((n, r) => n + r.parts.reduce((m, p) => m + p.tokens, 0), 0);
      const fixed = Math.min(...plan.requests.map((r) => r.promptTokens - r.parts.reduce((m, p) => m + p.tokens, 0)));
      if (plan.requests.length > 1) expect(plan.requests.length).toBeLessThanOrEqual(Math.ceil(content / (promptBudget(limits) - fixed)) + 1);
    } else {
      expect(plan.requests).toHaveLength(limits.maxRequests);
    }
  });
});
