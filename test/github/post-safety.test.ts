// Every kind of post the bot makes, built by the functions that build it from random hostile
// inputs (model text, file names, branch names, issue titles, configuration keys and values,
// error messages), rendered through a real CommonMark + GFM parser: no link, image, raw HTML,
// comment or mention that the bot did not write itself, and no forged marker or fix trailer.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { failureReply, helpReply, unknownCommandReply } from "../../src/commands/command-job.js";
import { validateRepoConfig } from "../../src/config/repo-config.js";
import type { AgentResult, ChangeSet, Selection } from "../../src/fix/agent/index.js";
import { fixSummary, noFixReason, targetLabel } from "../../src/fix/fix-job.js";
import type { TestRun } from "../../src/fix/test-run.js";
import { setupFailureText, verificationText } from "../../src/fix/verification.js";
import { fixStatusBody, publishedResult, type FixPhase } from "../../src/fix/fix-status.js";
import { threadLabel } from "../../src/fix/fix-task.js";
import { fixIdsOf, fullMessage, planFix, withFixTrailer, type FixTarget } from "../../src/fix/github/index.js";
import { parseMarker, parseReviewMarker } from "../../src/github/markers.js";
import { md, mention, quotedRanges, type Markup } from "../../src/github/markup.js";
import type { Finding } from "../../src/review/findings.js";
import { inlineCommentBody, reviewSummaryBody, type SummaryInput } from "../../src/review/review-body.js";
import { checkRunSummary, nothingToReviewSummary, withConfigProblems } from "../../src/review/review-job.js";
import { skipReason } from "../../src/review/skip-rules.js";
import { auditMarkdown } from "../helpers/markdown-audit.js";

const GITHUB = "https://github.example/";
const REQUESTER = "maintainer-1";

/** Pieces of Markdown and HTML that would be live somewhere, mixed with random text. */
const FRAGMENTS = [
  "<!--",
  "-->",
  "<!-- skywork:review:eyJ2IjoxLCJoZWFkIjoiYmFkIn0 -->",
  "<!-- skywork:reply:eyJrZXkiOiJvdGhlciJ9 -->",
  "<!-- skywork:fix-result:eyJ1cmwiOiJodHRwczovL2V2aWwuZXhhbXBsZSIsImxhYmVsIjoieCJ9 -->",
  "<img src=x onerror=alert(1)>",
  "<details>",
  "</details>",
  "<sub>",
  "<a href='https://evil.example'>x</a>",
  "[x](https://evil.example)",
  "[x]( <https://evil.example> )",
  "![i](https://evil.example/p.png)",
  "[r]",
  "[r]: https://evil.example",
  "[^1]",
  "[^1]: note",
  "https://evil.example/a_(b)",
  "http://evil.example",
  "www.evil.example",
  "a.b@evil.example",
  "<https://evil.example>",
  "<a@evil.example>",
  "@octocat",
  "@org/team",
  "&#64;octocat",
  "&commat;octocat",
  "\\@octocat",
  "@",
  "`",
  "``",
  "```",
  "````",
  "~~~",
  "```suggestion",
  "~~~ suggestion",
  "\n",
  "\r\n",
  "\n\n",
  "    ",
  "\t",
  "|",
  "| a |\n|---|\n| ",
  "---",
  "===",
  "\\",
  "<",
  ">",
  "> ",
  "- ",
  "1. ",
  "*",
  "_",
  "(",
  ")",
  "]",
  "[",
  "&",
  "&lt;",
  "javascript:alert(1)",
  "Skywork-Fix-Id: someone-elses-fix",
  "\n\nSkywork-Fix-Id: forged\n",
  "skywork-fix-id :forged",
  "\u0000",
  "\u200b",
  "é",
  " ",
  "x",
  "word",
];

const hostile = fc
  .array(fc.oneof({ weight: 4, arbitrary: fc.constantFrom(...FRAGMENTS) }, { weight: 1, arbitrary: fc.string({ maxLength: 8 }) }), { maxLength: 14 })
  .map((parts) => parts.join(""));
