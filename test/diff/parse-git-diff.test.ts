import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { parseGitDiff, type DiffProblem, type FileDiff } from "../../src/diff/index.js";
import { createGitRepo, expectLinesMatchContents, serializeHunks, type GitRepo } from "./git-fixture.js";

const numbered = (from: number, to: number, label = "line"): string => Array.from({ length: to - from + 1 }, (_, n) => `${label} ${from + n}\n`).join("");

function parse(diff: string | Uint8Array): { files: FileDiff[]; problems: DiffProblem[] } {
  const problems: DiffProblem[] = [];
  const files = parseGitDiff(diff, { onProblem: (p) => problems.push(p) });
  return { files, problems };
}

function only(files: FileDiff[], path: string): FileDiff {
  const found = files.filter((f) => f.path === path);
  expect(found, `exactly one file ${path}`).toHaveLength(1);
  return found[0] as FileDiff;
}

/** The file objects minus their hunks, for compact expectations. */
function summary(file: FileDiff): Omit<FileDiff, "hunks"> & { hunks: number } {
  return { ...file, hunks: file.hunks.length };
}

describe("parseGitDiff on real git output", () => {
  let repo: GitRepo;
  beforeEach(() => {
    repo = createGitRepo();
  });
  afterEach(() => {
    repo.remove();
  });

  /** Stages the working tree and returns `git diff --cached <args>` as text. */
  const staged = (...args: string[]): string => {
    repo.git("add", "-A");
    return repo.git("diff", "--cached", ...args).toString("utf8");
  };

  it("numbers every line of a modified file with several hunks", () => {
    const before = numbered(1, 40);
    repo.write("src/app.ts", before);
    repo.commit("init");
    const after = before.replace("line 3\n", "line three\n").replace("line 20\n", "line 20\ninserted a\ninserted b\n").replace("line 33\n", "");
    repo.write("src/app.ts", after);
    const diff = staged();

    const { files, problems } = parse(diff);
    expect(problems).toEqual([]);
    const file = only(files, "src/app.ts");
    expect(summary(file)).toEqual({
      path: "src/app.ts",
      oldPath: "src/app.ts",
      newPath: "src/app.ts",
      status: "modified",
      binary: false,
      oldMode: "100644",
      newMode: "100644",
      similarity: null,
      hunks: 3,
      additions: 3,
      deletions: 2,
      patchMissing: false,
    });
    expect(file.hunks[0]).toMatchObject({ oldStart: 1, oldLines: 6, newStart: 1, newLines: 6, section: "" });
    expect(file.hunks[0]?.lines.slice(1, 5)).toEqual([
      { kind: "context", text: "line 2", oldLine: 2, newLine: 2, crlf: false, noNewlineAtEof: false },
      { kind: "del", text: "line 3", oldLine: 3, newLine: null, crlf: false, noNewlineAtEof: false },
      { kind: "add", text: "line three", oldLine: null, newLine: 3, crlf: false, noNewlineAtEof: false },
      { kind: "context", text: "line 4", oldLine: 4, newLine: 4, crlf: false, noNewlineAtEof: false },
    ]);
    expect(expectLinesMatchContents(file, before, after)).toEqual([]);
    expect(diff).toContain(serializeHunks(file.hunks));
  });

  it("reads -U0 hunks whose one side is empty", () => {
    const before = numbered(1, 10);
    repo.write("f.txt", before);
    repo.commit("init");
    const after = before.replace("line 5\n", "line 5\nnew 1\nnew 2\n").replace("line 8\nline 9\n", "");
    repo.write("f.txt", after);
    const diff = staged("-U0");
    const file = only(parse(diff).files, "f.txt");
    expect(file.hunks.map(({ oldStart, oldLines, newStart, newLines }) => [oldStart, oldLines, newStart, newLines])).toEqual([
      [5, 0, 6, 2],
      [8, 2, 9, 0],
    ]);
    expect(file.hunks[1]?.lines.map((l) => [l.kind, l.oldLine, l.newLine])).toEqual([
      ["del", 8, null],
      ["del", 9, null],
    ]);
    expect(expectLinesMatchContents(file, before, after)).toEqual([]);
  });

  it("reads hunk headers without counts (@@ -1 +1 @@)", () => {
    repo.write("one.txt", "old\n");
    repo.commit("init");
    repo.write("one.txt", "new\n");
    const diff = staged();
    expect(diff).toContain("@@ -1 +1 @@\n");
    const file = only(parse(diff).files, "one.txt");
    expect(file.hunks).toEqual([
      {
        oldStart: 1,
        oldLines: 1,
        newStart: 1,
        newLines: 1,
        section: "",
        lines: [
          { kind: "del", text: "old", oldLine: 1, newLine: null, crlf: false, noNewlineAtEof: false },
          { kind: "add", text: "new", oldLine: null, newLine: 1, crlf: false, noNewlineAtEof: false },
        ],
      },
    ]);
  });

  it("keeps git's function context as the hunk section", () => {
    const body = ["function outer() {", ...Array.from({ length: 10 }, (_, n) => `  const v${n} = ${n};`), "}", ""].join("\n");
    repo.write("s.js", body);
    repo.commit("init");
    repo.write("s.js", body.replace("const v8 = 8;", "const v8 = 80;"));
    const file = only(parse(staged()).files, "s.js");
    expect(file.hunks[0]?.section).toBe("function outer() {");
  });

  describe("renames and copies", () => {
    it("reads a rename with content changes", () => {
      repo.write("old/name.txt", numbered(1, 20));
      repo.commit("init");
      rmSync(join(repo.dir, "old"), { recursive: true });
      const after = numbered(1, 20).replace("line 20\n", "line twenty\n");
      repo.write("new/name.txt", after);
      const diff = staged("-M");
      const file = only(parse(diff).files, "new/name.txt");
      expect(summary(file)).toMatchObject({
        oldPath: "old/name.txt",
        newPath: "new/name.txt",
        status: "renamed",
        hunks: 1,
        additions: 1,
        deletions: 1,
      });
      expect(file.similarity).toBeGreaterThan(50);
      expect(file.similarity).toBeLessThan(100);
      expect(expectLinesMatchContents(file, numbered(1, 20), after)).toEqual([]);
    });

    it("reads a pure rename and a rename with a mode change", () => {
      repo.write("a.sh", numbered(1, 5));
      repo.write("b.txt", numbered(1, 6, "b"));
      repo.commit("init");
      repo.git("mv", "a.sh", "run.sh");
      repo.git("mv", "b.txt", "c.txt");
      repo.write("run.sh", numbered(1, 5), 0o755);
      const { files, problems } = parse(staged("-M"));
      expect(problems).toEqual([]);
      expect(summary(only(files, "c.txt"))).toEqual({
        path: "c.txt",
        oldPath: "b.txt",
        newPath: "c.txt",
        status: "renamed",
        binary: false,
        oldMode: null,
        newMode: null,
        similarity: 100,
        hunks: 0,
        additions: 0,
        deletions: 0,
        patchMissing: false,
      });
      expect(summary(only(files, "run.sh"))).toMatchObject({
        oldPath: "a.sh",
        status: "renamed",
        oldMode: "100644",
        newMode: "100755",
        similarity: 100,
        hunks: 0,
      });
    });

    it("reads copies found with -C, with and without changes", () => {
      repo.write("lib/base.ts", numbered(1, 30));
      repo.commit("init");
      repo.write("lib/exact.ts", numbered(1, 30));
      repo.write("lib/changed.ts", numbered(1, 30).replace("line 30\n", "line 30\nline 31\n"));
      const diff = staged("-C", "--find-copies-harder");
      const { files } = parse(diff);
      expect(summary(only(files, "lib/exact.ts"))).toMatchObject({
        oldPath: "lib/base.ts",
        newPath: "lib/exact.ts",
        status: "copied",
        similarity: 100,
        hunks: 0,
      });
      const changed = only(files, "lib/changed.ts");
      expect(summary(changed)).toMatchObject({ oldPath: "lib/base.ts", status: "copied", additions: 1, deletions: 0 });
      expect(changed.hunks[0]?.lines.at(-1)).toEqual({
        kind: "add",
        text: "line 31",
        oldLine: null,
        newLine: 31,
        crlf: false,
        noNewlineAtEof: false,
      });
    });
  });

  describe("added, deleted and mode-only files", () => {
    it("reads new and deleted files", () => {
      repo.write("gone.txt", "bye\nnow\n");
      repo.commit("init");
      rmSync(join(repo.dir, "gone.txt"));
      repo.write("tool.sh", "#!/bin/sh\necho hi\n", 0o755);
      const { files, problems } = parse(staged());
      expect(problems).toEqual([]);
      const added = only(files, "tool.sh");
      expect(summary(added)).toMatchObject({ oldPath: null, newPath: "tool.sh", status: "added", oldMode: null, newMode: "100755", additions: 2 });
      expect(added.hunks[0]).toMatchObject({ oldStart: 0, oldLines: 0, newStart: 1, newLines: 2 });
      const deleted = only(files, "gone.txt");
      expect(summary(deleted)).toMatchObject({ oldPath: "gone.txt", newPath: null, status: "deleted", oldMode: "100644", newMode: null, deletions: 2 });
      expect(deleted.hunks[0]?.lines.map((l) => [l.oldLine, l.newLine])).toEqual([
        [1, null],
        [2, null],
      ]);
    });

    it("reads an empty added file and an empty deleted file (no hunks, no ---/+++)", () => {
      repo.write("keep/.gitkeep", "");
      repo.commit("init");
      repo.write("pkg/__init__.py", "");
      let diff = staged();
      expect(diff).not.toContain("+++");
      expect(summary(only(parse(diff).files, "pkg/__init__.py"))).toMatchObject({
        oldPath: null,
        newPath: "pkg/__init__.py",
        status: "added",
        newMode: "100644",
        hunks: 0,
      });
      repo.commit("add");
      rmSync(join(repo.dir, "keep"), { recursive: true });
      diff = staged();
      expect(summary(only(parse(diff).files, "keep/.gitkeep"))).toMatchObject({
        oldPath: "keep/.gitkeep",
        newPath: null,
        status: "deleted",
        oldMode: "100644",
        hunks: 0,
      });
    });

    it("reads a mode-only change", () => {
      repo.write("bin/run", "echo\n");
      repo.commit("init");
      repo.write("bin/run", "echo\n", 0o755);
      const diff = staged();
      expect(diff).toBe("diff --git a/bin/run b/bin/run\nold mode 100644\nnew mode 100755\n");
      expect(parse(diff).files.map(summary)).toEqual([
        {
          path: "bin/run",
          oldPath: "bin/run",
          newPath: "bin/run",
          status: "modified",
          binary: false,
          oldMode: "100644",
          newMode: "100755",
          similarity: null,
          hunks: 0,
          additions: 0,
          deletions: 0,
          patchMissing: false,
        },
      ]);
    });

    it("reads a submodule change", () => {
      const inner = createGitRepo();
      try {
        inner.write("x.txt", "1\n");
        inner.commit("one");
        repo.git("-c", "protocol.file.allow=always", "submodule", "add", "-q", inner.dir, "deps/inner");
        repo.commit("add submodule");
        inner.write("x.txt", "2\n");
        inner.commit("two");
        execFileSync("git", ["-c", "protocol.file.allow=always", "pull", "-q"], {
          cwd: join(repo.dir, "deps/inner"),
          env: { ...process.env, HOME: repo.dir, GIT_CONFIG_NOSYSTEM: "1", GIT_CONFIG_GLOBAL: "/dev/null" },
          stdio: "ignore",
        });
        const diff = staged();
        const file = only(parse(diff).files, "deps/inner");
        expect(summary(file)).toMatchObject({ status: "modified", oldMode: "160000", newMode: "160000", additions: 1, deletions: 1 });
        expect(file.hunks[0]?.lines.map((l) => l.text.replace(/[0-9a-f]{40}/, "<sha>"))).toEqual(["Subproject commit <sha>", "Subproject commit <sha>"]);
      } finally {
        inner.remove();
      }
    });
  });

  describe("binary files", () => {
    it("reads `Binary files ... differ` and `GIT binary patch`, and the files after them", () => {
      repo.write("img.png", Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 0, 1, 2, 3]));
      repo.write("z.txt", "a\n");
      repo.commit("init");
      repo.write("img.png", Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 0, 1, 2, 4, 5]));
      repo.write("new.bin", Uint8Array.from([0, 0, 0, 7]));
      repo.write("z.txt", "b\n");
      for (const args of [[], ["--binary"]]) {
        const diff = staged(...args);
        expect(diff).toContain(args.length ? "GIT binary patch" : "Binary files a/img.png and b/img.png differ");
        const { files, problems } = parse(diff);
        expect(problems).toEqual([]);
        expect(files.map((f) => [f.path, f.status, f.binary, f.hunks.length])).toEqual([
          ["img.png", "modified", true, 0],
          ["new.bin", "added", true, 0],
          ["z.txt", "modified", false, 1],
        ]);
      }
    });
  });

  describe("line endings and encodings", () => {
    it("attaches `\\ No newline at end of file` to the right line on either side", () => {
      repo.write("both.txt", "x\ny");
      repo.write("gained.txt", "x\ny");
      repo.write("lost.txt", "x\ny\n");
      repo.write("ctx.txt", `${numbered(1, 8)}tail`);
      repo.commit("init");
      repo.write("both.txt", "x\nz");
      repo.write("gained.txt", "x\ny\n");
      repo.write("lost.txt", "x\ny");
      repo.write("ctx.txt", `${numbered(1, 8).replace("line 6", "line six")}tail`);
      const diff = staged();
      const { files } = parse(diff);
      const flags = (path: string): [string, string, boolean][] =>
        only(files, path).hunks.flatMap((h) => h.lines.map((l): [string, string, boolean] => [l.kind, l.text, l.noNewlineAtEof]));
      expect(flags("both.txt")).toEqual([
        ["context", "x", false],
        ["del", "y", true],
        ["add", "z", true],
      ]);
      expect(flags("gained.txt")).toEqual([
        ["context", "x", false],
        ["del", "y", true],
        ["add", "y", false],
      ]);
      expect(flags("lost.txt")).toEqual([
        ["context", "x", false],
        ["del", "y", false],
        ["add", "y", true],
      ]);
      expect(flags("ctx.txt").at(-1)).toEqual(["context", "tail", true]);
      for (const file of files) expect(diff).toContain(serializeHunks(file.hunks));
    });

    it("strips CRLF from text, records it in `crlf`, and never shifts line numbers", () => {
      const before = "one\r\ntwo\r\nthree\r\nfour\r\n";
      const after = "one\r\nTWO\r\nthree\nfour\r\n";
      repo.write("win.txt", before);
      repo.commit("init");
      repo.write("win.txt", after);
      const diff = staged();
      const file = only(parse(diff).files, "win.txt");
      expect(file.hunks[0]?.lines.map((l) => [l.kind, l.text, l.crlf, l.oldLine, l.newLine])).toEqual([
        ["context", "one", true, 1, 1],
        ["del", "two", true, 2, null],
        ["del", "three", true, 3, null],
        ["add", "TWO", true, null, 2],
        ["add", "three", false, null, 3],
        ["context", "four", true, 4, 4],
      ]);
      expect(expectLinesMatchContents(file, before, after)).toEqual([]);
      expect(diff).toContain(serializeHunks(file.hunks));
    });

    it("decodes non-UTF-8 lines as Latin-1 byte for byte, and UTF-8 lines as UTF-8", () => {
      const latin1 = (s: string): Buffer => Buffer.from(s, "latin1");
      repo.write("legacy.txt", latin1("caf\u00e9\nna\u00efve\n"));
      repo.write("modern.txt", "gr\u00fc\u00dfe\n");
      repo.commit("init");
      repo.write("legacy.txt", latin1("caf\u00e9!\nna\u00efve\n"));
      repo.write("modern.txt", "gr\u00fc\u00dfe!\n");
      repo.git("add", "-A");
      const bytes = repo.git("diff", "--cached");
      expect(() => new TextDecoder("utf-8", { fatal: true }).decode(bytes)).toThrow();

      const { files, problems } = parse(new Uint8Array(bytes));
      const legacy = only(files, "legacy.txt");
      expect(legacy.hunks[0]?.lines.map((l) => [l.kind, l.text, l.oldLine, l.newLine])).toEqual([
        ["del", "caf\u00e9", 1, null],
        ["add", "caf\u00e9!", null, 1],
        ["context", "na\u00efve", 2, 2],
      ]);
      // Byte-preserving: the new side re-encoded as Latin-1 is exactly the file on disk.
      const newSide = (legacy.hunks[0]?.lines ?? []).filter((l) => l.newLine !== null).map((l) => `${l.text}\n`);
      expect(latin1(newSide.join(""))).toEqual(readFileSync(join(repo.dir, "legacy.txt")));
      expect(only(files, "modern.txt").hunks[0]?.lines.map((l) => l.text)).toEqual(["gr\u00fc\u00dfe", "gr\u00fc\u00dfe!"]);
      expect(problems).toEqual([expect.objectContaining({ path: "legacy.txt", message: expect.stringContaining("Latin-1") })]);

      // Same line structure whichever way the input arrives: text decoding never merges or splits lines.
      const asText = parse(bytes.toString("latin1")).files;
      expect(asText.map((f) => f.hunks.map((h) => h.lines.length))).toEqual(files.map((f) => f.hunks.map((h) => h.lines.length)));
    });
  });

  describe("paths", () => {
    it("decodes quoted paths with octal escapes, spaces, tabs, quotes and newlines", () => {
      const names = ["caf\u00e9.txt", "with space.txt", "tab\there.txt", 'q"uote.txt', "new\nline.txt", "dir with space/\u65e5\u672c.md"];
      for (const name of names) repo.write(name, "v1\n");
      repo.commit("init");
      for (const name of names) repo.write(name, "v2\n");
      const diff = staged();
      expect(diff).toContain('diff --git "a/caf\\303\\251.txt" "b/caf\\303\\251.txt"');
      expect(diff).toContain("--- a/with space.txt\t\n");
      const { files, problems } = parse(diff);
      expect(problems).toEqual([]);
      expect(files.map((f) => f.path).sort()).toEqual([...names].sort());
      for (const file of files) {
        expect(file.oldPath).toBe(file.path);
        expect(file.hunks[0]?.lines.map((l) => l.text)).toEqual(["v1", "v2"]);
      }
    });

    it("reads renames between quoted paths", () => {
      repo.write("\u00e4lt.txt", numbered(1, 10));
      repo.commit("init");
      repo.git("mv", "\u00e4lt.txt", "neu \u00fc.txt");
      const file = only(parse(staged("-M")).files, "neu \u00fc.txt");
      expect(file).toMatchObject({ oldPath: "\u00e4lt.txt", newPath: "neu \u00fc.txt", status: "renamed" });
    });

    it("gives the same paths with --no-prefix, custom prefixes and mnemonic prefixes", () => {
      repo.write("a/inner.txt", "1\n");
      repo.write("b/inner.txt", "1\n");
      repo.write("sp ace/x y.txt", "1\n");
      repo.write("mv/from.txt", numbered(1, 10));
      repo.write("gone.txt", "1\n");
      repo.write("mode.sh", "1\n");
      repo.commit("init");
      repo.write("a/inner.txt", "2\n");
      repo.write("b/inner.txt", "2\n");
      repo.write("sp ace/x y.txt", "2\n");
      repo.git("mv", "mv/from.txt", "mv/to.txt");
      rmSync(join(repo.dir, "gone.txt"));
      repo.write("added.txt", "new\n");
      repo.write("mode.sh", "1\n", 0o755);
      repo.git("add", "-A");

      const shape = (files: FileDiff[]): unknown =>
        files.map((f) => ({ path: f.path, oldPath: f.oldPath, newPath: f.newPath, status: f.status, lines: f.hunks.map((h) => h.lines.length) }));
      const expected = shape(parse(staged("-M")).files);
      expect(expected).toEqual([
        { path: "a/inner.txt", oldPath: "a/inner.txt", newPath: "a/inner.txt", status: "modified", lines: [2] },
        { path: "added.txt", oldPath: null, newPath: "added.txt", status: "added", lines: [1] },
        { path: "b/inner.txt", oldPath: "b/inner.txt", newPath: "b/inner.txt", status: "modified", lines: [2] },
        { path: "gone.txt", oldPath: "gone.txt", newPath: null, status: "deleted", lines: [1] },
        { path: "mode.sh", oldPath: "mode.sh", newPath: "mode.sh", status: "modified", lines: [] },
        { path: "mv/to.txt", oldPath: "mv/from.txt", newPath: "mv/to.txt", status: "renamed", lines: [] },
        { path: "sp ace/x y.txt", oldPath: "sp ace/x y.txt", newPath: "sp ace/x y.txt", status: "modified", lines: [2] },
      ]);
      for (const args of [
        ["--no-prefix"],
        ["--src-prefix=SRC/", "--dst-prefix=DESTINATION/"],
        ["--src-prefix=", "--dst-prefix=new/"],
        ["-c", "diff.mnemonicPrefix=true"],
      ]) {
        const diff =
          args[0] === "-c" ? repo.git(...args, "diff", "--cached", "-M").toString("utf8") : repo.git("diff", "--cached", "-M", ...args).toString("utf8");
        expect(shape(parse(diff).files), args.join(" ")).toEqual(expected);
      }
      // Without a rename to learn from, a diff with only ambiguous files still parses the same.
      const noRename = repo.git("diff", "--cached", "--no-prefix", "--", "a", "b", "sp ace").toString("utf8");
      expect(parse(noRename).files.map((f) => f.path)).toEqual(["a/inner.txt", "b/inner.txt", "sp ace/x y.txt"]);
      // The caller may also say which prefixes it used.
      const custom = repo.git("diff", "--cached", "--src-prefix=x/", "--dst-prefix=x/", "--", "a").toString("utf8");
      expect(parseGitDiff(custom, { srcPrefix: "x/", dstPrefix: "x/" }).map((f) => f.path)).toEqual(["a/inner.txt"]);
    });
  });

  it("parses by the hunk counts, not by guessing from line prefixes", () => {
    const tricky = ["-- not a header", "++ nor this", "@@ -1 +1 @@", "diff --git a/x b/x", "\\ backslash", "end"].join("\n");
    repo.write("tricky.txt", `${tricky}\n`);
    repo.write("next.txt", "n\n");
    repo.commit("init");
    const after = ["keep", "++ nor this", "@@ -1 +1 @@", "diff --git a/x b/x", "\\ backslash", "end", "++ added last"].join("\n");
    repo.write("tricky.txt", `${after}\n`);
    repo.write("next.txt", "m\n");
    const diff = staged();
    expect(diff).toContain("\n--- not a header\n");
    expect(diff).toContain("\n+++ added last\n");
    const { files, problems } = parse(diff);
    expect(problems).toEqual([]);
    expect(files.map((f) => f.path)).toEqual(["next.txt", "tricky.txt"]);
    const file = only(files, "tricky.txt");
    expect(file.hunks[0]?.lines.map((l) => [l.kind, l.text])).toEqual([
      ["del", "-- not a header"],
      ["add", "keep"],
      ["context", "++ nor this"],
      ["context", "@@ -1 +1 @@"],
      ["context", "diff --git a/x b/x"],
      ["context", "\\ backslash"],
      ["context", "end"],
      ["add", "++ added last"],
    ]);
    expect(expectLinesMatchContents(file, `${tricky}\n`, `${after}\n`)).toEqual([]);
  });

  it("reads format-patch output of several commits, skipping messages, diffstats and signatures", () => {
    repo.write("f.txt", numbered(1, 5));
    repo.commit("init");
    repo.write("f.txt", numbered(1, 5).replace("line 2", "line two"));
    repo.commit("first change\n\nA body line.\n\nSigned-off-by: Test <test@example.com>");
    repo.write("f.txt", numbered(1, 5).replace("line 2", "line two").replace("line 5", "line five"));
    repo.write("g.txt", "g\n");
    repo.commit("second change");
    const mbox = repo.git("format-patch", "--stdout", "HEAD~2").toString("utf8");
    expect(mbox).toContain(" 1 file changed");
    expect(mbox).toMatch(/\n-- \n2\.\d+/);
    const { files, problems } = parse(mbox);
    expect(problems).toEqual([]);
    expect(files.map((f) => [f.path, f.status, f.additions, f.deletions])).toEqual([
      ["f.txt", "modified", 1, 1],
      ["f.txt", "modified", 1, 1],
      ["g.txt", "added", 1, 0],
    ]);
  });
});

