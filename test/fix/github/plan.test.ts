// The pure parts: where a fix goes, the commit trailer, and what a change set may contain.
import { describe, expect, it } from "vitest";
import { assertPublishable, fixBranchName, fixIdsOf, planFix, shortFixId, withFixTrailer, type PullTarget } from "../../../src/fix/github/index.js";
import { InvalidChangeError, WorkflowChangeError } from "../../../src/errors.js";
import { parseMarkers } from "../../../src/github/markers.js";
import { text } from "../../../src/github/markup.js";

const shop = { owner: "acme", repo: "shop" };
const pullTarget: PullTarget = {
  kind: "pull",
  repo: shop,
  pullNumber: 7,
  pullTitle: "Add coupons",
  baseRef: "main",
  headRef: "coupons",
  headSha: "a".repeat(40),
  headRepo: shop,
};
const changes = [{ path: "src/cart.ts", status: "modified" as const }];

describe("planFix", () => {
  it("sends an issue's fix to a new branch and a pull request that closes the issue", () => {
    const plan = planFix({
      target: { kind: "issue", repo: shop, issueNumber: 12, issueTitle: "Totals are wrong", defaultBranch: "trunk", defaultBranchSha: "b".repeat(40) },
      fixId: "Job_42:x",
      allowPush: true,
      summary: text("Subtract discounts."),
      changes,
      requestedBy: "carol",
    });
    expect(plan).toMatchObject({
      kind: "pull-request",
      branch: `skywork/fix-12-${shortFixId("Job_42:x")}`,
      base: "trunk",
      fromSha: "b".repeat(40),
      draft: false,
    });
    if (plan.kind !== "pull-request") throw new Error("unreachable");
    expect(plan.body.toString().startsWith("Fixes #12.")).toBe(true);
    expect(plan.body.toString()).toContain("Subtract discounts.");
    expect(plan.body.toString()).toContain("@carol");
    expect(parseMarkers<{ id: string }>("fix", plan.body.toString())).toEqual([{ v: 1, id: "Job_42:x" }]);
    expect(plan.commitMessage).toEqual({ headline: "Fix #12: Totals are wrong", body: "Subtract discounts." });
  });

  it("pushes to a same-repository pull request only when allowed, expecting its head", () => {
    expect(planFix({ target: pullTarget, fixId: "j1", allowPush: true, summary: text("s"), changes })).toMatchObject({
      kind: "push",
      branch: "coupons",
      expectedHeadSha: "a".repeat(40),
      pullNumber: 7,
    });
    expect(planFix({ target: pullTarget, fixId: "j1", allowPush: false, summary: text("s"), changes })).toMatchObject({
      kind: "pull-request",
      branch: `skywork/fix-pr-7-${shortFixId("j1")}`,
      base: "coupons",
      fromSha: "a".repeat(40),
    });
  });

  it("never pushes to a fork (or a deleted one): a pull request into the base branch", () => {
    for (const headRepo of [{ owner: "bob", repo: "shop" }, null]) {
      expect(planFix({ target: { ...pullTarget, headRepo }, fixId: "j2", allowPush: true, summary: text("s"), changes })).toMatchObject({
        kind: "pull-request",
        repo: shop,
        base: "main",
        fromSha: "a".repeat(40),
      });
    }
  });

  it("keeps titles and headlines within GitHub's limits", () => {
    const plan = planFix({ target: { ...pullTarget, pullTitle: "x".repeat(400) }, fixId: "j3", allowPush: false, summary: text(""), changes });
    if (plan.kind !== "pull-request") throw new Error("unreachable");
    expect(plan.title.length).toBeLessThanOrEqual(256);
    expect(plan.commitMessage.headline.length).toBeLessThanOrEqual(72);
    expect(plan.commitMessage.body).toBeUndefined();
  });

  it("names a branch per fix job: two commands on one issue get two branches, a retry the same one", () => {
    const issue = {
      kind: "issue",
      repo: shop,
      issueNumber: 12,
      issueTitle: "Totals are wrong",
      defaultBranch: "main",
      defaultBranchSha: "b".repeat(40),
    } as const;
    // Job ids as queue/jobs.ts builds them: the same target, a different command comment.
    const branchOf = (fixId: string): string => fixBranchName(issue, fixId);
    const first = branchOf("fix-70012-issue-12-cmd-501");
    const second = branchOf("fix-70012-issue-12-cmd-502");
    expect(first).not.toBe(second);
    expect(branchOf("fix-70012-issue-12-cmd-501")).toBe(first);
    expect(branchOf("fix-70013-issue-12-cmd-501")).not.toBe(first);
    for (const name of [first, second, branchOf(""), branchOf("---"), branchOf("Job_42:x/..lock")]) {
      // A valid ref name: https://git-scm.com/docs/git-check-ref-format
      expect(name).toMatch(/^skywork\/fix-12-[0-9a-f]{10}$/);
    }
  });
});

describe("commit trailer", () => {
  it("adds Skywork-Fix-Id once, as the last paragraph", () => {
    const once = withFixTrailer({ headline: "Fix", body: "Why.\n" }, "job-1");
    expect(once).toEqual({ headline: "Fix", body: "Why.\n\nSkywork-Fix-Id: job-1" });
    expect(withFixTrailer(once, "job-1")).toEqual(once);
    expect(withFixTrailer({ headline: "Fix" }, "job-1")).toEqual({ headline: "Fix", body: "Skywork-Fix-Id: job-1" });
    expect(fixIdsOf("Fix\n\nmentions Skywork-Fix-Id: in prose\nSkywork-Fix-Id: job-1\n")).toEqual(["job-1"]);
    expect(() => withFixTrailer({ headline: "Fix" }, "bad id\nInjected: yes")).toThrow(/fix id/);
  });
});

describe("assertPublishable", () => {
  const file = (path: string) => ({ path, status: "modified" as const, content: Buffer.from("x"), mode: "100644" as const });

  it("refuses workflows, hostile paths, duplicates and empty change sets", () => {
    expect(() => assertPublishable([file(".github/workflows/ci.yml")])).toThrow(WorkflowChangeError);
    expect(() => assertPublishable([file(".GitHub/Workflows/ci.yml")])).toThrow(WorkflowChangeError);
    for (const path of ["/etc/passwd", "a/../b", "./a", "a//b", "", ".git/config", "sub/.git/hooks/x"]) {
      expect(() => assertPublishable([file(path)]), path).toThrow(InvalidChangeError);
    }
    expect(() => assertPublishable([file("a"), file("a")])).toThrow(/twice/);
    expect(() => assertPublishable([])).toThrow(/no files/);
    expect(() => assertPublishable([{ path: "a", status: "deleted", content: Buffer.from("x"), mode: "100644" }])).toThrow(InvalidChangeError);
    expect(() => assertPublishable([file(".github/skywork.yml"), file("src/a.ts")])).not.toThrow();
  });
});
