// Learnings kept on GitHub (refs/skywork/learnings), against the fake GitHub: concurrent writers
// never lose each other's learning, a source is learned once, a forgotten one never comes back.
import { execFileSync } from "node:child_process";
import { ProbotOctokit } from "probot";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { addLearnings, forgetLearning, learningPattern, normalizeLearningId, readLearnings, type NewLearning } from "../../src/review/learnings.js";
import { startFakeGitHub, type FakeGitHub, type FakeRepo } from "../../testbed/fakes/github/index.js";

type Octokit = InstanceType<typeof ProbotOctokit>;

function client(fake: FakeGitHub, installationId: number): Octokit {
  return new ProbotOctokit({
    baseUrl: fake.restUrl,
    auth: { appId: fake.appId, privateKey: fake.privateKey, installationId },
    throttle: { enabled: false },
    retry: { enabled: false },
  });
}

const candidate = (comment: number, avoid = `Finding ${comment}`): NewLearning => ({
  pattern: "src/**",
  avoid,
  why: null,
  source: { pr: 1, comment, kind: "thumbs-down", by: "maria" },
});

describe("learnings on refs/skywork/learnings", () => {
  let fake: FakeGitHub;
  let repo: FakeRepo;
  let installationId: number;
  const where = { owner: "acme", repo: "widgets" };

  beforeAll(async () => {
    fake = await startFakeGitHub({ checkResponses: true });
    installationId = fake.addInstallation({ account: "acme" }).id;
    repo = await fake.createRepo({ owner: "acme", name: "widgets", installationId, files: { "README.md": "# widgets\n" } });
  });

  afterAll(async () => {
    expect(fake.violations).toEqual([]);
    await fake.close();
  });

  it("starts empty, and concurrent writers each add theirs without losing another's", async () => {
    expect(await readLearnings(client(fake, installationId), where)).toEqual([]);
    fake.setLatency(15);
    const added = await Promise.all([1, 2, 3, 4, 5].map((n) => addLearnings(client(fake, installationId), where, [candidate(n)])));
    fake.setLatency(0);
    expect(
      added
        .flat()
        .map((l) => l.id)
        .sort(),
    ).toEqual(["L1", "L2", "L3", "L4", "L5"]);
    const stored = await readLearnings(client(fake, installationId), where);
    expect(stored.map((l) => l.avoid).sort()).toEqual(["Finding 1", "Finding 2", "Finding 3", "Finding 4", "Finding 5"]);
    // Only ever fast-forward: every learning is a commit on top of the previous one.
    const log = execFileSync("git", ["--git-dir", repo.gitDir, "log", "--format=%s", "refs/skywork/learnings"], { encoding: "utf8" }).trim().split("\n");
    expect(log).toHaveLength(5);
    // Not a branch: nothing shows among the repository's branches.
    expect(execFileSync("git", ["--git-dir", repo.gitDir, "branch", "--list"], { encoding: "utf8" })).not.toContain("skywork");
  });

  it("learns a source once, forgets by id, and never learns a forgotten source again", async () => {
    const octokit = client(fake, installationId);
    expect(await addLearnings(octokit, where, [candidate(1, "Reworded")])).toEqual([]);
    // Concurrent writers landed in any order: find the id "Finding 2" got.
    const id = (await readLearnings(octokit, where)).find((l) => l.avoid === "Finding 2")!.id;
    const forgotten = await forgetLearning(octokit, where, id.toLowerCase(), "maria");
    expect(forgotten).toMatchObject({ id, avoid: "Finding 2" });
    expect(await forgetLearning(octokit, where, id, "maria")).toBeNull();
    expect(await addLearnings(octokit, where, [candidate(2)])).toEqual([]);
    // Ids are never reused.
    expect(await addLearnings(octokit, where, [candidate(6)])).toEqual([expect.objectContaining({ id: "L6" })]);
    expect((await readLearnings(octokit, where)).map((l) => l.avoid).sort()).toEqual(["Finding 1", "Finding 3", "Finding 4", "Finding 5", "Finding 6"]);
  });

  it("reads a document someone broke by hand as empty instead of failing reviews", async () => {
    const other = await fake.createRepo({ owner: "acme", name: "broken", installationId, files: { "README.md": "x\n" } });
    const blob = execFileSync("git", ["--git-dir", other.gitDir, "hash-object", "-w", "--stdin"], { input: "{not json", encoding: "utf8" }).trim();
    const tree = execFileSync("git", ["--git-dir", other.gitDir, "mktree"], { input: `100644 blob ${blob}\tlearnings.json\n`, encoding: "utf8" }).trim();
    const commit = execFileSync("git", ["--git-dir", other.gitDir, "commit-tree", tree, "-m", "broken"], {
      encoding: "utf8",
      env: { ...process.env, GIT_AUTHOR_NAME: "x", GIT_AUTHOR_EMAIL: "x@x", GIT_COMMITTER_NAME: "x", GIT_COMMITTER_EMAIL: "x@x" },
    }).trim();
    execFileSync("git", ["--git-dir", other.gitDir, "update-ref", "refs/skywork/learnings", commit]);
    const octokit = client(fake, installationId);
    expect(await readLearnings(octokit, { owner: "acme", repo: "broken" })).toEqual([]);
    expect(await addLearnings(octokit, { owner: "acme", repo: "broken" }, [candidate(9)])).toEqual([expect.objectContaining({ id: "L1" })]);
  });

  it("names learnings and their patterns as people type and read them", () => {
    expect(normalizeLearningId(" L12 ")).toBe("L12");
    expect(normalizeLearningId("7")).toBe("L7");
    expect(normalizeLearningId("L1; rm -rf")).toBeNull();
    expect(learningPattern("src/legacy/db.ts")).toBe("src/legacy/**");
    expect(learningPattern("setup.py")).toBe("setup.py");
  });
});
