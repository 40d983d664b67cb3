// What a request costs before any diff: the system prompt and the preamble, counted exactly.
import type { QwenTokenizer } from "../tokenizer/index.js";
import { isAdditiveJoin } from "../tokenizer/index.js";
import type { PackInput } from "./types.js";

/** Extra tokens per request when the preamble does not provably join the diff additively. */
export const JOIN_SLACK = 8;

/**
 * Tokens of a request without any diff, when there are `total` requests: the most over the
 * request's possible positions, and never less than for fewer requests, so that capacities only
 * shrink as requests are added. "part i of n" differs only by digit counts (each digit is a token),
 * so a few positions and totals stand for all. Planning only: each request's own count is exact.
 */
export function overheadCounter(input: PackInput, tokenizer: QwenTokenizer): (total: number) => number {
  const exact = new Map<string, number>();
  const countAt = (index: number, total: number): number => {
    const key = `${index}/${total}`;
    let tokens = exact.get(key);
    if (tokens === undefined) {
      const preamble = input.preamble({ index, total });
      tokens = tokenizer.countChat([
        { role: "system", content: input.system },
        { role: "user", content: preamble },
      ]);
      if (!isAdditiveJoin(preamble, "## ")) tokens += JOIN_SLACK;
      exact.set(key, tokens);
    }
    return tokens;
  };
  const memo = new Map<number, number>();
  return (total) => {
    const t = Math.max(1, Math.floor(total));
    let value = memo.get(t);
    if (value === undefined) {
      value = 0;
      for (const n of representatives(t)) for (const i of representatives(n)) value = Math.max(value, countAt(i, n));
      memo.set(t, value);
    }
    return value;
  };
}

/** 1..12, every digit-count boundary up to `n`, and `n`: one of each length "i" or "n" can have. */
function representatives(n: number): number[] {
  const out = new Set<number>();
  for (let i = 1; i <= Math.min(n, 12); i++) out.add(i);
  for (let p = 10; p <= n; p *= 10) {
    out.add(p - 1);
    out.add(p);
  }
  out.add(n);
  return [...out];
}
