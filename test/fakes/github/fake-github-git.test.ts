// Self-tests of the fake's git side: smart HTTP (clone, fetch, push), the git database API and
// GraphQL createCommitOnBranch, driven by the git CLI and Probot's Octokit as the app drives them.
import { execFile } from "node:child_process";
import { mkdtemp, readFile, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { gzipSync } from "node:zlib";
import { ProbotOctokit } from "probot";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { startFakeGitHub, type FakeGitHub, type FakeRepo } from "../../../testbed/fakes/github/index.js";

type Octokit = InstanceType<typeof ProbotOctokit>;

const exec = promisify(execFile);

function client(fake: FakeGitHub, installationId?: number): Octokit {
  return new ProbotOctokit({
    baseUrl: fake.restUrl,
    auth: { appId: fake.appId, privateKey: fake.privateKey, ...(installationId ? { installationId } : {}) },
    throttle: { enabled: false },
    retry: { enabled: false },
  });
}

/** The git CLI, asynchronously (the fake answers on this same event loop), isolated from the machine's config. */
async function git(args: string[], options: { cwd?: string; env?: Record<string, string> } = {}): Promise<string> {
  const { stdout } = await exec("git", args, {
    cwd: options.cwd,
    env: { ...process.env, GIT_CONFIG_NOSYSTEM: "1", GIT_CONFIG_GLOBAL: "/dev/null", GIT_TERMINAL_PROMPT: "0", LC_ALL: "C", ...options.env },
  });
  return stdout;
}

async function gitFails(args: string[], options: { cwd?: string; env?: Record<string, string> } = {}): Promise<string> {
  try {
    await git(args, options);
  } catch (error) {
    return String((error as { stderr?: string }).stderr ?? error);
  }
  throw new Error(`git ${args.join(" ")} succeeded`);
}

/** `http.extraHeader` through the environment: the way GitHub's own actions/checkout authenticates. */
function basicAuthEnv(token: string): Record<string, string> {
  return {
    GIT_CONFIG_COUNT: "1",
    GIT_CONFIG_KEY_0: "http.extraHeader",
    GIT_CONFIG_VALUE_0: `Authorization: Basic ${Buffer.from(`x-access-token:${token}`).toString("base64")}`,
  };
}

const IDENTITY = ["-c", "user.name=Dev", "-c", "user.email=dev@example.com"];

describe("fake GitHub: git", () => {
  let fake: FakeGitHub;
  let installationId: number;
  let repo: FakeRepo;
  let octokit: Octokit;
  let token: string;
  let work: string;

  beforeAll(async () => {
    fake = await startFakeGitHub({ checkResponses: true });
    installationId = fake.addInstallation({ account: "acme" }).id;
    repo = await fake.createRepo({
      owner: "acme",
      name: "tools",
      installationId,
      files: {
        "README.md": "# Tools\n",
        "bin/run.sh": { content: "#!/bin/sh\necho run\n", mode: "100755" },
        "docs/guide.md": "guide\n",
      },
    });
    octokit = client(fake, installationId);
    token = (await client(fake).rest.apps.createInstallationAccessToken({ installation_id: installationId })).data.token;
    work = await mkdtemp(join(tmpdir(), "fake-github-git-test-"));
  });

  afterAll(async () => {
    await fake.close();
    await rm(work, { recursive: true, force: true });
  });

  afterEach(() => {
    const violations = fake.violations.splice(0);
    expect(violations).toEqual([]);
  });

  describe("smart HTTP", () => {
    it("clones with an installation token (Basic x-access-token) and records which token was used", async () => {
      const before = fake.gitRequests.length;
      const dir = join(work, "clone");
      await git(["clone", "--quiet", repo.cloneUrl, dir], { env: basicAuthEnv(token) });
      expect(await readFile(join(dir, "README.md"), "utf8")).toBe("# Tools\n");
      expect((await stat(join(dir, "bin/run.sh"))).mode & 0o111).not.toBe(0);
      const used = fake.gitRequests.slice(before);
      expect(used.length).toBeGreaterThan(0);
      expect(used.every((r) => r.token === token && r.installationId === installationId && r.status === 200)).toBe(true);
      expect(used.map((r) => r.phase)).toEqual(expect.arrayContaining(["advertisement", "rpc"]));
    });

    it('answers 401 with Basic realm="GitHub" without credentials, and refuses Bearer as GitHub\'s git endpoint does', async () => {
      const anonymous = await fetch(`${repo.cloneUrl}/info/refs?service=git-upload-pack`);
      expect(anonymous.status).toBe(401);
      expect(anonymous.headers.get("www-authenticate")).toBe('Basic realm="GitHub"');
      const stderr = await gitFails(["clone", "--quiet", repo.cloneUrl, join(work, "anonymous")]);
      expect(stderr).toMatch(/could not read Username|Authentication failed/);
      const bearer = await fetch(`${repo.cloneUrl}/info/refs?service=git-upload-pack`, { headers: { authorization: `Bearer ${token}` } });
      expect(bearer.status).toBe(401);
      const bogus = await gitFails(["clone", "--quiet", repo.cloneUrl, join(work, "bogus")], { env: basicAuthEnv("ghs_notatoken") });
      expect(bogus).toMatch(/Invalid username or token|Authentication failed|could not read Username/);
    });

    it("says 'Repository not found' to a token whose installation does not include the repository", async () => {
      const otherInstallation = fake.addInstallation({ account: "globex" }).id;
      const other = (await client(fake).rest.apps.createInstallationAccessToken({ installation_id: otherInstallation })).data.token;
      const response = await fetch(`${repo.cloneUrl}/info/refs?service=git-upload-pack`, {
        headers: { authorization: `Basic ${Buffer.from(`x-access-token:${other}`).toString("base64")}` },
      });
      expect(response.status).toBe(404);
      expect(await response.text()).toBe("Repository not found.\n");
    });

    it("fetches one exact commit shallowly, and a gzip'd protocol v2 request", async () => {
      const head = await repo.resolve("main");
      if (!head) throw new Error("no main");
      const dir = join(work, "exact");
      await git(["init", "--quiet", dir]);
      await git(["fetch", "--quiet", "--depth=1", repo.cloneUrl, head], { cwd: dir, env: basicAuthEnv(token) });
      await git(["checkout", "--quiet", "--detach", "FETCH_HEAD"], { cwd: dir });
      expect((await git(["rev-parse", "HEAD"], { cwd: dir })).trim()).toBe(head);

      // pkt-lines "command=ls-refs", delimiter, flush; gzip'd the way git compresses large requests.
      const request = Buffer.from("0014command=ls-refs\n00010000", "utf8");
      const response = await fetch(`${repo.cloneUrl}/git-upload-pack`, {
        method: "POST",
        headers: {
          authorization: `Basic ${Buffer.from(`x-access-token:${token}`).toString("base64")}`,
          "content-type": "application/x-git-upload-pack-request",
          "content-encoding": "gzip",
          "git-protocol": "version=2",
        },
        body: gzipSync(request),
      });
      expect(response.status).toBe(200);
      expect(await response.text()).toContain(`${head} refs/heads/main`);
    });

    it("pushes a branch, moves open pull requests with it, and refuses refs/pull/* and workflow files", async () => {
      const dir = join(work, "push");
      await git(["clone", "--quiet", repo.cloneUrl, dir], { env: basicAuthEnv(token) });
      await git([...IDENTITY, "commit", "--quiet", "--allow-empty", "-m", "first"], { cwd: dir });
      await git(["push", "--quiet", "origin", "HEAD:refs/heads/pushed"], { cwd: dir, env: basicAuthEnv(token) });
      const pull = await repo.createPullRequest({ head: "pushed", title: "Pushed" });
      await git([...IDENTITY, "commit", "--quiet", "--allow-empty", "-m", "second"], { cwd: dir });
      await git(["push", "--quiet", "origin", "HEAD:refs/heads/pushed"], { cwd: dir, env: basicAuthEnv(token) });
      const head = (await git(["rev-parse", "HEAD"], { cwd: dir })).trim();
      expect((await fake.pull(repo, pull.number)).head.sha).toBe(head);

      const hidden = await gitFails(["push", "origin", `HEAD:refs/pull/${pull.number}/head`], { cwd: dir, env: basicAuthEnv(token) });
      expect(hidden).toContain("deny updating a hidden ref");

      await git(["checkout", "--quiet", "-b", "ci"], { cwd: dir });
      await git(["config", "core.hooksPath", "/dev/null"], { cwd: dir });
      await exec("sh", ["-c", "mkdir -p .github/workflows && echo 'on: push' > .github/workflows/ci.yml"], { cwd: dir });
      await git(["add", "."], { cwd: dir });
      await git([...IDENTITY, "commit", "--quiet", "-m", "ci"], { cwd: dir });
      const refused = await gitFails(["push", "origin", "HEAD:refs/heads/ci"], { cwd: dir, env: basicAuthEnv(token) });
      expect(refused).toContain("refusing to allow a GitHub App to create or update workflow `.github/workflows/ci.yml` without `workflows` permission");
      expect(await repo.resolve("ci")).toBeUndefined();
    });

    it("serves a fork pull request's head from the base repository as refs/pull/N/head", async () => {
      const fork = await fake.createRepo({ owner: "bob", name: "tools", forkOf: repo, private: false });
      const forkHead = await fork.commit({ branch: "patch", files: { "README.md": "# Tools, patched\n" } });
      const pull = await repo.createPullRequest({ head: "patch", headRepo: fork, user: "bob" });
      const dir = join(work, "fork-head");
      await git(["init", "--quiet", dir]);
      await git(["fetch", "--quiet", "--depth=1", repo.cloneUrl, `refs/pull/${pull.number}/head`], { cwd: dir, env: basicAuthEnv(token) });
      expect((await git(["rev-parse", "FETCH_HEAD"], { cwd: dir })).trim()).toBe(forkHead);
    });
  });

  describe("git database API", () => {
    it("builds a commit with an executable file from blobs, a tree on base_tree and a ref, and GitHub signs it", async () => {
      const head = await repo.resolve("main");
      if (!head) throw new Error("no main");
      const params = { owner: "acme", repo: "tools" };
      const { data: baseCommit } = await octokit.rest.git.getCommit({ ...params, commit_sha: head });
      const { data: blob } = await octokit.rest.git.createBlob({
        ...params,
        content: Buffer.from("#!/bin/sh\necho check\n").toString("base64"),
        encoding: "base64",
      });
      const { data: tree } = await octokit.rest.git.createTree({
        ...params,
        base_tree: baseCommit.tree.sha,
        tree: [
          { path: "bin/check.sh", mode: "100755", type: "blob", sha: blob.sha },
          { path: "notes/new.txt", mode: "100644", type: "blob", content: "new\n" },
          { path: "docs/guide.md", mode: "100644", type: "blob", sha: null },
        ],
      });
      expect(tree.tree.map((e) => e.path).sort()).toEqual(["README.md", "bin", "notes"]);
      const { data: commit } = await octokit.rest.git.createCommit({ ...params, message: "Add check.sh", tree: tree.sha, parents: [head] });
      expect(commit.verification).toMatchObject({ verified: true, reason: "valid" });
      expect(commit.author.name).toBe(fake.botLogin);
      const { data: ref } = await octokit.rest.git.createRef({ ...params, ref: "refs/heads/with-check", sha: commit.sha });
      expect(ref.object.sha).toBe(commit.sha);

      const { data: listed } = await octokit.rest.git.getTree({ ...params, tree_sha: commit.sha, recursive: "1" });
      const modes = Object.fromEntries(listed.tree.map((e) => [e.path, e.mode]));
      expect(modes).toMatchObject({ "bin/check.sh": "100755", "bin/run.sh": "100755", "notes/new.txt": "100644", bin: "040000" });
      expect(modes).not.toHaveProperty("docs/guide.md");
      const { data: readBack } = await octokit.rest.git.getBlob({ ...params, file_sha: blob.sha });
      expect(Buffer.from(readBack.content, "base64").toString("utf8")).toBe("#!/bin/sh\necho check\n");
      const { data: restCommit } = await octokit.rest.repos.getCommit({ ...params, ref: commit.sha });
      expect(restCommit.commit.verification?.verified).toBe(true);

      const dir = join(work, "exec");
      await git(["clone", "--quiet", "--branch", "with-check", repo.cloneUrl, dir], { env: basicAuthEnv(token) });
      expect((await stat(join(dir, "bin/check.sh"))).mode & 0o111).not.toBe(0);

      // A commit naming its author is not signed by GitHub.
      const { data: authored } = await octokit.rest.git.createCommit({
        ...params,
        message: "authored",
        tree: tree.sha,
        parents: [head],
        author: { name: "Dev", email: "dev@example.com" },
      });
      expect(authored.verification).toMatchObject({ verified: false, reason: "unsigned" });
    });

    it("refuses what GitHub refuses: existing refs, non-fast-forwards, unknown objects, bad tree entries", async () => {
      const params = { owner: "acme", repo: "tools" };
      const head = (await repo.resolve("main")) ?? "";
      const refFail = async (call: Promise<unknown>): Promise<{ status: number; message: string }> => {
        try {
          await call;
        } catch (error) {
          const e = error as { status: number; response?: { data?: { message?: string } } };
          return { status: e.status, message: e.response?.data?.message ?? "" };
        }
        throw new Error("expected a failure");
      };
      expect(await refFail(octokit.rest.git.createRef({ ...params, ref: "refs/heads/main", sha: head }))).toEqual({
        status: 422,
        message: "Reference already exists",
      });
      expect(await refFail(octokit.rest.git.createRef({ ...params, ref: "refs/heads/x", sha: "f".repeat(40) }))).toEqual({
        status: 422,
        message: "Object does not exist",
      });
      expect(await refFail(octokit.rest.git.getRef({ ...params, ref: "heads/nope" }))).toMatchObject({ status: 404 });
      expect(await refFail(octokit.rest.git.updateRef({ ...params, ref: "heads/nope", sha: head }))).toEqual({
        status: 422,
        message: "Reference does not exist",
      });
      expect(await refFail(octokit.rest.git.createTree({ ...params, tree: [{ path: "a", mode: "100644", type: "blob", sha: "e".repeat(40) }] }))).toEqual({
        status: 422,
        message: `tree.sha ${"e".repeat(40)} is not a valid blob`,
      });
      expect(await refFail(octokit.rest.git.createTree({ ...params, base_tree: "d".repeat(40), tree: [] }))).toEqual({
        status: 422,
        message: "base_tree is not a valid tree oid",
      });

      const side = await repo.commit({ branch: "side", from: "main", files: { "side.txt": "side\n" } });
      const unrelated = await repo.commit({ branch: "other", from: "main", files: { "other.txt": "other\n" } });
      expect(await refFail(octokit.rest.git.updateRef({ ...params, ref: "heads/side", sha: unrelated }))).toEqual({
        status: 422,
        message: "Update is not a fast forward",
      });
      const { data: forced } = await octokit.rest.git.updateRef({ ...params, ref: "heads/side", sha: unrelated, force: true });
      expect(forced.object.sha).toBe(unrelated);
      expect(side).not.toBe(unrelated);
      expect((await octokit.rest.git.deleteRef({ ...params, ref: "heads/side" })).status).toBe(204);
      expect(await refFail(octokit.rest.git.deleteRef({ ...params, ref: "heads/side" }))).toEqual({ status: 422, message: "Reference does not exist" });
    });

    it("opens a pull request from a branch made through the API, and PATCH refs moves its head", async () => {
      const params = { owner: "acme", repo: "tools" };
      const head = (await repo.resolve("main")) ?? "";
      const { data: base } = await octokit.rest.git.getCommit({ ...params, commit_sha: head });
      const commitWith = async (parent: string, treeBase: string, content: string): Promise<{ sha: string; tree: string }> => {
        const { data: tree } = await octokit.rest.git.createTree({
          ...params,
          base_tree: treeBase,
          tree: [{ path: "api.txt", mode: "100644", type: "blob", content }],
        });
        const { data: commit } = await octokit.rest.git.createCommit({ ...params, message: content, tree: tree.sha, parents: [parent] });
        return { sha: commit.sha, tree: tree.sha };
      };
      const first = await commitWith(head, base.tree.sha, "one\n");
      await octokit.rest.git.createRef({ ...params, ref: "refs/heads/api-branch", sha: first.sha });
      const { data: pull } = await octokit.rest.pulls.create({ ...params, head: "api-branch", base: "main", title: "From the API" });
      expect(pull.head.sha).toBe(first.sha);
      const second = await commitWith(first.sha, first.tree, "two\n");
      await octokit.rest.git.updateRef({ ...params, ref: "heads/api-branch", sha: second.sha });
      expect((await octokit.rest.pulls.get({ ...params, pull_number: pull.number })).data.head.sha).toBe(second.sha);
    });

    it("refuses a ref update that brings workflow changes without the workflows permission", async () => {
      const params = { owner: "acme", repo: "tools" };
      const head = (await repo.resolve("main")) ?? "";
      const { data: base } = await octokit.rest.git.getCommit({ ...params, commit_sha: head });
      const { data: tree } = await octokit.rest.git.createTree({
        ...params,
        base_tree: base.tree.sha,
        tree: [{ path: ".github/workflows/ci.yml", mode: "100644", type: "blob", content: "on: push\n" }],
      });
      const { data: commit } = await octokit.rest.git.createCommit({ ...params, message: "ci", tree: tree.sha, parents: [head] });
      await expect(octokit.rest.git.createRef({ ...params, ref: "refs/heads/ci-api", sha: commit.sha })).rejects.toMatchObject({
        status: 422,
        response: { data: { message: expect.stringContaining("without `workflows` permission") } },
      });
    });
  });

  describe("GraphQL", () => {
    const mutation = `mutation ($input: CreateCommitOnBranchInput!) {
      createCommitOnBranch(input: $input) { commit { oid url } }
    }`;
    const b64 = (text: string): string => Buffer.from(text, "utf8").toString("base64");

    it("createCommitOnBranch commits as the App, verified, preserving modes of existing files", async () => {
      await repo.commit({ branch: "gql", from: "main", files: { "gql.txt": "gql\n" } });
      const head = (await repo.resolve("gql")) ?? "";
      const result = await octokit.graphql<{ createCommitOnBranch: { commit: { oid: string; url: string } } }>(mutation, {
        input: {
          branch: { repositoryNameWithOwner: "acme/tools", branchName: "gql" },
          message: { headline: "Fix run.sh", body: "Because.\n\nSkywork-Fix-Id: abc" },
          fileChanges: {
            additions: [
              { path: "bin/run.sh", contents: b64("#!/bin/sh\necho fixed\n") },
              { path: "bin/new.sh", contents: b64("#!/bin/sh\n") },
            ],
            deletions: [{ path: "gql.txt" }],
          },
          expectedHeadOid: head,
        },
      });
      const oid = result.createCommitOnBranch.commit.oid;
      expect(result.createCommitOnBranch.commit.url).toBe(`${fake.baseUrl}/acme/tools/commit/${oid}`);
      expect(await repo.resolve("gql")).toBe(oid);

      const { data: commit } = await octokit.rest.repos.getCommit({ owner: "acme", repo: "tools", ref: oid });
      expect(commit.commit.verification).toMatchObject({ verified: true, reason: "valid" });
      expect(commit.author?.login).toBe(fake.botLogin);
      expect(commit.commit.committer?.name).toBe("GitHub");
      expect(commit.commit.message).toBe("Fix run.sh\n\nBecause.\n\nSkywork-Fix-Id: abc");
      expect(commit.parents.map((p) => p.sha)).toEqual([head]);
      const { data: tree } = await octokit.rest.git.getTree({ owner: "acme", repo: "tools", tree_sha: oid, recursive: "1" });
      const modes = Object.fromEntries(tree.tree.map((e) => [e.path, e.mode]));
      expect(modes).toMatchObject({ "bin/run.sh": "100755", "bin/new.sh": "100644" });
      expect(modes).not.toHaveProperty("gql.txt");
    });

    it("refuses a stale expectedHeadOid with GitHub's STALE_DATA error and leaves the branch alone", async () => {
      const stale = (await repo.resolve("main")) ?? "";
      const moved = await repo.commit({ branch: "race", from: "main", files: { "race.txt": "someone else\n" } });
      const error = await octokit
        .graphql(mutation, {
          input: {
            branch: { repositoryNameWithOwner: "acme/tools", branchName: "race" },
            message: { headline: "late" },
            fileChanges: { additions: [{ path: "late.txt", contents: b64("late\n") }] },
            expectedHeadOid: stale,
          },
        })
        .then(
          () => undefined,
          (e: unknown) => e as { errors?: unknown[]; data?: unknown },
        );
      expect(error?.data).toEqual({ createCommitOnBranch: null });
      expect(error?.errors).toEqual([
        expect.objectContaining({
          type: "STALE_DATA",
          path: ["createCommitOnBranch"],
          message: `Expected branch to point to "${stale}" but it did not.  Pull and try again.`,
        }),
      ]);
      expect(await repo.resolve("race")).toBe(moved);
    });

    it("finds branches by node id, reads refs, and answers like GitHub for unknown fields and repositories", async () => {
      const { repository } = await octokit.graphql<{
        repository: { id: string; defaultBranchRef: { id: string; name: string; target: { oid: string } }; ref: { target: { oid: string } } | null };
      }>(
        `query ($owner: String!, $name: String!) {
        repository(owner: $owner, name: $name) {
          id
          defaultBranchRef { id name target { ... on Commit { oid } } }
          ref(qualifiedName: "refs/heads/nope") { target { oid } }
        }
      }`,
        { owner: "acme", name: "tools" },
      );
      expect(repository.defaultBranchRef.name).toBe("main");
      expect(repository.defaultBranchRef.target.oid).toBe(await repo.resolve("main"));
      expect(repository.ref).toBeNull();

      await repo.commit({ branch: "by-id", from: "main", files: { "id.txt": "id\n" } });
      const { repository: withRef } = await octokit.graphql<{ repository: { ref: { id: string; target: { oid: string } } } }>(
        `{ repository(owner: "acme", name: "tools") { ref(qualifiedName: "by-id") { id target { oid } } } }`,
      );
      const done = await octokit.graphql<{ createCommitOnBranch: { commit: { oid: string } } }>(mutation, {
        input: {
          branch: { id: withRef.ref.id },
          message: { headline: "by id" },
          fileChanges: { additions: [{ path: "id.txt", contents: b64("changed\n") }] },
          expectedHeadOid: withRef.ref.target.oid,
        },
      });
      expect(await repo.resolve("by-id")).toBe(done.createCommitOnBranch.commit.oid);

      const unknownField = await octokit.graphql(`{ repository(owner: "acme", name: "tools") { bogus } }`).catch((e: unknown) => e as { errors: unknown[] });
      expect((unknownField as { errors: unknown[] }).errors).toEqual([
        expect.objectContaining({
          message: "Field 'bogus' doesn't exist on type 'Repository'",
          extensions: expect.objectContaining({ code: "undefinedField" }),
        }),
      ]);
      expect(fake.unimplemented.splice(0)).toHaveLength(1);
      const missing = await octokit.graphql(`{ repository(owner: "acme", name: "ghost") { id } }`).catch((e: unknown) => e as { errors: unknown[] });
      expect((missing as { errors: unknown[] }).errors).toEqual([
        expect.objectContaining({ type: "NOT_FOUND", message: "Could not resolve to a Repository with the name 'acme/ghost'." }),
      ]);
      const anonymous = await fetch(fake.graphqlUrl, { method: "POST", body: JSON.stringify({ query: "{ rateLimit { limit } }" }) });
      expect(anonymous.status).toBe(401);
    });

    it("answers parse errors, invalid variables and missing branches the way GitHub's graphql-ruby does", async () => {
      const post = async (body: object): Promise<{ data?: unknown; errors?: { message: string; type?: string }[] }> => {
        const response = await fetch(fake.graphqlUrl, { method: "POST", headers: { authorization: `token ${token}` }, body: JSON.stringify(body) });
        expect(response.status).toBe(200);
        return (await response.json()) as { data?: unknown; errors?: { message: string; type?: string }[] };
      };
      const parse = await post({ query: '{ repository(owner: "acme", name: "tools") { id }' });
      expect(parse).toEqual({ errors: [expect.objectContaining({ message: "Unexpected end of document" })] });
      const unexpected = await post({ query: '{ repository(owner: "acme") } }' });
      expect(unexpected.errors?.[0]?.message).toBe('Parse error on "}" (RCURLY) at [1, 31]');
      // Seen verbatim in avitorio/outstatic#17.
      const invalid = await post({
        query: mutation,
        variables: { input: { branch: { repositoryNameWithOwner: "acme/tools", branchName: "main" }, message: { headline: "x" }, expectedHeadOid: null } },
      });
      expect(invalid.data).toBeUndefined();
      expect(invalid.errors?.[0]?.message).toBe(
        "Variable $input of type CreateCommitOnBranchInput! was provided invalid value for expectedHeadOid (Expected value to not be null)",
      );
      const noBranch = await post({
        query: mutation,
        variables: {
          input: { branch: { repositoryNameWithOwner: "acme/tools", branchName: "nope" }, message: { headline: "x" }, expectedHeadOid: "a".repeat(40) },
        },
      });
      expect(noBranch).toMatchObject({ data: { createCommitOnBranch: null }, errors: [{ type: "NOT_FOUND", path: ["createCommitOnBranch"] }] });
      const undeclared = await post({ query: '{ repository(owner: $o, name: "tools") { id } }' });
      expect(undeclared.errors?.[0]?.message).toBe("Variable $o is used by anonymous query but not declared");
      expect(fake.unimplemented.splice(0)).toHaveLength(4);
    });

    it("refuses workflow files and missing deletions", async () => {
      const head = (await repo.resolve("main")) ?? "";
      const attempt = (fileChanges: object) =>
        octokit
          .graphql(mutation, {
            input: { branch: { repositoryNameWithOwner: "acme/tools", branchName: "main" }, message: { headline: "x" }, fileChanges, expectedHeadOid: head },
          })
          .catch((e: unknown) => (e as { errors: { type: string; message: string }[] }).errors);
      expect(await attempt({ additions: [{ path: ".github/workflows/ci.yml", contents: b64("on: push\n") }] })).toEqual([
        expect.objectContaining({ type: "FORBIDDEN", message: expect.stringContaining("without `workflows` permission") }),
      ]);
      expect(await attempt({ deletions: [{ path: "no/such/file" }] })).toEqual([expect.objectContaining({ type: "UNPROCESSABLE" })]);
      expect(await repo.resolve("main")).toBe(head);
    });
  });
});
