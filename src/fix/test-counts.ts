// Pass and fail counts read from a test run's output, for the runners repositories use most. Only a
// summary line the runner itself prints counts; without one, the exit code alone tells the result.

export interface TestCounts {
  passed: number;
  failed: number;
}

type Reader = (output: string) => TestCounts | null;

const num = (value: string | undefined): number => (value === undefined ? 0 : Number(value));

/** The last match of `pattern` (global) in the output. */
function last(output: string, pattern: RegExp): RegExpExecArray | null {
  let found: RegExpExecArray | null = null;
  for (const match of output.matchAll(pattern)) found = match as RegExpExecArray;
  return found;
}

const READERS: readonly Reader[] = [
  // pytest: "==== 2 failed, 10 passed, 1 skipped in 0.12s ====" (also "1 error")
  (output) => {
    const line = last(output, /^=+ (.*\b(?:passed|failed|error|errors)\b.*) in [\d.]+s.*=+$/gm);
    if (!line) return null;
    const text = line[1] as string;
    const count = (word: RegExp): number => num(word.exec(text)?.[1]);
    return { passed: count(/(\d+) passed/), failed: count(/(\d+) failed/) + count(/(\d+) errors?\b/) };
  },
  // unittest: "Ran 12 tests in 0.003s" then "OK" or "FAILED (failures=1, errors=2)"
  (output) => {
    const ran = last(output, /^Ran (\d+) tests? in [\d.]+s$/gm);
    if (!ran) return null;
    const total = num(ran[1]);
    const failed = last(output, /^FAILED \(([^)]*)\)$/gm);
    if (!failed) return { passed: total, failed: 0 };
    const text = failed[1] as string;
    const bad = num(/failures=(\d+)/.exec(text)?.[1]) + num(/errors=(\d+)/.exec(text)?.[1]);
    const skipped = num(/skipped=(\d+)/.exec(text)?.[1]);
    return { passed: Math.max(0, total - bad - skipped), failed: bad };
  },
  // jest: "Tests:       1 failed, 2 skipped, 10 passed, 13 total"
  (output) => {
    const line = last(output, /^Tests:\s+(.*\d+ total)\s*$/gm);
    if (!line) return null;
    const text = line[1] as string;
    return { passed: num(/(\d+) passed/.exec(text)?.[1]), failed: num(/(\d+) failed/.exec(text)?.[1]) };
  },
  // vitest: "      Tests  1 failed | 10 passed (11)"
  (output) => {
    const line = last(output, /^\s*Tests\s+(.*\(\d+\))\s*$/gm);
    if (!line) return null;
    const text = line[1] as string;
    return { passed: num(/(\d+) passed/.exec(text)?.[1]), failed: num(/(\d+) failed/.exec(text)?.[1]) };
  },
  // cargo: "test result: FAILED. 3 passed; 1 failed; 0 ignored" (one per test binary: summed)
  (output) => {
    const lines = [...output.matchAll(/^test result: \w+\. (\d+) passed; (\d+) failed;/gm)];
    if (lines.length === 0) return null;
    return lines.reduce((acc, m) => ({ passed: acc.passed + num(m[1]), failed: acc.failed + num(m[2]) }), { passed: 0, failed: 0 });
  },
  // mocha: "  10 passing (20ms)" and "  2 failing"
  (output) => {
    const passing = last(output, /^\s*(\d+) passing\b/gm);
    if (!passing) return null;
    return { passed: num(passing[1]), failed: num(last(output, /^\s*(\d+) failing\b/gm)?.[1]) };
  },
  // TAP (node --test, tap): "# pass 10" and "# fail 1"
  (output) => {
    const pass = last(output, /^# pass (\d+)$/gm);
    if (!pass) return null;
    return { passed: num(pass[1]), failed: num(last(output, /^# fail (\d+)$/gm)?.[1]) };
  },
  // go test -v: "--- PASS:" / "--- FAIL:" lines
  (output) => {
    const passed = [...output.matchAll(/^\s*--- PASS: /gm)].length;
    const failed = [...output.matchAll(/^\s*--- FAIL: /gm)].length;
    return passed + failed > 0 ? { passed, failed } : null;
  },
];

export function parseTestCounts(output: string): TestCounts | null {
  for (const read of READERS) {
    const counts = read(output);
    if (counts) return counts;
  }
  return null;
}

export function describeCounts(counts: TestCounts | null): string {
  return counts ? `${counts.passed} passed, ${counts.failed} failed` : "no test counts in the output";
}
