// Self-tests of the fake GitHub, driven through Probot's own Octokit the way the app drives it.
import { generateKeyPairSync, sign as signWith } from "node:crypto";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { verify } from "@octokit/webhooks-methods";
import { createNodeMiddleware, createProbot, ProbotOctokit, type Probot } from "probot";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import {
  deliverWebhook,
  githubFaults,
  issueCommentEvent,
  pullRequestEvent,
  pullRequestReviewCommentEvent,
  startFakeGitHub,
  type FakeGitHub,
  type FakeRepo,
} from "../../../testbed/fakes/github/index.js";

type Octokit = InstanceType<typeof ProbotOctokit>;

function client(fake: FakeGitHub, installationId?: number): Octokit {
  return new ProbotOctokit({
    baseUrl: fake.restUrl,
    auth: { appId: fake.appId, privateKey: fake.privateKey, ...(installationId ? { installationId } : {}) },
    throttle: { enabled: false },
    retry: { enabled: false },
  });
}

/** The status and body of a failed Octokit call. */
async function failure(promise: Promise<unknown>): Promise<{ status: number; data: unknown; headers: Record<string, unknown> }> {
  try {
    await promise;
  } catch (error) {
    const e = error as { status: number; response?: { data: unknown; headers: Record<string, unknown> } };
    return { status: e.status, data: e.response?.data, headers: e.response?.headers ?? {} };
  }
  throw new Error("expected the request to fail");
}

const SOURCE = Array.from({ length: 40 }, (_, i) => `line ${i + 1}`).join("\n") + "\n";

