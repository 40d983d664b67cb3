import { describe, expect, it } from "vitest";
import { DEFAULT_SCOPE_POLICY, scopeFinderFor, scopeTarget } from "../../src/context/scopes.js";
import { splitSource } from "../../src/context/source-text.js";
import { goFile, lineOf, pythonClass, typescriptClass } from "./fixtures.js";

async function targetOf(path: string, text: string, first: number, last = first, policy = DEFAULT_SCOPE_POLICY) {
  const finder = await scopeFinderFor(path, text, splitSource(text), policy);
  return { method: finder.method, ...scopeTarget(finder, first, last, policy) };
}

describe("scope targets", () => {
  it("Python: a line inside a method extends to the whole method, not the large class", async () => {
    const text = pythonClass(30, 12);
    const line = lineOf(text, "value = value + 12005");
    const target = await targetOf("svc/service.py", text, line);
    expect(target.method).toBe("tree-sitter");
    expect(target.start).toBe(lineOf(text, "def method_12("));
    expect(target.end).toBe(lineOf(text, "value = value + 12011") + 1);
  });

  it("Python: a small class is shown whole", async () => {
    const text = pythonClass(3, 4);
    const target = await targetOf("svc/service.py", text, lineOf(text, "value = value + 1002"));
    expect(target.start).toBe(lineOf(text, "class Service:"));
    expect(target.end).toBe(lineOf(text, "value = value + 2003") + 1);
  });

  it("TypeScript: a line inside a method extends to the method, closing brace included", async () => {
    const text = typescriptClass(20, 10);
    const target = await targetOf("src/service.ts", text, lineOf(text, "value = value + 7005;"));
    expect(target.method).toBe("tree-sitter");
    expect(target.start).toBe(lineOf(text, "async method7("));
    expect(target.end).toBe(lineOf(text, "value = value + 7009;") + 2);
  });

  it("Go: a line inside a function extends to the function", async () => {
    const text = goFile(10, 8);
    const target = await targetOf("pkg/service.go", text, lineOf(text, "value + 4003 "));
    expect(target.method).toBe("tree-sitter");
    expect(target.start).toBe(lineOf(text, "func Handle4("));
    expect(target.end).toBe(lineOf(text, "value + 4007 ") + 3);
  });

  it("a change spanning two functions covers both", async () => {
    const text = goFile(10, 8);
    const target = await targetOf("pkg/service.go", text, lineOf(text, "value + 3005 "), lineOf(text, "value + 4002 "));
    expect(target.start).toBe(lineOf(text, "func Handle3("));
    expect(target.end).toBe(lineOf(text, "value + 4007 ") + 3);
  });

  it("a function too long to show whole gives a bounded window, with its first line as the opener", async () => {
    const text = pythonClass(2, 400);
    const line = lineOf(text, "value = value + 1200  ");
    const target = await targetOf("svc/service.py", text, line);
    expect(target.start).toBe(line - DEFAULT_SCOPE_POLICY.windowLines);
    expect(target.end).toBe(line + DEFAULT_SCOPE_POLICY.windowLines);
    expect(target.opener).toBe(lineOf(text, "def method_1("));
  });

  it("top-level code is not extended", async () => {
    const text = "import os\n\nX = 1\nY = 2\nZ = 3\n";
    const target = await targetOf("a.py", text, 4);
    expect(target).toMatchObject({ start: 4, end: 4, opener: null });
  });

  it("falls back to indentation when the source is too large to parse", async () => {
    const text = typescriptClass(20, 10);
    const target = await targetOf("src/service.ts", text, lineOf(text, "value = value + 7005;"), undefined, { ...DEFAULT_SCOPE_POLICY, maxParseChars: 10 });
    expect(target.method).toBe("indentation");
    expect(target.start).toBe(lineOf(text, "async method7("));
    expect(target.end).toBe(lineOf(text, "value = value + 7009;") + 2);
  });

  it("reads a language without a grammar (Kotlin) by indentation", async () => {
    const lines = ["package demo", "", "class Service {"];
    for (let f = 0; f < 12; f++) {
      lines.push(`    fun handle${f}(value: Int): Int {`);
      for (let b = 0; b < 6; b++) lines.push(`        val v${b} = value + ${f * 10 + b}`);
      lines.push("        if (value > 3) {", "            return 0", "        }", "        return value", "    }", "");
    }
    lines.push("}", "");
    const text = lines.join("\n");
    const target = await targetOf("src/Service.kt", text, lineOf(text, "val v3 = value + 53"));
    expect(target.method).toBe("indentation");
    expect(target.start).toBe(lineOf(text, "fun handle5("));
    expect(target.end).toBe(lineOf(text, "fun handle5(") + 11);
  });

  it("indentation: a Python-like block ends before the next line at the opener's level", async () => {
    const text = ["def a():", "    x = 1", "", "    y = 2", "def b():", "    return 3", ""].join("\n");
    const target = await targetOf("script.star", text, 2);
    expect(target).toMatchObject({ method: "indentation", start: 1, end: 4 });
  });

  it("still extends with a syntax error in the file", async () => {
    const text = `${typescriptClass(12, 6)}\nfunction broken( {\n`;
    const target = await targetOf("src/service.ts", text, lineOf(text, "value = value + 2003;"));
    expect(target.start).toBe(lineOf(text, "async method2("));
  });
});
