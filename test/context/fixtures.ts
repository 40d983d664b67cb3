// Real `git diff` output for the context engine's tests, plus the head's file contents as a source.
import { parseGitDiff, type FileDiff } from "../../src/diff/index.js";
import type { FileSource, PackInput, PackLimits, PackPlan } from "../../src/context/index.js";
import { createGitRepo } from "../diff/git-fixture.js";

export interface Change {
  path: string;
  /** Null: the file is added. */
  before: string | null;
  /** Null: the file is deleted. */
  after: string | null;
}

export interface DiffFixture {
  files: FileDiff[];
  source: FileSource;
  text: string;
  /** Paths read through `source`, in order. */
  reads: string[];
}

/** Commits `before`, then `after`, and returns the diff between them (extra git diff args allowed). */
export function gitDiffOf(changes: readonly Change[], diffArgs: readonly string[] = []): DiffFixture {
  const repo = createGitRepo();
  try {
    repo.write(".keep", "");
    for (const change of changes) if (change.before !== null) repo.write(change.path, change.before);
    repo.commit("before");
    for (const change of changes) {
      if (change.after === null) repo.git("rm", "-q", change.path);
      else repo.write(change.path, change.after);
    }
    repo.commit("after");
    const text = repo.git("diff", "--no-color", "--no-ext-diff", ...diffArgs, "HEAD~1", "HEAD").toString("utf8");
    const heads = new Map(changes.map((c) => [c.path, c.after]));
    const reads: string[] = [];
    return {
      files: parseGitDiff(text),
      text,
      reads,
      source: {
        async read(path) {
          reads.push(path);
          return heads.get(path) ?? null;
        },
      },
    };
  } finally {
    repo.remove();
  }
}

export const LIMITS: PackLimits = { contextTokens: 32_768, answerTokens: 6_144, marginTokens: 64, maxRequests: 8 };

export function inputOf(fixture: Pick<DiffFixture, "files"> & { source?: FileSource }, extra: Partial<PackInput> = {}): PackInput {
  return {
    system: "You review code.",
    preamble: ({ index, total }) => `Pull request #1: test\n${total > 1 ? `Part ${index} of ${total}.\n` : ""}Diff:\n`,
    files: fixture.files,
    ...(fixture.source ? { source: fixture.source } : {}),
    ...extra,
  };
}

/** All user-message text of a plan. */
export function contentOf(plan: PackPlan): string {
  return plan.requests.map((r) => r.messages.at(-1)?.content ?? "").join("\n");
}

/** The numbered rows of `path` as the model sees them, across all requests: new line → marker. */
export function shownRows(plan: PackPlan, path: string): Map<number, string> {
  const rows = new Map<number, string>();
  for (const request of plan.requests) {
    let inFile = false;
    for (const line of (request.messages.at(-1)?.content ?? "").split("\n")) {
      if (line.startsWith("## ")) {
        inFile = line.startsWith(`## ${path} (`);
        continue;
      }
      if (!inFile) continue;
      const m = /^\s*(\d+) ([ +])/.exec(line) ?? /^\s*(\d+)$/.exec(line);
      if (m) rows.set(Number(m[1]), m[2] ?? " ");
    }
  }
  return rows;
}

/** Deterministic pseudo-random numbers (mulberry32). */
export function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A Python module: one class with `methods` methods of `bodyLines` lines each. */
export function pythonClass(methods: number, bodyLines: number): string {
  const out = ["import os", "", "", "class Service:", '    """A service."""', ""];
  for (let m = 0; m < methods; m++) {
    out.push(`    def method_${m}(self, value):`);
    for (let b = 0; b < bodyLines; b++) out.push(`        value = value + ${m * 1000 + b}  # step ${b}`);
    out.push("        return value", "");
  }
  out.push("", "def main():", "    return Service()", "");
  return out.join("\n");
}

export function typescriptClass(methods: number, bodyLines: number): string {
  const out = ['import { readFile } from "node:fs/promises";', "", "export class Service {", "  private count = 0;", ""];
  for (let m = 0; m < methods; m++) {
    out.push(`  async method${m}(value: number): Promise<number> {`);
    for (let b = 0; b < bodyLines; b++) out.push(`    value = value + ${m * 1000 + b}; // step ${b}`);
    out.push("    return value;", "  }", "");
  }
  out.push("}", "");
  return out.join("\n");
}

export function goFile(functions: number, bodyLines: number): string {
  const out = ["package service", "", 'import "fmt"', ""];
  for (let f = 0; f < functions; f++) {
    out.push(`func Handle${f}(value int) int {`);
    for (let b = 0; b < bodyLines; b++) out.push(`\tvalue = value + ${f * 1000 + b} // step ${b}`);
    out.push("\tfmt.Println(value)", "\treturn value", "}", "");
  }
  return out.join("\n");
}

/** Replaces line `n` (1-based) of `text`. */
export function replaceLine(text: string, n: number, replacement: string): string {
  const lines = text.split("\n");
  lines[n - 1] = replacement;
  return lines.join("\n");
}

/** 1-based number of the first line that contains `needle`. */
export function lineOf(text: string, needle: string): number {
  const index = text.split("\n").findIndex((l) => l.includes(needle));
  if (index === -1) throw new Error(`${needle} not found`);
  return index + 1;
}
