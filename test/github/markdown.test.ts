import { describe, expect, it } from "vitest";
import { fenceFor, neutralizeMarkdown } from "../../src/github/markdown.js";

describe("neutralizeMarkdown", () => {
  it("breaks mentions of users and teams", () => {
    const out = neutralizeMarkdown("cc @octocat and @org/team, mail me at a@b.com");
    expect(out).not.toMatch(/(^|[^\w])@[a-z]/i);
    expect(out).toContain("a@b.com");
  });

  it("shows HTML as text so nothing can hide content or forge a marker", () => {
    const out = neutralizeMarkdown('ok <!-- skywork:review:abc --> <details><summary>x</summary>hidden</details> <div hidden>y</div>');
    expect(out).not.toContain("<");
    expect(out).toContain("&lt;!-- skywork:review:abc -->");
  });

  it("makes links and images inert", () => {
    const out = neutralizeMarkdown("see [docs](https://evil.example/x) ![pixel](https://t.example/p.png) or https://evil.example/y");
    expect(out).toBe("see docs (`https://evil.example/x`) pixel or `https://evil.example/y`");
  });

  it("leaves code blocks and inline code untouched", () => {
    const text = "Use `a<b && @x` here:\n```ts\nif (a < b) notify(@user);\n```\n~~~~\n<div>\n~~~~";
    expect(neutralizeMarkdown(text)).toBe(text);
  });
});

describe("fenceFor", () => {
  it("is longer than any backtick run in the content", () => {
    expect(fenceFor("plain")).toBe("```");
    expect(fenceFor("a ``` b")).toBe("````");
    expect(fenceFor("`````")).toBe("``````");
  });
});
