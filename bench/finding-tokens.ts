// Tokens per finding, the figure the answer budget (src/review/answer-budget.ts) is derived from.
// With no argument it measures bench/data/sample-findings.json (findings written in the answer
// format about a real PR, requests v2.31 → v2.32); given files of real answers (one JSON answer
// per line, e.g. from the worker's debug log), it measures those instead. Each finding is counted
// as the model writes it inside the answer: json.dumps style (", " and ": "), plus its separator.
// Run with `npx tsx bench/finding-tokens.ts [answers.jsonl…]`.
import { readFileSync } from "node:fs";
import { pathToFileURL } from "node:url";
import { loadQwenTokenizer } from "../src/tokenizer/index.js";
import { percentile, printFigures, round, type BenchFigure } from "./figures.js";

/** JSON as Python's json.dumps and most models write it: ", " and ": " separators. */
export function spacedJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(spacedJson).join(", ")}]`;
  if (value !== null && typeof value === "object")
    return `{${Object.entries(value)
      .map(([k, v]) => `${JSON.stringify(k)}: ${spacedJson(v)}`)
      .join(", ")}}`;
  return JSON.stringify(value) ?? "null";
}

export function findingTokenFigures(findings: readonly unknown[], label: string): BenchFigure[] {
  const tokenizer = loadQwenTokenizer();
  const counts = findings.map((f) => tokenizer.count(`${spacedJson(f)}, `));
  return [
    { name: `finding tokens (${label}): findings measured`, value: counts.length, unit: "findings" },
    { name: `finding tokens (${label}): p50`, value: percentile(counts, 50), unit: "tokens" },
    { name: `finding tokens (${label}): p90`, value: percentile(counts, 90), unit: "tokens" },
    { name: `finding tokens (${label}): max`, value: Math.max(...counts), unit: "tokens" },
    { name: `finding tokens (${label}): mean`, value: round(counts.reduce((a, b) => a + b, 0) / counts.length), unit: "tokens" },
  ];
}

function findingsOf(files: readonly string[]): unknown[] {
  if (files.length === 0) return JSON.parse(readFileSync(new URL("./data/sample-findings.json", import.meta.url), "utf8")) as unknown[];
  return files.flatMap((file) =>
    readFileSync(file, "utf8")
      .split("\n")
      .filter((line) => line.trim())
      .flatMap((line) => (JSON.parse(line) as { findings?: unknown[] }).findings ?? []),
  );
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  const files = process.argv.slice(2);
  printFigures(findingTokenFigures(findingsOf(files), files.length === 0 ? "sample" : "answers"));
}