describe("parseGitDiff on GNU diff -u output", () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), "skywork-udiff-"));
  });
  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  const gnuDiff = (...args: string[]): string => {
    try {
      return execFileSync("diff", args, { cwd: dir, env: { ...process.env, LC_ALL: "C", TZ: "UTC" } }).toString("utf8");
    } catch (error) {
      // diff exits 1 when the inputs differ.
      return (error as { stdout: Buffer }).stdout.toString("utf8");
    }
  };

  it("reads diff -ruN between two trees, stripping the first path component", () => {
    for (const [root, files] of [
      ["before", { "src/x.txt": "a\nb\n", "src/gone.txt": "g\n" }],
      ["after", { "src/x.txt": "a\nc\n", "src/new.txt": "n\n" }],
    ] as const) {
      for (const [path, content] of Object.entries(files)) {
        mkdirSync(join(dir, root, "src"), { recursive: true });
        writeFileSync(join(dir, root, path), content);
      }
    }
    const diff = gnuDiff("-ruN", "before", "after");
    expect(diff).toContain("1970-01-01");
    const { files, problems } = parse(diff);
    expect(problems).toEqual([]);
    expect(files.map((f) => [f.path, f.oldPath, f.newPath, f.status, f.additions, f.deletions])).toEqual([
      ["src/gone.txt", "src/gone.txt", null, "deleted", 0, 1],
      ["src/new.txt", null, "src/new.txt", "added", 1, 0],
      ["src/x.txt", "src/x.txt", "src/x.txt", "modified", 1, 1],
    ]);
  });

  it("reads diff -u between two files", () => {
    writeFileSync(join(dir, "config.orig"), "k=1\nj=2\n");
    writeFileSync(join(dir, "config"), "k=1\nj=3\n");
    const { files } = parse(gnuDiff("-u", "config.orig", "config"));
    expect(files.map((f) => [f.path, f.oldPath, f.status])).toEqual([["config", "config.orig", "modified"]]);
    expect(files[0]?.hunks[0]?.lines.map((l) => [l.kind, l.text, l.oldLine, l.newLine])).toEqual([
      ["context", "k=1", 1, 1],
      ["del", "j=2", 2, null],
      ["add", "j=3", null, 2],
    ]);
  });
});
