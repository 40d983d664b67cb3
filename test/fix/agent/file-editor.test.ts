import { existsSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { HostFiles, SandboxFiles } from "../../../src/fix/agent/editor-files.js";
import { FileEditor } from "../../../src/fix/agent/file-editor.js";
import { Workspace } from "../../../src/fix/agent/workspace.js";
import { sandboxOver, testSandboxSettings } from "../../helpers/sandbox.js";
import { makeRepo, type TempRepo } from "./helpers.js";

const APP = `from flask import Flask
app = Flask(__name__)

@app.route('/')
def index():
    numbers = list(range(1, 11))
    return str(numbers)

if __name__ == '__main__':
    app.run(port=5000)
`;

let repo: TempRepo;
let outside: string;
let editor: FileEditor;
/** Where the editor's files land on the host: the checkout, or the sandbox's copy of it. */
let root: string;

async function setUp(kind: "host" | "sandbox"): Promise<void> {
  repo = makeRepo({
    "app.py": APP,
    "dup.py": "x = 1\ny = 2\nx = 1\n",
    "crlf.txt": "one\r\ntwo\r\nthree\r\n",
    "src/pkg/mod.py": "A = 1\n",
    ".github/workflows/ci.yml": "on: push\n",
    ".hidden": "h\n",
  });
  outside = mkdtempSync(path.join(tmpdir(), "fix-agent-outside-"));
  writeFileSync(path.join(outside, "target.txt"), "outside\n");
  symlinkSync(path.join(outside, "target.txt"), path.join(repo.dir, "link-out.txt"));
  symlinkSync("app.py", path.join(repo.dir, "link-in.py"));
  symlinkSync(outside, path.join(repo.dir, "dir-out"));
  if (kind === "host") {
    root = repo.dir;
    editor = new FileEditor(new HostFiles(await Workspace.open(repo.dir, "widgets")));
  } else {
    const settings = testSandboxSettings();
    const dirs = await sandboxOver(repo.dir, settings);
    root = dirs.repo;
    editor = new FileEditor(new SandboxFiles(settings, dirs));
  }
}

afterEach(() => {
  repo.cleanup();
  rmSync(outside, { recursive: true, force: true });
});

const read = (rel: string): string => readFileSync(path.join(root, rel), "utf8");

describe.each(["host", "sandbox"] as const)("str_replace_editor on the %s", (kind) => {
  beforeEach(() => setUp(kind));

  describe("view", () => {
    it("shows a file like `cat -n`", async () => {
      const result = await editor.run({ command: "view", path: "/workspace/widgets/dup.py" });
      expect(result.text).toBe("Here's the result of running `cat -n` on /workspace/widgets/dup.py:\n     1\tx = 1\n     2\ty = 2\n     3\tx = 1\n     4\t\n");
      expect(result.error).toBe(false);
    });

    it("shows a line range, with OpenHands' warnings and errors", async () => {
      expect((await editor.run({ command: "view", path: "/workspace/widgets/app.py", view_range: [4, 5] })).text).toBe(
        "Here's the result of running `cat -n` on /workspace/widgets/app.py:\n     4\t@app.route('/')\n     5\tdef index():\n",
      );
      expect((await editor.run({ command: "view", path: "/workspace/widgets/dup.py", view_range: [2, -1] })).text).toBe(
        "Here's the result of running `cat -n` on /workspace/widgets/dup.py:\n     2\ty = 2\n     3\tx = 1\n",
      );
      expect((await editor.run({ command: "view", path: "/workspace/widgets/dup.py", view_range: [2, 9] })).text).toContain(
        "\nNOTE: We only show up to 3 since there's only 3 lines in this file\n",
      );
      expect((await editor.run({ command: "view", path: "/workspace/widgets/dup.py", view_range: [0, 2] })).text).toBe(
        "ERROR:\nInvalid `view_range` parameter: [0, 2]. Its first element `0` should be within the range of lines of the file: [1, 3].",
      );
      expect((await editor.run({ command: "view", path: "/workspace/widgets/dup.py", view_range: [3, 2] })).text).toBe(
        "ERROR:\nInvalid `view_range` parameter: [3, 2]. Its second element `2` should be greater than or equal to the first element `3`.",
      );
    });

    it("lists a directory two levels deep without hidden items", async () => {
      const result = await editor.run({ command: "view", path: "/workspace/widgets" });
      expect(result.text).toBe(
        "Here's the files and directories up to 2 levels deep in /workspace/widgets, excluding hidden items:\n" +
          [
            "/workspace/widgets/",
            "/workspace/widgets/app.py",
            "/workspace/widgets/crlf.txt",
            "/workspace/widgets/dir-out",
            "/workspace/widgets/dup.py",
            "/workspace/widgets/link-in.py",
            "/workspace/widgets/link-out.txt",
            "/workspace/widgets/src/",
            "/workspace/widgets/src/pkg/",
          ].join("\n") +
          "\n\n3 hidden files/directories in this directory are excluded. You can use 'ls -la /workspace/widgets' to see them.",
      );
    });

    it("lists /workspace as holding only the checkout", async () => {
      const result = await editor.run({ command: "view", path: "/workspace" });
      expect(result.text.split("\n").slice(0, 4)).toEqual([
        "Here's the files and directories up to 2 levels deep in /workspace, excluding hidden items:",
        "/workspace/",
        "/workspace/widgets/",
        "/workspace/widgets/app.py",
      ]);
    });

    it("refuses relative paths with OpenHands' hint", async () => {
      expect((await editor.run({ command: "view", path: "app.py" })).text).toBe(
        "ERROR:\nInvalid `path` parameter: app.py. The path should be an absolute path, starting with `/`. Maybe you meant /workspace/widgets/app.py?",
      );
    });

    it("reports a missing path", async () => {
      expect((await editor.run({ command: "view", path: "/workspace/widgets/nope.py" })).text).toBe(
        "ERROR:\nInvalid `path` parameter: /workspace/widgets/nope.py. The path /workspace/widgets/nope.py does not exist. Please provide a valid path.",
      );
    });
  });

  describe("create", () => {
    it("creates a file (and its directories), refusing to overwrite", async () => {
      const result = await editor.run({ command: "create", path: "/workspace/widgets/new/dir/hello.py", file_text: "print('hi')" });
      expect(result).toEqual({
        text: "File created successfully at: /workspace/widgets/new/dir/hello.py",
        edited: "/workspace/widgets/new/dir/hello.py",
        error: false,
      });
      expect(read("new/dir/hello.py")).toBe("print('hi')\n");
      expect((await editor.run({ command: "create", path: "/workspace/widgets/app.py", file_text: "x" })).text).toBe(
        "ERROR:\nInvalid `path` parameter: /workspace/widgets/app.py. File already exists at: /workspace/widgets/app.py. Cannot overwrite files using command `create`.",
      );
      expect((await editor.run({ command: "create", path: "/workspace/widgets/other.py" })).text).toBe(
        "ERROR:\nParameter `file_text` is required for command: create.",
      );
    });
  });

  describe("str_replace", () => {
    it("replaces a unique string and shows the snippet around it", async () => {
      const result = await editor.run({
        command: "str_replace",
        path: "/workspace/widgets/app.py",
        old_str: "return str(numbers)",
        new_str: "return '<table>' + ''.join([f'<tr><td>{i}</td></tr>' for i in numbers]) + '</table>'",
      });
      expect(result.text).toBe(
        "The file /workspace/widgets/app.py has been edited. Here's the result of running `cat -n` on a snippet of /workspace/widgets/app.py:\n" +
          "     3\t\n     4\t@app.route('/')\n     5\tdef index():\n     6\t    numbers = list(range(1, 11))\n" +
          "     7\t    return '<table>' + ''.join([f'<tr><td>{i}</td></tr>' for i in numbers]) + '</table>'\n" +
          "     8\t\n     9\tif __name__ == '__main__':\n    10\t    app.run(port=5000)\n    11\t\n" +
          "Review the changes and make sure they are as expected. Edit the file again if necessary.",
      );
      expect(result.edited).toBe("/workspace/widgets/app.py");
      expect(read("app.py")).toContain("return '<table>'");
    });

    it("answers OpenHands' exact errors for no match, several matches and no change", async () => {
      expect((await editor.run({ command: "str_replace", path: "/workspace/widgets/app.py", old_str: "return list(numbers)", new_str: "x" })).text).toBe(
        "ERROR:\nNo replacement was performed, old_str `return list(numbers)` did not appear verbatim in /workspace/widgets/app.py.",
      );
      expect((await editor.run({ command: "str_replace", path: "/workspace/widgets/dup.py", old_str: "x = 1", new_str: "x = 2" })).text).toBe(
        "ERROR:\nNo replacement was performed. Multiple occurrences of old_str `x = 1` in lines [1, 3]. Please ensure it is unique.",
      );
      expect((await editor.run({ command: "str_replace", path: "/workspace/widgets/dup.py", old_str: "y = 2", new_str: "y = 2" })).text).toBe(
        "ERROR:\nInvalid `new_str` parameter: y = 2. No replacement was performed. `new_str` and `old_str` must be different.",
      );
      expect((await editor.run({ command: "str_replace", path: "/workspace/widgets/dup.py" })).text).toBe(
        "ERROR:\nParameter `old_str` is required for command: str_replace.",
      );
      expect(read("dup.py")).toBe("x = 1\ny = 2\nx = 1\n");
    });

    it("keeps CRLF line endings", async () => {
      await editor.run({ command: "str_replace", path: "/workspace/widgets/crlf.txt", old_str: "two\nthree", new_str: "2\n3" });
      expect(readFileSync(path.join(root, "crlf.txt"), "utf8")).toBe("one\r\n2\r\n3\r\n");
    });
  });

  describe("insert and undo_edit", () => {
    it("inserts after a line and undoes edits in order", async () => {
      const inserted = await editor.run({ command: "insert", path: "/workspace/widgets/dup.py", insert_line: 1, new_str: "z = 3" });
      expect(inserted.text).toBe(
        "The file /workspace/widgets/dup.py has been edited. Here's the result of running `cat -n` on a snippet of the edited file:\n" +
          "     1\tx = 1\n     2\tz = 3\n     3\ty = 2\n     4\tx = 1\n     5\t\n" +
          "Review the changes and make sure they are as expected (correct indentation, no duplicate lines, etc). Edit the file again if necessary.",
      );
      await editor.run({ command: "str_replace", path: "/workspace/widgets/dup.py", old_str: "y = 2", new_str: "y = 20" });
      expect(read("dup.py")).toBe("x = 1\nz = 3\ny = 20\nx = 1\n");
      const undone = await editor.run({ command: "undo_edit", path: "/workspace/widgets/dup.py" });
      expect(
        undone.text.startsWith(
          "Last edit to /workspace/widgets/dup.py undone successfully. Here's the result of running `cat -n` on /workspace/widgets/dup.py:\n",
        ),
      ).toBe(true);
      expect(read("dup.py")).toBe("x = 1\nz = 3\ny = 2\nx = 1\n");
      await editor.run({ command: "undo_edit", path: "/workspace/widgets/dup.py" });
      expect(read("dup.py")).toBe("x = 1\ny = 2\nx = 1\n");
      expect((await editor.run({ command: "undo_edit", path: "/workspace/widgets/dup.py" })).text).toBe(
        "ERROR:\nNo edit history found for /workspace/widgets/dup.py.",
      );
    });

    it("checks the insert line range", async () => {
      expect((await editor.run({ command: "insert", path: "/workspace/widgets/dup.py", insert_line: 9, new_str: "q" })).text).toBe(
        "ERROR:\nInvalid `insert_line` parameter: 9. It should be within the range of allowed values: [0, 3]",
      );
    });

    it("undoes a create by removing the file", async () => {
      await editor.run({ command: "create", path: "/workspace/widgets/tmp.py", file_text: "x\n" });
      await editor.run({ command: "undo_edit", path: "/workspace/widgets/tmp.py" });
      expect(existsSync(path.join(root, "tmp.py"))).toBe(false);
    });
  });
});

describe("confinement on the host (no sandbox)", () => {
  beforeEach(() => setUp("host"));

  const refused: Array<[string, string, RegExp]> = [
    ["../ escape", "/workspace/widgets/../../etc/passwd", /outside the repository checkout \/workspace\/widgets/],
    ["an absolute path outside", "/etc/passwd", /outside the repository checkout/],
    ["another workspace directory", "/workspace/other/file.py", /outside the repository checkout/],
    [".git/config", "/workspace/widgets/.git/config", /Files under \.git\/ are off limits/],
    ["a workflow", "/workspace/widgets/.github/workflows/ci.yml", /Files under \.github\/workflows\/ cannot be changed/],
    ["a symlink pointing outside", "/workspace/widgets/link-out.txt", /symbolic link; edit the file it points to instead/],
    ["a symlink pointing inside", "/workspace/widgets/link-in.py", /symbolic link; edit the file it points to instead/],
    ["a file through a symlinked directory", "/workspace/widgets/dir-out/target.txt", /\/workspace\/widgets\/dir-out is a symbolic link/],
  ];
  for (const [name, target, reason] of refused) {
    it(`refuses to edit ${name}`, async () => {
      for (const params of [
        { command: "str_replace", path: target, old_str: "o", new_str: "0" },
        { command: "insert", path: target, insert_line: 0, new_str: "x" },
        { command: "undo_edit", path: target },
      ]) {
        const result = await editor.run(params);
        expect(result.error).toBe(true);
        expect(result.text).toMatch(/^ERROR:\nInvalid `path` parameter: /);
        expect(result.text).toMatch(reason);
      }
      expect(readFileSync(path.join(outside, "target.txt"), "utf8")).toBe("outside\n");
      expect(readFileSync(path.join(repo.dir, ".github/workflows/ci.yml"), "utf8")).toBe("on: push\n");
    });
  }

  it("refuses to create files outside, under .git/, under .github/workflows/ or through a symlinked directory", async () => {
    for (const [target, reason] of [
      ["/workspace/widgets/../escaped.txt", /outside the repository checkout/],
      ["/tmp/escaped.txt", /outside the repository checkout/],
      ["/workspace/widgets/.git/hooks/pre-commit", /Files under \.git\/ are off limits/],
      ["/workspace/widgets/.github/workflows/new.yml", /Files under \.github\/workflows\/ cannot be changed/],
      ["/workspace/widgets/dir-out/new.txt", /dir-out is a symbolic link/],
    ] as const) {
      const result = await editor.run({ command: "create", path: target, file_text: "x" });
      expect(result.text).toMatch(reason);
    }
    expect(existsSync(path.join(outside, "new.txt"))).toBe(false);
    expect(existsSync(path.join(repo.dir, ".github/workflows/new.yml"))).toBe(false);
  });

  it("refuses to view .git/config and files outside, but views a symlink that stays inside", async () => {
    expect((await editor.run({ command: "view", path: "/workspace/widgets/.git/config" })).text).toMatch(
      /^ERROR:\nInvalid `path` parameter: \/workspace\/widgets\/\.git\/config\. Files under \.git\/ are off limits/,
    );
    expect((await editor.run({ command: "view", path: "/workspace/widgets/link-out.txt" })).text).toMatch(/points outside the repository checkout/);
    expect((await editor.run({ command: "view", path: "/workspace/widgets/link-in.py" })).text).toContain("from flask import Flask");
    expect((await editor.run({ command: "view", path: "/workspace/widgets/.github/workflows/ci.yml" })).text).toContain("on: push");
  });
});

describe("str_replace_editor in a sandbox", () => {
  beforeEach(() => setUp("sandbox"));

  it("reaches only what the sandbox sees: a symbolic link to a host file leads nowhere, and writes through one stay inside", async () => {
    // link-out.txt points at a host file that does not exist in the sandbox.
    expect((await editor.run({ command: "view", path: "/workspace/widgets/link-out.txt" })).text).toMatch(/does not exist|No such file/);
    const written = await editor.run({ command: "create", path: "/workspace/widgets/dir-out/new.txt", file_text: "x" });
    expect(written.error).toBe(true);
    expect(existsSync(path.join(outside, "new.txt"))).toBe(false);
    expect(readFileSync(path.join(outside, "target.txt"), "utf8")).toBe("outside\n");
  });

  it("reads and writes the sandbox's own /tmp, as the shell does, and refuses CI files", async () => {
    expect((await editor.run({ command: "create", path: "/tmp/reproduce.py", file_text: "print(1)" })).text).toBe(
      "File created successfully at: /tmp/reproduce.py",
    );
    expect((await editor.run({ command: "view", path: "/tmp/reproduce.py" })).text).toContain("print(1)");
    expect((await editor.run({ command: "view", path: "/etc/passwd" })).text).toContain("skywork:x:1000");
    expect((await editor.run({ command: "view", path: "/etc/shadow" })).text).toMatch(/does not exist/);
    expect((await editor.run({ command: "create", path: "/workspace/widgets/.github/workflows/new.yml", file_text: "on: push" })).text).toMatch(
      /cannot be changed/,
    );
  });
});