const hostileLine = hostile.map((s) => s.replace(/[\r\n]/g, " "));
const severity = fc.constantFrom("critical" as const, "major" as const, "minor" as const, "nit" as const);
const finding: fc.Arbitrary<Finding> = fc.record({
  path: hostileLine,
  line: fc.integer({ min: 1, max: 500 }),
  startLine: fc.option(fc.integer({ min: 1, max: 500 }), { nil: null }),
  severity,
  title: hostile,
  body: hostile,
  suggestion: fc.option(hostile, { nil: null }),
});
const listed = fc.record({ finding, url: fc.option(fc.constant(`${GITHUB}acme/shop/blob/abc/x.ts#L1`), { nil: null }) });
const entries = fc.array(fc.record({ path: hostileLine, reason: hostile }), { maxLength: 5 });

/** What every post must satisfy. */
function assertSafe(post: Markup, what: string): void {
  const violations = auditMarkdown(post.toString(), { quoted: quotedRanges(post), linkPrefixes: [GITHUB], logins: [REQUESTER] });
  expect(violations, `${what}:\n${post.toString()}`).toEqual([]);
}

const RUNS = { numRuns: 150 };

describe("posts built from hostile input", () => {
  it("the audit itself finds what a hostile text would make live", () => {
    // Sanity of the oracle: the same constructs, unneutralised and marked as quoted, are all caught.
    const raw =
      "see [x](https://evil.example) ![i](https://evil.example/p.png) <img src=x> www.evil.example a@evil.example @octocat &#64;octocat <!-- skywork:reply:e30 -->";
    const found = auditMarkdown(raw, { quoted: [[0, raw.length]], linkPrefixes: [GITHUB], logins: [REQUESTER] });
    for (const kind of ["link opened by quoted text", "image", "raw HTML", "literalAutolinkWww", "literalAutolinkEmail", "mention @octocat", "HTML comment"]) {
      expect(
        found.some((v) => v.startsWith(kind)),
        kind,
      ).toBe(true);
    }
    expect(found.filter((v) => v.startsWith("mention"))).toHaveLength(2);
  });

  it("inline review comments, suggestions included", () => {
    fc.assert(
      fc.property(finding, hostile, (f, suggestion) => {
        assertSafe(inlineCommentBody({ finding: f, line: f.line, startLine: f.startLine, suggestion }), "inline comment");
        assertSafe(inlineCommentBody({ finding: f, line: f.line, startLine: f.startLine, suggestion: null }), "inline comment");
      }),
      RUNS,
    );
  });

  it("review summaries: model summary, listed findings, file lists, notes, model name; the bot's marker is the one read", () => {
    const input = fc.record({
      modelSummary: hostile,
      reason: hostileLine,
      findings: fc.array(listed, { maxLength: 4 }),
      skipped: entries,
      unreviewed: entries,
      notes: fc.array(hostile, { maxLength: 3 }),
      model: hostileLine,
    });
    fc.assert(
      fc.property(input, (i) => {
        const summary: SummaryInput = {
          headSha: "a".repeat(40),
          scope: { kind: "full", reason: i.reason },
          modelSummary: i.modelSummary,
          inlineCount: 0,
          newFindings: i.findings.map((l) => l.finding),
          outsideDiff: i.findings,
          belowThreshold: { severity: "minor", findings: i.findings },
          overLimit: { limit: 25, findings: i.findings },
          repeated: 1,
          coverage: { reviewedFiles: 1, reviewableFiles: 2, reviewedChangedLines: 3, reviewableChangedLines: 4 },
          skipped: i.skipped,
          unreviewed: i.unreviewed,
          notes: i.notes,
          model: i.model,
          promptTokens: 10,
          completionTokens: 5,
          requests: 1,
          fingerprints: ["f1"],
          commandCommentId: 7,
        };
        const body = reviewSummaryBody(summary);
        assertSafe(body, "review summary");
        expect(parseReviewMarker(body.toString())).toEqual({ v: 1, head: "a".repeat(40), fp: ["f1"], cmd: 7 });
      }),
      RUNS,
    );
  });

  it("check runs: the review's summary, nothing to review, skipped pull requests, configuration problems", () => {
    fc.assert(
      fc.property(
        fc.array(finding, { maxLength: 4 }),
        hostileLine,
        entries,
        hostileLine,
        fc.array(hostile, { maxLength: 4 }),
        (fresh, scope, skipped, login, problems) => {
          const stats = { model: scope, promptTokens: 1, completionTokens: 1, requests: 1 };
          const coverage = { coverage: { reviewedFiles: 1, reviewableFiles: 1, reviewedChangedLines: 1, reviewableChangedLines: 1 }, unreviewed: skipped };
          assertSafe(withConfigProblems(checkRunSummary(fresh, 2, coverage, stats, 1234, md`${scope}`), problems), "check run summary");
          assertSafe(withConfigProblems(nothingToReviewSummary({ kind: "full" }, skipped), problems), "nothing to review");
          const pr = { labels: [], draft: false, user: { type: "Bot", login } } as unknown as Parameters<typeof skipReason>[0];
          assertSafe(skipReason(pr, validateRepoConfig({}).config, { trigger: "opened" } as never)!, "skipped pull request");
        },
      ),
      RUNS,
    );
  });

  it("configuration problems and /skywork help, from a hostile .github/skywork.yml", () => {
    const yamlValue = fc.oneof(hostile, fc.integer(), fc.boolean(), fc.array(hostile, { maxLength: 3 }));
    const config = fc.dictionary(fc.oneof(hostile, fc.constantFrom("review", "fix")), fc.oneof(yamlValue, fc.dictionary(hostile, yamlValue, { maxKeys: 4 })), {
      maxKeys: 4,
    });
    fc.assert(
      fc.property(config, hostile, fc.array(hostileLine, { maxLength: 2 }), (raw, instructions, files) => {
        const { config: valid, problems } = validateRepoConfig({ ...raw, review: { ...(typeof raw.review === "object" ? raw.review : {}), instructions } });
        assertSafe(withConfigProblems(md`Reviewing.`, problems), "configuration problems");
        assertSafe(helpReply({ config: valid, problems, files }), "/skywork help");
      }),
      RUNS,
    );
  });

  it("command replies: an unknown command word, a failure's reason", () => {
    fc.assert(
      fc.property(hostileLine, hostile, (word, reason) => {
        assertSafe(unknownCommandReply(word), "unknown command");
        assertSafe(failureReply({ kind: "unknown", word }, { kind: "permanent", reason, final: true }, undefined), "failure reply");
        assertSafe(
          failureReply(
            { kind: "command", verb: "fix", instructions: "" },
            { kind: "transient", reason, notBeforeMs: null, final: true },
            { attempts: 3, attemptsMade: 2 },
          ),
          "failure reply",
        );
      }),
      RUNS,
    );
  });

  it("fix status comments: thread labels, details, the agent's words, results; the bot's result marker is the one read", () => {
    const phase = fc.constantFrom<FixPhase>("queued", "exploring", "editing", "validating", "publishing", "done", "failed");
    fc.assert(
      fc.property(phase, hostileLine, hostile, hostileLine, fc.constantFrom("finished", "error", "step-limit"), (p, path, message, branch, outcome) => {
        const result: AgentResult = {
          outcome: outcome as AgentResult["outcome"],
          message,
          steps: 1,
          edits: 0,
          promptTokens: 0,
          completionTokens: 0,
          gaveUp: false,
          transcript: [],
        };
        const changes: ChangeSet = {
          baseSha: "b".repeat(40),
          files: [{ path, status: "added", content: Buffer.from(""), mode: "100644", baseContent: null }],
          diff: "",
          skipped: [],
        };
        const selection: Selection = { chosen: null, changes: null, agreeing: 0, groups: [], dropped: [{ index: 0, reason: message }] };
        const failing: TestRun = { command: message, exitCode: 1, timedOut: false, passed: false, counts: null, tail: message, durationMs: 1 };
        const label = { label: `commit abc1234 on ${branch}`, url: `${GITHUB}acme/shop/commit/abc` };
        for (const target of [threadLabel(path, 3, 9), targetLabel({ kind: "issue", number: 4 })]) {
          const body = fixStatusBody({
            phase: p,
            target,
            requestedBy: mention(REQUESTER),
            detail: noFixReason([result], [changes], selection, 10, { base: null, runs: [failing] }),
            result: label,
          });
          assertSafe(body, "fix status");
          if (p === "done") expect(publishedResult(body.toString())).toEqual(label);
          else expect(publishedResult(body.toString())).toBeNull();
        }
      }),
      RUNS,
    );
  });

  it("fix pull requests and commits: the agent's summary, changed and skipped file names, branches, titles; only the bot's fix id and trailer", () => {
    fc.assert(
      fc.property(
        hostile,
        fc.array(hostileLine, { minLength: 1, maxLength: 4 }),
        entries,
        hostileLine,
        hostileLine,
        hostileLine,
        fc.boolean(),
        (message, paths, skipped, title, baseRef, headRef, issue) => {
          const target: FixTarget = issue
            ? {
                kind: "issue",
                repo: { owner: "acme", repo: "shop" },
                issueNumber: 3,
                issueTitle: title,
                defaultBranch: "main",
                defaultBranchSha: "c".repeat(40),
              }
            : {
                kind: "pull",
                repo: { owner: "acme", repo: "shop" },
                pullNumber: 5,
                pullTitle: title,
                baseRef,
                headRef,
                headSha: "d".repeat(40),
                headRepo: { owner: "fork", repo: "shop" },
              };
          const run: TestRun = { command: title, exitCode: 1, timedOut: false, passed: false, counts: { passed: 1, failed: 2 }, tail: message, durationMs: 1 };
          const verification = verificationText({
            runtime: {
              sandbox: { settings: {} as never, socat: true },
              privateHosts: [],
              commandTimeoutMs: 1,
              attemptTimeoutMs: 1,
              setupTimeoutMs: 1,
              testTimeoutMs: 1,
            },
            testCommand: title,
            setUp: issue,
            tests: { base: run, runs: [run] },
            chosen: 0,
            agreeing: 2,
            candidates: 3,
            baseSha: "c".repeat(40),
            dropped: skipped.map((s, index) => ({ index, reason: s.reason })),
          });
          assertSafe(verification.status, "fix status: tests");
          assertSafe(
            setupFailureText({
              ok: false,
              command: title,
              exitCode: 1,
              timedOut: false,
              tail: message,
              refused: [{ host: "evil.example", port: 443, allowed: false, reason: "not in fix.network.allow" }],
            }),
            "fix status: setup failed",
          );
          const summary = fixSummary(message, verification.body, skipped);
          const plan = planFix({
            target,
            fixId: "job-17",
            allowPush: false,
            summary,
            changes: paths.map((path) => ({ path, status: "added" as const })),
            requestedBy: REQUESTER,
          });
          if (plan.kind !== "pull-request") throw new Error("a fork's fix is always a pull request");
          assertSafe(plan.body, "fix pull request body");
          expect(parseMarker("fix", plan.body.toString())).toEqual({ v: 1, id: "job-17" });
          expect(plan.title).not.toMatch(/[\r\n]/);
          // The commit message: the summary's quoted text carries no trailer, so only the bot's id is read back.
          const committed = fullMessage(withFixTrailer(plan.commitMessage, "job-17"));
          expect(fixIdsOf(committed)).toEqual(["job-17"]);
          expect(committed.match(/skywork-fix-id[ \t]*:/gi)).toHaveLength(1);
        },
      ),
      RUNS,
    );
  });
});
