import { afterEach, describe, expect, it } from "vitest";
import { collectChanges, selectCandidate, type ChangeSet, type FileChange } from "../../../src/fix/agent/index.js";
import { makeRepo, type TempRepo } from "./helpers.js";

const BASE = {
  "calc.py": "def add(a, b):\n    return a - b\n\n\ndef sub(a, b):\n    return a - b\n",
  "notes.md": "# Notes\n",
};

const repos: TempRepo[] = [];
afterEach(() => {
  for (const repo of repos.splice(0)) repo.cleanup();
});

/** One candidate: a fresh checkout of the same base, edited, then collected. */
async function candidate(edit: (repo: TempRepo) => void): Promise<ChangeSet> {
  const repo = makeRepo(BASE);
  repos.push(repo);
  edit(repo);
  return collectChanges({ pristine: repo.dir, baseSha: repo.sha, workTree: repo.dir });
}

function change(path: string, content: string, baseContent: string | null = null): FileChange {
  return {
    path,
    status: baseContent === null ? "added" : "modified",
    content: Buffer.from(content),
    mode: "100644",
    baseContent: baseContent === null ? null : Buffer.from(baseContent),
  };
}

function changeSet(files: FileChange[], diff = "x".repeat(10)): ChangeSet {
  return { baseSha: "a".repeat(40), files, diff, skipped: [] };
}

describe("selectCandidate", () => {
  it("best of 3: two candidates agree (up to whitespace), one breaks the syntax", async () => {
    const fixed = "def add(a, b):\n    return a + b\n\n\ndef sub(a, b):\n    return a - b\n";
    const candidates = [
      await candidate((r) => r.write("calc.py", "def add(a, b):\n    return a +\n\n\ndef sub(a, b):\n    return a - b\n")),
      await candidate((r) => r.write("calc.py", fixed.replace("a + b", "a + b   ").replace(/\n/g, "\r\n"))),
      await candidate((r) => r.write("calc.py", fixed)),
    ];
    const selection = await selectCandidate(candidates);
    expect(selection.dropped).toEqual([{ index: 0, reason: "it breaks the syntax of calc.py (the file parsed cleanly before)" }]);
    expect(selection.agreeing).toBe(2);
    expect(selection.groups).toHaveLength(1);
    expect(selection.groups[0]?.members).toEqual([1, 2]);
    // Of the two equivalent patches, the smaller (no stray whitespace, no CRLF) one is taken.
    expect(selection.chosen).toBe(2);
    expect(selection.changes?.files[0]?.content?.toString()).toBe(fixed);
  });

  it("drops candidates that changed nothing and picks the majority", async () => {
    const a = changeSet([change("calc.py", "A = 1\n", "A = 0\n")]);
    const b = changeSet([change("calc.py", "A = 2\n", "A = 0\n")]);
    const selection = await selectCandidate([changeSet([]), b, a, b, a, a]);
    expect(selection.dropped).toEqual([{ index: 0, reason: "it changed nothing" }]);
    expect(selection.chosen).toBe(2);
    expect(selection.agreeing).toBe(3);
    expect(selection.groups.map((g) => g.members)).toEqual([
      [2, 4, 5],
      [1, 3],
    ]);
  });

  it("breaks ties by the smaller patch, then by the earlier candidate", async () => {
    const big = changeSet([change("a.py", "A = 1\n", "A = 0\n")], "d".repeat(50));
    const small = changeSet([change("a.py", "A = 2\n", "A = 0\n")], "d".repeat(20));
    expect((await selectCandidate([big, small])).chosen).toBe(1);
    const same = changeSet([change("a.py", "A = 3\n", "A = 0\n")], "d".repeat(20));
    expect((await selectCandidate([small, same])).chosen).toBe(0);
  });

  it("treats hunk order and file order as irrelevant", async () => {
    const one = changeSet([change("a.py", "A = 1\n", "A = 0\n"), change("b.py", "B = 1\n", "B = 0\n")]);
    const two = changeSet([change("b.py", "B = 1\n", "B = 0\n"), change("a.py", "A = 1\n", "A = 0\n")]);
    expect((await selectCandidate([one, two])).agreeing).toBe(2);
  });

  it("does not judge files without a grammar, nor files that were already broken", async () => {
    const markdown = changeSet([change("notes.md", "# Notes\n((( unbalanced\n", "# Notes\n")]);
    const alreadyBroken = changeSet([change("bad.py", "def f(:\n    pass\n    # still broken\n", "def f(:\n    pass\n")]);
    const newBroken = changeSet([change("new.ts", "export const x = ;\n")]);
    const selection = await selectCandidate([markdown, alreadyBroken, newBroken]);
    expect(selection.dropped).toEqual([{ index: 2, reason: "it breaks the syntax of new.ts (the file parsed cleanly before)" }]);
    expect(selection.groups.map((g) => g.members)).toEqual([[0], [1]]);
  });

  it("returns no choice when every candidate is dropped", async () => {
    const selection = await selectCandidate([changeSet([]), changeSet([])]);
    expect(selection).toMatchObject({ chosen: null, changes: null, agreeing: 0, groups: [] });
    expect(selection.dropped).toHaveLength(2);
  });
});
