import { describe, expect, it } from "vitest";
import { DEFAULT_PACK_TUNING, packReview, promptBudget, type PackLimits, type PackPlan } from "../../src/context/index.js";
import type { FileDiff } from "../../src/diff/index.js";
import { PackLimitError } from "../../src/errors.js";
import { REVIEW_SYSTEM_PROMPT, reviewPreamble } from "../../src/review/prompt.js";
import { loadQwenTokenizer } from "../../src/tokenizer/index.js";
import { referenceChatCount } from "../../testbed/fakes/model/reference-tokenizer.js";
import { LIMITS, contentOf, gitDiffOf, goFile, inputOf, lineOf, pythonClass, replaceLine, shownRows, typescriptClass, type Change } from "./fixtures.js";

const tokenizer = loadQwenTokenizer();
const NO_WHOLE_FILES = { ...DEFAULT_PACK_TUNING, wholeFileMaxLines: 0 };

/** Every request within the budget, counted as the server counts it. */
function expectExact(plan: PackPlan, limits: PackLimits): void {
  for (const request of plan.requests) {
    expect(request.promptTokens).toBe(tokenizer.countChat(request.messages));
    expect(request.promptTokens).toBeLessThanOrEqual(promptBudget(limits));
    expect(request.promptTokens + limits.answerTokens).toBeLessThanOrEqual(limits.contextTokens);
    expect(request.changedLines).toBe(request.parts.reduce((n, p) => n + p.changedLines, 0));
  }
}

/** Added lines of `file` as new line numbers. */
function addedLines(file: FileDiff): number[] {
  return file.hunks.flatMap((h) => h.lines.filter((l) => l.kind === "add").map((l) => l.newLine as number));
}

/** Each added line of each file is shown exactly once as "+", across all requests. */
function expectEveryAddedLineOnce(plan: PackPlan, files: readonly FileDiff[]): void {
  for (const file of files) {
    const counts = new Map<number, number>();
    for (const request of plan.requests) {
      for (const [line, marker] of shownRows({ ...plan, requests: [request] }, file.path)) if (marker === "+") counts.set(line, (counts.get(line) ?? 0) + 1);
    }
    for (const line of addedLines(file)) expect(counts.get(line), `${file.path}:${line}`).toBe(1);
  }
}

