// Long answers, end to end: a scripted model that writes more findings than its answer budget
// holds (cut mid-finding, cut inside a JSON string, the schema's cap ignored) ends in ONE review
// that keeps every complete finding, asks again only for the files the answer did not reach (never
// the same prompt), and states its coverage truthfully, also when an answer is lost for good.
import { afterEach, describe, expect, it } from "vitest";
import { referenceDecode, referenceEncode } from "../../testbed/fakes/model/reference-tokenizer.js";
import type { RecordedRequest, Reply } from "../../testbed/fakes/model/index.js";
import { completedCheck, deliverPullRequest, firstReview, openPullRequest, renderedPrompt } from "../helpers/scenario.js";
import { startHarness, type Harness } from "../helpers/harness.js";

let harness: Harness | null = null;
afterEach(async () => {
  await harness?.close();
  harness = null;
});

const FILES = 6;
const LINES = 30;

/** `FILES` new modules of `LINES` lines each. */
function modules(): Record<string, string> {
  const out: Record<string, string> = {};
  for (let f = 0; f < FILES; f++) {
    out[`src/mod${f}.ts`] = `${Array.from({ length: LINES }, (_, i) => `export const value${f}_${i} = compute(${i}, ${f});`).join("\n")}\n`;
  }
  return out;
}

interface Finding {
  path: string;
  line: number;
  severity: string;
  title: string;
  comment: string;
}