describe("fake GitHub", () => {
  let fake: FakeGitHub;
  let installationId: number;
  let repo: FakeRepo;
  let octokit: Octokit;

  beforeAll(async () => {
    fake = await startFakeGitHub({ checkResponses: true });
    installationId = fake.addInstallation({ account: "acme" }).id;
    repo = await fake.createRepo({
      owner: "acme",
      name: "widgets",
      installationId,
      files: { "src/lib.txt": SOURCE, "docs/guide.md": "# Guide\n", ".github/skywork.yml": "review:\n  level: strict\n" },
    });
    octokit = client(fake, installationId);
  });

  afterAll(async () => {
    await fake.close();
  });

  afterEach(() => {
    // Tests that provoke violations on purpose empty the list themselves.
    const violations = fake.violations.splice(0);
    expect(violations).toEqual([]);
  });

  /** A branch changing lines 10 (modified), 20–22 (added after 20) and deleting line 35, plus an open PR. */
  async function changedPull(branch: string): Promise<{ number: number; head: string }> {
    const lines = SOURCE.split("\n");
    lines[9] = "line 10 changed";
    lines.splice(20, 0, "added a", "added b", "added c");
    lines.splice(lines.indexOf("line 35"), 1);
    const head = await repo.commit({ branch, from: "main", files: { "src/lib.txt": lines.join("\n") }, message: branch });
    const pull = await repo.createPullRequest({ head: branch, title: branch, user: "alice" });
    return { number: pull.number, head };
  }

  describe("authentication", () => {
    it("answers 401 to a repository request without a token and to an invalid token", async () => {
      const anonymous = await fetch(`${fake.restUrl}/repos/acme/widgets`);
      expect(anonymous.status).toBe(401);
      expect(await anonymous.json()).toMatchObject({ message: "Requires authentication", status: "401" });
      const bogus = await fetch(`${fake.restUrl}/repos/acme/widgets`, { headers: { authorization: "token ghs_nope" } });
      expect(bogus.status).toBe(401);
      expect(await bogus.json()).toEqual({
        message: "Bad credentials",
        documentation_url: "https://docs.github.com/enterprise-server@3.19/rest",
        status: "401",
      });
    });

    it("serves /app endpoints to the app's JWT only", async () => {
      const app = client(fake);
      const { data } = await app.rest.apps.getAuthenticated();
      expect(data).toMatchObject({ id: fake.appId, slug: fake.appSlug });
      const installations = await app.rest.apps.listInstallations();
      expect(installations.data.map((i) => i.id)).toContain(installationId);
      const { data: installation } = await app.rest.apps.getRepoInstallation({ owner: "acme", repo: "widgets" });
      expect(installation.id).toBe(installationId);

      const { data: token } = await app.rest.apps.createInstallationAccessToken({ installation_id: installationId });
      const withToken = await fetch(`${fake.restUrl}/app/installations`, { headers: { authorization: `token ${token.token}` } });
      expect(withToken.status).toBe(401);
      expect(await withToken.json()).toMatchObject({ message: "A JSON web token could not be decoded" });
    });

    it("issues one-hour ghs_ tokens that only reach the installation's repositories", async () => {
      const other = await fake.createRepo({ owner: "stranger", name: "elsewhere", files: { "a.txt": "a\n" } });
      const before = fake.requests.length;
      const { data } = await octokit.rest.repos.get({ owner: "acme", repo: "widgets" });
      expect(data.full_name).toBe("acme/widgets");
      const tokenCall = fake.requests.slice(before).find((r) => r.path.endsWith("/access_tokens"));
      expect(tokenCall).toMatchObject({ method: "POST", status: 201, auth: { type: "app" } });
      expect(fake.requests.at(-1)?.auth).toEqual({ type: "installation", installationId });
      const hidden = await failure(octokit.rest.repos.get({ owner: other.owner, repo: other.name }));
      expect(hidden.status).toBe(404);

      const { data: token } = await client(fake).rest.apps.createInstallationAccessToken({ installation_id: installationId });
      expect(token.token).toMatch(/^ghs_[A-Za-z0-9]{36}$/);
      expect(Date.parse(token.expires_at) - Date.now()).toBeGreaterThan(59 * 60 * 1000);
      fake.expireTokens();
      const expired = await fetch(`${fake.restUrl}/repos/acme/widgets`, { headers: { authorization: `token ${token.token}` } });
      expect(expired.status).toBe(401);
      // Octokit caches its token for almost an hour: a fresh client asks for a new one.
      octokit = client(fake, installationId);
      expect((await octokit.rest.repos.get({ owner: "acme", repo: "widgets" })).status).toBe(200);
    });

    it("rejects a JWT signed with another key, and an expired one with GitHub's message", async () => {
      const now = Math.floor(Date.now() / 1000);
      const jwt = (claims: object, key: string): string => {
        const unsigned = `${Buffer.from(JSON.stringify({ alg: "RS256", typ: "JWT" })).toString("base64url")}.${Buffer.from(JSON.stringify(claims)).toString("base64url")}`;
        return `${unsigned}.${signWith("RSA-SHA256", Buffer.from(unsigned), key).toString("base64url")}`;
      };
      const { privateKey: otherKey } = generateKeyPairSync("rsa", {
        modulusLength: 2048,
        privateKeyEncoding: { type: "pkcs1", format: "pem" },
        publicKeyEncoding: { type: "spki", format: "pem" },
      });
      const call = (token: string) => fetch(`${fake.restUrl}/app`, { headers: { authorization: `Bearer ${token}` } });
      const forged = await call(jwt({ iat: now - 30, exp: now + 500, iss: fake.appId }, otherKey));
      expect(forged.status).toBe(401);
      expect(await forged.json()).toMatchObject({ message: "A JSON web token could not be decoded" });
      const expired = await call(jwt({ iat: now - 1200, exp: now - 600, iss: fake.appId }, fake.privateKey));
      expect(await expired.json()).toMatchObject({
        message: "'Expiration time' claim ('exp') must be a numeric value representing the future time at which the assertion expires",
      });
      const tooLong = await call(jwt({ iat: now, exp: now + 3600, iss: String(fake.appId) }, fake.privateKey));
      expect(await tooLong.json()).toMatchObject({ message: "'Expiration time' claim ('exp') is too far in the future" });
      expect((await call(jwt({ iat: now - 30, exp: now + 500, iss: String(fake.appId) }, fake.privateKey))).status).toBe(200);
    });
  });

  describe("pull requests", () => {
    it("pages a 3,100-file pull request up to GitHub's cap of 3,000 files, with Link headers", async () => {
      const files: Record<string, string> = {};
      for (let i = 0; i < 3100; i++) files[`gen/${String(i).padStart(4, "0")}.txt`] = `file ${i}\n`;
      await repo.commit({ branch: "huge", from: "main", files });
      const pull = await repo.createPullRequest({ head: "huge", title: "Huge" });
      expect(pull.changed_files).toBe(3100);

      const first = await octokit.rest.pulls.listFiles({ owner: "acme", repo: "widgets", pull_number: pull.number, per_page: 100 });
      expect(first.data).toHaveLength(100);
      expect(first.headers.link).toBe(
        `<${fake.restUrl}/repositories/${repo.id}/pulls/${pull.number}/files?per_page=100&page=2>; rel="next", ` +
          `<${fake.restUrl}/repositories/${repo.id}/pulls/${pull.number}/files?per_page=100&page=30>; rel="last"`,
      );
      const all = await octokit.paginate(octokit.rest.pulls.listFiles, {
        owner: "acme",
        repo: "widgets",
        pull_number: pull.number,
        per_page: 100,
      });
      expect(all).toHaveLength(3000);
      expect(new Set(all.map((f) => f.filename)).size).toBe(3000);
      expect(all[0]).toMatchObject({ filename: "gen/0000.txt", status: "added", additions: 1, patch: "@@ -0,0 +1 @@\n+file 0" });
      const diff = await failure(octokit.rest.pulls.get({ owner: "acme", repo: "widgets", pull_number: pull.number, mediaType: { format: "diff" } }));
      expect(diff.status).toBe(406);
    });

    it("describes a fork pull request with head.repo different from base.repo", async () => {
      const fork = await fake.createRepo({ owner: "bob", name: "widgets", forkOf: repo, private: false });
      await fork.commit({ branch: "fix", files: { "docs/guide.md": "# Guide\n\nFixed.\n" }, message: "Fix guide" });
      const created = await repo.createPullRequest({ head: "fix", headRepo: fork, user: "bob", title: "Fix guide" });
      const { data } = await octokit.rest.pulls.get({ owner: "acme", repo: "widgets", pull_number: created.number });
      expect(data.head.repo?.full_name).toBe("bob/widgets");
      expect(data.base.repo.full_name).toBe("acme/widgets");
      expect(data.head.label).toBe("bob:fix");
      const { data: files } = await octokit.rest.pulls.listFiles({ owner: "acme", repo: "widgets", pull_number: created.number });
      expect(files.map((f) => [f.filename, f.status])).toEqual([["docs/guide.md", "modified"]]);
      const text = await octokit.rest.pulls.get({
        owner: "acme",
        repo: "widgets",
        pull_number: created.number,
        mediaType: { format: "diff" },
      });
      expect(String(text.data)).toContain("+Fixed.");

      // Pushing to the fork moves the pull request's head, as GitHub's synchronize does.
      const next = await fork.commit({ branch: "fix", files: { "docs/more.md": "more\n" } });
      const { data: moved } = await octokit.rest.pulls.get({ owner: "acme", repo: "widgets", pull_number: created.number });
      expect(moved.head.sha).toBe(next);
      const listed = await octokit.rest.pulls.list({ owner: "acme", repo: "widgets", head: "bob:fix" });
      expect(listed.data.map((p) => p.number)).toEqual([created.number]);
    });

    it("reads renames and binary files like GitHub: previous_filename, no patch for binaries", async () => {
      await repo.commit({
        branch: "rename",
        from: "main",
        files: { "docs/guide.md": null, "docs/manual.md": "# Guide\n", "logo.png": Buffer.from([0x89, 0x50, 0, 1, 2]) },
      });
      const pull = await repo.createPullRequest({ head: "rename" });
      const { data } = await octokit.rest.pulls.listFiles({ owner: "acme", repo: "widgets", pull_number: pull.number });
      const byName = Object.fromEntries(data.map((f) => [f.filename, f]));
      expect(byName["docs/manual.md"]).toMatchObject({ status: "renamed", previous_filename: "docs/guide.md", changes: 0 });
      expect(byName["docs/manual.md"]).not.toHaveProperty("patch");
      expect(byName["logo.png"]).toMatchObject({ status: "added", additions: 0 });
      expect(byName["logo.png"]).not.toHaveProperty("patch");
    });

    it("lets the app open a pull request, update it and list its commits, with GitHub's refusals", async () => {
      await repo.commit({ branch: "skywork/fix-1", from: "main", files: { "src/lib.txt": `${SOURCE}fixed\n` }, message: "Fix the end" });
      const params = { owner: "acme", repo: "widgets", head: "skywork/fix-1", base: "main", title: "Fix", body: "Generated" };
      const { data: created } = await octokit.rest.pulls.create(params);
      expect(created).toMatchObject({ state: "open", user: { login: fake.botLogin }, head: { ref: "skywork/fix-1" }, commits: 1, additions: 1 });
      const duplicate = await failure(octokit.rest.pulls.create(params));
      expect(duplicate.data).toMatchObject({
        message: "Validation Failed",
        errors: [{ resource: "PullRequest", code: "custom", message: "A pull request already exists for acme:skywork/fix-1." }],
      });
      const empty = await failure(octokit.rest.pulls.create({ ...params, head: "main" }));
      expect(empty.data).toMatchObject({ errors: [{ message: "No commits between main and main" }] });
      const { data: commits } = await octokit.rest.pulls.listCommits({ owner: "acme", repo: "widgets", pull_number: created.number });
      expect(commits.map((c) => c.commit.message)).toEqual(["Fix the end"]);
      const { data: closed } = await octokit.rest.pulls.update({ owner: "acme", repo: "widgets", pull_number: created.number, state: "closed" });
      expect(closed).toMatchObject({ state: "closed", merged: false });
      expect(closed.closed_at).not.toBeNull();
      const open = await octokit.rest.pulls.list({ owner: "acme", repo: "widgets", head: "acme:skywork/fix-1" });
      expect(open.data).toEqual([]);
    });

    it("leaves out patches above the size limits and reports mode changes and symlinks", async () => {
      const small = await startFakeGitHub({ checkResponses: true, limits: { filePatchMaxLines: 5 } });
      try {
        const id = small.addInstallation({ account: "acme" }).id;
        const r = await small.createRepo({ owner: "acme", name: "modes", installationId: id, files: { "run.sh": "echo hi\n", "big.txt": "a\n" } });
        await r.commit({
          branch: "modes",
          files: {
            "run.sh": { content: "echo hi\n", mode: "100755" },
            "big.txt": Array.from({ length: 10 }, (_, i) => `b${i}`).join("\n"),
            link: { content: "run.sh", mode: "120000" },
          },
        });
        const pull = await r.createPullRequest({ head: "modes" });
        const o = client(small, id);
        const { data } = await o.rest.pulls.listFiles({ owner: "acme", repo: "modes", pull_number: pull.number });
        const byName = Object.fromEntries(data.map((f) => [f.filename, f]));
        expect(byName["run.sh"]).toMatchObject({ status: "changed", changes: 0 });
        expect(byName["big.txt"]).toMatchObject({ status: "modified", additions: 10, deletions: 1 });
        expect(byName["big.txt"]).not.toHaveProperty("patch");
        const { data: link } = await o.rest.repos.getContent({ owner: "acme", repo: "modes", path: "link", ref: "modes" });
        expect(link).toMatchObject({ type: "symlink", target: "run.sh" });
        expect(small.violations).toEqual([]);
      } finally {
        await small.close();
      }
    });

    it("answers compare, and 404s once a force-pushed-away head is garbage collected", async () => {
      const old = await repo.commit({ branch: "rewrite", from: "main", files: { "x.txt": "one\n" } });
      const { data } = await octokit.rest.repos.compareCommitsWithBasehead({ owner: "acme", repo: "widgets", basehead: `main...${old}` });
      expect(data).toMatchObject({ status: "ahead", ahead_by: 1, behind_by: 0, total_commits: 1 });
      expect(data.files?.map((f) => f.filename)).toEqual(["x.txt"]);

      const replacement = await repo.commit({ branch: "rewrite", from: "main", files: { "x.txt": "two\n" } });
      await repo.forcePush("rewrite", replacement);
      await repo.gc();
      const gone = await failure(octokit.rest.repos.compareCommitsWithBasehead({ owner: "acme", repo: "widgets", basehead: `main...${old}` }));
      expect(gone.status).toBe(404);
      const commit = await failure(octokit.rest.repos.getCommit({ owner: "acme", repo: "widgets", ref: old }));
      expect(commit).toMatchObject({ status: 422, data: { message: `No commit found for SHA: ${old}` } });
    });
  });

  describe("reviews", () => {
    it("refuses the whole review when one comment is outside the diff, with GitHub's error body", async () => {
      const { number } = await changedPull("review-outside");
      const result = await failure(
        octokit.rest.pulls.createReview({
          owner: "acme",
          repo: "widgets",
          pull_number: number,
          event: "COMMENT",
          body: "Two findings",
          comments: [
            { path: "src/lib.txt", line: 10, side: "RIGHT", body: "fine" },
            { path: "src/lib.txt", line: 30, side: "RIGHT", body: "outside every hunk" },
          ],
        }),
      );
      expect(result.status).toBe(422);
      expect(result.data).toEqual({
        message: "Unprocessable Entity",
        errors: ["Line could not be resolved"],
        documentation_url: "https://docs.github.com/enterprise-server@3.19/rest/pulls/reviews#create-a-review-for-a-pull-request",
        status: "422",
      });
      expect(fake.reviews(repo, number)).toEqual([]);
      expect(fake.reviewComments(repo, number)).toEqual([]);
    });

    it("accepts a multi-line RIGHT comment inside one hunk and shows it in the review comments", async () => {
      const { number, head } = await changedPull("review-multi");
      const { data: review } = await octokit.rest.pulls.createReview({
        owner: "acme",
        repo: "widgets",
        pull_number: number,
        commit_id: head,
        event: "COMMENT",
        body: "Summary",
        comments: [
          { path: "src/lib.txt", start_line: 20, line: 23, side: "RIGHT", body: "These three lines" },
          { path: "src/lib.txt", line: 35, side: "LEFT", body: "Why delete this?" },
        ],
      });
      expect(review).toMatchObject({ state: "COMMENTED", commit_id: head, user: { login: fake.botLogin, type: "Bot" } });
      const comments = await octokit.paginate(octokit.rest.pulls.listReviewComments, { owner: "acme", repo: "widgets", pull_number: number });
      expect(comments.map((c) => [c.start_line, c.line, c.side, c.pull_request_review_id])).toEqual([
        [20, 23, "RIGHT", review.id],
        [null, 35, "LEFT", review.id],
      ]);
      expect(comments[0]?.diff_hunk).toMatch(/^@@ -\d+,\d+ \+\d+,\d+ @@[^\n]*\n[\s\S]*\+added c$/);
      const [first] = comments;
      if (!first) throw new Error("no comment");
      const { data: single } = await octokit.rest.pulls.getReviewComment({ owner: "acme", repo: "widgets", comment_id: first.id });
      expect(single.body).toBe("These three lines");
      const { data: reply } = await octokit.rest.pulls.createReplyForReviewComment({
        owner: "acme",
        repo: "widgets",
        pull_number: number,
        comment_id: first.id,
        body: "Thanks",
      });
      expect(reply).toMatchObject({ in_reply_to_id: first.id, line: 23, path: "src/lib.txt" });

      // Legacy `position`: 4 lines below the first "@@" is the deleted "line 10".
      const { data: legacy } = await octokit.rest.pulls.createReview({
        owner: "acme",
        repo: "widgets",
        pull_number: number,
        event: "COMMENT",
        comments: [{ path: "src/lib.txt", position: 4, body: "old line" }],
      });
      const [placed] = await octokit.paginate(octokit.rest.pulls.listCommentsForReview, {
        owner: "acme",
        repo: "widgets",
        pull_number: number,
        review_id: legacy.id,
      });
      expect(placed).toMatchObject({ side: "LEFT", line: 10, position: 4 });
    });

    it("applies GitHub's placement rules: same hunk, start before end, path in the diff", async () => {
      const { number, head } = await changedPull("review-rules");
      const attempt = (comment: { path: string; line: number; start_line?: number; side?: "LEFT" | "RIGHT" }) =>
        failure(
          octokit.rest.pulls.createReview({
            owner: "acme",
            repo: "widgets",
            pull_number: number,
            event: "COMMENT",
            body: "x",
            comments: [{ ...comment, body: "c" }],
          }),
        );
      expect((await attempt({ path: "src/lib.txt", start_line: 10, line: 21 })).data).toMatchObject({
        errors: ["Pull request review thread start line must be part of the same hunk as the line."],
      });
      expect((await attempt({ path: "src/lib.txt", start_line: 22, line: 22 })).data).toMatchObject({
        errors: ["Pull request review thread start line must precede the end line."],
      });
      expect((await attempt({ path: "nope.txt", line: 1 })).data).toMatchObject({ errors: ["Path could not be resolved"] });
      // LEFT means the old file: line 28 sits between hunks there.
      expect((await attempt({ path: "src/lib.txt", line: 28, side: "LEFT" })).data).toMatchObject({ errors: ["Line could not be resolved"] });
      expect((await attempt({ path: "src/lib.txt", line: 30, side: "RIGHT" })).status).toBe(422);

      const single = await failure(
        octokit.rest.pulls.createReviewComment({
          owner: "acme",
          repo: "widgets",
          pull_number: number,
          commit_id: head,
          path: "src/lib.txt",
          line: 30,
          body: "x",
        }),
      );
      expect(single.data).toMatchObject({
        message: "Validation Failed",
        errors: [
          {
            resource: "PullRequestReviewComment",
            code: "custom",
            field: "pull_request_review_thread.line",
            message: "pull_request_review_thread.line must be part of the diff",
          },
        ],
      });
      const { data: ok } = await octokit.rest.pulls.createReviewComment({
        owner: "acme",
        repo: "widgets",
        pull_number: number,
        commit_id: head,
        path: "src/lib.txt",
        line: 10,
        body: "ok",
      });
      expect(ok).toMatchObject({ line: 10, side: "RIGHT", commit_id: head });
      const notInPull = await failure(
        octokit.rest.pulls.createReview({ owner: "acme", repo: "widgets", pull_number: number, commit_id: "0".repeat(40), event: "COMMENT", body: "x" }),
      );
      expect(notInPull.status).toBe(422);
    });

    it("records a contract violation for a body GitHub's schema refuses (event BOGUS)", async () => {
      const { number } = await changedPull("review-bogus");
      const result = await failure(
        octokit.request("POST /repos/{owner}/{repo}/pulls/{pull_number}/reviews", {
          owner: "acme",
          repo: "widgets",
          pull_number: number,
          // Outside the enum on purpose; Octokit's types would catch it, a model's JSON would not.
          event: "BOGUS" as "COMMENT",
          body: "x",
        }),
      );
      expect(result.status).toBe(422);
      expect(String((result.data as { message: string }).message)).toMatch(/^Invalid request\.\n\nFor 'properties\/event', "BOGUS"/);
      expect(fake.violations).toEqual([
        expect.objectContaining({ kind: "bad-body", operationId: "pulls/create-review", path: `/repos/acme/widgets/pulls/${number}/reviews` }),
      ]);
      fake.violations.length = 0;
    });
  });

  describe("contents and config", () => {
    it("serves raw files, JSON files, directories and 404s, and Probot's config with _extends", async () => {
      await fake.createRepo({
        owner: "acme",
        name: ".github",
        installationId,
        files: { ".github/skywork.yml": "review:\n  level: relaxed\n  language: en\n" },
      });
      await repo.commit({ branch: "main", files: { ".github/skywork.yml": "_extends: .github\nreview:\n  level: strict\n" } });
      const { config } = await octokit.config.get({ owner: "acme", repo: "widgets", path: ".github/skywork.yml" });
      expect(config).toEqual({ review: { level: "strict" } });

      const raw = await octokit.rest.repos.getContent({ owner: "acme", repo: "widgets", path: "docs/guide.md", mediaType: { format: "raw" } });
      expect(raw.data).toBe("# Guide\n");
      const file = await octokit.rest.repos.getContent({ owner: "acme", repo: "widgets", path: "src/lib.txt", ref: "main" });
      if (Array.isArray(file.data) || file.data.type !== "file") throw new Error("expected a file");
      expect(Buffer.from(file.data.content, "base64").toString("utf8")).toBe(SOURCE);
      const dir = await octokit.rest.repos.getContent({ owner: "acme", repo: "widgets", path: "src" });
      expect(Array.isArray(dir.data) && dir.data.map((e) => e.name)).toEqual(["lib.txt"]);
      expect((await failure(octokit.rest.repos.getContent({ owner: "acme", repo: "widgets", path: "missing.txt" }))).status).toBe(404);
    });
  });

  describe("issues, reactions, checks and permissions", () => {
    it("handles the conversation of a pull request", async () => {
      const { number, head } = await changedPull("conversation");
      const { data: issue } = await octokit.rest.issues.get({ owner: "acme", repo: "widgets", issue_number: number });
      expect(issue.pull_request?.url).toBe(`${fake.restUrl}/repos/acme/widgets/pulls/${number}`);
      const { data: comment } = await octokit.rest.issues.createComment({ owner: "acme", repo: "widgets", issue_number: number, body: "Reviewing…" });
      expect(comment.performed_via_github_app?.slug).toBe(fake.appSlug);
      await octokit.rest.issues.updateComment({ owner: "acme", repo: "widgets", comment_id: comment.id, body: "Done" });
      const { status } = await octokit.rest.reactions.createForIssueComment({ owner: "acme", repo: "widgets", comment_id: comment.id, content: "eyes" });
      expect(status).toBe(201);
      const again = await octokit.rest.reactions.createForIssueComment({ owner: "acme", repo: "widgets", comment_id: comment.id, content: "eyes" });
      expect(again.status).toBe(200);
      expect(fake.reactions(repo, { issueComment: comment.id })).toHaveLength(1);
      expect(fake.issueComments(repo, number).map((c) => c.body)).toEqual(["Done"]);
      await octokit.rest.issues.deleteComment({ owner: "acme", repo: "widgets", comment_id: comment.id });
      expect(fake.issueComments(repo, number)).toEqual([]);

      const { data: run } = await octokit.rest.checks.create({ owner: "acme", repo: "widgets", name: "skywork", head_sha: head, status: "in_progress" });
      await octokit.rest.checks.update({
        owner: "acme",
        repo: "widgets",
        check_run_id: run.id,
        conclusion: "success",
        output: { title: "OK", summary: "No findings" },
      });
      const { data: runs } = await octokit.rest.checks.listForRef({ owner: "acme", repo: "widgets", ref: head, check_name: "skywork" });
      expect(runs.check_runs.map((r) => [r.status, r.conclusion])).toEqual([["completed", "success"]]);
      expect(runs.check_runs[0]?.pull_requests.map((p) => p.number)).toEqual([number]);

      repo.setPermission("alice", "maintain");
      const { data: permission } = await octokit.rest.repos.getCollaboratorPermissionLevel({ owner: "acme", repo: "widgets", username: "alice" });
      expect(permission).toMatchObject({ permission: "write", role_name: "maintain" });
    });
  });

  describe("contract and faults", () => {
    it("answers 404 for routes GitHub does not have and 501 for ones the fake does not serve", async () => {
      const unknown = await failure(octokit.request("GET /repos/{owner}/{repo}/no-such-thing", { owner: "acme", repo: "widgets" }));
      expect(unknown.status).toBe(404);
      expect(fake.violations).toEqual([expect.objectContaining({ kind: "unknown-route" })]);
      fake.violations.length = 0;
      const missing = await failure(octokit.rest.repos.listReleases({ owner: "acme", repo: "widgets" }));
      expect(missing.status).toBe(501);
      expect(fake.unimplemented).toEqual([expect.objectContaining({ operationId: "repos/list-releases" })]);
      fake.unimplemented.length = 0;
    });

    it("injects failures, including GitHub's secondary rate limit", async () => {
      fake.failNext({ method: "GET", path: "/repos/acme/widgets" }, githubFaults.serverError(502));
      fake.failNext({ path: /^\/repos\/acme\/widgets\/issues\/\d+$/ }, githubFaults.secondaryRateLimit(7), 2);
      expect((await failure(octokit.rest.repos.get({ owner: "acme", repo: "widgets" }))).status).toBe(502);
      expect((await octokit.rest.repos.get({ owner: "acme", repo: "widgets" })).status).toBe(200);
      const limited = await failure(octokit.rest.issues.get({ owner: "acme", repo: "widgets", issue_number: 1 }));
      expect(limited.status).toBe(403);
      expect(limited.headers["retry-after"]).toBe("7");
      expect(String((limited.data as { message: string }).message)).toMatch(/secondary rate limit/);
      expect((await failure(octokit.rest.issues.get({ owner: "acme", repo: "widgets", issue_number: 1 }))).status).toBe(403);
      expect(fake.requests.filter((r) => r.fault)).toHaveLength(3);
    });

    it("waits for a condition without sleeping", async () => {
      const { number } = await changedPull("wait");
      const waiting = fake.waitFor(() => fake.issueComments(repo, number).find((c) => c.body === "later"), { timeoutMs: 2000 });
      const posting = new Promise((resolve, reject) =>
        setTimeout(() => octokit.rest.issues.createComment({ owner: "acme", repo: "widgets", issue_number: number, body: "later" }).then(resolve, reject), 20),
      );
      expect((await waiting).body).toBe("later");
      await posting;
      await expect(fake.waitFor(() => false, { timeoutMs: 100, what: "nothing" })).rejects.toThrow(/nothing/);
    });
  });

  describe("review threads", () => {
    const THREADS = `query($owner: String!, $name: String!, $number: Int!, $after: String) {
      repository(owner: $owner, name: $name) {
        pullRequest(number: $number) {
          reviewThreads(first: 1, after: $after) {
            totalCount
            pageInfo { hasNextPage endCursor }
            nodes { id isResolved isOutdated resolvedBy { login } comments(first: 5) { nodes { databaseId author { login } } } }
          }
        }
      }
    }`;
    type Page = {
      repository: {
        pullRequest: {
          reviewThreads: {
            totalCount: number;
            pageInfo: { hasNextPage: boolean; endCursor: string | null };
            nodes: Array<{
              isResolved: boolean;
              isOutdated: boolean;
              resolvedBy: { login: string } | null;
              comments: { nodes: Array<{ databaseId: number; author: { login: string } }> };
            }>;
          };
        };
      };
    };

    async function allThreads(number: number) {
      const nodes: Page["repository"]["pullRequest"]["reviewThreads"]["nodes"] = [];
      let after: string | null = null;
      for (;;) {
        const page: Page = await octokit.graphql<Page>(THREADS, { owner: "acme", name: "widgets", number, after });
        nodes.push(...page.repository.pullRequest.reviewThreads.nodes);
        if (!page.repository.pullRequest.reviewThreads.pageInfo.hasNextPage) return nodes;
        after = page.repository.pullRequest.reviewThreads.pageInfo.endCursor;
      }
    }

    it("shows resolution, who resolved and outdatedness over GraphQL, a page at a time, and lets the app edit its own review", async () => {
      const { number, head } = await changedPull("threads");
      const { data: review } = await octokit.rest.pulls.createReview({
        owner: "acme",
        repo: "widgets",
        pull_number: number,
        commit_id: head,
        event: "COMMENT",
        body: "Summary",
        comments: [
          { path: "src/lib.txt", line: 10, side: "RIGHT", body: "On line 10" },
          { path: "src/lib.txt", line: 21, side: "RIGHT", body: "On line 21" },
        ],
      });
      const [first, second] = fake.reviewComments(repo, number);
      const reply = await repo.createReviewComment(number, { user: "alice", body: "Not an issue.", inReplyTo: first!.id });
      repo.resolveReviewThread(reply.id, "maria");
      repo.reactToReviewComment(second!.id, "alice", "-1");

      let threads = await allThreads(number);
      expect(threads).toEqual([
        {
          isResolved: true,
          isOutdated: false,
          resolvedBy: { login: "maria" },
          comments: {
            nodes: [
              { databaseId: first!.id, author: { login: fake.appSlug } },
              { databaseId: reply.id, author: { login: "alice" } },
            ],
          },
          id: expect.any(String),
        },
        {
          isResolved: false,
          isOutdated: false,
          resolvedBy: null,
          comments: { nodes: [{ databaseId: second!.id, author: { login: fake.appSlug } }] },
          id: expect.any(String),
        },
      ]);
      expect(
        (await octokit.rest.reactions.listForPullRequestReviewComment({ owner: "acme", repo: "widgets", comment_id: second!.id, content: "-1" })).data.map(
          (r) => r.user?.login,
        ),
      ).toEqual(["alice"]);

      // A push changing line 21 outdates its thread; line 10's stays current.
      const lines = SOURCE.split("\n");
      lines[9] = "line 10 changed";
      lines.splice(20, 0, "added A", "added b", "added c");
      lines.splice(lines.indexOf("line 35"), 1);
      await repo.commit({ branch: "threads", files: { "src/lib.txt": lines.join("\n") } });
      threads = await allThreads(number);
      expect(threads.map((t) => t.isOutdated)).toEqual([false, true]);
      repo.unresolveReviewThread(first!.id);
      expect((await allThreads(number))[0]).toMatchObject({ isResolved: false, resolvedBy: null });

      const { data: edited } = await octokit.rest.pulls.updateReview({
        owner: "acme",
        repo: "widgets",
        pull_number: number,
        review_id: review.id,
        body: "Summary, edited",
      });
      expect(edited.body).toBe("Summary, edited");
      expect(fake.reviews(repo, number)[0]!.body).toBe("Summary, edited");
    });

    it("refuses a connection without first or last, as GitHub does", async () => {
      const { number } = await changedPull("threads-unbounded");
      const result = await octokit
        .graphql(`query { repository(owner: "acme", name: "widgets") { pullRequest(number: ${number}) { reviewThreads { totalCount } } } }`)
        .catch((error: { errors?: Array<{ type?: string }> }) => error);
      expect(JSON.stringify(result)).toContain("MISSING_PAGINATION_BOUNDARIES");
    });
  });

  describe("webhooks", () => {
    let receiver: Server;
    let received: Array<{ headers: Record<string, string | string[] | undefined>; body: string }>;
    let url: string;

    beforeAll(async () => {
      received = [];
      receiver = createServer((req, res) => {
        const chunks: Buffer[] = [];
        req.on("data", (c: Buffer) => chunks.push(c));
        req.on("end", () => {
          received.push({ headers: req.headers, body: Buffer.concat(chunks).toString("utf8") });
          res.writeHead(202).end("ok");
        });
      });
      await new Promise<void>((resolve) => receiver.listen(0, "127.0.0.1", resolve));
      url = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/api/github/webhooks`;
    });

    afterAll(() => new Promise<void>((resolve) => receiver.close(() => resolve())));

    it("drives a Probot app configured through GHE_HOST, from webhook to review", async () => {
      const probot = createProbot({
        env: {
          APP_ID: String(fake.appId),
          PRIVATE_KEY: fake.privateKey,
          WEBHOOK_SECRET: "probot-secret",
          GHE_HOST: fake.host,
          GHE_PROTOCOL: fake.protocol,
          LOG_LEVEL: "silent",
        },
      });
      const appFn = (app: Probot): void => {
        app.on("pull_request.opened", async (context) => {
          const config = await context.config<{ review?: { level?: string } }>("skywork.yml");
          const { data: files } = await context.octokit.rest.pulls.listFiles(context.pullRequest());
          await context.octokit.rest.pulls.createReview(
            context.pullRequest({
              event: "COMMENT" as const,
              body: `level=${config?.review?.level ?? "none"}`,
              comments: [{ path: files[0]?.filename ?? "", line: 10, body: "from Probot" }],
            }),
          );
        });
      };
      const middleware = await createNodeMiddleware(appFn, { probot });
      const server = createServer((req, res) => void middleware(req, res, () => res.writeHead(404).end()));
      await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
      try {
        const { number } = await changedPull("probot");
        const payload = await pullRequestEvent(fake, repo, number, "opened");
        const port = (server.address() as AddressInfo).port;
        const result = await deliverWebhook({
          url: `http://127.0.0.1:${port}/api/github/webhooks`,
          secret: "probot-secret",
          event: "pull_request",
          payload,
        });
        expect(result.status).toBe(200);
        const review = await fake.waitFor(() => fake.reviews(repo, number)[0], { what: "Probot's review" });
        expect(review.body).toBe("level=strict");
        expect(fake.reviewComments(repo, number).map((c) => [c.path, c.line])).toEqual([["src/lib.txt", 10]]);
      } finally {
        await new Promise<void>((resolve) => server.close(() => resolve()));
      }
    });

    it("delivers signed payloads built from GitHub's examples and the fake's state", async () => {
      const { number, head } = await changedPull("hooks");
      const payload = await pullRequestEvent(fake, repo, number, "synchronize");
      expect(payload).toMatchObject({
        action: "synchronize",
        number,
        after: head,
        installation: { id: installationId },
        pull_request: { head: { sha: head, ref: "hooks" }, base: { ref: "main" }, user: { login: "alice" } },
        repository: { full_name: "acme/widgets", id: repo.id },
      });
      const result = await deliverWebhook({ url, secret: "s3cret", event: "pull_request", payload, fake });
      expect(result.status).toBe(202);
      const delivery = received.at(-1);
      if (!delivery) throw new Error("nothing received");
      expect(delivery.headers["x-github-event"]).toBe("pull_request");
      expect(delivery.headers["x-github-delivery"]).toBe(result.deliveryId);
      expect(delivery.headers["user-agent"]).toMatch(/^GitHub-Hookshot\//);
      expect(await verify("s3cret", delivery.body, String(delivery.headers["x-hub-signature-256"]))).toBe(true);
      expect(fake.hookDeliveries.at(-1)).toMatchObject({ guid: result.deliveryId, statusCode: 202, action: "synchronize" });

      const comment = await repo.createIssueComment(number, { user: "alice", body: "/skywork review" });
      const commentEvent = issueCommentEvent(fake, repo, comment.id);
      expect(commentEvent.issue.pull_request?.url).toContain(`/pulls/${number}`);
      const issue = await repo.createIssue({ title: "Bug", user: "carol" });
      const onIssue = await repo.createIssueComment(issue.number, { user: "carol", body: "hi" });
      expect(issueCommentEvent(fake, repo, onIssue.id).issue).not.toHaveProperty("pull_request");

      const top = await repo.createReviewComment(number, { user: "alice", body: "why?", path: "src/lib.txt", line: 21 });
      const reply = await repo.createReviewComment(number, { user: "alice", body: "ping", inReplyTo: top.id });
      const replyEvent = await pullRequestReviewCommentEvent(fake, repo, reply.id);
      expect(replyEvent.comment).toMatchObject({ in_reply_to_id: top.id, line: 21, body: "ping" });
    });
  });
});
