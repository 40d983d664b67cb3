// Publishing fixes against the fake GitHub through a real ProbotOctokit with App authentication:
// createCommitOnBranch vs the git database API, the three targets, idempotent re-runs, refusals.
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import {
  commitChanges,
  createBranch,
  fixIdsOf,
  loadIssueTarget,
  loadPullTarget,
  openPullRequest,
  planFix,
  publishFix,
  shortFixId,
  type PublishableChange,
} from "../../../src/fix/github/index.js";
import { BranchConflictError, StaleBranchError, WorkflowChangeError } from "../../../src/errors.js";
import type { FakeRepo } from "../../../testbed/fakes/github/index.js";
import { startWorld, type World } from "./helpers.js";
import { md, text as quote } from "../../../src/github/markup.js";

const text = (s: string): Buffer => Buffer.from(s, "utf8");

function modified(path: string, content: string, mode: PublishableChange["mode"] = "100644"): PublishableChange {
  return { path, status: "modified", content: text(content), mode };
}

describe("publishing a fix", () => {
  let world: World;
  let shop: { owner: string; repo: string };

  beforeAll(async () => {
    world = await startWorld();
    shop = { owner: "acme", repo: "shop" };
  });

  afterAll(async () => {
    await world.fake.close();
  });

  afterEach(() => {
    expect(world.fake.violations.splice(0)).toEqual([]);
    expect(world.fake.unimplemented.splice(0)).toEqual([]);
  });

  async function treeModes(sha: string): Promise<Record<string, string>> {
    const { data } = await world.octokit.rest.git.getTree({ ...shop, tree_sha: sha, recursive: "1" });
    return Object.fromEntries(data.tree.map((e) => [e.path ?? "", e.mode ?? ""]));
  }

  async function branchOff(name: string): Promise<string> {
    const head = (await world.repo.resolve("main")) ?? "";
    await world.repo.forcePush(name, head);
    return head;
  }

  describe("commitChanges", () => {
    it("uses createCommitOnBranch when modes allow it: verified, existing modes kept", async () => {
      const head = await branchOff("graphql");
      const result = await commitChanges(
        world.octokit,
        shop,
        "graphql",
        head,
        [
          modified("bin/release.sh", "#!/bin/sh\necho release v2\n", "100755"),
          { path: "src/new.ts", status: "added", content: text("export {};\n"), mode: "100644" },
          { path: "docs/old.md", status: "deleted", content: null, mode: "100644" },
        ],
        { headline: "Fix the release script", body: "It printed the wrong version." },
        { fixId: "job-1" },
      );
      expect(result.method).toBe("graphql");
      expect(await world.repo.resolve("graphql")).toBe(result.sha);
      const { data: commit } = await world.octokit.rest.repos.getCommit({ ...shop, ref: result.sha });
      expect(commit.commit.verification).toMatchObject({ verified: true, reason: "valid" });
      expect(commit.author?.login).toBe(world.fake.botLogin);
      expect(fixIdsOf(commit.commit.message)).toEqual(["job-1"]);
      expect(commit.commit.message).toBe("Fix the release script\n\nIt printed the wrong version.\n\nSkywork-Fix-Id: job-1");
      const modes = await treeModes(result.sha);
      expect(modes).toMatchObject({ "bin/release.sh": "100755", "src/new.ts": "100644" });
      expect(modes).not.toHaveProperty("docs/old.md");
      expect(world.fake.requests.some((r) => r.api === "graphql" && r.status === 200)).toBe(true);
    });

    it("uses the git database API for a new executable file and for a mode change, keeping 100755", async () => {
      const head = await branchOff("modes");
      const result = await commitChanges(
        world.octokit,
        shop,
        "modes",
        head,
        [{ path: "bin/check.sh", status: "added", content: text("#!/bin/sh\nexit 0\n"), mode: "100755" }, modified("src/cart.ts", "export const total = 0;\n")],
        { headline: "Add a check script" },
      );
      expect(result.method).toBe("git-data");
      expect(await treeModes(result.sha)).toMatchObject({ "bin/check.sh": "100755", "bin/release.sh": "100755", "src/cart.ts": "100644" });
      const { data: commit } = await world.octokit.rest.repos.getCommit({ ...shop, ref: result.sha });
      expect(commit.commit.verification?.verified).toBe(true);
      expect(commit.parents.map((p) => p.sha)).toEqual([head]);

      const chmod = await commitChanges(world.octokit, shop, "modes", result.sha, [modified("src/cart.ts", "export const total = 0;\n", "100755")], {
        headline: "Make cart executable",
      });
      expect(chmod.method).toBe("git-data");
      expect((await treeModes(chmod.sha))["src/cart.ts"]).toBe("100755");
    });

    it("fails cleanly with StaleBranchError when the branch moved, on both paths", async () => {
      const head = await branchOff("moving");
      const moved = await world.repo.commit({ branch: "moving", files: { "other.txt": "someone else\n" } });
      for (const change of [modified("src/cart.ts", "x\n"), { path: "run.sh", status: "added", content: text("x\n"), mode: "100755" } as const]) {
        const error = await commitChanges(world.octokit, shop, "moving", head, [change], { headline: "late" }).catch((e: unknown) => e);
        expect(error).toBeInstanceOf(StaleBranchError);
        expect(error).toMatchObject({ expectedSha: head, actualSha: moved });
      }
      expect(await world.repo.resolve("moving")).toBe(moved);
    });

    it("refuses workflow files before writing anything", async () => {
      const head = await branchOff("ci");
      const before = world.fake.requests.length;
      const error = await commitChanges(world.octokit, shop, "ci", head, [modified(".github/workflows/ci.yml", "on: push\n")], { headline: "ci" }).catch(
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(WorkflowChangeError);
      expect(world.fake.requests.length).toBe(before);
    });
  });

  describe("branches and pull requests", () => {
    it("reuses a branch that points where expected, and refuses one holding other work", async () => {
      const head = (await world.repo.resolve("main")) ?? "";
      expect(await createBranch(world.octokit, shop, "skywork/fix-x-1", head)).toEqual({ sha: head, created: true });
      expect(await createBranch(world.octokit, shop, "skywork/fix-x-1", head)).toEqual({ sha: head, created: false });
      const other = await world.repo.commit({ branch: "skywork/fix-x-1", files: { "theirs.txt": "theirs\n" } });
      await expect(createBranch(world.octokit, shop, "skywork/fix-x-1", head, { fixId: "x1" })).rejects.toBeInstanceOf(BranchConflictError);
      expect(await world.repo.resolve("skywork/fix-x-1")).toBe(other);
    });

    it("returns the existing pull request for the same head instead of GitHub's 422", async () => {
      const head = (await world.repo.resolve("main")) ?? "";
      await createBranch(world.octokit, shop, "skywork/pr-twice", head);
      await commitChanges(world.octokit, shop, "skywork/pr-twice", head, [modified("README.md", "# Shop 2\n")], { headline: "Readme" });
      const input = { head: "skywork/pr-twice", base: "main", title: "Readme", body: md`body` };
      const first = await openPullRequest(world.octokit, shop, input);
      const second = await openPullRequest(world.octokit, shop, input);
      expect(first.created).toBe(true);
      expect(second).toEqual({ ...first, created: false });
    });
  });

  describe("the three targets", () => {
    const summaryText = "The total ignored discounts; it now subtracts them.";
    const summary = quote(summaryText);
    const fix = [modified("src/cart.ts", "export const total = (xs: number[], d = 0) => xs.reduce((a, b) => a + b, 0) - d;\n")];

    it("an issue: branch from the default branch head, commit, pull request that says Fixes #N", async () => {
      const issue = await world.repo.createIssue({ title: "Discounts are ignored", user: "carol" });
      const target = await loadIssueTarget(world.octokit, shop, issue.number);
      const plan = planFix({ target, fixId: "job-issue-1", allowPush: false, summary, changes: fix, requestedBy: "carol" });
      expect(plan).toMatchObject({
        kind: "pull-request",
        branch: `skywork/fix-${issue.number}-${shortFixId("job-issue-1")}`,
        base: "main",
        fromSha: target.defaultBranchSha,
      });

      const result = await publishFix(world.octokit, plan, fix);
      expect(result.commit.method).toBe("graphql");
      const pull = result.pullRequest;
      if (!pull) throw new Error("no pull request");
      const { data } = await world.octokit.rest.pulls.get({ ...shop, pull_number: pull.number });
      expect(data.base.ref).toBe("main");
      expect(data.head.ref).toBe(plan.branch);
      expect(data.head.sha).toBe(result.commit.sha);
      expect(data.body).toMatch(new RegExp(`^Fixes #${issue.number}\\.`));
      expect(data.body).toContain(summaryText);
      expect(data.body).toContain("`src/cart.ts` (modified)");
      expect(data.user?.login).toBe(world.fake.botLogin);
      const { data: commits } = await world.octokit.rest.pulls.listCommits({ ...shop, pull_number: pull.number });
      expect(commits.map((c) => c.commit.verification?.verified)).toEqual([true]);

      // A retried job creates nothing twice.
      const posts = (): number => world.fake.requests.filter((r) => r.method === "POST" && r.status < 300).length;
      const before = posts();
      const again = await publishFix(world.octokit, plan, fix);
      expect(again.commit).toEqual({ sha: result.commit.sha, method: "existing" });
      expect(again.pullRequest).toEqual({ ...pull, created: false });
      expect(posts()).toBe(before);
      expect((await world.fake.pulls(world.repo)).filter((p) => p.head.ref === plan.branch)).toHaveLength(1);
    });

    it("a pull request of the same repository with fix.push: a commit on its branch, expecting its head", async () => {
      await world.repo.commit({ branch: "feature", from: "main", files: { "feature.txt": "feature\n" } });
      const pull = await world.repo.createPullRequest({ head: "feature", user: "alice" });
      const target = await loadPullTarget(world.octokit, shop, pull.number);
      const plan = planFix({ target, fixId: "job-push-1", allowPush: true, summary, changes: fix });
      expect(plan).toMatchObject({ kind: "push", branch: "feature", expectedHeadSha: pull.head.sha });
      const pullsBefore = (await world.fake.pulls(world.repo)).length;

      const result = await publishFix(world.octokit, plan, fix);
      expect(result.pullRequest).toBeNull();
      expect((await world.fake.pull(world.repo, pull.number)).head.sha).toBe(result.commit.sha);
      expect((await world.fake.pulls(world.repo)).length).toBe(pullsBefore);
      expect(await publishFix(world.octokit, plan, fix)).toMatchObject({ commit: { sha: result.commit.sha, method: "existing" } });

      // Someone pushed after the fix was planned: the commit is refused, their push kept.
      const later = planFix({ target: { ...target, headSha: result.commit.sha }, fixId: "job-push-2", allowPush: true, summary, changes: fix });
      const theirs = await world.repo.commit({ branch: "feature", files: { "feature.txt": "theirs\n" } });
      await expect(publishFix(world.octokit, later, fix)).rejects.toBeInstanceOf(StaleBranchError);
      expect(await world.repo.resolve("feature")).toBe(theirs);
    });

    it("a pull request of the same repository without fix.push: a pull request into its branch", async () => {
      await world.repo.commit({ branch: "feature-2", from: "main", files: { "f2.txt": "f2\n" } });
      const pull = await world.repo.createPullRequest({ head: "feature-2", user: "alice" });
      const target = await loadPullTarget(world.octokit, shop, pull.number);
      const plan = planFix({ target, fixId: "job-nopush", allowPush: false, summary, changes: fix });
      expect(plan).toMatchObject({
        kind: "pull-request",
        base: "feature-2",
        fromSha: pull.head.sha,
        branch: `skywork/fix-pr-${pull.number}-${shortFixId("job-nopush")}`,
      });

      const result = await publishFix(world.octokit, plan, fix);
      expect(await world.repo.resolve("feature-2")).toBe(pull.head.sha);
      const { data } = await world.octokit.rest.pulls.get({ ...shop, pull_number: result.pullRequest?.number ?? 0 });
      expect(data.base.ref).toBe("feature-2");
      expect(data.body).toContain(`fix for #${pull.number}`);
      expect(data.body).not.toMatch(/^Fixes #/m);
    });

    it("a fork's pull request: a branch and a pull request in the base repository, the fork untouched", async () => {
      const fork: FakeRepo = await world.fake.createRepo({ owner: "bob", name: "shop", forkOf: world.repo, private: false });
      const forkHead = await fork.commit({ branch: "bobs-fix", files: { "README.md": "# Shop (bob)\n" } });
      const pull = await world.repo.createPullRequest({ head: "bobs-fix", headRepo: fork, user: "bob" });
      const forkRefsBefore = await fork.record.git.refs("refs/");
      const target = await loadPullTarget(world.octokit, shop, pull.number);
      expect(target.headRepo).toEqual({ owner: "bob", repo: "shop" });
      const plan = planFix({ target, fixId: "job-fork", allowPush: true, summary, changes: fix });
      expect(plan).toMatchObject({ kind: "pull-request", repo: shop, base: "main", fromSha: forkHead });

      const result = await publishFix(world.octokit, plan, fix);
      const { data } = await world.octokit.rest.pulls.get({ ...shop, pull_number: result.pullRequest?.number ?? 0 });
      expect(data.head.repo?.full_name).toBe("acme/shop");
      expect(data.base.ref).toBe("main");
      const { data: commits } = await world.octokit.rest.pulls.listCommits({ ...shop, pull_number: data.number });
      expect(commits.map((c) => c.sha)).toEqual([forkHead, result.commit.sha]);
      expect(await fork.record.git.refs("refs/")).toEqual(forkRefsBefore);
      expect(world.fake.requests.filter((r) => r.path.startsWith("/repos/bob/"))).toEqual([]);
    });

    it("refuses a change to .github/workflows/ without creating a branch", async () => {
      const issue = await world.repo.createIssue({ title: "CI is slow" });
      const target = await loadIssueTarget(world.octokit, shop, issue.number);
      const changes = [modified(".github/workflows/ci.yml", "on: push\n"), ...fix];
      const plan = planFix({ target, fixId: "job-ci", allowPush: false, summary, changes });
      await expect(publishFix(world.octokit, plan, changes)).rejects.toBeInstanceOf(WorkflowChangeError);
      expect(await world.repo.resolve(plan.branch)).toBeUndefined();
    });
  });
});