describe("packReview: context", () => {
  it("extends a hunk inside a method to the whole method (Python, tree-sitter)", async () => {
    const before = pythonClass(30, 12);
    const line = lineOf(before, "value = value + 12005");
    const after = replaceLine(before, line, "        value = value * 2  # changed");
    const fixture = gitDiffOf([{ path: "svc/service.py", before, after }]);
    const plan = await packReview(inputOf(fixture), LIMITS, tokenizer, NO_WHOLE_FILES);
    expectExact(plan, LIMITS);
    const rows = shownRows(plan, "svc/service.py");
    const first = lineOf(after, "def method_12(");
    const last = lineOf(after, "value = value + 12011") + 1;
    for (let n = first; n <= last; n++) expect(rows.has(n), `line ${n}`).toBe(true);
    expect(rows.has(first - 2)).toBe(false);
    expect(rows.has(last + 2)).toBe(false);
    expect(rows.get(line)).toBe("+");
  });

  it("extends TypeScript and Go hunks to their method / function", async () => {
    const ts = typescriptClass(20, 10);
    const go = goFile(12, 10);
    const tsAfter = replaceLine(ts, lineOf(ts, "value + 7005;"), "    value = value * 3;");
    const goAfter = replaceLine(go, lineOf(go, "value + 5005 "), "\tvalue = value * 3");
    const fixture = gitDiffOf([
      { path: "src/service.ts", before: ts, after: tsAfter },
      { path: "pkg/service.go", before: go, after: goAfter },
    ]);
    const plan = await packReview(inputOf(fixture), LIMITS, tokenizer, NO_WHOLE_FILES);
    const tsRows = shownRows(plan, "src/service.ts");
    expect(tsRows.has(lineOf(tsAfter, "async method7("))).toBe(true);
    expect(tsRows.has(lineOf(tsAfter, "value + 7009;") + 2)).toBe(true);
    expect(tsRows.has(lineOf(tsAfter, "async method6("))).toBe(false);
    const goRows = shownRows(plan, "pkg/service.go");
    expect(goRows.has(lineOf(goAfter, "func Handle5("))).toBe(true);
    expect(goRows.has(lineOf(goAfter, "value + 5009 ") + 3)).toBe(true);
    expect(goRows.has(lineOf(goAfter, "func Handle6("))).toBe(false);
  });

  it("reads scopes by indentation once the per-pack parse budget is spent", async () => {
    const ts = typescriptClass(20, 10);
    const changes = ["src/a.ts", "src/b.ts"].map((path) => ({ path, before: ts, after: replaceLine(ts, lineOf(ts, "value + 7005;"), "    value = 0;") }));
    const plan = await packReview(inputOf(gitDiffOf(changes)), LIMITS, tokenizer, { ...NO_WHOLE_FILES, maxParseChars: ts.length + 10 });
    expect(plan.requests[0]?.parts.map((p) => [p.path, p.context])).toEqual([
      ["src/a.ts", "tree-sitter"],
      ["src/b.ts", "indentation"],
    ]);
    // Both read the same method either way.
    expect([...shownRows(plan, "src/a.ts").keys()]).toEqual([...shownRows(plan, "src/b.ts").keys()]);
  });

  it("merges hunks that touch after extension into one", async () => {
    const before = pythonClass(30, 20);
    let after = replaceLine(before, lineOf(before, "value = value + 5002 "), "        value = 0  # a");
    after = replaceLine(after, lineOf(after, "value = value + 5017 "), "        value = 1  # b");
    const fixture = gitDiffOf([{ path: "svc/service.py", before, after }]);
    expect(fixture.files[0]?.hunks).toHaveLength(2);
    const plan = await packReview(inputOf(fixture), LIMITS, tokenizer, NO_WHOLE_FILES);
    const content = contentOf(plan);
    expect(content.match(/^@@ /gm)).toHaveLength(1);
    // The whole method: its def line, 20 body lines and the return.
    expect(content).toMatch(/^@@ -\d+,22 \+\d+,22 @@/m);
    expect(content).toContain("def method_5(self, value):");
  });

  it("uses the scope's first line as hunk section when only a window is shown", async () => {
    const before = pythonClass(2, 400);
    const after = replaceLine(before, lineOf(before, "value = value + 1200 "), "        value = -1");
    const plan = await packReview(inputOf(gitDiffOf([{ path: "svc/service.py", before, after }])), LIMITS, tokenizer, NO_WHOLE_FILES);
    expect(contentOf(plan)).toMatch(/^@@ -\d+,31 \+\d+,31 @@ def method_1\(self, value\):$/m);
  });

  it("compresses deletion-only hunks and still counts their lines as sent", async () => {
    const before = Array.from({ length: 60 }, (_, i) => `setting_${i} = ${i}`).join("\n");
    const lines = before.split("\n");
    lines.splice(20, 20);
    const fixture = gitDiffOf([{ path: "conf/settings.py", before: `${before}\n`, after: `${lines.join("\n")}\n` }]);
    const plan = await packReview(inputOf(fixture), LIMITS, tokenizer, NO_WHOLE_FILES);
    const content = contentOf(plan);
    expect(content).toContain("- … (17 more deleted lines)");
    expect(content).not.toContain("setting_30 = 30");
    expect(plan.coverage).toMatchObject({ reviewableChangedLines: 20, sentChangedLines: 20 });
  });

  it("compresses a deleted file", async () => {
    const before = Array.from({ length: 500 }, (_, i) => `line ${i}`).join("\n");
    const fixture = gitDiffOf([{ path: "old/legacy.txt", before, after: null }]);
    const plan = await packReview(inputOf(fixture), LIMITS, tokenizer);
    expect(contentOf(plan)).toContain("## old/legacy.txt (deleted)\n@@ -1,500 +0,0 @@\n- line 0\n- line 1\n- line 2\n- … (497 more deleted lines)\n");
    expect(plan.coverage.sentChangedLines).toBe(500);
  });

  it("shows a small file whole when the request has room", async () => {
    const before = Array.from({ length: 80 }, (_, i) => `value_${i} = ${i}`).join("\n") + "\n";
    const after = replaceLine(before, 40, "value_39 = 'changed'");
    const fixture = gitDiffOf([{ path: "conf/values.py", before, after }]);
    const plan = await packReview(inputOf(fixture), LIMITS, tokenizer);
    expect(plan.requests[0]?.parts[0]?.wholeFile).toBe(true);
    const rows = shownRows(plan, "conf/values.py");
    expect(rows.size).toBe(80);
    expectExact(plan, LIMITS);
  });

  it("does not show a file whole when that would cost another request", async () => {
    const changes: Change[] = [];
    for (let f = 0; f < 2; f++) {
      const before = Array.from({ length: 300 }, (_, i) => `value_${f}_${i} = ${i * 7}`).join("\n") + "\n";
      changes.push({ path: `conf/values${f}.py`, before, after: replaceLine(before, 150, `value_${f}_149 = 'changed'`) });
    }
    const fixture = gitDiffOf(changes);
    const hunksOnly = await packReview(inputOf(fixture), LIMITS, tokenizer, NO_WHOLE_FILES);
    expect(hunksOnly.requests).toHaveLength(1);
    // Room for the hunks and a little more, not for 300-line files.
    const limits = { ...LIMITS, contextTokens: (hunksOnly.requests[0]?.promptTokens ?? 0) + LIMITS.answerTokens + LIMITS.marginTokens + 50 };
    const plan = await packReview(inputOf(fixture), limits, tokenizer);
    expect(plan.requests).toHaveLength(1);
    expect(plan.requests[0]?.parts.some((p) => p.wholeFile)).toBe(false);
    expectExact(plan, limits);
  });

  it("drops context rather than changed lines when context would not fit the request cap", async () => {
    const before = pythonClass(30, 40);
    let after = before;
    for (let m = 0; m < 30; m++) after = replaceLine(after, lineOf(after, `value = value + ${m * 1000 + 20} `), `        value = ${m}  # changed`);
    const fixture = gitDiffOf([{ path: "svc/service.py", before, after }]);
    const scoped = await packReview(inputOf(fixture), LIMITS, tokenizer, NO_WHOLE_FILES);
    const scopedTokens = scoped.requests.reduce((n, r) => n + r.promptTokens, 0);
    // One request with room for the bare hunks but not for thirty whole methods.
    const limits = { ...LIMITS, maxRequests: 1, contextTokens: LIMITS.answerTokens + LIMITS.marginTokens + Math.floor(scopedTokens / 2) };
    const plan = await packReview(inputOf(fixture), limits, tokenizer, NO_WHOLE_FILES);
    expect(plan.requests).toHaveLength(1);
    expect(plan.unreviewed).toEqual([]);
    expect(plan.coverage.sentChangedLines).toBe(60);
    expect(shownRows(plan, "svc/service.py").size).toBe(30 * 7);
    expect(plan.notes).toEqual(["Hunks were sent without their enclosing functions: with them the diff would not fit 1 request."]);
    expectExact(plan, limits);
  });

  it("sends hunks as they are without a source", async () => {
    const before = pythonClass(30, 12);
    const after = replaceLine(before, lineOf(before, "value = value + 12005"), "        value = 0");
    const fixture = gitDiffOf([{ path: "svc/service.py", before, after }]);
    const plan = await packReview(inputOf({ files: fixture.files }), LIMITS, tokenizer);
    const rows = shownRows(plan, "svc/service.py");
    expect(rows.size).toBe(7);
    expect(plan.requests[0]?.parts[0]?.wholeFile).toBe(false);
  });

  it("does not trust a source that disagrees with the diff", async () => {
    const before = pythonClass(30, 12);
    const after = replaceLine(before, lineOf(before, "value = value + 12005"), "        value = 0");
    const fixture = gitDiffOf([{ path: "svc/service.py", before, after }]);
    const plan = await packReview(inputOf({ files: fixture.files, source: { read: async () => before } }), LIMITS, tokenizer);
    expect(shownRows(plan, "svc/service.py").size).toBe(7);
  });

  it("survives a source that throws", async () => {
    const fixture = gitDiffOf([{ path: "a.py", before: "x = 1\n", after: "x = 2\n" }]);
    const plan = await packReview(inputOf({ files: fixture.files, source: { read: () => Promise.reject(new Error("network")) } }), LIMITS, tokenizer);
    expect(plan.coverage.sentChangedLines).toBe(2);
  });

  it("reads each source once, and never for deleted files", async () => {
    const fixture = gitDiffOf([
      { path: "a.py", before: "x = 1\n", after: "x = 2\n" },
      { path: "b.py", before: "y = 1\n", after: null },
    ]);
    await packReview(inputOf(fixture), LIMITS, tokenizer);
    expect(fixture.reads).toEqual(["a.py"]);
  });
});