/** The files a review request shows, in order. */
function filesOf(request: RecordedRequest): string[] {
  const user = (request.body as { messages: Array<{ role: string; content: string }> }).messages.find((m) => m.role === "user")!.content;
  return [...user.matchAll(/^## (\S+) \(/gm)].map((m) => m[1]!);
}

/** The answer as the fake will send it, cut at max_tokens exactly as the fake cuts it. */
function sent(text: string, request: RecordedRequest): string {
  const ids = referenceEncode(text);
  return request.maxTokens !== undefined && ids.length + 1 > request.maxTokens ? referenceDecode(ids.slice(0, request.maxTokens)) : text;
}

function finding(path: string, line: number, title: string, words: number): Finding {
  const comment = `${title} is wrong here: ${Array.from({ length: words }, (_, i) => `reason${i}`).join(" ")}.`;
  return { path, line, severity: "major", title, comment };
}

/**
 * A model that writes `perFile` long findings for every file of the first request (more than its
 * budget), and `reask` findings per file when asked again. Records the complete findings it sent.
 */
function verboseModel(options: { perFile: number; words: number; reask: number; summary?: string; hugeAt?: number }) {
  const complete: string[] = [];
  const prompts: string[] = [];
  let first = true;
  const reply = (request: RecordedRequest): Reply => {
    prompts.push(renderedPrompt(request));
    const files = filesOf(request);
    const findings: Finding[] = [];
    const round = first ? "first" : `again${prompts.length}`;
    files.forEach((path) => {
      const count = first ? options.perFile : options.reask;
      for (let k = 0; k < count; k++) {
        // `hugeAt`: that finding's comment is far longer than the whole budget: the cut falls inside a string.
        const words = first && options.hugeAt === findings.length ? 5_000 : options.words;
        findings.push(finding(path, 1 + k, `${round} ${path} #${k}`, words));
      }
    });
    first = false;
    const text = JSON.stringify({ summary: options.summary ?? "Adds modules.", findings });
    const out = sent(text, request);
    for (const f of findings) if (out.includes(JSON.stringify(f))) complete.push(f.title);
    return { content: text };
  };
  return { reply, complete, prompts };
}

async function reviewWith(model: ReturnType<typeof verboseModel>) {
  const h = (harness = await startHarness({ model: { reply: model.reply } }));
  const pr = await openPullRequest(h.github, modules());
  await deliverPullRequest(h, pr, "opened");
  const review = await firstReview(h, pr);
  const check = await completedCheck(h, pr);
  const comments = h.github.reviewComments(pr.repo, pr.number);
  const posted = `${review.body}\n${comments.map((c) => c.body).join("\n")}`;
  return { h, pr, review, check, posted };
}

describe("an answer longer than its budget", () => {
  it("keeps every finding written before the cut, and asks only for the files not reached, with fewer findings back", async () => {
    // 4 long findings for each of 6 files: more than the 21 the request may report, and far more
    // than its max_tokens hold (the schema's cap ignored).
    const model = verboseModel({ perFile: 4, words: 120, reask: 1 });
    const { h, pr, review, check, posted } = await reviewWith(model);

    expect(h.github.reviews(pr.repo, pr.number)).toHaveLength(1);
    const [firstRequest, ...again] = h.model.requests;
    expect(filesOf(firstRequest!)).toHaveLength(FILES);
    expect(firstRequest!.responseFormat).toMatchObject({ json_schema: { schema: { properties: { findings: { maxItems: 21 } } } } });
    // The cut answer's files that had a complete finding are not asked again; the others are, in smaller requests.
    const reached = new Set(model.complete.filter((t) => t.startsWith("first")).map((t) => t.split(" ")[1]));
    expect(reached.size).toBeGreaterThan(0);
    expect(reached.size).toBeLessThan(FILES);
    const reasked = again.flatMap(filesOf);
    expect(new Set(reasked)).toEqual(new Set(filesOf(firstRequest!).filter((p) => !reached.has(p))));
    for (const request of again) expect(filesOf(request).length).toBeLessThan(FILES);
    // Never the same prompt twice.
    expect(new Set(model.prompts).size).toBe(model.prompts.length);

    // Every complete finding reached the review (inline or listed); the cut one did not.
    expect(model.complete.length).toBeGreaterThan(reached.size);
    for (const title of model.complete) expect(posted).toContain(title);
    expect(review.body).toContain(`**Coverage:** ${FILES}/${FILES} files, ${FILES * LINES}/${FILES * LINES} changed lines reviewed.`);
    expect(review.body).toContain("ran into the token limit: every complete finding in them was kept");
    expect(review.body).not.toContain("Incomplete review");
    expect(check.output?.summary).toContain(`**Coverage:** ${FILES}/${FILES} files`);
  });

  it("cut inside a JSON string: the finding the cut went through is dropped, the ones before it kept", async () => {
    // The 9th finding (third file's first) has a comment longer than the whole answer budget.
    const model = verboseModel({ perFile: 3, words: 20, reask: 2, hugeAt: 6 });
    const { h, pr, review, posted } = await reviewWith(model);
    expect(h.github.reviews(pr.repo, pr.number)).toHaveLength(1);
    const first = model.complete.filter((t) => t.startsWith("first"));
    expect(first).toEqual([0, 1, 2].flatMap((f) => [0, 1, 2].map((k) => `first src/mod${f}.ts #${k}`)).slice(0, 6));
    for (const title of model.complete) expect(posted).toContain(title);
    expect(posted).not.toContain("first src/mod2.ts #0");
    // Files 2-5 were not reached: asked again, and answered.
    expect(new Set(h.model.requests.slice(1).flatMap(filesOf))).toEqual(new Set(["src/mod2.ts", "src/mod3.ts", "src/mod4.ts", "src/mod5.ts"]));
    expect(review.body).toContain(`**Coverage:** ${FILES}/${FILES} files`);
  });

  it("cut before any finding: the files are asked again in halves, never as the same prompt", async () => {
    const summary = `A long summary: ${Array.from({ length: 4_000 }, (_, i) => `word${i}`).join(" ")}`;
    const model = verboseModel({ perFile: 1, words: 10, reask: 1, summary });
    // Only the first answer has the endless summary.
    const original = model.reply;
    let calls = 0;
    const h = (harness = await startHarness({
      model: {
        reply: (r) =>
          calls++ === 0 ? original(r) : { content: JSON.stringify({ summary: "Fine.", findings: filesOf(r).map((p) => finding(p, 2, `again ${p}`, 5)) }) },
      },
    }));
    const pr = await openPullRequest(h.github, modules());
    await deliverPullRequest(h, pr, "opened");
    const review = await firstReview(h, pr);
    const again = h.model.requests.slice(1).map(filesOf);
    expect(again).toEqual([
      ["src/mod0.ts", "src/mod1.ts", "src/mod2.ts"],
      ["src/mod3.ts", "src/mod4.ts", "src/mod5.ts"],
    ]);
    for (let f = 0; f < FILES; f++)
      expect(
        review.body +
          h.github
            .reviewComments(pr.repo, pr.number)
            .map((c) => c.body)
            .join("\n"),
      ).toContain(`again src/mod${f}.ts`);
    expect(review.body).toContain(`**Coverage:** ${FILES}/${FILES} files`);
  });
});

describe("an answer lost for good", () => {
  it("is named as not reviewed in the summary and the check run, which never say 'No new findings'", async () => {
    // Every answer for src/mod0.ts runs into the limit before its first finding.
    const endless = `${Array.from({ length: 6_000 }, (_, i) => `word${i}`).join(" ")}`;
    const h = (harness = await startHarness({
      model: {
        reply: (r) => ({ content: JSON.stringify({ summary: filesOf(r).includes("src/mod0.ts") ? endless : "Fine.", findings: [] }) }),
      },
    }));
    const pr = await openPullRequest(h.github, { "src/mod0.ts": modules()["src/mod0.ts"]! });
    await deliverPullRequest(h, pr, "opened");
    const review = await firstReview(h, pr);
    const check = await completedCheck(h, pr);
    // The one-file request was cut bare, asked once more with half the findings cap, cut again: lost.
    expect(h.model.requests).toHaveLength(2);
    expect(renderedPrompt(h.model.requests[0]!)).toContain("Report at most 10 findings");
    expect(renderedPrompt(h.model.requests[1]!)).toContain("Report at most 5 findings");
    expect(review.body).not.toContain("No new findings");
    expect(review.body).toContain("**Incomplete review:** 1 file was not reviewed (listed below).");
    expect(review.body).toContain("**Coverage:** 0/1 files, 0/30 changed lines reviewed.");
    expect(review.body).toMatch(/\*\*Not reviewed:\*\*\n- the model's answer was cut off at the token limit before reaching it:\n {2}- `src\/` `mod0\.ts`/);
    expect(check.output?.title).toBe("Incomplete: 1 file not reviewed");
    expect(check.output?.summary).toContain("**Not reviewed:**");
    expect(check.output?.summary).toContain("`mod0.ts`");
  });
});
