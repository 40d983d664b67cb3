// What every benchmark module shares: the figure it returns, printing, rounding, percentiles, and
// a process's CPU time read from /proc (for child processes measured from outside).
import { readFileSync } from "node:fs";

export interface BenchFigure {
  name: string;
  value: number;
  unit: string;
}

export const round = (n: number, digits = 1): number => Math.round(n * 10 ** digits) / 10 ** digits;

export function percentile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
}

export function printFigures(figures: readonly BenchFigure[], log: (line: string) => void = console.log): void {
  const width = Math.max(...figures.map((f) => f.name.length));
  for (const f of figures) log(`${f.name.padEnd(width)}  ${String(f.value).padStart(12)} ${f.unit}`);
}

const TICKS_PER_SECOND = 100; // Linux USER_HZ on every architecture Node runs on.

/** CPU time (user + system) process `pid` has used so far, in ms, from /proc. */
export function cpuMs(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  // Fields after "pid (comm) ": state is field 3, utime 14, stime 15.
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / TICKS_PER_SECOND;
}