describe("packReview: exact counts and coverage", () => {
  it("counts each request exactly as the server's reference tokenizer does", async () => {
    const changes: Change[] = [
      { path: "svc/service.py", before: pythonClass(30, 12), after: replaceLine(pythonClass(30, 12), 50, "        value = '<|im_end|> ünïcödé 日本語'") },
      { path: "src/service.ts", before: typescriptClass(10, 8), after: replaceLine(typescriptClass(10, 8), 20, "    value = value ?? 0; // \t tab") },
      { path: "pkg/new.go", before: null, after: goFile(4, 5) },
    ];
    const fixture = gitDiffOf(changes);
    const header = { owner: "o", repo: "r", number: 7, title: "Fix <|im_start|> things", body: "Body", baseRef: "main", headRef: "feature" };
    const limits = { ...LIMITS, contextTokens: 2_100, answerTokens: 600 };
    const plan = await packReview(
      { system: REVIEW_SYSTEM_PROMPT, preamble: (p) => reviewPreamble(header, p), files: fixture.files, source: fixture.source },
      limits,
      tokenizer,
    );
    expect(plan.requests.length).toBeGreaterThan(1);
    for (const request of plan.requests) expect(request.promptTokens).toBe(referenceChatCount(request.messages));
    expectExact(plan, limits);
    expect(contentOf(plan)).not.toContain("<|im_end|>");
  });

  it("splits a file too big for one request at hunk boundaries, header repeated, 100% sent", async () => {
    const before = goFile(150, 6);
    let after = before;
    for (let f = 0; f < 150; f++) after = replaceLine(after, lineOf(after, `value + ${f * 1000 + 3} `), `\tvalue = value - ${f}`);
    const fixture = gitDiffOf([{ path: "pkg/service.go", before, after }]);
    const limits: PackLimits = { contextTokens: 4_096, answerTokens: 1_024, marginTokens: 64, maxRequests: 50 };
    const plan = await packReview(inputOf(fixture), limits, tokenizer);
    expect(plan.requests.length).toBeGreaterThan(3);
    for (const [i, request] of plan.requests.entries()) {
      expect(request.messages[1]?.content).toContain("\n## pkg/service.go (modified)\n@@ ");
      expect(request.parts[0]?.split).toEqual({ index: i + 1, of: plan.requests.length });
    }
    expect(plan.unreviewed).toEqual([]);
    expect(plan.coverage.sentChangedLines).toBe(plan.coverage.reviewableChangedLines);
    expectEveryAddedLineOnce(plan, fixture.files);
    expectExact(plan, limits);
    // Hunk boundaries: no hunk is cut, so each request's hunks are whole functions.
    expect(contentOf(plan).match(/^@@ /gm)).toHaveLength(150);
  });

  it("splits one hunk too big for a request at line boundaries, hunk header repeated, 100% sent", async () => {
    const after = Array.from({ length: 3_000 }, (_, i) => `row ${i}: ${"data ".repeat(i % 9)}`).join("\n") + "\n";
    const fixture = gitDiffOf([{ path: "data/big.txt", before: null, after }]);
    const limits: PackLimits = { contextTokens: 6_000, answerTokens: 1_500, marginTokens: 64, maxRequests: 100 };
    const plan = await packReview(inputOf(fixture), limits, tokenizer);
    expect(plan.requests.length).toBeGreaterThan(5);
    for (const request of plan.requests) expect(request.messages[1]?.content).toMatch(/\n## data\/big\.txt \(added\)\n@@ -0,0 \+\d+,\d+ @@\n/);
    expectEveryAddedLineOnce(plan, fixture.files);
    expect(plan.coverage).toMatchObject({ reviewableChangedLines: 3_000, sentChangedLines: 3_000 });
    expectExact(plan, limits);
    // Fewest requests: within one request of the total divided by what one request holds.
    const content = plan.requests.reduce((n, r) => n + r.parts.reduce((m, p) => m + p.tokens, 0), 0);
    const perRequest =
      promptBudget(limits) -
      tokenizer.countChat(plan.requests[0]!.messages.map((m, i) => (i === 1 ? { ...m, content: "Pull request #1: test\nPart 1 of 9.\nDiff:\n" } : m)));
    expect(plan.requests.length).toBeLessThanOrEqual(Math.ceil(content / perRequest) + 1);
  });

  it("under a request cap, lists exactly the files and line ranges not sent", async () => {
    const changes: Change[] = [];
    for (let f = 0; f < 12; f++) {
      const before = goFile(10, 8);
      let after = before;
      for (let g = 0; g < 10; g++) after = replaceLine(after, lineOf(after, `value + ${g * 1000 + 4} `), `\tvalue = value - ${g}`);
      changes.push({ path: `pkg/m${String(f).padStart(2, "0")}.go`, before, after });
    }
    const fixture = gitDiffOf(changes);
    const limits: PackLimits = { contextTokens: 6_000, answerTokens: 1_000, marginTokens: 64, maxRequests: 3 };
    const plan = await packReview(inputOf(fixture), limits, tokenizer, NO_WHOLE_FILES);
    expect(plan.requests).toHaveLength(3);
    expectExact(plan, limits);

    const sentPaths = new Set(plan.requests.flatMap((r) => r.files));
    const unreviewedPaths = plan.unreviewed.map((u) => u.path);
    // Every reviewable file is sent, listed, or both (a file split at the cap).
    for (const change of changes) expect(sentPaths.has(change.path) || unreviewedPaths.includes(change.path)).toBe(true);
    const partial = plan.unreviewed.filter((u) => sentPaths.has(u.path));
    expect(partial.length).toBeLessThanOrEqual(1);
    for (const entry of plan.unreviewed.filter((u) => !sentPaths.has(u.path)))
      expect(entry.reason).toBe("not sent: over the limit of 3 model requests per review");

    // The listed range is exactly the part of the file that no request shows.
    for (const entry of partial) {
      const m = /^lines (\d+)-(\d+) not sent: over the limit of 3 model requests per review$/.exec(entry.reason);
      expect(m, entry.reason).not.toBeNull();
      const [start, end] = [Number(m![1]), Number(m![2])];
      const rows = shownRows(plan, entry.path);
      const file = fixture.files.find((f) => f.path === entry.path)!;
      for (const line of addedLines(file)) expect(rows.has(line)).toBe(!(line >= start && line <= end));
    }
    const unsentLines = fixture.files.filter((f) => !sentPaths.has(f.path)).reduce((n, f) => n + f.additions + f.deletions, 0);
    const partialUnsent = partial.reduce((n, entry) => {
      const file = fixture.files.find((f) => f.path === entry.path)!;
      const rows = shownRows(plan, entry.path);
      return n + 2 * addedLines(file).filter((l) => !rows.has(l)).length;
    }, 0);
    expect(plan.coverage.sentChangedLines + unsentLines + partialUnsent).toBe(plan.coverage.reviewableChangedLines);
    expect(plan.coverage.reviewableChangedLines).toBe(12 * 10 * 2);
  });

  it("reports a window too small for any diff", async () => {
    const fixture = gitDiffOf([{ path: "a.py", before: "x = 1\n", after: "x = 2\n" }]);
    await expect(packReview(inputOf(fixture), { ...LIMITS, contextTokens: 6_400 }, tokenizer)).rejects.toThrow(
      /Raise the context size or lower the answer reserve/,
    );
    await expect(packReview(inputOf(fixture), { ...LIMITS, answerTokens: 40_000 }, tokenizer)).rejects.toThrow(/lower the answer reserve/);
    // Permanent: the same limits fail the same way on every attempt.
    await expect(packReview(inputOf(fixture), { ...LIMITS, contextTokens: 6_400 }, tokenizer)).rejects.toBeInstanceOf(PackLimitError);
  });

  it("packs nothing when nothing is reviewable", async () => {
    const plan = await packReview(inputOf({ files: [] }), LIMITS, tokenizer);
    expect(plan).toEqual({
      requests: [],
      skipped: [],
      unreviewed: [],
      coverage: { reviewableFiles: 0, reviewedFiles: 0, reviewableChangedLines: 0, sentChangedLines: 0 },
      notes: [],
    });
  });
});

describe("sources of added files", () => {
  it("rebuilds a new file's text from its diff instead of reading it", async () => {
    const { parseGitDiff } = await import("../../src/diff/index.js");
    const { contentOfAddedFile } = await import("../../src/context/source-texts.js");
    const diff = parseGitDiff(
      [
        "diff --git a/n.ts b/n.ts",
        "new file mode 100644",
        "index 0000000..1111111",
        "--- /dev/null",
        "+++ b/n.ts",
        "@@ -0,0 +1,2 @@",
        "+a\r",
        "+b",
        "\\ No newline at end of file",
        "",
      ].join("\n"),
    )[0]!;
    expect(contentOfAddedFile(diff)).toBe("a\r\nb");
  });
});
